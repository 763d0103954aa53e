"""The index on disk: where it lives, who may write, how a rebuild swaps in, open searchers.

Layout under `<instance>/search/`:

- `index-<stamp>/`: a Whoosh index; `CURRENT` names the one in use (replaced atomically);
- `write.lock`: held by whoever writes to the index or swaps `CURRENT`, so writers from
  several processes take turns (they wait, poll and retry; a lock error never reaches a user);
- `REBUILDING` + `rebuild.lock`: a rebuild in progress (the lock is held while it runs, so a
  crashed rebuild leaves a marker nobody mistakes for a live one); changes made meanwhile are
  applied to the current index *and* appended to `<new dir>.journal`, which the rebuild replays
  before it swaps.

Searchers are pooled per process and reopened only when `CURRENT` or the index generation
changes: opening one costs milliseconds, checking costs microseconds. What a change is, and
how a batch of them is written, is in `kb.search.changes`.
"""

from __future__ import annotations

import logging
import os
import shutil
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from whoosh.filedb.filestore import FileStorage
from whoosh.index import TOC, FileIndex
from whoosh.reading import EmptyReader, MultiReader, SegmentReader
from whoosh.searching import Searcher

from kb.search.changes import Change, write_changes
from kb.search.documents import SearchDocument
from kb.search.locks import FileMutex, LockTimeout
from kb.search.schema import build_schema, codec, document_fields
from kb.search.scoring import ImpactWeighting

log = logging.getLogger(__name__)

INDEX_PREFIX = "index-"
WRITE_TIMEOUT = 60.0
# Old index folders are kept one rebuild longer: another process may still be reading one.
KEEP_OLD_INDEXES = 1
FIELDS = frozenset(build_schema().names())


class IndexUnavailable(Exception):
    """No usable index right now (missing, broken, or not built yet)."""


def _fresh_searcher(ix: FileIndex, old: Searcher | None) -> Searcher:
    """A searcher on the latest commit, reusing `old`'s readers of segments that did not change.

    Whoosh's own `refresh()` also reuses a segment whose deletions changed (it compares
    segment ids only), so a removed document would stay visible; here a segment is reused
    only when its deletions are the same, and opening a 50,000-article index from scratch
    (about 50 ms) is left for the first search of a process.
    """
    toc = TOC.read(ix.storage, ix.indexname)
    reusable: dict[str, tuple[int, Any]] = {}
    if old is not None:
        for reader, _offset in old.ixreader.leaf_readers():
            segment = reader.segment()
            if segment is not None:
                reusable[segment.segment_id()] = (segment.deleted_count(), reader)
    readers = []
    for segment in toc.segments:
        kept = reusable.pop(segment.segment_id(), None)
        if kept is not None and kept[0] == segment.deleted_count():
            readers.append(kept[1])
        else:
            if kept is not None:
                kept[1].close()
            readers.append(
                SegmentReader(ix.storage, toc.schema, segment, generation=toc.generation)
            )
    for _count, reader in reusable.values():
        reader.close()
    if not readers:
        reader: Any = EmptyReader(toc.schema)
    elif len(readers) == 1:
        reader = readers[0]
    else:
        reader = MultiReader(readers, generation=toc.generation)
    return Searcher(reader, fromindex=ix, weighting=ImpactWeighting())


class IndexStore:
    def __init__(self, root: Path) -> None:
        self.root = root
        self.pointer = root / "CURRENT"
        self.marker = root / "REBUILDING"
        self._indexes: dict[str, FileIndex] = {}
        self._pool: list[tuple[str, Searcher]] = []
        self._pool_lock = threading.Lock()

    # Where the index is ------------------------------------------------------------------
    def ensure_root(self) -> None:
        self.root.mkdir(parents=True, exist_ok=True)

    def current_name(self) -> str | None:
        try:
            name = self.pointer.read_text().strip()
        except FileNotFoundError:
            return None
        return name if name.startswith(INDEX_PREFIX) and "/" not in name else None

    def _open(self, name: str) -> FileIndex:
        ix = self._indexes.get(name)
        if ix is None:
            ix = FileIndex(FileStorage(str(self.root / name)), schema=None)
            self._indexes[name] = ix
        return ix

    def current_index(self) -> FileIndex:
        name = self.current_name()
        if name is None:
            raise IndexUnavailable("no index yet")
        try:
            ix = self._open(name)
        except Exception as exc:  # a damaged TOC raises anything from EOFError to pickle errors
            self._indexes.pop(name, None)
            raise IndexUnavailable(f"index {name} cannot be opened: {exc!r}") from exc
        missing = FIELDS - set(ix.schema.names())
        if missing:
            # Written by an older version (before pinyin, say): rebuilt like a missing one.
            self._indexes.pop(name, None)
            raise IndexUnavailable(f"index {name} lacks the fields {sorted(missing)}")
        return ix

    def exists(self) -> bool:
        try:
            self.current_index()
        except IndexUnavailable:
            return False
        return True

    def create_empty(self, position: str | None = None) -> None:
        """Start an empty index when there is none (and nothing to put in it)."""
        self.ensure_root()
        with self._write_lock():
            if self.current_name() is None or not self.exists():
                name = self._new_name()
                FileIndex.create(FileStorage(str(self.root / name)).create(), build_schema())
                self._write_position(name, position)
                self._point_to(name)

    def _write_position(self, name: str, position: str | None) -> None:
        """Record, beside a new index, where in the search log it stands (see `replica`)."""
        if position is not None:
            _replace_text(self.root / f"{name}.position", position)

    def _new_name(self) -> str:
        stamp = time.strftime("%Y%m%dT%H%M%S", time.gmtime())
        return f"{INDEX_PREFIX}{stamp}-{os.getpid()}-{os.urandom(3).hex()}"

    def _point_to(self, name: str) -> None:
        _replace_text(self.pointer, name + "\n")

    def _write_lock(self) -> FileMutex:
        return FileMutex(self.root / "write.lock")

    # Rebuilds ------------------------------------------------------------------------------
    def _rebuild_lock(self) -> FileMutex:
        return FileMutex(self.root / "rebuild.lock")

    def rebuild_target(self) -> str | None:
        """The folder a live rebuild is writing, or None (a dead rebuild's marker is ignored)."""
        try:
            target = self.marker.read_text().strip()
        except FileNotFoundError:
            return None
        if not self._rebuild_lock().is_held_elsewhere():
            return None
        return target or None

    def is_rebuilding(self) -> bool:
        return self.rebuild_target() is not None

    def rebuild(
        self,
        batches: Iterable[list[SearchDocument]],
        progress: Callable[[int], None] | None = None,
        *,
        limitmb: int = 256,
        wait: bool = True,
        position: str | None = None,
    ) -> int:
        """Build a fresh index from `batches`, replay what changed meanwhile, swap it in.

        Returns the number of documents, or -1 when another rebuild is running and `wait`
        is false. `position` (the search log's, from before `batches` were read) is recorded
        beside the new index as it is swapped in.
        """
        self.ensure_root()
        lock = self._rebuild_lock()
        if not wait:
            if not lock.try_acquire():
                return -1
        else:
            lock.acquire(timeout=24 * 3600)
        try:
            name = self._new_name()
            storage = FileStorage(str(self.root / name)).create()
            ix = FileIndex.create(storage, build_schema())
            self.marker.write_text(name + "\n")
            count = self._fill(ix, name, batches, progress, limitmb)
            self._swap_in(ix, name, position)
            self._remove_old(keep=name)
            return count
        finally:
            lock.release()

    def _fill(
        self,
        ix: FileIndex,
        name: str,
        batches: Iterable[list[SearchDocument]],
        progress: Callable[[int], None] | None,
        limitmb: int,
    ) -> int:
        """Write every document into the new index; a failure leaves no trace of it."""
        count = 0
        writer = ix.writer(codec=codec(), limitmb=limitmb)
        try:
            for batch in batches:
                for doc in batch:
                    writer.add_document(**document_fields(doc))
                count += len(batch)
                if progress:
                    progress(len(batch))
        except BaseException:
            writer.cancel()
            self.marker.unlink(missing_ok=True)
            shutil.rmtree(self.root / name, ignore_errors=True)
            raise
        writer.commit()
        return count

    def _swap_in(self, ix: FileIndex, name: str, position: str | None) -> None:
        """Replay the changes saved during the rebuild, then point `CURRENT` at the new index."""
        journal = self.root / f"{name}.journal"
        with self._write_lock():
            if journal.exists():
                lines = journal.read_text(encoding="utf-8").splitlines()
                write_changes(ix, (Change.from_json(line) for line in lines if line))
                journal.unlink()
            self._write_position(name, position)
            self._point_to(name)
            self.marker.unlink(missing_ok=True)

    def _remove_old(self, keep: str) -> None:
        folders = sorted(
            (path for path in self.root.glob(INDEX_PREFIX + "*") if path.is_dir()),
            key=lambda path: path.stat().st_mtime,
            reverse=True,
        )
        old = [path for path in folders if path.name != keep][KEEP_OLD_INDEXES:]
        for path in old:
            shutil.rmtree(path, ignore_errors=True)
            self._indexes.pop(path.name, None)
        for leftover in [
            *self.root.glob(INDEX_PREFIX + "*.journal"),
            *self.root.glob(INDEX_PREFIX + "*.position"),
        ]:
            if not (self.root / leftover.stem).exists():
                leftover.unlink(missing_ok=True)

    # Writes --------------------------------------------------------------------------------
    def apply(
        self,
        changes: list[Change],
        timeout: float = WRITE_TIMEOUT,
        *,
        applied_through: Callable[[str], int] | None = None,
    ) -> None:
        """Write changes to the current index (and a running rebuild's journal).

        With `applied_through(index name)`, a change whose log id is at or below it is
        skipped: the replica has applied that row, and any newer state, already.
        Raises LockTimeout when the index stayed busy for `timeout` seconds, and
        IndexUnavailable when there is no index and no rebuild to hand the changes to.
        """
        if not changes:
            return
        self.ensure_root()
        lock = self._write_lock()
        lock.acquire(timeout=timeout)
        try:
            name = self.current_name()
            if applied_through is not None and name is not None:
                through = applied_through(name)
                changes = [c for c in changes if c.log_id is None or c.log_id > through]
            self._write_locked(changes)
        finally:
            lock.release()

    def apply_as_replica(
        self, name: str, changes: list[Change], position_file: Path, position: str
    ) -> bool:
        """Write a batch read from the search log into index `name`, then its new position;
        False (nothing written) when another index was swapped in meanwhile."""
        self.ensure_root()
        lock = self._write_lock()
        lock.acquire(timeout=WRITE_TIMEOUT)
        try:
            if self.current_name() != name:
                return False
            self._write_locked(changes)
            _replace_text(position_file, position)
            return True
        finally:
            lock.release()

    def _write_locked(self, changes: list[Change]) -> None:
        if not changes:
            return
        target = self.rebuild_target()
        if target is not None:
            with (self.root / f"{target}.journal").open("a", encoding="utf-8") as journal:
                journal.writelines(change.to_json() + "\n" for change in changes)
        try:
            ix = self.current_index()
        except IndexUnavailable:
            if target is None:
                raise
            return  # the rebuild will replay them into the index it is building
        write_changes(ix, changes)

    # Searchers -----------------------------------------------------------------------------
    @contextmanager
    def searcher(self) -> Iterator[Searcher]:
        """A searcher on the latest committed index, from this process's pool."""
        ix = self.current_index()
        name = self.current_name() or ""
        generation = TOC._latest_generation(ix.storage, ix.indexname)
        found: Searcher | None = None
        stale: list[Searcher] = []
        with self._pool_lock:
            while self._pool:
                pooled_name, pooled = self._pool.pop()
                if pooled_name == name:
                    found = pooled
                    break
                stale.append(pooled)
        for old in stale:
            old.close()
        try:
            if found is None or found.ixreader.generation() != generation:
                found = _fresh_searcher(ix, found)
        except Exception as exc:
            raise IndexUnavailable(f"cannot open a searcher: {exc!r}") from exc
        try:
            yield found
        except BaseException:
            found.close()
            raise
        with self._pool_lock:
            self._pool.append((name, found))

    def close(self) -> None:
        with self._pool_lock:
            pooled = [searcher for _name, searcher in self._pool]
            self._pool.clear()
        for searcher in pooled:
            searcher.close()

    def document_count(self) -> int:
        with self.searcher() as searcher:
            return searcher.doc_count()


def _replace_text(path: Path, text: str) -> None:
    """Write a small file so that readers see the old or the new text, never a part."""
    temporary = path.with_name(f"{path.name}.{os.getpid()}.{threading.get_ident()}.tmp")
    temporary.write_text(text, encoding="utf-8")
    os.replace(temporary, path)


__all__ = ["Change", "IndexStore", "IndexUnavailable", "LockTimeout"]

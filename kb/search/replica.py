"""This machine's index as a replica of the database's search change log.

Each index folder has a position file beside it (`<instance>/search/<index>.position`): the
last log id applied, and the "holes" below it, ids a transaction had taken but not yet
committed when the replica read past them (ids are handed out at insert, commits land in any
order). A hole is read again on every round until its row appears or `GAP_SECONDS` pass (a
rolled-back transaction leaves a hole forever).

One process per machine follows the log (it holds `follow.lock` in the index folder; if it
dies, another web process takes over within a round). A replica whose position is
unreadable, or that fell behind the log's retention (the oldest kept id is past its position
+ 1), is rebuilt from the database; a rebuild records the log position it started from.
Applying a change twice is harmless, so a crash between an index write and the position
write only repeats work.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from flask import Flask

from community.db import utcnow
from community.extensions import db
from kb.search import changelog
from kb.search.changes import Change
from kb.search.documents import SearchDocument, SearchSource
from kb.search.locks import FileMutex
from kb.search.store import IndexStore

if TYPE_CHECKING:
    from kb.search.engine import SearchEngine

log = logging.getLogger(__name__)

BATCH = 2000
FOLLOW_SECONDS = 0.5
GAP_SECONDS = 300.0
# Holes are looked for only this far below the newest id read, and kept at most this many.
HOLE_WINDOW = 2000
MAX_HOLES = 1000
PRUNE_EVERY_SECONDS = 3600.0
# A replica further behind than this is reported as degraded in /healthz.
LAG_LIMIT_SECONDS = 300


class PositionUnreadable(Exception):
    """The position file exists but holds no position (truncated, edited, damaged)."""


@dataclass(frozen=True)
class Position:
    """The last log id applied, and the ids below it still awaited (id → when first missed)."""

    applied: int = 0
    holes: dict[int, float] = field(default_factory=dict)

    def to_text(self) -> str:
        holes = {str(key): round(seen, 3) for key, seen in self.holes.items()}
        return json.dumps({"applied": self.applied, "holes": holes}) + "\n"

    @classmethod
    def from_text(cls, text: str) -> Position:
        try:
            payload = json.loads(text)
            applied = int(payload["applied"])
            holes = {int(key): float(seen) for key, seen in dict(payload["holes"]).items()}
        except (ValueError, KeyError, TypeError, AttributeError) as exc:
            raise PositionUnreadable(repr(exc)) from exc
        if applied < 0:
            raise PositionUnreadable(f"negative position {applied}")
        return cls(applied, holes)

    def advance(self, seen_ids: Iterable[int], now: float) -> Position:
        """The position after applying `seen_ids` (read in order, after this position)."""
        seen = set(seen_ids)
        top = max([self.applied, *seen])
        holes = {
            hole: first
            for hole, first in self.holes.items()
            if hole not in seen and now - first < GAP_SECONDS
        }
        for missing in range(max(self.applied, top - HOLE_WINDOW) + 1, top):
            if missing not in seen:
                holes.setdefault(missing, now)
        if len(holes) > MAX_HOLES:
            holes = dict(sorted(holes.items())[-MAX_HOLES:])
        return Position(top, holes)


# The position file ---------------------------------------------------------------------------
def position_path(store: IndexStore, name: str) -> Path:
    return store.root / f"{name}.position"


def read_position(store: IndexStore, name: str) -> Position:
    """The named index's position; an index from before the log starts at 0."""
    try:
        text = position_path(store, name).read_text(encoding="utf-8")
    except FileNotFoundError:
        return Position()
    return Position.from_text(text)


def applied_through(store: IndexStore, name: str) -> int:
    """For inline writes: changes up to this id are already in the named index."""
    try:
        return read_position(store, name).applied
    except (PositionUnreadable, OSError):
        return 0


def mark() -> Position:
    """Where a rebuild that reads the database from now on starts following the log.

    An empty log gets a mark row: ids do not restart after rows are deleted, so without one
    the first row written later could look like the log had been pruned past this index.
    """
    oldest, newest = changelog.bounds()
    if oldest is None or newest is None:
        return Position(changelog.add_mark())
    low = max(oldest - 1, newest - HOLE_WINDOW)  # below the oldest kept, rows were pruned
    kept = changelog.ids_between(low, newest)
    now = time.time()
    return Position(newest, {hole: now for hole in range(low + 1, newest) if hole not in kept})


# Following -------------------------------------------------------------------------------------
def to_changes(
    rows: list[changelog.LoggedChange], sources: dict[str, SearchSource]
) -> list[Change]:
    """Index changes for log rows: the last row of a document wins; a kind whose source can
    read documents back is read now (a document deleted since is removed)."""
    latest: dict[str, changelog.LoggedChange] = {}
    for row in rows:
        if row.action == changelog.MARK:
            continue
        latest.pop(row.uid, None)
        latest[row.uid] = row
    wanted: dict[str, list[str]] = {}
    for row in latest.values():
        source = sources.get(row.kind)
        if source is not None and source.load is not None:
            wanted.setdefault(row.kind, []).append(row.key)
    loaded: dict[str, SearchDocument] = {}
    for kind, keys in wanted.items():
        for document in sources[kind].load(keys).values():  # type: ignore[misc]
            loaded[document.uid] = document
    changes = []
    for uid, row in latest.items():
        if row.kind in wanted:
            changes.append(Change(uid=uid, doc=loaded.get(uid)))
        elif row.action == changelog.INDEX and row.document:
            changes.append(_from_payload(uid, row.document))
        else:
            changes.append(Change(uid=uid))
    return changes


def _from_payload(uid: str, payload: str) -> Change:
    try:
        change = Change.from_json(payload)
    except (ValueError, KeyError, TypeError) as exc:
        log.warning("search log row for %s holds no usable document (%r): removing it", uid, exc)
        return Change(uid=uid)
    return change if change.uid == uid else Change(uid=uid)


@dataclass
class Round:
    """What one round of following did."""

    applied: int = 0
    rebuild: str | None = None


def follow_once(engine: SearchEngine, *, background: bool) -> Round:
    """Apply the next batch of the log to this machine's index (rebuild it when it cannot).

    Runs in an app context. `background` rebuilds in a child process (a web worker) rather
    than before returning.
    """
    store = engine.store
    name = store.current_name()
    if name is None or store.is_rebuilding():
        return Round()
    reason = rebuild_reason(store, name)
    if reason is not None:
        log.warning("search index %s: %s; rebuilding it", name, reason)
        db.session.rollback()
        if background:
            engine.rebuild_in_background()
        else:
            engine.rebuild()
        return Round(rebuild=reason)
    position = read_position(store, name)
    rows = changelog.pending(position.applied, sorted(position.holes), BATCH)
    changes = to_changes(rows, engine.sources)
    db.session.rollback()  # end the read: nothing here holds a transaction between rounds
    after = position.advance((row.id for row in rows), time.time())
    if after != position:
        store.apply_as_replica(name, changes, position_path(store, name), after.to_text())
    return Round(applied=len(rows))


def rebuild_reason(store: IndexStore, name: str) -> str | None:
    """Why this index cannot follow the log any more, or None when it can."""
    try:
        position = read_position(store, name)
    except PositionUnreadable:
        return "its log position is unreadable"
    except OSError as exc:
        return f"its log position cannot be read ({exc.strerror})"
    oldest, newest = changelog.bounds()
    if oldest is None or newest is None:
        return None
    if newest > position.applied and oldest > position.applied + 1:
        return "it is behind the log's retention"
    return None


def catch_up(engine: SearchEngine, *, background: bool = False) -> int:
    """Follow the log to its end (at start-up), unless another process here is following."""
    mutex = FileMutex(engine.store.root / "follow.lock")
    if not mutex.try_acquire():
        return 0
    try:
        total = 0
        while True:
            done = follow_once(engine, background=background)
            total += done.applied
            if done.applied < BATCH or done.rebuild:
                return total
    finally:
        mutex.release()


def lag(store: IndexStore) -> dict[str, Any]:
    """For /healthz: this replica's position, and how far the log has gone past it."""
    name = store.current_name()
    if name is None:
        return {"ok": False, "error": "no index"}
    try:
        position = read_position(store, name)
    except PositionUnreadable:
        return {"ok": False, "error": "log position unreadable"}
    count, oldest = changelog.behind(position.applied)
    seconds = _age(oldest)
    report: dict[str, Any] = {"position": position.applied, "changes": count, "seconds": seconds}
    report["ok"] = seconds <= LAG_LIMIT_SECONDS
    return report


def _age(moment: datetime | None) -> float:
    return 0.0 if moment is None else round(max(0.0, (utcnow() - moment).total_seconds()), 1)


# The follower thread ---------------------------------------------------------------------------
def run_follower(app: Flask, stop: threading.Event, engine: SearchEngine) -> None:
    """Each web process runs this; the one holding `follow.lock` follows, the others wait
    to take over. Old log rows are pruned now and then by whoever follows."""
    mutex = FileMutex(engine.store.root / "follow.lock")
    pruned_at = -PRUNE_EVERY_SECONDS
    while not stop.wait(FOLLOW_SECONDS):
        try:
            engine.store.ensure_root()
            if not mutex.held and not mutex.try_acquire():
                continue
            with app.app_context():
                engine.ensure_started()
                while follow_once(engine, background=True).applied >= BATCH:
                    pass
                if time.monotonic() - pruned_at >= PRUNE_EVERY_SECONDS:
                    pruned_at = time.monotonic()
                    changelog.prune(int(app.config["KB_SEARCH_LOG_DAYS"]))
        except Exception:
            log.exception("following the search log failed; trying again")
            with app.app_context():
                db.session.rollback()

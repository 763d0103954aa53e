"""The search engine of one app: its sources, its index's life (start, rebuilds, writes),
and the entry points for reading, which answer from the index (`kb.search.querying`) or,
while it cannot, from the database.
"""

from __future__ import annotations

import logging
import os
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from flask import Flask, has_request_context
from sqlalchemy.exc import SQLAlchemyError

from community.extensions import db
from kb.search import replica
from kb.search.analysis import parse_query
from kb.search.changes import Change
from kb.search.documents import Hit, SearchDocument, SearchPage, SearchSource
from kb.search.querying import Scope, search_database, search_index, suggest_index
from kb.search.store import IndexStore, IndexUnavailable, LockTimeout

log = logging.getLogger(__name__)

MAX_PER_PAGE = 50
MAX_PAGE = 50
APPLY_TIMEOUT = 10.0
PROJECT_ROOT = Path(__file__).resolve().parents[2]
RESPAWN_SECONDS = 60.0


class SearchEngine:
    """One per app: the index store, the registered sources, and the rebuild state."""

    def __init__(self, app: Flask, store: IndexStore, *, follows_log: bool = False) -> None:
        self.app = app
        self.store = store
        # An app's engine follows the search log in its database (`kb.search.replica`); an
        # engine over a scratch index (relevance runs, benchmarks) has no database to follow.
        self.follows_log = follows_log
        self.sources: dict[str, SearchSource] = {}
        self._started = False
        self._start_lock = threading.Lock()
        self._thread_lock = threading.Lock()
        self._background: subprocess.Popen[bytes] | None = None
        self._spawned_at = -RESPAWN_SECONDS

    # Sources -------------------------------------------------------------------------------
    def add_source(self, source: SearchSource) -> None:
        self.sources[source.kind] = source

    def public_kinds(self) -> tuple[str, ...]:
        """What a search that names no kinds covers: everything but private kinds."""
        return tuple(kind for kind, source in self.sources.items() if source.public)

    def label(self, kind: str) -> str:
        source = self.sources.get(kind)
        return str(source.label) if source else kind

    # Start-up and rebuilds -----------------------------------------------------------------
    def ensure_started(self) -> None:
        """On first use in a process: build a missing or broken index, then bring it up to
        date with the search log (rebuilding it when it fell behind the log's retention).

        In a web request a rebuild runs in a child process and the log is followed by the
        process's follower thread (searches answer meanwhile); elsewhere (commands, tests)
        both happen before returning.
        """
        if self._started:
            return
        with self._start_lock:
            if self._started:
                return
            try:
                if not (self.store.exists() or self.store.is_rebuilding()):
                    self._build_missing()
                elif self.follows_log and not has_request_context():
                    with self.app.app_context():  # a session of its own: the caller's is left be
                        replica.catch_up(self)
            except SQLAlchemyError:
                # No tables yet (before `db upgrade`): try again on the next call.
                db.session.rollback()
                log.warning("search index not started: the database is not ready", exc_info=True)
                return
            except OSError:
                # An unwritable instance folder: searches answer from the database meanwhile.
                log.exception("search index folder %s cannot be used", self.store.root)
            self._started = True

    def _build_missing(self) -> None:
        if self.document_total() == 0:
            self.store.create_empty(self._log_position())
        elif has_request_context():
            self.rebuild_in_background()
        else:
            self.rebuild()

    def document_total(self) -> int:
        return sum(source.count() for source in self.sources.values())

    def all_documents(self) -> Iterator[list[SearchDocument]]:
        for source in self.sources.values():
            yield from source.documents()

    def rebuild(self, progress: Callable[[int], None] | None = None, *, wait: bool = True) -> int:
        """Rebuild every source into a fresh index; -1 when another rebuild holds the lock
        and `wait` is false. The new index follows the log from where it stood before the
        documents were read (changes made while they are read are applied again: harmless)."""
        position = self._log_position()
        return self.store.rebuild(self.all_documents(), progress, wait=wait, position=position)

    def _log_position(self) -> str | None:
        return replica.mark().to_text() if self.follows_log else None

    def usable(self) -> bool:
        """The index is there, and (following the log) can still catch up by following it."""
        if not self.store.exists():
            return False
        name = self.store.current_name()
        if not self.follows_log or name is None:
            return True
        return replica.rebuild_reason(self.store, name) is None

    def rebuild_in_background(self) -> None:
        """Start `kb reindex --if-missing` in a child process, unless a rebuild is running.

        A process rather than a thread: the web worker is a gevent loop, which a long
        CPU-bound rebuild in a green thread would stall, and the index's locks and journal
        already let another process rebuild safely beside this one.
        """
        with self._thread_lock:
            if self._background is not None and self._background.poll() is None:
                return
            # A rebuild that failed is retried, but not on every search.
            if time.monotonic() - self._spawned_at < RESPAWN_SECONDS or self.store.is_rebuilding():
                return
            self._spawned_at = time.monotonic()
            environment = {
                **os.environ,
                "PORTAL_INSTANCE": self.app.instance_path,
                "DATABASE_URL": self.app.config["SQLALCHEMY_DATABASE_URI"],
            }
            log.warning("search index missing or broken: rebuilding it in the background")
            self._background = subprocess.Popen(
                [sys.executable, "-m", "flask", "--app", "wsgi", "kb", "reindex", "--if-missing"],
                cwd=PROJECT_ROOT,
                env=environment,
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
            )

    def wait_for_background(self, timeout: float | None = None) -> None:
        process = self._background
        if process is not None:
            process.wait(timeout)

    # Writes --------------------------------------------------------------------------------
    def apply(self, changes: list[Change]) -> None:
        """Apply committed changes now; when the index is busy or broken, keep them safe.

        Runs in a fresh app context: it is called from the session's after-commit hook, when
        that session can no longer talk to the database.
        """
        with self.app.app_context():
            self.ensure_started()
            try:
                self.store.apply(changes, timeout=APPLY_TIMEOUT, applied_through=self._through)
            except LockTimeout:
                log.warning("search index busy: %d changes will be retried", len(changes))
                threading.Thread(
                    target=self._apply_later, args=(changes,), name="kb-search-retry", daemon=True
                ).start()
            except IndexUnavailable:
                # Nothing to write into: build it from the database, which has the change.
                self._build_missing()
            except Exception:
                # The database has the change; a rebuild reads it from there.
                log.exception("search index could not be updated; rebuilding it")
                self.rebuild_in_background()

    def _through(self, name: str) -> int:
        return replica.applied_through(self.store, name) if self.follows_log else 0

    def _apply_later(self, changes: list[Change]) -> None:
        while True:
            try:
                self.store.apply(changes, timeout=60.0, applied_through=self._through)
                return
            except LockTimeout:
                continue
            except Exception:
                log.exception("search index could not be updated; rebuilding it")
                self.rebuild_in_background()
                return

    # Reading -------------------------------------------------------------------------------
    def status(self) -> dict[str, Any]:
        self.ensure_started()
        rebuilding = self.store.is_rebuilding()
        try:
            documents = self.store.document_count()
        except Exception as exc:
            return {
                "ok": rebuilding,
                "index": "missing",
                "rebuilding": rebuilding,
                "error": repr(exc),
            }
        report = {"ok": True, "index": "ready", "documents": documents, "rebuilding": rebuilding}
        if self.follows_log:
            report["lag"] = lag = replica.lag(self.store)
            if not lag["ok"] and not rebuilding:
                report["ok"] = False
                report["error"] = lag.get("error") or (
                    f"the search index is {lag['changes']} changes, {lag['seconds']:.0f} s "
                    "behind the database"
                )
        return report

    def search(
        self,
        query: str,
        *,
        page: int = 1,
        per_page: int = 10,
        category: str | None = None,
        kinds: tuple[str, ...] | None = None,
        language: str | None = None,
    ) -> SearchPage:
        """Best matches first (the reader's `language` ahead), highlighted, paged."""
        per_page = min(max(1, per_page), MAX_PER_PAGE)
        page = min(max(1, page), MAX_PAGE)
        parsed = parse_query(query)
        scope = Scope(page, per_page, category, kinds, language)
        if not parsed.words:
            return SearchPage(query=query, hits=[], total=0, page=page, per_page=per_page)
        self.ensure_started()
        try:
            with self.store.searcher() as searcher:
                return search_index(searcher, query, parsed, scope, self.label)
        except IndexUnavailable:
            self.rebuild_in_background()
        except Exception:
            log.exception("search index failed; answering from the database")
            self.rebuild_in_background()
        return search_database(self.sources, query, parsed, scope, self.label)

    def suggest(
        self,
        prefix: str,
        *,
        limit: int = 8,
        kinds: tuple[str, ...] | None = None,
        language: str | None = None,
    ) -> list[Hit]:
        """Titles for what has been typed so far (the last word may be unfinished)."""
        parsed = parse_query(prefix)
        if parsed.last is None:
            return []
        scope = Scope(1, limit, None, kinds, language)
        self.ensure_started()
        try:
            with self.store.searcher() as searcher:
                return suggest_index(searcher, parsed, limit, scope, self.label)
        except IndexUnavailable:
            self.rebuild_in_background()
        except Exception:
            log.exception("search index failed; suggesting from the database")
            self.rebuild_in_background()
        return search_database(self.sources, prefix, parsed, scope, self.label).hits

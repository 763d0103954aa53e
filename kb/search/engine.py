"""Queries: full-text search with paging and "did you mean", as-you-type suggestions, and
the database fallback used while the index is missing or being rebuilt.

Queries are built from analysed terms, never parsed as Whoosh query syntax: quotes,
brackets, `AND OR`, `*` and emoji are just characters, so no query can fail or blow up into
a wildcard over the whole vocabulary.
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
from markupsafe import Markup
from sqlalchemy.exc import SQLAlchemyError
from whoosh.searching import Searcher

from community.extensions import db
from kb.search.analysis import is_han, query_words, stem
from kb.search.documents import FallbackRow, Hit, SearchDocument, SearchPage, SearchSource
from kb.search.evaluate import rank as rank_documents
from kb.search.schema import stored_text
from kb.search.snippets import highlight
from kb.search.store import Change, IndexStore, IndexUnavailable, LockTimeout

log = logging.getLogger(__name__)

MAX_PER_PAGE = 50
MAX_PAGE = 50
# "Did you mean" is worth its cost only when the results are thin.
FEW_RESULTS = 3
SUGGEST_EXPANSIONS = 16
SUGGEST_SCAN = 400
APPLY_TIMEOUT = 10.0
PROJECT_ROOT = Path(__file__).resolve().parents[2]
RESPAWN_SECONDS = 60.0


def _filters(category: str | None, kinds: tuple[str, ...] | None) -> list[tuple[str, list[str]]]:
    filters: list[tuple[str, list[str]]] = []
    if category:
        filters.append(("category", [category]))
    if kinds:
        filters.append(("kind", list(kinds)))
    return filters


class SearchEngine:
    """One per app: the index store, the registered sources, and the rebuild state."""

    def __init__(self, app: Flask, store: IndexStore) -> None:
        self.app = app
        self.store = store
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
        """On first use in a process: build a missing or broken index.

        In a web request the rebuild runs in a background thread (searches answer from the
        database meanwhile); elsewhere (commands, tests) it runs before returning.
        """
        if self._started:
            return
        with self._start_lock:
            if self._started:
                return
            try:
                if not (self.store.exists() or self.store.is_rebuilding()):
                    self._build_missing()
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
            self.store.create_empty()
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
        and `wait` is false."""
        return self.store.rebuild(self.all_documents(), progress, wait=wait)

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
                self.store.apply(changes, timeout=APPLY_TIMEOUT)
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

    def _apply_later(self, changes: list[Change]) -> None:
        while True:
            try:
                self.store.apply(changes, timeout=60.0)
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
        return {"ok": True, "index": "ready", "documents": documents, "rebuilding": rebuilding}

    def search(
        self,
        query: str,
        *,
        page: int = 1,
        per_page: int = 10,
        category: str | None = None,
        kinds: tuple[str, ...] | None = None,
    ) -> SearchPage:
        per_page = min(max(1, per_page), MAX_PER_PAGE)
        page = min(max(1, page), MAX_PAGE)
        words = tuple(query_words(query))
        terms = list(dict.fromkeys(stem(word) for word in words))
        if not terms:
            return SearchPage(query=query, hits=[], total=0, page=page, per_page=per_page)
        self.ensure_started()
        try:
            with self.store.searcher() as searcher:
                return self._search_index(
                    searcher, query, words, terms, page, per_page, category, kinds
                )
        except IndexUnavailable:
            self.rebuild_in_background()
        except Exception:
            log.exception("search index failed; answering from the database")
            self.rebuild_in_background()
        return self._search_database(query, words, page, per_page, category, kinds)

    def _search_index(
        self,
        searcher: Searcher,
        query: str,
        words: tuple[str, ...],
        terms: list[str],
        page: int,
        per_page: int,
        category: str | None,
        kinds: tuple[str, ...] | None,
    ) -> SearchPage:
        filters = _filters(category, kinds)
        hits, total = self._run(searcher, terms, words, page, per_page, filters)
        partial = False
        if total == 0 and len(terms) > 1:
            hits, total = self._run(searcher, terms, words, page, per_page, filters, every=False)
            partial = total > 0
        did_you_mean = None
        if total < FEW_RESULTS or partial:
            did_you_mean = self._did_you_mean(searcher, words, filters, total, partial)
        return SearchPage(
            query=query,
            hits=hits,
            total=total,
            page=page,
            per_page=per_page,
            did_you_mean=did_you_mean,
            partial=partial,
        )

    def _run(
        self,
        searcher: Searcher,
        terms: list[str],
        words: tuple[str, ...],
        page: int,
        per_page: int,
        filters: list[tuple[str, list[str]]],
        *,
        every: bool = True,
    ) -> tuple[list[Hit], int]:
        limit = page * per_page
        ranked = rank_documents(
            searcher,
            "content",
            required=terms if every else [],
            any_of=[] if every else terms,
            filters=filters,
            limit=limit,
        )
        hits = [
            self._hit(searcher.stored_fields(docnum), score, words)
            for score, docnum in ranked.top[(page - 1) * per_page : limit]
        ]
        return hits, ranked.total

    def _hit(self, stored: dict[str, Any], score: float, words: tuple[str, ...] | None) -> Hit:
        kind = stored.get("kind", "")
        return Hit(
            kind=kind,
            key=stored.get("key", ""),
            title=stored.get("title", ""),
            url=stored.get("url", ""),
            snippet=highlight(stored_text(stored), words) if words is not None else Markup(""),
            score=score,
            label=self.label(kind),
        )

    def _did_you_mean(
        self,
        searcher: Searcher,
        words: tuple[str, ...],
        filters: list[tuple[str, list[str]]],
        total: int,
        partial: bool,
    ) -> str | None:
        reader = searcher.reader()
        corrected: list[str] = []
        changed = False
        for word in words:
            if is_han(word) or not word.isalpha() or len(word) < 3:
                corrected.append(word)
                continue
            if reader.doc_frequency("spell", word) or reader.doc_frequency("content", stem(word)):
                corrected.append(word)
                continue
            best = None
            for distance in (1, 2):
                candidates = [
                    candidate
                    for candidate in reader.terms_within("spell", word, distance, prefix=1)
                    if candidate != word
                ]
                if candidates:
                    best = max(candidates, key=lambda c: (reader.doc_frequency("spell", c), c))
                    break
            if best is None:
                corrected.append(word)
                continue
            corrected.append(best)
            changed = True
        if not changed:
            return None
        terms = list(dict.fromkeys(stem(word) for word in corrected))
        found = rank_documents(searcher, "content", required=terms, filters=filters, limit=1).total
        if found == 0 or (found <= total and not partial):
            return None
        return " ".join(corrected)

    def suggest(
        self, prefix: str, *, limit: int = 8, kinds: tuple[str, ...] | None = None
    ) -> list[Hit]:
        words = query_words(prefix)
        if not words:
            return []
        self.ensure_started()
        try:
            with self.store.searcher() as searcher:
                return self._suggest_index(searcher, words, limit, kinds)
        except IndexUnavailable:
            self.rebuild_in_background()
        except Exception:
            log.exception("search index failed; suggesting from the database")
            self.rebuild_in_background()
        page = self._search_database(prefix, tuple(words), 1, limit, None, kinds)
        return page.hits

    def _suggest_index(
        self, searcher: Searcher, words: list[str], limit: int, kinds: tuple[str, ...] | None
    ) -> list[Hit]:
        reader = searcher.reader()
        *complete, last = words
        expansions: list[tuple[int, str]] = []
        for count, (term, info) in enumerate(reader.iter_prefix("title_terms", last)):
            if count >= SUGGEST_SCAN:
                break
            word = term.decode("utf-8") if isinstance(term, bytes) else term
            expansions.append((info.doc_frequency(), word))
        choices = [
            word for _frequency, word in sorted(expansions, reverse=True)[:SUGGEST_EXPANSIONS]
        ]
        last_stem = stem(last)
        if last_stem not in choices:
            choices.append(last_stem)
        ranked = rank_documents(
            searcher,
            "title_terms",
            required=[stem(word) for word in complete],
            any_of=choices,
            filters=_filters(None, kinds),
            limit=limit,
        )
        return [
            self._hit(searcher.stored_fields(docnum), score, None) for score, docnum in ranked.top
        ]

    # The database fallback -----------------------------------------------------------------
    def _search_database(
        self,
        query: str,
        words: tuple[str, ...],
        page: int,
        per_page: int,
        category: str | None,
        kinds: tuple[str, ...] | None,
    ) -> SearchPage:
        rows: list[tuple[str, FallbackRow]] = []
        wanted = page * per_page
        for kind, source in self.sources.items():
            if source.fallback is None or (kinds and kind not in kinds):
                continue
            rows.extend((kind, row) for row in source.fallback(list(words), category, wanted))
        rows.sort(key=lambda item: item[1].score, reverse=True)
        hits = [
            Hit(
                kind=kind,
                key=row.key,
                title=row.title,
                url=row.url,
                snippet=highlight(row.text, words),
                score=row.score,
                label=self.label(kind),
            )
            for kind, row in rows[(page - 1) * per_page : wanted]
        ]
        return SearchPage(
            query=query,
            hits=hits,
            total=len(rows),
            page=page,
            per_page=per_page,
            fallback=True,
        )

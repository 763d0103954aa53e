"""Portico's one search interface: index, remove, search, suggest, rebuild.

Nothing outside this package imports Whoosh, so a server-grade engine can take its place.
Every kind of document (articles, solved forum topics, ...) goes through the same calls:

- `register_source(app, SearchSource(...))` once, at start-up, so `kb reindex` and the
  database fallback know the kind;
- `index_after_commit(doc)` / `remove_after_commit(kind, key)` inside the transaction that
  changes the document: they write a row of the search change log (`changelog`) in that
  transaction, which every machine's index replica follows (`replica`); this process also
  updates its own index right after the commit, so a writer reads its own change at once
  (within moments when the follower holds the index just then).
  A rollback drops both;
- `search(...)`, `suggest(...)` to read; with `language` ("zh", "en") documents in that
  language come first (`kb.services.search` passes the reader's).

How text is analysed: `analysis` (normal form, segmentation, pinyin, characters), `planning`
(a query's words into alternatives and corrections), `evaluate` (ranking), `snippets`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from flask import Flask, current_app
from sqlalchemy import event, inspect
from sqlalchemy.orm import Session, SessionTransaction

from community.background import FirstRequestThread
from community.extensions import db
from kb.search import changelog, replica
from kb.search.changes import Change
from kb.search.documents import FallbackRow, Hit, SearchDocument, SearchPage, SearchSource
from kb.search.engine import SearchEngine
from kb.search.store import IndexStore

EXTENSION_KEY = "kb.search"
_PENDING = "kb_search_changes"
_DEFERRED = "kb_search_deferred"
FOLLOWER = "kb-search-follower"

__all__ = [
    "FallbackRow",
    "Hit",
    "SearchDocument",
    "SearchPage",
    "SearchSource",
    "deferred",
    "engine",
    "index_after_commit",
    "init_app",
    "rebuild",
    "register_source",
    "remove_after_commit",
    "search",
    "status",
    "suggest",
]


def init_app(app: Flask) -> SearchEngine:
    """Give the app its engine (the index lives in `<instance>/search/`) and, in a web
    process, the thread that keeps the index following the search log."""
    store = IndexStore(Path(app.instance_path) / "search")
    search_engine = SearchEngine(app, store, follows_log=True)
    app.extensions[EXTENSION_KEY] = search_engine
    if not app.testing:
        follower = FirstRequestThread(
            FOLLOWER, lambda app, stop: replica.run_follower(app, stop, search_engine)
        )
        follower.attach(app)
    return search_engine


def engine(app: Flask | None = None) -> SearchEngine:
    return (app or current_app).extensions[EXTENSION_KEY]  # type: ignore[no-any-return]


def register_source(app: Flask, source: SearchSource) -> None:
    """Make a kind of document known to reindexing, labels and the database fallback."""
    engine(app).add_source(source)


# Following the database ----------------------------------------------------------------------
def _queue(change: Change) -> None:
    """Log the change in the current transaction, and keep it for this index after commit."""
    search_engine = engine()
    info = db.session.info
    pending: dict[str, tuple[Change, changelog.SearchChange]] = info.setdefault(_PENDING, {})
    kind, _, key = change.uid.partition(":")
    payload = None
    source = search_engine.sources.get(kind)
    if change.doc is not None and (source is None or source.load is None):
        payload = change.to_json()
    earlier = pending.pop(change.uid, None)  # the last change to a document in a transaction wins
    if earlier is not None and inspect(earlier[1]).pending:  # not yet flushed: one row will do
        row = earlier[1]
        row.action = changelog.REMOVE if change.doc is None else changelog.INDEX
        row.document = payload
    else:
        row = changelog.record(kind, key, removed=change.doc is None, document=payload)
    pending[change.uid] = (change, row)
    info[_PENDING + ".engine"] = search_engine


def _logged(pending: dict[str, tuple[Change, changelog.SearchChange]]) -> list[Change]:
    """The committed changes with their log ids (read from the identity: no query)."""
    changes = []
    for change, row in pending.values():
        identity = inspect(row).identity
        log_id = int(identity[0]) if identity else None
        changes.append(Change(uid=change.uid, doc=change.doc, log_id=log_id))
    return changes


def index_after_commit(doc: SearchDocument) -> None:
    """Add or replace `doc` in the index once the current transaction commits."""
    _queue(Change(uid=doc.uid, doc=doc))


def remove_after_commit(kind: str, key: str) -> None:
    """Remove a document from the index once the current transaction commits."""
    _queue(Change(uid=f"{kind}:{key}"))


@event.listens_for(Session, "after_commit")
def _apply_pending(session: Session) -> None:
    pending = session.info.pop(_PENDING, None)
    search_engine = session.info.pop(_PENDING + ".engine", None)
    if not pending or search_engine is None:
        return
    changes = _logged(pending)
    held: dict[str, Change] | None = session.info.get(_DEFERRED)
    if held is not None:
        for change in changes:
            held.pop(change.uid, None)
            held[change.uid] = change
        session.info[_DEFERRED + ".engine"] = search_engine
        return
    search_engine.apply(changes)


@contextmanager
def deferred() -> Iterator[None]:
    """Hold the index changes of every commit inside the block; apply them at its end, once.

    For writers that commit many small transactions in a row (mail fetched in a batch): one
    index write instead of one per commit, which is most of the cost of each. A process that
    dies inside the block loses nothing: the search log has every committed change.
    """
    info = db.session.info
    if _DEFERRED in info:  # already deferring: the outer block applies
        yield
        return
    info[_DEFERRED] = {}
    try:
        yield
    finally:
        held: dict[str, Change] = info.pop(_DEFERRED, {})
        search_engine = info.pop(_DEFERRED + ".engine", None)
        if held and search_engine is not None:
            search_engine.apply(list(held.values()))


@event.listens_for(Session, "after_soft_rollback")
def _drop_pending(session: Session, previous_transaction: SessionTransaction) -> None:
    # A savepoint's rollback keeps the outer transaction going, and its queued changes.
    if previous_transaction.nested:
        return
    session.info.pop(_PENDING, None)
    session.info.pop(_PENDING + ".engine", None)


# Reading --------------------------------------------------------------------------------------
def search(
    query: str,
    *,
    page: int = 1,
    per_page: int = 10,
    category: str | None = None,
    kinds: tuple[str, ...] | list[str] | None = None,
    language: str | None = None,
) -> SearchPage:
    """Best matches first, highlighted snippets, paging, and a "did you mean" for words the
    index does not know. With `language` ("en" or "zh"), documents in it come first."""
    search_engine = engine()
    return search_engine.search(
        query,
        page=page,
        per_page=per_page,
        category=category,
        kinds=tuple(kinds) if kinds else search_engine.public_kinds(),
        language=language,
    )


def suggest(
    prefix: str,
    *,
    limit: int = 8,
    kinds: tuple[str, ...] | list[str] | None = None,
    language: str | None = None,
) -> list[Hit]:
    """Titles matching what has been typed so far (the last word may be unfinished)."""
    search_engine = engine()
    chosen = tuple(kinds) if kinds else search_engine.public_kinds()
    return search_engine.suggest(prefix, limit=limit, kinds=chosen, language=language)


def rebuild(progress: Callable[[int], None] | None = None, *, wait: bool = True) -> int:
    """Rebuild every kind into a fresh index and swap it in; returns the document count
    (-1 when `wait` is false and another process is rebuilding)."""
    return engine().rebuild(progress, wait=wait)


def index_is_usable() -> bool:
    """An index is there and can follow the search log (else `kb reindex --if-missing`
    rebuilds it)."""
    return engine().usable()


def document_total() -> int:
    return engine().document_total()


def status() -> dict[str, Any]:
    """For `/healthz`: is the index there, how many documents, is a rebuild running."""
    return engine().status()

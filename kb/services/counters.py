"""Read counts and search statistics: counted in memory, written in batches.

A page view or a search must not cost a database write (the article page is served from the
page cache at several thousand requests a second, and SQLite has one writer). Each process
keeps its counts and adds them to the database at most every `KB_COUNTER_FLUSH_SECONDS`
(default 10), from whichever request comes next. A crash loses at most that many seconds of
counts, which statistics can afford.
"""

from __future__ import annotations

import logging
import re
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import date

from flask import Flask, current_app
from sqlalchemy import bindparam, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import SQLAlchemyError

from community.db import utcnow
from community.extensions import db
from community.forms import clean_text
from kb.models import Article, SearchStat

log = logging.getLogger(__name__)

EXTENSION_KEY = "kb.counters"
MAX_QUERY_LENGTH = 200


@dataclass
class _Counts:
    lock: threading.Lock = field(default_factory=threading.Lock)
    views: Counter[int] = field(default_factory=Counter)
    searches: Counter[tuple[date, str]] = field(default_factory=Counter)
    zero_results: Counter[tuple[date, str]] = field(default_factory=Counter)
    flushed_at: float = field(default_factory=time.monotonic)


def init_app(app: Flask) -> None:
    app.extensions[EXTENSION_KEY] = _Counts()


def _counts() -> _Counts:
    return current_app.extensions[EXTENSION_KEY]  # type: ignore[no-any-return]


def normalise_query(query: str) -> str:
    """Searches that differ only in case or spacing are one line in the insights."""
    return re.sub(r"\s+", " ", clean_text(query)).lower()[:MAX_QUERY_LENGTH]


def count_view(article_id: int) -> None:
    counts = _counts()
    with counts.lock:
        counts.views[article_id] += 1
    flush_if_due()


def count_search(query: str, total: int) -> None:
    normalised = normalise_query(query)
    if not normalised:
        return
    key = (utcnow().date(), normalised)
    counts = _counts()
    with counts.lock:
        counts.searches[key] += 1
        if total == 0:
            counts.zero_results[key] += 1
    flush_if_due()


def flush_if_due() -> None:
    seconds = current_app.config["KB_COUNTER_FLUSH_SECONDS"]
    if time.monotonic() - _counts().flushed_at >= seconds:
        flush()


def flush() -> None:
    """Add the counts gathered so far to the database (outside the request's transaction)."""
    counts = _counts()
    with counts.lock:
        views, counts.views = counts.views, Counter()
        searches, counts.searches = counts.searches, Counter()
        zero_results, counts.zero_results = counts.zero_results, Counter()
        counts.flushed_at = time.monotonic()
    if not (views or searches):
        return
    try:
        with db.engine.begin() as connection:
            if views:
                connection.execute(
                    update(Article)
                    .where(Article.id == bindparam("article_id"))
                    .values(view_count=Article.view_count + bindparam("added")),
                    [{"article_id": key, "added": value} for key, value in views.items()],
                )
            if searches:
                dialect = connection.dialect.name
                insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
                statement = insert(SearchStat)
                statement = statement.on_conflict_do_update(
                    index_elements=["day", "query"],
                    set_={
                        "searches": SearchStat.searches + statement.excluded.searches,
                        "zero_results": SearchStat.zero_results + statement.excluded.zero_results,
                    },
                )
                connection.execute(
                    statement,
                    [
                        {
                            "day": day,
                            "query": query,
                            "searches": number,
                            "zero_results": zero_results.get((day, query), 0),
                        }
                        for (day, query), number in sorted(searches.items())
                    ],
                )
    except SQLAlchemyError:
        log.warning("could not save knowledge-base counters; keeping them for later", exc_info=True)
        with counts.lock:
            counts.views.update(views)
            counts.searches.update(searches)
            counts.zero_results.update(zero_results)

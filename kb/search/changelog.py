"""The search change log: one row per change to a searchable document, in the database.

A row is written in the same transaction as the change it records (`kb.search._queue`), so
a committed change always has its row and a rolled-back one never does. Every machine's
index replica (`kb.search.replica`) applies the rows in id order from its own position; the
database, not any one process's memory, is what the indexes follow.

Rows name the document (`kind`, `key`); a kind whose source can read documents back
(`SearchSource.load`) is read from its tables when applied, so a replica indexes what the
database holds now. Other kinds carry the document itself as JSON in `document`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, ClassVar

from sqlalchemy import BigInteger, Integer, String, Text, delete, func, insert, select
from sqlalchemy.orm import Mapped, mapped_column

from community.db import utcnow
from community.extensions import db

INDEX = "index"
REMOVE = "remove"
# A row that changes no document: it gives a position to an index built from an empty log.
MARK = "mark"


class SearchChange(db.Model):
    __tablename__ = "kb_search_changes"
    # Ids are never reused on SQLite either: a replica's position must only go forwards.
    __table_args__: ClassVar[dict[str, Any]] = {"sqlite_autoincrement": True}

    id: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True
    )
    kind: Mapped[str] = mapped_column(String(40))
    key: Mapped[str] = mapped_column(String(120))
    action: Mapped[str] = mapped_column(String(8))
    # The document as JSON, for kinds whose source cannot read one back (else NULL).
    document: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)


def record(kind: str, key: str, *, removed: bool, document: str | None) -> SearchChange:
    """Add the change's row to the current transaction (it commits or rolls back with it)."""
    row = SearchChange(
        kind=kind[:40], key=key[:120], action=REMOVE if removed else INDEX, document=document
    )
    db.session.add(row)
    return row


def add_mark() -> int:
    """Write a mark row in a transaction of its own and return its id (see `replica.mark`)."""
    with db.engine.begin() as connection:
        return int(
            connection.execute(
                insert(SearchChange)
                .values(kind="", key="", action=MARK, document=None, created_at=utcnow())
                .returning(SearchChange.id)
            ).scalar_one()
        )


def bounds() -> tuple[int | None, int | None]:
    """The oldest and newest ids kept, or (None, None) for an empty log."""
    oldest, newest = db.session.execute(
        select(func.min(SearchChange.id), func.max(SearchChange.id))
    ).one()
    return oldest, newest


@dataclass(frozen=True)
class LoggedChange:
    """A row as a replica reads it (plain values: nothing for the session to track)."""

    id: int
    kind: str
    key: str
    action: str
    document: str | None

    @property
    def uid(self) -> str:
        return f"{self.kind}:{self.key}"


def pending(applied: int, holes: list[int], limit: int) -> list[LoggedChange]:
    """The rows after `applied`, and those of `holes` that have appeared since, in order."""
    condition: Any = SearchChange.id > applied
    if holes:
        condition = condition | SearchChange.id.in_(holes)
    rows = db.session.execute(
        select(
            SearchChange.id,
            SearchChange.kind,
            SearchChange.key,
            SearchChange.action,
            SearchChange.document,
        )
        .where(condition)
        .order_by(SearchChange.id)
        .limit(limit)
    ).all()
    return [LoggedChange(*row) for row in rows]


def ids_between(low: int, high: int) -> set[int]:
    """The ids kept in (low, high]: what a fresh position calls holes is what is missing."""
    return set(
        db.session.scalars(
            select(SearchChange.id).where(SearchChange.id > low, SearchChange.id <= high)
        )
    )


def behind(applied: int) -> tuple[int, datetime | None]:
    """How many rows come after `applied`, and when the oldest of them was written."""
    count, oldest = db.session.execute(
        select(func.count(SearchChange.id), func.min(SearchChange.created_at)).where(
            SearchChange.id > applied
        )
    ).one()
    return int(count or 0), oldest


def prune(days: int) -> int:
    """Delete rows older than `days`, always keeping the newest: with it, a replica can tell
    that it fell behind the retention (the oldest kept id is past its position)."""
    newest = db.session.scalar(select(func.max(SearchChange.id)))
    if newest is None:
        return 0
    cutoff = utcnow() - timedelta(days=max(0, days))
    result = db.session.execute(
        delete(SearchChange).where(SearchChange.created_at < cutoff, SearchChange.id < newest)
    )
    db.session.commit()
    return int(result.rowcount or 0)  # type: ignore[attr-defined]

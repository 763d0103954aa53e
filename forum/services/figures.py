"""How fast the community answers: figures other pages show (the public service page).

A first answer is the earliest visible reply by anyone but the topic's author; topics
asked in a window count whether or not anyone answered them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import func, select

from community.extensions import db
from forum.models import Post, Topic


@dataclass(frozen=True)
class FirstAnswers:
    asked: int
    waits_seconds: list[float]


def first_answer_times(since: datetime, until: datetime) -> FirstAnswers:
    """Topics asked between `since` and `until`, and the wait to each one's first answer."""
    first_answer = (
        select(Post.topic_id, func.min(Post.created_at).label("answered_at"))
        .join(Topic, Topic.id == Post.topic_id)
        .where(
            Topic.created_at >= since,
            Topic.created_at <= until,
            Post.number > 1,
            Post.is_hidden.is_(False),
            Post.deleted_at.is_(None),
            func.coalesce(Post.author_id, 0) != func.coalesce(Topic.author_id, -1),
        )
        .group_by(Post.topic_id)
        .subquery()
    )
    rows = db.session.execute(
        select(Topic.created_at, first_answer.c.answered_at)
        .outerjoin(first_answer, first_answer.c.topic_id == Topic.id)
        .where(
            Topic.created_at >= since,
            Topic.created_at <= until,
            Topic.is_hidden.is_(False),
            Topic.deleted_at.is_(None),
        )
    ).all()
    waits = [
        (_aware(answered) - _aware(asked)).total_seconds()
        for asked, answered in rows
        if answered is not None
    ]
    return FirstAnswers(asked=len(rows), waits_seconds=waits)


def _aware(moment: datetime | str) -> datetime:
    """An aggregate in a subquery comes back without the column's type on SQLite."""
    if isinstance(moment, str):
        moment = datetime.fromisoformat(moment)
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)

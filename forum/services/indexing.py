"""Solved topics as search documents, through the knowledge base's search service.

A topic is searchable while it is solved, listed, and its accepted answer is visible: the
document holds the question and the answer, labelled "Community answer" in results. Every
service that changes one of those facts (or the words) calls `sync_topic` inside its
transaction; the index follows when the transaction commits.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, func, or_, select

from community.extensions import db
from community.markdown import plain_text
from forum.models import Post, Topic
from forum.paths import topic_path
from kb.services import (
    FallbackRow,
    SearchDocument,
    SearchSource,
    index_after_commit,
    remove_after_commit,
)

KIND = "topic"
BATCH_SIZE = 500


def _searchable():  # type: ignore[no-untyped-def]
    return and_(
        Topic.accepted_post_id.is_not(None),
        Topic.is_hidden.is_(False),
        Topic.deleted_at.is_(None),
    )


def _document(topic: Any, question: str, answer: str) -> SearchDocument:
    """A topic (a `Topic`, or a row with its columns) with its question and answer."""
    return SearchDocument(
        kind=KIND,
        key=str(topic.id),
        title=topic.title,
        text=plain_text(question + "\n\n" + answer),
        url=topic_path(topic.id, topic.slug),
        tags=list(topic.tags or []),
        updated_at=topic.solved_at,
    )


def sync_topic(topic: Topic) -> None:
    """Queue the index change the topic's new state calls for (applied on commit)."""
    db.session.flush()
    if topic.accepted_post_id is not None and topic.is_listed:
        bodies = dict(
            db.session.execute(
                select(Post.number, Post.body).where(
                    Post.topic_id == topic.id,
                    Post.is_hidden.is_(False),
                    Post.deleted_at.is_(None),
                    or_(Post.number == 1, Post.id == topic.accepted_post_id),
                )
            ).all()
        )
        question = bodies.pop(1, None)
        if question is not None and bodies:
            answer = next(iter(bodies.values()))
            index_after_commit(_document(topic, question, answer))
            return
    remove_after_commit(KIND, str(topic.id))


def solved_count() -> int:
    """How many topics the index should hold, for the rebuild's progress bar."""
    return db.session.scalar(select(func.count(Topic.id)).where(_searchable())) or 0


def solved_documents(batch_size: int = BATCH_SIZE) -> Iterator[list[SearchDocument]]:
    """Every searchable topic, a batch at a time (for `kb reindex`)."""
    last_id = 0
    while True:
        topics = db.session.execute(
            select(
                Topic.id,
                Topic.title,
                Topic.slug,
                Topic.tags,
                Topic.solved_at,
                Topic.accepted_post_id,
            )
            .where(_searchable(), Topic.id > last_id)
            .order_by(Topic.id)
            .limit(batch_size)
        ).all()
        if not topics:
            return
        wanted = {topic.id: topic.accepted_post_id for topic in topics}
        rows = db.session.execute(
            select(Post.topic_id, Post.id, Post.number, Post.body).where(
                Post.topic_id.in_(list(wanted)),
                Post.is_hidden.is_(False),
                Post.deleted_at.is_(None),
                or_(Post.number == 1, Post.id.in_([post for post in wanted.values() if post])),
            )
        ).all()
        questions = {row.topic_id: row.body for row in rows if row.number == 1}
        answers = {row.topic_id: row.body for row in rows if row.id == wanted[row.topic_id]}
        yield [
            _document(topic, questions[topic.id], answers[topic.id])
            for topic in topics
            if topic.id in questions and topic.id in answers
        ]
        last_id = topics[-1].id


def _like(word: str) -> str:
    return "%" + re.sub(r"([\\%_])", r"\\\1", word) + "%"


def database_matches(words: list[str], category: str | None, limit: int) -> list[FallbackRow]:
    """Solved topics whose title holds every word, while the index is being rebuilt."""
    if not words or category:
        return []
    conditions = [Topic.title.ilike(_like(word), escape="\\") for word in words[:8]]
    rows = db.session.execute(
        select(Topic.id, Topic.slug, Topic.title)
        .where(_searchable(), *conditions)
        .order_by(Topic.vote_count.desc(), Topic.id.desc())
        .limit(min(limit, 200))
    ).all()
    return [
        FallbackRow(
            key=str(topic_id), title=title, text=title, url=topic_path(topic_id, slug), score=1.0
        )
        for topic_id, slug, title in rows
    ]


SOURCE = SearchSource(
    kind=KIND,
    label=_l("Community answer"),
    documents=solved_documents,
    count=solved_count,
    fallback=database_matches,
)

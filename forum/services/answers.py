"""Answers: the asker (or staff) accepts a reply, members upvote replies, and an editor
turns an accepted answer into a knowledge-base draft.

Accepting makes the topic "Solved" in lists, shows the answer under the question, and
puts the topic in the site search as a community answer (through the knowledge base's
search service, once the transaction commits).
"""

from __future__ import annotations

import re

from flask_babel import gettext as _
from sqlalchemy import delete, select

from community.accounts.models import User
from community.db import utcnow
from community.errors import InvalidInput, NotAllowed, NotFound
from community.extensions import db, insert_ignoring_conflicts
from community.urls import external_url
from forum import policy
from forum.models import Post, PostVote, Topic
from forum.services import counters, notifications, realtime
from forum.services.indexing import sync_topic
from kb.models import Article
from kb.services.articles import ArticleInput, save_article


def _topic_of(post: Post, by: User) -> Topic:
    topic = db.session.get_one(Topic, post.topic_id)
    if not policy.can_see_topic(topic, by) or not policy.can_see_post_body(post, by):
        raise NotFound()
    return topic


def accept_answer(post: Post, *, by: User) -> Topic:
    """Mark `post` as the topic's answer (replacing any earlier choice)."""
    topic = _topic_of(post, by)
    if not policy.can_accept(post, topic, by):
        raise NotAllowed()
    if topic.accepted_post_id == post.id:
        return topic
    topic.accepted_post_id = post.id
    topic.solved_at = utcnow()
    counters.touch_topic(topic)
    counters.touch_category(topic.category_id)
    told = notifications.notify_accepted(post, topic, by)
    sync_topic(topic)
    realtime.topic_changed(topic)
    notifications.push_counts(told)
    db.session.commit()
    return topic


def unaccept_answer(topic: Topic, *, by: User) -> Topic:
    """The topic is open again: no answer shown first, out of the site search."""
    if not policy.can_see_topic(topic, by):
        raise NotFound()
    if not policy.can_unaccept(topic, by):
        raise NotAllowed()
    topic.accepted_post_id = None
    topic.solved_at = None
    counters.touch_topic(topic)
    counters.touch_category(topic.category_id)
    sync_topic(topic)
    realtime.topic_changed(topic)
    db.session.commit()
    return topic


def set_vote(post: Post, *, by: User, up: bool) -> int:
    """Upvote a reply, or take the vote back; returns the reply's new count."""
    topic = _topic_of(post, by)
    if not policy.can_vote(post, topic, by):
        raise NotAllowed()
    if up:
        changed = db.session.execute(
            insert_ignoring_conflicts(PostVote)
            .values(post_id=post.id, user_id=by.id, created_at=utcnow())
            .returning(PostVote.post_id)
        ).scalar_one_or_none()
        step = 1 if changed is not None else 0
    else:
        removed = db.session.execute(
            delete(PostVote)
            .where(PostVote.post_id == post.id, PostVote.user_id == by.id)
            .returning(PostVote.post_id)
        ).scalar_one_or_none()
        step = -1 if removed is not None else 0
    if step:
        post.vote_count = Post.vote_count + step
        topic.vote_count = Topic.vote_count + step
        counters.touch_topic(topic)
        counters.touch_category(topic.category_id)
        realtime.post_voted(topic, post)
    db.session.commit()
    return post.vote_count


def make_article_draft(topic: Topic, *, by: User) -> Article:
    """A knowledge-base draft from the question and its accepted answer, linking back.

    Asking twice opens the draft made the first time (while it exists).
    """
    if not policy.can_see_topic(topic, by):
        raise NotFound()
    if not policy.can_make_article(topic, by):
        raise NotAllowed()
    if topic.kb_article_id is not None:
        existing = db.session.get(Article, topic.kb_article_id)
        if existing is not None:
            return existing
    question, answer = _question_and_answer(topic)
    return save_article(
        None,
        ArticleInput(
            title=topic.title,
            body=_article_body(topic, question, answer),
            tags=list(topic.tags or []),
            note=_("From community topic %(id)d", id=topic.id),
        ),
        by=by,
        with_article=lambda article: setattr(topic, "kb_article_id", article.id),
    )


def _question_and_answer(topic: Topic) -> tuple[Post, Post]:
    posts = {
        post.number: post
        for post in db.session.scalars(
            select(Post).where(
                Post.topic_id == topic.id,
                (Post.number == 1) | (Post.id == topic.accepted_post_id),
            )
        )
    }
    question = posts.pop(1, None)
    answer = next(iter(posts.values()), None)
    if question is None or answer is None:
        raise InvalidInput(_("This topic has no accepted answer to turn into an article."))
    return question, answer


def _article_body(topic: Topic, question: Post, answer: Post) -> str:
    """The question, the answer under a heading, and a link back to the topic."""
    link = external_url("forum.topic", topic_id=topic.id, slug=topic.slug)
    return "\n\n".join(
        [
            question.body,
            "## " + _("Answer"),
            answer.body,
            "---",
            _(
                "From the community topic [%(title)s](%(url)s).",
                title=re.sub(r"([\\\[\]])", r"\\\1", topic.title),
                url=link,
            ),
        ]
    )

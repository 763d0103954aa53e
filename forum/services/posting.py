"""Writing: start a topic, reply, edit, delete. Each call is one transaction.

A form carries a nonce: sending it twice (a double click, a retried request) finds the
post the first sending made instead of writing a second one; a unique key on
(author, nonce) settles two sendings that race.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from flask_babel import gettext as _
from sqlalchemy import delete, insert, select, update
from sqlalchemy.exc import IntegrityError

from community.accounts.models import User
from community.db import utcnow
from community.errors import InvalidInput, NotAllowed, NotFound
from community.extensions import db
from forum import policy
from forum.content import clean_body, clean_tags, clean_title, render_body, slugify
from forum.models import ForumCategory, ModerationKind, Post, PostRevision, Topic, TopicTag
from forum.services import counters, notifications, realtime, sandbox
from forum.services.indexing import sync_topic
from forum.services.moderation import log_action, resolve_flags, withdraw_post
from forum.services.profiles import ensure_profile, linked_mentions
from forum.settings import setting


@dataclass(frozen=True)
class TopicInput:
    category_id: int | None
    title: str
    body: str
    tags: Sequence[str] = ()
    nonce: str | None = None


@dataclass(frozen=True)
class EditInput:
    body: str
    title: str | None = None  # for the question (post number 1) only
    tags: Sequence[str] | None = None  # for the question only


def _refuse_writing(user: User) -> None:
    if not policy.can_write(user):
        raise NotAllowed(
            _(
                "Please confirm your email address first: open the link we emailed you, "
                "or ask for a new one on your account page."
            )
        )


def _submitted_before(user: User, nonce: str | None) -> Post | None:
    if not nonce:
        return None
    return db.session.scalar(select(Post).where(Post.author_id == user.id, Post.nonce == nonce))


def preview_html(body: str | None, *, by: User) -> str:
    """What a post with this body would show, mentions linked; nothing is saved.

    The same cleaning, sanitising and content limits as posting, so the preview never
    promises more than the post will show. Blank text previews as nothing.
    """
    _refuse_writing(by)
    if not (body or "").strip():
        return ""
    text = clean_body(body, setting("FORUM_MAX_POST_LENGTH"))
    rendered = render_body(text)
    # The same limits as posting: links and mentions per post (a preview must not become a
    # way to look up which names belong to members, thirty at a time).
    sandbox.check_content(by, rendered, utcnow())
    _people, html = linked_mentions(rendered)
    return html


def _set_tags(topic: Topic, tags: list[str]) -> None:
    topic.tags = tags
    db.session.execute(delete(TopicTag).where(TopicTag.topic_id == topic.id))
    if tags:
        db.session.execute(insert(TopicTag), [{"topic_id": topic.id, "tag": tag} for tag in tags])


def _after_duplicate(user: User, nonce: str | None) -> Post:
    """A racing second sending lost on the unique nonce: hand back the first one's post."""
    db.session.rollback()
    post = _submitted_before(user, nonce)
    if post is None:
        raise InvalidInput(_("This could not be saved. Please try again."))
    return post


@dataclass(frozen=True)
class _Draft:
    """A new post's body as it will be stored: cleaned, rendered, mentions linked."""

    body: str
    html: str
    people: list[User]


def _draft(text: str, by: User, now: datetime, *, starts_topic: bool) -> _Draft:
    """Clean and render a new post within the sandbox's limits (InvalidInput says which)."""
    body = clean_body(text, setting("FORUM_MAX_POST_LENGTH"))
    rendered = render_body(body)
    sandbox.check_new_post(by, body, rendered, now, starts_topic=starts_topic)
    people, html = linked_mentions(rendered)
    return _Draft(body, html, list(people.values()))


def _add_post(
    topic_id: int, number: int, draft: _Draft, *, by: User, now: datetime, nonce: str | None
) -> Post:
    post = Post(
        topic_id=topic_id,
        number=number,
        author_id=by.id,
        body=draft.body,
        body_html=draft.html,
        by_staff=by.is_staff,
        created_at=now,
        nonce=nonce or None,
        mentioned_ids=[person.id for person in draft.people],
    )
    db.session.add(post)
    return post


def _open_topic(
    category: ForumCategory, title: str, tags: list[str], *, by: User, now: datetime
) -> Topic:
    """The topic row with its tags, before its question is written."""
    topic = Topic(
        category_id=category.id,
        author_id=by.id,
        title=title,
        slug=slugify(title),
        tags=tags,
        created_at=now,
        last_posted_at=now,
        last_poster_id=by.id,
        post_count=1,
        highest_number=1,
    )
    db.session.add(topic)
    db.session.flush()
    _set_tags(topic, tags)
    return topic


def _startable_category(category_id: int | None, by: User) -> ForumCategory:
    _refuse_writing(by)
    category = db.session.get(ForumCategory, category_id) if category_id else None
    if category is None:
        raise InvalidInput(_("Choose a category."), field="category_id")
    if not policy.can_start_topic(category, by):
        raise NotAllowed(_("Only staff start topics in this category."))
    return category


def create_topic(data: TopicInput, *, by: User) -> Topic:
    """Start a topic with its question; the author watches it; mentions are told."""
    category = _startable_category(data.category_id, by)
    earlier = _submitted_before(by, data.nonce)
    if earlier is not None:
        return db.session.get_one(Topic, earlier.topic_id)
    title = clean_title(data.title)
    tags = clean_tags(data.tags)
    now = utcnow()
    draft = _draft(data.body, by, now, starts_topic=True)
    topic = _open_topic(category, title, tags, by=by, now=now)
    ensure_profile(by)
    post = _add_post(topic.id, 1, draft, by=by, now=now, nonce=data.nonce)
    try:
        db.session.flush()
    except IntegrityError:
        return db.session.get_one(Topic, _after_duplicate(by, data.nonce).topic_id)
    notifications.start_watching(topic.id, by.id)
    told = notifications.notify_mentions(post, topic, by, draft.people)
    counters.refresh_category(category.id)
    notifications.push_counts(told)
    db.session.commit()
    return topic


def _next_number(topic: Topic) -> int:
    # Numbering through the topic row serialises replies to one topic (a row lock on
    # PostgreSQL, the write lock on SQLite), so two replies never take one number.
    return db.session.execute(
        update(Topic)
        .where(Topic.id == topic.id)
        .values(highest_number=Topic.highest_number + 1)
        .returning(Topic.highest_number)
    ).scalar_one()


def _count_reply(topic: Topic, by: User, now: datetime) -> None:
    """The topic's and its category's counts and latest activity take the new reply."""
    topic.last_posted_at = now
    topic.last_poster_id = by.id
    topic.post_count = Topic.post_count + 1
    counters.touch_topic(topic)
    db.session.execute(
        update(ForumCategory)
        .where(ForumCategory.id == topic.category_id)
        .values(
            post_count=ForumCategory.post_count + 1,
            last_topic_id=topic.id,
            last_posted_at=now,
            version=ForumCategory.version + 1,
        )
    )


def create_reply(topic: Topic, body: str, *, by: User, nonce: str | None = None) -> Post:
    """Add a reply: number it, watch the topic, tell watchers and mentions, push it live."""
    if not policy.can_see_topic(topic, by):
        raise NotFound()
    _refuse_writing(by)
    if not policy.can_reply(topic, by):
        raise NotAllowed(_("This topic is closed to new replies."))
    earlier = _submitted_before(by, nonce)
    if earlier is not None:
        return earlier
    now = utcnow()
    draft = _draft(body, by, now, starts_topic=False)
    ensure_profile(by)
    number = _next_number(topic)
    post = _add_post(topic.id, number, draft, by=by, now=now, nonce=nonce)
    try:
        db.session.flush()
    except IntegrityError:
        return _after_duplicate(by, nonce)
    _count_reply(topic, by, now)
    notifications.start_watching(topic.id, by.id)
    told = notifications.notify_mentions(post, topic, by, draft.people)
    told += notifications.notify_watchers(post, topic, by, skip=told)
    realtime.post_created(topic, number)
    notifications.push_counts(told)
    db.session.commit()
    return post


def _keep_revision(post: Post, topic: Topic, by: User) -> None:
    db.session.add(
        PostRevision(
            post_id=post.id,
            title=topic.title if post.is_question else None,
            tags=list(topic.tags or []) if post.is_question else None,
            body=post.body,
            written_at=post.edited_at or post.created_at,
            replaced_by_id=by.id,
        )
    )


def edit_post(post: Post, data: EditInput, *, by: User) -> Post:
    """Change a post (and, for the question, the title and tags); keep the earlier version."""
    topic = db.session.get_one(Topic, post.topic_id)
    if not policy.can_see_topic(topic, by):
        raise NotFound()
    if not policy.can_edit(post, topic, by):
        raise NotAllowed()
    body = clean_body(data.body, setting("FORUM_MAX_POST_LENGTH"))
    title = clean_title(data.title) if post.is_question and data.title is not None else None
    tags = clean_tags(data.tags) if post.is_question and data.tags is not None else None
    title_changed = title is not None and title != topic.title
    tags_changed = tags is not None and tags != list(topic.tags or [])
    if body == post.body and not title_changed and not tags_changed:
        return post
    rendered = render_body(body)
    now = utcnow()
    sandbox.check_content(by, rendered, now)
    people, html = linked_mentions(rendered)
    _keep_revision(post, topic, by)
    post.body = body
    post.body_html = html
    post.edited_at = now
    post.edit_count += 1
    if title_changed and title is not None:
        topic.title = title
        topic.slug = slugify(title)
    if tags_changed and tags is not None:
        _set_tags(topic, tags)
    already = set(post.mentioned_ids or [])
    newly = [person for person in people.values() if person.id not in already]
    post.mentioned_ids = sorted(already | {person.id for person in people.values()})
    author = db.session.get(User, post.author_id) if post.author_id else None
    told = notifications.notify_mentions(post, topic, author or by, newly) if newly else []
    if post.author_id != by.id:
        log_action(by, ModerationKind.EDIT_POST, topic_id=topic.id, post_id=post.id)
    counters.touch_topic(topic)
    if title_changed or tags_changed:
        counters.touch_category(topic.category_id)
    if topic.is_solved and (post.is_question or post.id == topic.accepted_post_id):
        sync_topic(topic)
    realtime.post_changed(topic, post.id)
    notifications.push_counts(told)
    db.session.commit()
    return post


def delete_post(post: Post, *, by: User) -> Topic:
    """Delete softly: the words stay for moderators. The question takes its topic along."""
    topic = db.session.get_one(Topic, post.topic_id)
    if not policy.can_see_topic(topic, by):
        raise NotFound()
    if not policy.can_delete(post, topic, by):
        raise NotAllowed()
    now = utcnow()
    post.deleted_at = now
    post.deleted_by_id = by.id
    resolve_flags(post, by, "deleted", at=now)
    if post.is_question:
        topic.deleted_at = now
    withdraw_post(post, topic)
    if post.is_question:
        realtime.topic_gone(topic.id)
    else:
        realtime.post_changed(topic, post.id)
    db.session.commit()
    return topic

"""Forum data: categories, topics and their posts, votes, flags, notifications, watchers.

Counters shown in lists (posts in a topic, topics and posts in a category, the latest
activity) are stored beside their rows and recomputed by the services after each change,
so a list page never counts. `version` columns change with everything a page shows: they
key the anonymous page cache (see `forum.views.reading`).

Two references are plain integers rather than foreign keys: a topic's accepted post and a
category's latest topic. Each pair of tables already points the other way, and a cycle of
foreign keys makes table creation, migrations and deletes depend on their order; posts are
never deleted on their own (only softly), and the services keep both columns right.
"""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import (
    JSON,
    ForeignKey,
    Index,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from community.accounts.models import User
from community.db import utcnow
from community.extensions import db
from kb.languages import ENGLISH, LANGUAGE_LENGTH, detected_from

MAX_TITLE = 200
MAX_TAG_LENGTH = 30
MAX_TAGS = 5
MAX_CATEGORY_NAME = 120
MAX_FLAG_NOTE = 500
NONCE_LENGTH = 64


class NotificationKind(enum.StrEnum):
    REPLY = "reply"
    MENTION = "mention"
    ACCEPTED = "accepted"


class FlagReason(enum.StrEnum):
    SPAM = "spam"
    OFFENSIVE = "offensive"
    OFF_TOPIC = "off_topic"
    OTHER = "other"


class ModerationKind(enum.StrEnum):
    HIDE_POST = "hide_post"
    RESTORE_POST = "restore_post"
    AUTO_HIDE = "auto_hide"
    HIDE_TOPIC = "hide_topic"
    RESTORE_TOPIC = "restore_topic"
    LOCK = "lock"
    UNLOCK = "unlock"
    PIN = "pin"
    UNPIN = "unpin"
    MOVE = "move"
    DISMISS_FLAGS = "dismiss_flags"
    EDIT_POST = "edit_post"


class ForumCategory(db.Model):
    __tablename__ = "forum_categories"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(80), unique=True)
    name: Mapped[str] = mapped_column(String(MAX_CATEGORY_NAME))
    description: Mapped[str] = mapped_column(Text, default="")
    position: Mapped[int] = mapped_column(default=0)
    # Only staff start topics here; members still read (and reply unless a topic is locked).
    announcement_only: Mapped[bool] = mapped_column(default=False)
    # "en" or "zh": staff's choice, else told from the name and description (`kb.languages`).
    language: Mapped[str] = mapped_column(
        String(LANGUAGE_LENGTH),
        default=detected_from("name", "description"),
        server_default=ENGLISH,
    )
    topic_count: Mapped[int] = mapped_column(default=0)
    post_count: Mapped[int] = mapped_column(default=0)
    last_topic_id: Mapped[int | None]
    last_posted_at: Mapped[datetime | None]
    version: Mapped[int] = mapped_column(default=1)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    def __repr__(self) -> str:
        return f"<ForumCategory {self.slug}>"


class Topic(db.Model):
    __tablename__ = "forum_topics"
    # One index per list a category page shows, in that list's order: a page reads its
    # thirty rows from the index instead of sorting the category.
    __table_args__ = (
        Index("ix_forum_topics_category_latest", "category_id", "is_pinned", "last_posted_at"),
        Index(
            "ix_forum_topics_category_top",
            "category_id",
            "vote_count",
            "post_count",
            "last_posted_at",
        ),
        Index("ix_forum_topics_category_solved", "category_id", "solved_at"),
        Index("ix_forum_topics_category_unanswered", "category_id", "post_count", "created_at"),
        Index("ix_forum_topics_last_posted", "last_posted_at"),
        Index("ix_forum_topics_author_created", "author_id", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    category_id: Mapped[int] = mapped_column(ForeignKey("forum_categories.id"))
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    title: Mapped[str] = mapped_column(String(MAX_TITLE))
    slug: Mapped[str] = mapped_column(String(120), default="")
    tags: Mapped[list[str]] = mapped_column(JSON, default=list)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_posted_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_poster_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    # Posts a reader sees (the question included); hidden and deleted ones do not count.
    post_count: Mapped[int] = mapped_column(default=1)
    # The number the next post takes minus one: numbers page the topic and never change.
    highest_number: Mapped[int] = mapped_column(default=1)
    vote_count: Mapped[int] = mapped_column(default=0)
    accepted_post_id: Mapped[int | None] = mapped_column(index=True)
    solved_at: Mapped[datetime | None]
    is_pinned: Mapped[bool] = mapped_column(default=False)
    is_locked: Mapped[bool] = mapped_column(default=False)
    is_hidden: Mapped[bool] = mapped_column(default=False)
    deleted_at: Mapped[datetime | None]
    kb_article_id: Mapped[int | None] = mapped_column(
        ForeignKey("kb_articles.id", ondelete="SET NULL")
    )
    version: Mapped[int] = mapped_column(default=1)

    category: Mapped[ForumCategory] = relationship(lazy="raise")
    author: Mapped[User | None] = relationship(foreign_keys=[author_id], lazy="raise")
    last_poster: Mapped[User | None] = relationship(foreign_keys=[last_poster_id], lazy="raise")

    def __repr__(self) -> str:
        return f"<Topic {self.id} {self.title[:30]!r}>"

    @property
    def is_solved(self) -> bool:
        return self.accepted_post_id is not None

    @property
    def is_listed(self) -> bool:
        """Shown to every reader: neither hidden by a moderator nor deleted."""
        return not self.is_hidden and self.deleted_at is None

    @property
    def reply_count(self) -> int:
        return max(0, self.post_count - 1)


class TopicTag(db.Model):
    """Finds topics by tag; the topic's own `tags` column is what pages show."""

    __tablename__ = "forum_topic_tags"

    topic_id: Mapped[int] = mapped_column(
        ForeignKey("forum_topics.id", ondelete="CASCADE"), primary_key=True
    )
    tag: Mapped[str] = mapped_column(String(MAX_TAG_LENGTH), primary_key=True, index=True)


class PostState:
    """What a post's own columns (`number`, `is_hidden`, `deleted_at`) say about it, for the
    ORM row and for `PostRow` alike."""

    @property
    def is_question(self) -> bool:
        return self.number == 1

    @property
    def is_visible(self) -> bool:
        return not self.is_hidden and self.deleted_at is None


class Post(PostState, db.Model):
    __tablename__ = "forum_posts"
    __table_args__ = (
        UniqueConstraint("topic_id", "number"),
        # A form's nonce: the same submission sent twice is one post.
        UniqueConstraint("author_id", "nonce"),
        Index("ix_forum_posts_author_created", "author_id", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    topic_id: Mapped[int] = mapped_column(ForeignKey("forum_topics.id", ondelete="CASCADE"))
    number: Mapped[int]
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    # The Markdown source, and the sanitised HTML (with mention links) made of it on save.
    body: Mapped[str] = mapped_column(Text)
    body_html: Mapped[str] = mapped_column(Text)
    # Whether the author held a staff role when writing: the badge says who spoke for us then.
    by_staff: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    edited_at: Mapped[datetime | None]
    edit_count: Mapped[int] = mapped_column(default=0)
    is_hidden: Mapped[bool] = mapped_column(default=False)
    hidden_at: Mapped[datetime | None]
    hidden_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    deleted_at: Mapped[datetime | None]
    deleted_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    vote_count: Mapped[int] = mapped_column(default=0)
    open_flag_count: Mapped[int] = mapped_column(default=0)
    # People notified of a mention in this post, so an edit notifies only the new ones.
    mentioned_ids: Mapped[list[int]] = mapped_column(JSON, default=list)
    nonce: Mapped[str | None] = mapped_column(String(NONCE_LENGTH))

    topic: Mapped[Topic] = relationship(lazy="raise")
    author: Mapped[User | None] = relationship(foreign_keys=[author_id], lazy="raise")

    def __repr__(self) -> str:
        return f"<Post {self.id} topic={self.topic_id} #{self.number}>"


class PostRevision(db.Model):
    """An earlier version of a post, kept when its author (or a moderator) edits it."""

    __tablename__ = "forum_post_revisions"

    id: Mapped[int] = mapped_column(primary_key=True)
    post_id: Mapped[int] = mapped_column(
        ForeignKey("forum_posts.id", ondelete="CASCADE"), index=True
    )
    # The topic's title and tags at the time, for the question (post number 1).
    title: Mapped[str | None] = mapped_column(String(MAX_TITLE))
    tags: Mapped[list[str] | None] = mapped_column(JSON)
    body: Mapped[str] = mapped_column(Text)
    written_at: Mapped[datetime]
    replaced_at: Mapped[datetime] = mapped_column(default=utcnow)
    replaced_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    replaced_by: Mapped[User | None] = relationship(lazy="raise")


class PostVote(db.Model):
    __tablename__ = "forum_post_votes"

    post_id: Mapped[int] = mapped_column(
        ForeignKey("forum_posts.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Flag(db.Model):
    """Somebody's report of a post; open until a moderator acts on the post."""

    __tablename__ = "forum_flags"
    __table_args__ = (
        UniqueConstraint("post_id", "user_id"),
        Index("ix_forum_flags_open", "resolved_at", "post_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    post_id: Mapped[int] = mapped_column(ForeignKey("forum_posts.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    reason: Mapped[str] = mapped_column(String(20))
    note: Mapped[str] = mapped_column(String(MAX_FLAG_NOTE), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    resolved_at: Mapped[datetime | None]
    resolved_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    # What the moderator did: "hidden" or "dismissed".
    resolution: Mapped[str | None] = mapped_column(String(20))

    user: Mapped[User] = relationship(foreign_keys=[user_id], lazy="raise")


class Notification(db.Model):
    """An in-site notice; unread replies in one topic gather into one notice with a count."""

    __tablename__ = "forum_notifications"
    __table_args__ = (
        Index("ix_forum_notifications_unread", "user_id", "read_at"),
        Index("ix_forum_notifications_recent", "user_id", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(20))
    topic_id: Mapped[int] = mapped_column(
        ForeignKey("forum_topics.id", ondelete="CASCADE"), index=True
    )
    post_id: Mapped[int | None] = mapped_column(ForeignKey("forum_posts.id", ondelete="CASCADE"))
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    count: Mapped[int] = mapped_column(default=1)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    read_at: Mapped[datetime | None]

    topic: Mapped[Topic] = relationship(lazy="raise")
    actor: Mapped[User | None] = relationship(foreign_keys=[actor_id], lazy="raise")


class TopicUser(db.Model):
    """One person's relation to one topic: watching it, and what waits for their visit."""

    __tablename__ = "forum_topic_users"
    __table_args__ = (Index("ix_forum_topic_users_watchers", "topic_id", "watching"),)

    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    topic_id: Mapped[int] = mapped_column(
        ForeignKey("forum_topics.id", ondelete="CASCADE"), primary_key=True
    )
    watching: Mapped[bool] = mapped_column(default=False)
    # A reply email went out since the last visit: no other until they come back.
    emailed: Mapped[bool] = mapped_column(default=False)
    # Notifications about this topic wait unread: a visit reads them.
    unread: Mapped[bool] = mapped_column(default=False)
    last_visited_at: Mapped[datetime | None]


class ForumProfile(db.Model):
    """A member's @handle, made from their name when they first take part."""

    __tablename__ = "forum_profiles"

    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    handle: Mapped[str] = mapped_column(String(40))
    # The handle case-folded: `@casey` and `@Casey` are one person.
    handle_key: Mapped[str] = mapped_column(String(40), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    user: Mapped[User] = relationship(lazy="raise")


class ModerationAction(db.Model):
    """What moderators (and the flag threshold) did, for the queue's log."""

    __tablename__ = "forum_moderation_actions"

    id: Mapped[int] = mapped_column(primary_key=True)
    moderator_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    action: Mapped[str] = mapped_column(String(20))
    topic_id: Mapped[int | None] = mapped_column(
        ForeignKey("forum_topics.id", ondelete="CASCADE"), index=True
    )
    post_id: Mapped[int | None] = mapped_column(ForeignKey("forum_posts.id", ondelete="CASCADE"))
    detail: Mapped[str] = mapped_column(String(200), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)

    moderator: Mapped[User | None] = relationship(lazy="raise")
    topic: Mapped[Topic | None] = relationship(lazy="raise")

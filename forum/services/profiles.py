"""Members in the forum: their @handles, finding who a mention names, and profile figures.

A handle is made from the display name the first time someone takes part (or is
mentioned): `Casey Chen` becomes `@CaseyChen`, `王芳` stays `@王芳`, and a taken handle gets
a number. Reputation is counted from the rows when a profile is shown, so it never drifts:
ten points per upvote on a visible reply and fifteen per accepted answer.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from sqlalchemy import and_, func, select
from sqlalchemy.exc import IntegrityError

from community.accounts.models import User
from community.errors import NotFound
from community.extensions import db
from forum.content import RenderedBody, handle_key, link_mentions
from forum.models import ForumProfile, Post, Topic
from forum.paths import member_path

REPUTATION_PER_VOTE = 10
REPUTATION_PER_ACCEPTED = 15
MAX_HANDLE = 30
LIST_LENGTH = 10


def handle_from_name(name: str) -> str:
    """`Casey Chen` → `CaseyChen`: letters of any script, digits, dots and dashes."""
    value = unicodedata.normalize("NFKC", name)
    value = re.sub(r"[^\w.-]+", "", value).strip("._-")
    return value[:MAX_HANDLE].strip("._-")


def ensure_profile(user: User) -> ForumProfile:
    """The member's profile, created with a free handle when missing (caller commits)."""
    profile = db.session.get(ForumProfile, user.id)
    if profile is not None:
        return profile
    base = handle_from_name(user.display_name)
    if len(base) < 2:
        base = f"member{user.id}"
    prefix = handle_key(base)
    taken = set(
        db.session.scalars(
            select(ForumProfile.handle_key).where(
                ForumProfile.handle_key.startswith(prefix, autoescape=True)
            )
        )
    )
    number = 1
    while True:
        handle = base if number == 1 else f"{base}{number}"
        if handle_key(handle) not in taken:
            savepoint = db.session.begin_nested()
            profile = ForumProfile(user_id=user.id, handle=handle, handle_key=handle_key(handle))
            db.session.add(profile)
            try:
                savepoint.commit()
                return profile
            except IntegrityError:  # somebody took it a moment ago
                savepoint.rollback()
                existing = db.session.get(ForumProfile, user.id)
                if existing is not None:
                    return existing
                taken.add(handle_key(handle))
        number += 1


def people_named(handles: list[str]) -> dict[str, User]:
    """Active members the handles name (by handle key); unknown handles are left out.

    A person who never took part has no handle yet: a mention of the handle their name
    would make finds them, and gives them that handle.
    """
    keys = list(dict.fromkeys(handle_key(handle) for handle in handles))
    if not keys:
        return {}
    found: dict[str, User] = dict(
        db.session.execute(
            select(ForumProfile.handle_key, User)
            .join(User, User.id == ForumProfile.user_id)
            .where(ForumProfile.handle_key.in_(keys), User.is_active_account.is_(True))
        ).all()
    )
    missing = [key for key in keys if key not in found]
    if missing:
        squeezed = func.lower(func.replace(User.display_name, " ", ""))
        candidates = db.session.scalars(
            select(User)
            .outerjoin(ForumProfile, ForumProfile.user_id == User.id)
            .where(
                ForumProfile.user_id.is_(None),
                User.is_active_account.is_(True),
                squeezed.in_([key.lower() for key in missing]),
            )
            .order_by(User.id)
        ).all()
        for user in candidates:
            profile = ensure_profile(user)
            if profile.handle_key in missing and profile.handle_key not in found:
                found[profile.handle_key] = user
    return found


def linked_mentions(rendered: RenderedBody) -> tuple[dict[str, User], str]:
    """The people a rendered body names, and its HTML with their handles linked."""
    people = people_named(rendered.mentions)
    html = link_mentions(
        rendered.html, {key: str(person.id) for key, person in people.items()}, member_path
    )
    return people, html


@dataclass(frozen=True)
class MemberStats:
    topics: int
    answers: int
    accepted: int
    votes: int

    @property
    def reputation(self) -> int:
        return self.votes * REPUTATION_PER_VOTE + self.accepted * REPUTATION_PER_ACCEPTED


@dataclass(frozen=True)
class MemberPage:
    user: User
    handle: str | None
    stats: MemberStats
    topics: list[Topic]
    answers: list[tuple[Post, Topic]]
    accepted: list[tuple[Post, Topic]]


def _listed_topic():  # type: ignore[no-untyped-def]
    return and_(Topic.is_hidden.is_(False), Topic.deleted_at.is_(None))


def _visible_reply():  # type: ignore[no-untyped-def]
    return and_(Post.number > 1, Post.is_hidden.is_(False), Post.deleted_at.is_(None))


def member_stats(user_id: int) -> MemberStats:
    """A member's figures, counted from visible posts in listed topics (one query)."""
    topics = (
        select(func.count(Topic.id))
        .where(Topic.author_id == user_id, _listed_topic())
        .scalar_subquery()
    )
    answers = (
        select(func.count(Post.id))
        .join(Topic, Topic.id == Post.topic_id)
        .where(Post.author_id == user_id, _visible_reply(), _listed_topic())
        .scalar_subquery()
    )
    votes = (
        select(func.coalesce(func.sum(Post.vote_count), 0))
        .join(Topic, Topic.id == Post.topic_id)
        .where(Post.author_id == user_id, _visible_reply(), _listed_topic())
        .scalar_subquery()
    )
    accepted = (
        select(func.count(Topic.id))
        .join(Post, Post.id == Topic.accepted_post_id)
        .where(Post.author_id == user_id, _visible_reply(), _listed_topic())
        .scalar_subquery()
    )
    row = db.session.execute(select(topics, answers, accepted, votes)).one()
    return MemberStats(topics=row[0], answers=row[1], accepted=row[2], votes=int(row[3]))


def member_page(user_id: int) -> MemberPage:
    """A member's public forum profile: figures and their latest topics and answers."""
    user = db.session.get(User, user_id)
    if user is None or not user.is_active:
        raise NotFound()
    profile = db.session.get(ForumProfile, user_id)
    topics = db.session.scalars(
        select(Topic)
        .where(Topic.author_id == user_id, _listed_topic())
        .order_by(Topic.created_at.desc())
        .limit(LIST_LENGTH)
    ).all()
    answers = db.session.execute(
        select(Post, Topic)
        .join(Topic, Topic.id == Post.topic_id)
        .where(Post.author_id == user_id, _visible_reply(), _listed_topic())
        .order_by(Post.created_at.desc())
        .limit(LIST_LENGTH)
    )
    accepted = db.session.execute(
        select(Post, Topic)
        .join(Topic, Topic.accepted_post_id == Post.id)
        .where(Post.author_id == user_id, _visible_reply(), _listed_topic())
        .order_by(Topic.solved_at.desc())
        .limit(LIST_LENGTH)
    )
    return MemberPage(
        user=user,
        handle=profile.handle if profile else None,
        stats=member_stats(user_id),
        topics=list(topics),
        answers=list(answers),
        accepted=list(accepted),
    )

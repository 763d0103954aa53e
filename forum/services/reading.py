"""What the forum's pages show, in a fixed number of queries whatever their length.

- the forum home: categories with their stored counts and latest topic (one query), and
  the latest topics across the forum (one query);
- a category: one page of topics with their authors and last posters (one query, plus a
  count for the filtered lists);
- a topic: the topic with its category (one query), one page of posts with their authors
  and the accepted answer (one query), and for a signed-in reader their votes and their
  relation to the topic (two queries). Nothing is loaded per post.

Posts are paged by their number, so a page never needs a count and a hidden post keeps
its place (as a placeholder) instead of shifting every later page.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, fields
from datetime import datetime
from typing import Any

from sqlalchemy import Select, and_, bindparam, func, or_, select, true
from sqlalchemy.orm import aliased

from community.accounts.models import User
from community.errors import NotFound
from community.extensions import db
from community.paging import PageNumbers
from forum import policy
from forum.models import (
    ForumCategory,
    ForumProfile,
    Post,
    PostState,
    PostVote,
    Topic,
    TopicTag,
    TopicUser,
)
from forum.services.notifications import topic_user
from forum.settings import setting
from kb.services import Hit, search

FILTERS = ("latest", "unanswered", "solved", "top")
LATEST_LIMIT = 8
MAX_PAGE = 1000
_HAN = re.compile("[\u3400-\u9fff\uf900-\ufaff]")
SIMILAR_MIN_LETTERS = 3
SIMILAR_LIMIT = 6


@dataclass(frozen=True)
class Paging(PageNumbers):
    page: int
    per_page: int
    total: int


# Lists of topics -----------------------------------------------------------------------------
@dataclass(frozen=True)
class TopicRow:
    topic: Topic
    author_name: str | None
    last_poster_name: str | None
    category: ForumCategory | None = None


@dataclass(frozen=True)
class TopicList(Paging):
    items: list[TopicRow]


def _listed(user: Any) -> Any:
    """Moderators see hidden and deleted topics in lists too (marked as such)."""
    if policy.is_moderator(user):
        return true()
    return and_(Topic.is_hidden.is_(False), Topic.deleted_at.is_(None))


# Built once: a fresh alias per call would miss SQLAlchemy's statement cache on every page.
_AUTHOR = aliased(User, name="author")
_POSTER = aliased(User, name="poster")


def _rows(query: Select[Any], *, with_category: bool = False) -> list[TopicRow]:
    author, poster = _AUTHOR, _POSTER
    columns: list[Any] = [Topic, author.display_name, poster.display_name]
    if with_category:
        columns.append(ForumCategory)
    statement = (
        query.with_only_columns(*columns)
        .outerjoin(author, author.id == Topic.author_id)
        .outerjoin(poster, poster.id == Topic.last_poster_id)
    )
    if with_category:
        statement = statement.join(ForumCategory, ForumCategory.id == Topic.category_id)
    return [TopicRow(*row) for row in db.session.execute(statement)]


def _page_number(page: int) -> int:
    return min(max(1, page), MAX_PAGE)


def category_topics(category: ForumCategory, *, filter: str, page: int, user: Any) -> TopicList:
    """One page of a category's topics: latest (pinned first), unanswered, solved or top."""
    per_page = setting("FORUM_TOPICS_PER_PAGE")
    page = _page_number(page)
    query = select(Topic).where(Topic.category_id == category.id, _listed(user))
    if filter == "unanswered":
        query = query.where(Topic.post_count <= 1).order_by(Topic.created_at.desc())
    elif filter == "solved":  # most recently solved first; solved_at is set with the answer
        query = query.where(Topic.solved_at.is_not(None)).order_by(Topic.solved_at.desc())
    elif filter == "top":
        query = query.order_by(
            Topic.vote_count.desc(), Topic.post_count.desc(), Topic.last_posted_at.desc()
        )
    else:
        query = query.order_by(Topic.is_pinned.desc(), Topic.last_posted_at.desc())
    if filter in ("latest", "top") and not policy.is_moderator(user):
        total = category.topic_count  # stored: the unfiltered list needs no count
    else:
        total = db.session.scalar(query.with_only_columns(func.count(Topic.id)).order_by(None)) or 0
    # The id breaks ties, so paging is stable; SQLite's indexes end with it anyway.
    items = _rows(query.order_by(Topic.id.desc()).limit(per_page).offset((page - 1) * per_page))
    return TopicList(page=page, per_page=per_page, total=total, items=items)


def tag_topics(tag: str, *, page: int, user: Any) -> TopicList:
    """One page of the topics carrying a tag, latest activity first."""
    per_page = setting("FORUM_TOPICS_PER_PAGE")
    page = _page_number(page)
    query = (
        select(Topic)
        .join(TopicTag, TopicTag.topic_id == Topic.id)
        .where(TopicTag.tag == tag, _listed(user))
    )
    total = db.session.scalar(query.with_only_columns(func.count(Topic.id))) or 0
    items = _rows(
        query.order_by(Topic.last_posted_at.desc(), Topic.id.desc())
        .limit(per_page)
        .offset((page - 1) * per_page),
        with_category=True,
    )
    return TopicList(page=page, per_page=per_page, total=total, items=items)


def latest_topics(limit: int = LATEST_LIMIT) -> list[TopicRow]:
    """The most recently active listed topics across the forum."""
    return _rows(
        select(Topic)
        .where(Topic.is_hidden.is_(False), Topic.deleted_at.is_(None))
        .order_by(Topic.last_posted_at.desc())
        .limit(limit),
        with_category=True,
    )


# The forum home ------------------------------------------------------------------------------
@dataclass(frozen=True)
class CategoryRow:
    category: ForumCategory
    last_topic: Topic | None


def category_rows() -> list[CategoryRow]:
    """Every category with its latest listed topic, in one query."""
    rows = db.session.execute(
        select(ForumCategory, Topic)
        .outerjoin(Topic, Topic.id == ForumCategory.last_topic_id)
        .order_by(ForumCategory.position, ForumCategory.name)
    )
    return [CategoryRow(category, topic) for category, topic in rows]


def index_stamp() -> str:
    """Changes whenever anything the forum home shows changes (every change moves a
    category's version: new topics and replies, moderation, edits of titles)."""
    columns = ForumCategory.__table__.c
    rows = db.session.execute(select(columns.id, columns.version).order_by(columns.id)).all()
    return ".".join(f"{category_id}-{version}" for category_id, version in rows)


# A topic -------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Stamp:
    """What the anonymous page cache needs to know before it looks: one small query."""

    version: int
    slug: str
    listed: bool
    highest_number: int


_TOPICS = Topic.__table__.c
# Core, not ORM: this runs before every cached page, where the ORM's overhead is half its cost.
_STAMP = select(
    _TOPICS.version, _TOPICS.slug, _TOPICS.is_hidden, _TOPICS.deleted_at, _TOPICS.highest_number
)


def topic_stamp(topic_id: int) -> Stamp | None:
    """The topic's version and visibility, for the anonymous page cache's key."""
    row = db.session.execute(_STAMP.where(_TOPICS.id == topic_id)).first()
    if row is None:
        return None
    return Stamp(row[0], row[1], not row[2] and row[3] is None, row[4])


# The statements every topic page runs are built once, with their values bound per request:
# building one costs more than running it.
_TOPIC_WITH_CATEGORY = (
    select(Topic, ForumCategory)
    .join(ForumCategory, ForumCategory.id == Topic.category_id)
    .where(Topic.id == bindparam("topic_id"))
)


def readable_topic(topic_id: int, user: Any) -> tuple[Topic, ForumCategory]:
    """The topic and its category, or 404 for a topic this person may not see."""
    row = db.session.execute(_TOPIC_WITH_CATEGORY, {"topic_id": topic_id}).first()
    if row is None or not policy.can_see_topic(row[0], user):
        raise NotFound()
    return row[0], row[1]


def readable_post(post_id: int, user: Any) -> tuple[Post, Topic]:
    """A post and its topic, or 404 when the topic is not one this person may see."""
    row = db.session.execute(
        select(Post, Topic).join(Topic, Topic.id == Post.topic_id).where(Post.id == post_id)
    ).first()
    if row is None or not policy.can_see_topic(row[1], user):
        raise NotFound()
    return row[0], row[1]


def per_page() -> int:
    """Posts on a topic page (`FORUM_POSTS_PER_PAGE`)."""
    return setting("FORUM_POSTS_PER_PAGE")


def page_of(number: int) -> int:
    """The page of a topic that shows post `number`."""
    return (max(1, number) - 1) // per_page() + 1


@dataclass(frozen=True, slots=True)
class PostRow(PostState):
    """A post as pages read it: Core columns, not an ORM object (nothing here is written).

    Building ORM objects was a third of a signed-in topic page's database time.
    """

    id: int
    topic_id: int
    number: int
    author_id: int | None
    body: str
    body_html: str
    by_staff: bool
    created_at: datetime
    edited_at: datetime | None
    edit_count: int
    is_hidden: bool
    deleted_at: datetime | None
    vote_count: int
    open_flag_count: int


_POSTS = Post.__table__.c
_POST_COLUMNS = [getattr(_POSTS, field.name) for field in fields(PostRow)]


@dataclass(frozen=True)
class PostView:
    """A post as one reader sees it, with the actions that reader may take."""

    post: PostRow
    author_name: str | None
    author_handle: str | None
    show_body: bool
    is_accepted: bool
    voted: bool
    can_edit: bool
    can_delete: bool
    can_vote: bool
    can_accept: bool
    can_flag: bool
    can_moderate: bool


_USERS, _PROFILES = User.__table__.c, ForumProfile.__table__.c
_POSTS_WITH_AUTHORS = (
    select(*_POST_COLUMNS, _USERS.display_name, _PROFILES.handle)
    .select_from(Post.__table__)
    .outerjoin(User.__table__, _USERS.id == _POSTS.author_id)
    .outerjoin(ForumProfile.__table__, _PROFILES.user_id == _POSTS.author_id)
    .where(_POSTS.topic_id == bindparam("topic_id"))
    .order_by(_POSTS.number)
)
_IN_PAGE = _POSTS.number.between(bindparam("first"), bindparam("last"))
# Which posts: a page (or numbers after one), a page with its accepted answer, or one post.
_POST_RANGES = {
    "page": _POSTS_WITH_AUTHORS.where(_IN_PAGE),
    "page+accepted": _POSTS_WITH_AUTHORS.where(or_(_IN_PAGE, _POSTS.id == bindparam("post_id"))),
    "one": _POSTS_WITH_AUTHORS.where(_POSTS.id == bindparam("post_id")),
}
_VOTED = select(PostVote.post_id).where(
    PostVote.user_id == bindparam("user_id"),
    PostVote.post_id.in_(bindparam("post_ids", expanding=True)),
)


def _views(topic: Topic, user: Any, which: str, **values: Any) -> list[PostView]:
    user = policy.viewer(user)
    width = len(_POST_COLUMNS)
    rows = [
        (PostRow(*row[:width]), row[width], row[width + 1])
        for row in db.session.execute(_POST_RANGES[which], {"topic_id": topic.id, **values})
    ]
    voted: set[int] = set()
    if policy.can_write(user) and rows:
        post_ids = [post.id for post, _name, _handle in rows]
        voted = set(db.session.scalars(_VOTED, {"user_id": user.id, "post_ids": post_ids}))
    moderator = policy.is_moderator(user)
    return [
        PostView(
            post=post,
            author_name=name,
            author_handle=handle,
            show_body=policy.can_see_post_body(post, user),
            is_accepted=post.id == topic.accepted_post_id,
            voted=post.id in voted,
            can_edit=policy.can_edit(post, topic, user),
            can_delete=policy.can_delete(post, topic, user),
            can_vote=policy.can_vote(post, topic, user),
            can_accept=policy.can_accept(post, topic, user) and post.id != topic.accepted_post_id,
            can_flag=policy.can_flag(post, topic, user),
            can_moderate=moderator,
        )
        for post, name, handle in rows
    ]


@dataclass(frozen=True)
class TopicPage(Paging):
    topic: Topic
    category: ForumCategory
    posts: list[PostView]
    accepted: PostView | None
    relation: TopicUser | None
    can_reply: bool
    can_watch: bool
    can_moderate: bool
    can_unaccept: bool
    can_make_article: bool
    can_see_history: bool

    @property
    def watching(self) -> bool:
        return bool(self.relation and self.relation.watching)


def topic_page(topic: Topic, category: ForumCategory, *, page: int, user: Any) -> TopicPage:
    """One page of a topic for one reader; the accepted answer comes along on page one."""
    user = policy.viewer(user)
    size = per_page()
    pages = max(1, -(-topic.highest_number // size))
    page = min(max(1, page), pages)
    first, last = (page - 1) * size + 1, page * size
    if page == 1 and topic.accepted_post_id is not None:
        views = _views(
            topic, user, "page+accepted", first=first, last=last, post_id=topic.accepted_post_id
        )
    else:
        views = _views(topic, user, "page", first=first, last=last)
    accepted = next((view for view in views if view.is_accepted and view.show_body), None)
    posts = [view for view in views if first <= view.post.number <= last]
    relation = topic_user(topic.id, user.id) if policy.signed_in(user) else None
    return TopicPage(
        page=page,
        per_page=size,
        total=topic.highest_number,
        topic=topic,
        category=category,
        posts=posts,
        accepted=accepted if page == 1 else None,
        relation=relation,
        can_reply=policy.can_reply(topic, user),
        can_watch=policy.can_watch(topic, user),
        can_moderate=policy.can_moderate(user),
        can_unaccept=policy.can_unaccept(topic, user),
        can_make_article=policy.can_make_article(topic, user),
        can_see_history=policy.can_see_history(user),
    )


def posts_after(topic: Topic, after: int, user: Any, limit: int = 50) -> list[PostView]:
    """Posts numbered after `after`, for a page that was told of new replies."""
    start = max(0, after)
    return _views(topic, user, "page", first=start + 1, last=start + limit)


def post_view(topic: Topic, post_id: int, user: Any) -> PostView | None:
    """One post as this reader sees it, for an open page told the post changed."""
    views = _views(topic, user, "one", post_id=post_id)
    return views[0] if views else None


# Before asking -------------------------------------------------------------------------------
def similar(title: str) -> list[Hit]:
    """Articles and solved topics that may already answer a question being typed: from the
    first Chinese character (退货 is a whole question), from three letters otherwise."""
    text = title.strip()
    if not (_HAN.search(text) or len(text) >= SIMILAR_MIN_LETTERS):
        return []
    return search(title, per_page=SIMILAR_LIMIT, kinds=("article", "topic")).hits

"""Posts rendered once per version, language and kind of reader, for signed-in topic pages.

A topic page spends most of its time rendering posts. Each post's HTML is kept in the
process's fragment cache (`community.fragments`) under a key holding everything the post
macro reads: the post's changing columns, its author's name, this reader's permissions and
vote on it, the language and the page's quote address. Two customers who may do the same
things with a post share its fragment; an edit, a vote, a hide or a renamed author makes a
new key. A hidden or deleted post's body is only in fragments whose key says the reader may
see it (`show_body`), so it never reaches anyone else.
"""

from __future__ import annotations

from collections.abc import Hashable
from typing import Any

from flask import get_template_attribute, render_template, request, url_for
from flask_babel import get_locale
from flask_login import current_user
from flask_wtf.csrf import generate_csrf
from markupsafe import Markup

from community.fragments import FragmentCache, fill, fragment_cache, placeholder
from forum import policy
from forum.models import ForumCategory
from forum.services import reading
from forum.services.reading import PostView
from forum.views.common import post_links, post_text

CSRF = placeholder("csrf")
VERSION = placeholder("version")


def posts_cache() -> FragmentCache:
    return fragment_cache("forum.posts")


def lists_cache() -> FragmentCache:
    return fragment_cache("forum.lists", size=2_000, max_age=30.0)  # as long as a cached page


def _key(view: PostView, context: tuple[Hashable, ...], as_accepted: bool) -> Hashable:
    post = view.post
    return (
        post.id,
        hash(post.body_html),
        post.number,
        post.author_id,
        post.created_at,
        post.edited_at,
        post.edit_count,
        post.vote_count,
        post.open_flag_count,
        post.is_hidden,
        post.deleted_at is not None,
        post.by_staff,
        view.author_name,
        view.author_handle,
        view.show_body,
        view.is_accepted,
        view.voted,
        view.can_edit,
        view.can_delete,
        view.can_vote,
        view.can_accept,
        view.can_flag,
        view.can_moderate,
        as_accepted,
        context,
    )


def rendered_posts(
    views: list[PostView],
    *,
    can_reply: bool,
    quote_base: str,
    version: int,
    accepted: PostView | None = None,
) -> tuple[dict[int, Markup], Markup | None]:
    """Each post's HTML by post id, and the accepted answer's (shown under the question)."""
    macro = get_template_attribute("forum/_post.html", "post_article")
    shared = {
        "links": post_links(),
        "text": post_text(),
        "csrf": CSRF,
        "can_reply": can_reply,
        "version": VERSION,
        "quote_base": quote_base,
    }
    context = (str(get_locale()), request.script_root, can_reply, quote_base)
    pieces = posts_cache().render_all(
        views,
        key=lambda view: _key(view, context, False),
        render=lambda view: macro(view, shared),
    )
    if accepted is not None:
        pieces += posts_cache().render_all(
            [accepted],
            key=lambda view: _key(view, context, True),
            render=lambda view: macro(view, shared, as_accepted=True),
        )
    # The token is made only for a reader whose posts carry a form (it starts a session).
    values = {VERSION: str(version)}
    if any(CSRF in piece for piece in pieces):
        values[CSRF] = generate_csrf()
    filled = [fill(piece, values) for piece in pieces]
    html = {view.post.id: piece for view, piece in zip(views, filled, strict=False)}
    return html, filled[-1] if accepted is not None else None


def category_topics_html(category: ForumCategory, chosen: str, page: int) -> Markup:
    """A page of a category's topics with its pager, read and rendered once per version.

    Only moderators see hidden topics in lists; everyone else shares one copy per filter,
    page and language, so a signed-in reader skips the list's queries as a visitor does.
    """
    moderator = policy.is_moderator(current_user)
    key = (category.id, category.version, chosen, page, str(get_locale()), moderator)
    (html,) = lists_cache().render_all(
        [key],
        key=lambda item: (request.script_root, *item),
        render=lambda _item: render_template(
            "forum/_category_topics.html",
            filter=chosen,
            topics=reading.category_topics(category, filter=chosen, page=page, user=current_user),
        ),
    )
    return Markup(html)  # noqa: S704 (rendered by an autoescaping template)


def topic_page_html(data: reading.TopicPage, form: Any) -> str:
    """A topic page for its reader, with each post from the fragment cache where it can be."""
    page = data.page if data.page > 1 else None
    posts_html, accepted_html = rendered_posts(
        data.posts,
        can_reply=data.can_reply,
        quote_base=url_for("forum.topic", topic_id=data.topic.id, slug=data.topic.slug, page=page),
        version=data.topic.version,
        accepted=data.accepted,
    )
    return render_template(
        "forum/topic.html",
        view=data,
        form=form,
        posts_html=posts_html,
        accepted_html=accepted_html,
    )

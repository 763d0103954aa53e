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

import secrets
from collections.abc import Hashable
from typing import Any

from flask import current_app, get_template_attribute, render_template, request, url_for
from flask_babel import get_locale
from flask_login import current_user
from flask_wtf.csrf import generate_csrf
from markupsafe import Markup, escape

from community.caching import reader_variant
from community.fragments import FragmentCache, fill, fragment_cache, placeholder
from forum import policy
from forum.forms import ReplyForm, new_nonce
from forum.models import ForumCategory
from forum.services import reading
from forum.services.reading import PostView
from forum.views.common import post_links, post_text

CSRF = placeholder("csrf")
VERSION = placeholder("version")
FORM_HIDDEN = placeholder("form-hidden")
ACCEPTED = placeholder("accepted")
_MARKER_SALT = secrets.token_hex(6)


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
    made: dict[str, Any] = {}

    def render(view: PostView, as_accepted: bool = False) -> str:
        """A post the cache does not hold; what every post shares is made on the first."""
        if not made:
            made["macro"] = get_template_attribute("forum/_post.html", "post_article")
            made["shared"] = {
                "links": post_links(),
                "text": post_text(),
                "csrf": CSRF,
                "can_reply": can_reply,
                "version": VERSION,
                "quote_base": quote_base,
            }
        return made["macro"](view, made["shared"], as_accepted=as_accepted)  # type: ignore[no-any-return]

    context = (str(get_locale()), request.script_root, can_reply, quote_base)
    pieces = posts_cache().render_all(
        views, key=lambda view: _key(view, context, False), render=render
    )
    if accepted is not None:
        pieces += posts_cache().render_all(
            [accepted],
            key=lambda view: _key(view, context, True),
            render=lambda view: render(view, as_accepted=True),
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


def topic_page_html(data: reading.TopicPage, form: Any = None, *, blank_reply: bool = False) -> str:
    """A topic page for its reader: the body from the fragment cache where it can be, each
    post in it from the post cache, and this reader's own values put in.

    `form` is a reply form carrying what the reader sent (or a quote); `blank_reply` asks for
    an empty one, which is only built when the body is not kept yet: its token and nonce are
    all a kept body needs of it.
    """
    if blank_reply and data.can_reply:
        form = _BlankReply()
    page = data.page if data.page > 1 else None
    posts_html, accepted_html = rendered_posts(
        data.posts,
        can_reply=data.can_reply,
        quote_base=url_for("forum.topic", topic_id=data.topic.id, slug=data.topic.slug, page=page),
        version=data.topic.version,
        accepted=data.accepted,
    )
    offer = current_app.jinja_env.globals.get("support_topic_offer")
    ask_support = offer(data.topic) if offer is not None else None
    # A form that carries what the reader typed (an error, a quote) is theirs alone.
    shared_form = (
        form is None or isinstance(form, _BlankReply) or not (form.errors or form.body.data)
    )

    def render(_key: Hashable) -> str:
        return render_template(
            "forum/_topic_body.html",
            view=data,
            form=ReplyForm() if isinstance(form, _BlankReply) else form,
            csrf=Markup(CSRF),  # noqa: S704 (placeholders, filled in below)
            form_hidden=Markup(FORM_HIDDEN),  # noqa: S704
            posts_html={view.post.id: Markup(_post_marker(view.post.id)) for view in data.posts},  # noqa: S704
            accepted_html=Markup(ACCEPTED),  # noqa: S704
            ask_support=ask_support,
        )

    if shared_form:
        (body,) = bodies_cache().render_all(
            [_body_key(data, ask_support, form is not None)], key=lambda key: key, render=render
        )
    else:
        body = render(None)
    values = {_post_marker(post_id): str(html) for post_id, html in posts_html.items()}
    values[ACCEPTED] = str(accepted_html or "")
    if CSRF in body:  # a visitor's body has no form: no token, so no session is started
        values[CSRF] = generate_csrf()
    if form is not None:
        values[FORM_HIDDEN] = (
            form.hidden_html()
            if isinstance(form, _BlankReply)
            else (str(form.csrf_token) + str(form.nonce))
        )
    return render_template("forum/topic.html", view=data, body_html=fill(body, values))


class _BlankReply:
    """An empty reply form not built: the two hidden inputs WTForms would render for it."""

    def hidden_html(self) -> str:
        token, nonce = escape(generate_csrf()), escape(new_nonce())
        return (
            f'<input id="csrf_token" name="csrf_token" type="hidden" value="{token}">'
            f'<input id="nonce" name="nonce" type="hidden" value="{nonce}">'
        )


def bodies_cache() -> FragmentCache:
    return fragment_cache("forum.topic-bodies", size=5_000, max_age=60.0)


def _post_marker(post_id: int) -> str:
    """Where a post's own fragment goes in a kept topic body: the same in every request of
    this process, and impossible in content (it holds a NUL byte)."""
    return f"\x00post-{post_id}:{_MARKER_SALT}\x00"


def _body_key(data: reading.TopicPage, ask_support: str | None, has_form: bool) -> Hashable:
    """Everything `forum/_topic_body.html` reads, but the placeholders' values."""
    topic = data.topic
    user = current_user
    return (
        topic.id,
        topic.version,
        topic.slug,
        topic.title,
        tuple(topic.tags),
        topic.is_pinned,
        topic.is_locked,
        topic.is_hidden,
        topic.deleted_at,
        topic.accepted_post_id,
        topic.highest_number,
        topic.reply_count,
        topic.created_at,
        topic.kb_article_id,
        data.category.name,
        data.category.slug,
        data.page,
        data.per_page,
        data.total,
        tuple(
            (view.post.id, view.post.number, view.is_accepted, view.author_name)
            for view in data.posts
        ),
        data.accepted.post.id if data.accepted is not None else None,
        data.relation is not None,
        data.watching,
        data.can_reply,
        data.can_watch,
        data.can_moderate,
        data.can_unaccept,
        data.can_make_article,
        bool(user.is_authenticated),
        bool(getattr(user, "is_confirmed", False)),
        ask_support,
        has_form,
        reader_variant(),
        request.script_root,
        request.path,
    )

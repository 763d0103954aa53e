"""Pages everyone reads: the forum home, categories, tags, topics, and live fragments.

Anonymous visitors get these pages from the page cache. A cached copy is keyed by the
version of what it shows (a category's or a topic's `version`, which every change moves),
so a new reply is on the next anonymous page load in every process, not after a timeout;
finding the version is one small query.
"""

from __future__ import annotations

from flask import abort, current_app, jsonify, redirect, render_template, request, url_for
from flask_login import current_user
from markupsafe import Markup

from community.caching import is_personal_request, reader_variant
from community.extensions import cache, limiter
from community.numbers import query_int
from community.paging import page_arg
from forum import bp, policy
from forum.content import quote_markdown
from forum.forms import ReplyForm
from forum.services import categories, notifications, reading
from forum.settings import rate_limit
from forum.views.common import post_location
from forum.views.fragments import category_topics_html, rendered_posts, topic_page_html

MAX_QUERY = 200


def _cached(key: str) -> str | None:
    return cache.get(key)  # type: ignore[no-any-return]


def _keep(key: str, html: str) -> None:
    cache.set(key, html, timeout=current_app.config.get("CACHE_DEFAULT_TIMEOUT", 30))


@bp.get("/")
def index():
    shared = not is_personal_request()
    key = f"forum:index:{reading.index_stamp()}:{reader_variant()}" if shared else ""
    if shared and (html := _cached(key)) is not None:
        return html
    html = render_template(
        "forum/index.html",
        rows=categories.index_rows(),
        latest=reading.latest_topics(),
        can_manage=policy.can_manage_categories(current_user),
        can_moderate=policy.can_moderate(current_user),
    )
    if shared:
        _keep(key, html)
    return html


def _filter() -> str:
    wanted = request.args.get("filter", "latest")
    return wanted if wanted in reading.FILTERS else "latest"


@bp.get("/c/<slug>")
def category(slug: str):
    found = categories.find_category(slug)
    if found is None:
        abort(404)
    chosen = _filter()
    page = page_arg(high=reading.MAX_PAGE)
    shared = not is_personal_request()
    key = f"forum:category:{found.id}:{found.version}:{chosen}:{page}:{reader_variant()}"
    if shared and (html := _cached(key)) is not None:
        return html
    html = render_template(
        "forum/category.html",
        category=found,
        filter=chosen,
        filters=reading.FILTERS,
        topics_html=category_topics_html(found, chosen, page),
        can_start=policy.offers_new_topic(found, current_user),
        can_manage=policy.can_manage_categories(current_user),
    )
    if shared:
        _keep(key, html)
    return html


@bp.get("/tags/<tag>")
def tag(tag: str):
    page = page_arg(high=reading.MAX_PAGE)
    return render_template(
        "forum/tag.html",
        tag=tag,
        topics=reading.tag_topics(tag[:40], page=page, user=current_user),
    )


@bp.get("/t/<int:topic_id>", defaults={"slug": ""})
@bp.get("/t/<int:topic_id>/<slug>")
def topic(topic_id: int, slug: str):
    page = page_arg(high=reading.MAX_PAGE)
    shared = not is_personal_request()
    key = None
    if shared:
        stamp = reading.topic_stamp(topic_id)
        if stamp is None or not stamp.listed:
            abort(404)
        if slug != stamp.slug:
            return redirect(_canonical(topic_id, stamp.slug), 301)
        pages = max(1, -(-stamp.highest_number // reading.per_page()))
        shown = min(max(1, page), pages)
        key = f"forum:topic:{topic_id}:{stamp.version}:{shown}:{reader_variant()}"
        if (html := _cached(key)) is not None:
            return html
    found, found_category = reading.readable_topic(topic_id, current_user)
    if slug != found.slug:
        return redirect(_canonical(topic_id, found.slug), 301)
    data = reading.topic_page(found, found_category, page=page, user=current_user)
    if data.relation is not None and (data.relation.emailed or data.relation.unread):
        notifications.mark_visited(data.relation)
    if query_int("quote"):
        html = topic_page_html(data, _reply_form(data))
    else:
        html = topic_page_html(data, blank_reply=True)
    if key is not None:
        _keep(key, html)
    return html


def _canonical(topic_id: int, slug: str) -> str:
    values = {key: value for key, value in request.args.items() if key in ("page", "quote")}
    return url_for("forum.topic", topic_id=topic_id, slug=slug, **values)


def _reply_form(data: reading.TopicPage) -> ReplyForm | None:
    """The reply box, started with a quote when the reader asked to quote a post."""
    if not data.can_reply:
        return None
    form = ReplyForm()
    quoted = query_int("quote")
    if quoted:
        view = reading.post_view(data.topic, quoted, current_user)
        if view is not None and view.show_body and view.post.is_visible:
            form.body.data = quote_markdown(view.post.body, view.author_name or "")
    return form


@bp.get("/p/<int:post_id>")
def post(post_id: int):
    """A post's address: its topic's page, scrolled to it."""
    found, found_topic = reading.readable_post(post_id, current_user)
    return redirect(post_location(found_topic.id, found_topic.slug, found.number))


@bp.get("/t/<int:topic_id>/posts")
def posts_fragment(topic_id: int):
    """New or changed posts as HTML for an open page: `?after=<number>` or `?post=<id>`."""
    found, _category = reading.readable_topic(topic_id, current_user)
    post_id = query_int("post")
    if post_id:
        view = reading.post_view(found, post_id, current_user)
        views = [view] if view is not None else []
    else:
        views = reading.posts_after(found, query_int("after", 0, low=0), current_user)
    posts_html, _accepted = rendered_posts(
        views,
        can_reply=policy.can_reply(found, current_user),
        quote_base=url_for("forum.topic", topic_id=found.id, slug=found.slug),
        version=found.version,
    )
    response = current_app.make_response(Markup("").join(posts_html.values()))
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/similar")
@limiter.limit(lambda: rate_limit("FORUM_RATE_LIMIT_SUGGEST"))
def similar():
    """Articles and solved topics like a title being typed: {"results": [...]}."""
    query = request.args.get("q", "")[:MAX_QUERY]
    hits = reading.similar(query)
    return jsonify(
        results=[
            {"title": hit.title, "url": hit.url, "label": hit.label, "kind": hit.kind}
            for hit in hits
        ]
    )

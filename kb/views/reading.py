"""Reader pages: the knowledge-base home, categories, articles, search and feedback."""

from __future__ import annotations

import re

from flask import (
    abort,
    current_app,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf.csrf import generate_csrf

from community.caching import is_personal_request, reader_variant
from community.errors import InvalidInput
from community.extensions import cache, csrf, limiter
from community.forms import show_error
from community.paging import page_arg
from community.uploads import send_download
from kb import bp
from kb.forms import FeedbackForm
from kb.languages import other_language
from kb.policy import can_edit, takes_feedback
from kb.services import attachments, cache_keys, catalog, counters, feedback, search, suggest

RESULTS_PER_PAGE = 10
# Longer queries are cut here (and analysed to a dozen words); they never fail.
MAX_QUERY_PARAMETER = 1000


def feedback_limit() -> str:
    return current_app.config["KB_RATE_LIMIT_FEEDBACK"]


@bp.get("/")
@cache.cached(
    unless=is_personal_request, key_prefix=lambda: cache_keys.index_page(reader_variant())
)
def index():
    counts = catalog.published_counts()
    return render_template(
        "kb/index.html",
        categories=[(category, counts.get(category.id, 0)) for category in catalog.categories()],
        popular=catalog.popular_articles(6),
        newest=catalog.newest_articles(6),
        can_edit=can_edit(current_user),
    )


@bp.get("/categories/<slug>")
def category(slug: str):
    found = catalog.find_category(slug)
    if found is None:
        abort(404)
    page = catalog.category_articles(found, page=page_arg())
    return render_template("kb/category.html", category=found, page=page)


@bp.get("/articles/<slug>")
def article(slug: str):
    """Anonymous readers get the page from the cache; the read is counted either way."""
    shared = not is_personal_request()
    key = cache_keys.article_page(slug, reader_variant())
    if shared:
        cached = cache.get(key)
        if cached is not None:
            article_id, html = cached
            counters.count_view(article_id)
            return html
    found = catalog.readable_article(slug, current_user)
    counters.count_view(found.id)
    html = render_template(
        "kb/article.html",
        article=found,
        related=catalog.related_listed(found),
        show_toc=len(found.toc) >= 3 or len(found.plain_text) > 4000,
        can_edit=can_edit(current_user),
        human_size=attachments.human_size,
    )
    if shared and found.is_published:
        cache.set(key, (found.id, html))
    return html


@bp.get("/articles/<slug>/files/<int:attachment_id>/<path:filename>")
def download(slug: str, attachment_id: int, filename: str):
    """Always a download with its recorded type; never rendered by the browser."""
    item = attachments.download(catalog.find_article(slug), attachment_id, current_user)
    return send_download(item, private=False)


@bp.get("/articles/<slug>/files/<path:filename>")
def download_named(slug: str, filename: str):
    """An imported page's image or file, by the name its body links to."""
    item = attachments.download_named(catalog.find_article(slug), filename, current_user)
    return send_download(item, private=False)


# Every method, so an address under /kb/ that names nothing is a 404 for a POST too, not a
# 405 from this catch-all; only a GET (or HEAD) of an old address is redirected. It changes
# nothing, so it needs no CSRF token (which would turn that 404 into a 400).
@bp.route("/<path:old_path>", methods=["GET", "POST", "PUT", "PATCH", "DELETE"])
@csrf.exempt
def old_address(old_path: str):
    """An imported article's old address (its `aliases`, its source file): a 301 to it."""
    slug = catalog.slug_for_alias(old_path) if request.method == "GET" else None
    if slug is None:
        abort(404)
    return redirect(url_for("kb.article", slug=slug), 301)


# A Zendesk help centre's article addresses, at the site's root where its links point
# (registered by `kb.init_app`): `/hc/<locale>/articles/<id>-<title>` answers 301 to the
# imported article, whatever the title.
_ZENDESK_ARTICLE = re.compile(r"^([a-z]{2,3}(?:-[a-z0-9]{2,8})*)/articles/(\d{1,19})(?:[-/].*)?$")


@bp.app_template_global("kb_other_language")
def other_language_label(language: str | None) -> dict[str, str] | None:
    """For an article, category or announcement listed in a language other than the page's
    (its stored `language`): its `lang` tag and its language's name in itself, so a reader
    sees at once which titles are not in theirs."""
    return other_language(language)


def zendesk_address(old_path: str):
    """An old Zendesk Guide address of an imported article: a 301 to where it lives now."""
    match = _ZENDESK_ARTICLE.match(old_path.lower())
    slug = catalog.slug_for_alias(f"hc/{match[1]}/articles/{match[2]}") if match else None
    if slug is None:
        abort(404)
    return redirect(url_for("kb.article", slug=slug), 301)


@bp.get("/search", endpoint="search")
def search_page():
    query = request.args.get("q", "")[:MAX_QUERY_PARAMETER]
    page_number = page_arg()
    category_slug = request.args.get("category") or None
    results = None
    if query.strip():
        results = search(query, page=page_number, per_page=RESULTS_PER_PAGE, category=category_slug)
        if page_number == 1:
            counters.count_search(query, results.total)
    return render_template(
        "kb/search.html",
        query=query,
        results=results,
        categories=catalog.category_choices(),
        category=category_slug,
        popular=catalog.popular_articles(5) if results is not None and not results.hits else [],
    )


@bp.get("/suggest", endpoint="suggest")
def suggest_titles():
    """Titles for a search box, as it is typed: {"results": [{"title", "url", "label"}]}."""
    query = request.args.get("q", "")[:MAX_QUERY_PARAMETER]
    hits = suggest(query, limit=8) if query.strip() else []
    return jsonify(
        results=[{"title": hit.title, "url": hit.url, "label": hit.label} for hit in hits]
    )


@bp.get("/feedback-token")
def feedback_token():
    """A CSRF token for the feedback buttons of a page that came from the shared cache."""
    response = jsonify(csrf_token=generate_csrf())
    response.headers["Cache-Control"] = "no-store"
    return response


def _wants_json() -> bool:
    return request.accept_mimetypes.best == "application/json"


@bp.route("/articles/<slug>/feedback", methods=["GET", "POST"])
@limiter.limit(feedback_limit, methods=["POST"])
def give_feedback(slug: str):
    found = catalog.readable_article(slug, current_user)
    if not takes_feedback(found):
        abort(404)
    form = FeedbackForm(formdata=request.form if request.method == "POST" else request.args)
    if request.method == "POST" and form.validate():
        try:
            feedback.record_feedback(
                found, helpful=form.is_helpful, comment=form.comment.data, user=current_user
            )
        except InvalidInput as error:
            show_error(form, error)
        else:
            message = _("Thank you for your feedback.")
            if _wants_json():
                return jsonify(ok=True, message=message)
            flash(message, "success")
            return redirect(url_for("kb.article", slug=found.slug) + "#feedback")
    if request.method == "POST" and _wants_json():
        fields = [
            {"field": name, "message": " ".join(map(str, errors))}
            for name, errors in form.errors.items()
        ]
        return jsonify(
            error={"code": 422, "message": _("Some fields are not valid."), "fields": fields}
        ), 422
    status = 422 if request.method == "POST" else 200
    return render_template("kb/feedback.html", article=found, form=form), status

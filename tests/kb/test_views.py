"""Pages as people use them: reading, searching, "Was this helpful?", downloads, and every
editor page refusing everyone else."""

from __future__ import annotations

import io
import re

import pytest
from sqlalchemy import select

from community.accounts.models import Role
from community.extensions import db
from kb.models import Article, ArticleStatus, Category, Feedback, Revision
from kb.search import engine
from tests.kb.conftest import flush_counters, load_article

EDITOR_GETS = [
    "/kb/manage",
    "/kb/new",
    "/kb/articles/{slug}/edit",
    "/kb/articles/{slug}/history",
    "/kb/articles/{slug}/diff?from=1&to=1",
    "/kb/insights",
    "/kb/manage/categories",
]
EDITOR_POSTS = [
    "/kb/new",
    "/kb/articles/{slug}/edit",
    "/kb/articles/{slug}/publish",
    "/kb/articles/{slug}/unpublish",
    "/kb/articles/{slug}/archive",
    "/kb/articles/{slug}/revisions/1/restore",
    "/kb/articles/{slug}/files",
    "/kb/articles/{slug}/files/1/delete",
    "/kb/preview",
    "/kb/manage/categories/new",
    "/kb/manage/categories/1",
]


def test_knowledge_base_home_lists_categories_and_articles(client, make_article, make_category):
    """/kb/ shows categories with descriptions, the most read and newest, and a search box."""
    category = make_category("returns", "Orders and returns", "Refunds and returns.")
    make_article("How do I return an item?", category_id=category)
    page = client.get("/kb/").get_data(as_text=True)
    assert "Orders and returns" in page and "Refunds and returns." in page
    assert "How do I return an item?" in page
    assert 'action="/kb/search"' in page and 'data-suggest="/kb/suggest"' in page


def test_article_page_shows_trail_toc_tags_files_related_and_feedback(
    client, app, make_article, make_category, editor
):
    """An article shows its category trail, contents, date, tags, downloads, related articles."""
    category = make_category("products", "Products")
    body = (
        "Intro.\n\n## Before you start\n\nText.\n\n## Install\n\n```\nrun it\n```\n\n"
        "## Check\n\n| a | b |\n| - | - |\n| 1 | 2 |\n"
    )
    record = make_article("Installing the driver", body, category_id=category, tags=["driver"])
    make_article("Driver release notes", "Notes.", category_id=category, tags=["driver"])
    client.login(editor.email)
    client.post_form(
        f"/kb/articles/{record.slug}/files",
        {"file": (io.BytesIO(b"%PDF-1.4 x"), "manual.pdf")},
        content_type="multipart/form-data",
    )
    client.post_form("/logout")
    page = client.get(f"/kb/articles/{record.slug}").get_data(as_text=True)
    assert '<a href="/kb/categories/products">Products</a>' in page
    assert 'href="#h-before-you-start"' in page and "<table>" in page and "<pre><code>" in page
    assert "Last updated" in page and ">driver<" in page
    assert "manual.pdf" in page and "Driver release notes" in page
    assert "Was this helpful?" in page


def test_drafts_and_archived_articles_are_404_for_customers(client, make_article, customer, editor):
    """A customer (or a visitor) cannot open a draft or an archived article; an editor can."""
    draft = make_article("Plans", status=ArticleStatus.DRAFT)
    archived = make_article("Old", status=ArticleStatus.ARCHIVED)
    for slug in (draft.slug, archived.slug):
        assert client.get(f"/kb/articles/{slug}").status_code == 404
    client.login(customer.email)
    assert client.get(f"/kb/articles/{draft.slug}").status_code == 404
    client.post_form("/logout")
    client.login(editor.email)
    assert "customers cannot see it" in client.get(f"/kb/articles/{draft.slug}").get_data(
        as_text=True
    )


@pytest.mark.parametrize("roles", [None, (), (Role.MANAGER,)])
def test_editor_pages_refuse_everyone_else(client, make_user, make_article, roles):
    """Visitors are sent to log in; customers and other staff get 403 on every editor route."""
    record = make_article()
    if roles is not None:
        client.login(make_user(roles=list(roles)).email)
    expected = {302} if roles is None else {403}
    for path in EDITOR_GETS:
        response = client.get(path.format(slug=record.slug))
        assert response.status_code in expected, path
    for path in EDITOR_POSTS:
        response = client.post_form(path.format(slug=record.slug), {"title": "x", "body": "x"})
        assert response.status_code in expected, path
    stored = load_article(app=client.application, article_id=record.id)
    assert stored.title == record.title and stored.status == ArticleStatus.PUBLISHED


def test_editor_writes_previews_publishes_and_restores(client, app, editor, make_category):
    """The whole editor flow: draft, live preview, publish, edit, history, diff, restore."""
    category = make_category()
    client.login(editor.email)
    response = client.post_form(
        "/kb/new",
        {
            "title": "Gift cards",
            "category_id": str(category),
            "tags": "payment, Gift",
            "body": "Gift cards never expire.",
            "save": "Save",
        },
    )
    assert response.status_code == 302
    slug = response.headers["Location"].split("/")[-2]
    with app.app_context():
        article_id = db.session.scalar(select(Article.id).where(Article.slug == slug))
    assert load_article(app, article_id).status == ArticleStatus.DRAFT
    assert client.get("/kb/search?q=gift").get_data(as_text=True).count('class="kb-hit"') == 0

    preview = client.post_form("/kb/preview", {"body": "**bold** <script>x</script>"}).get_json()
    assert "<strong>bold</strong>" in preview["html"] and "<script" not in preview["html"]

    assert client.post_form(f"/kb/articles/{slug}/publish").status_code == 302
    assert 'class="kb-hit"' in client.get("/kb/search?q=gift").get_data(as_text=True)
    response = client.post_form(
        f"/kb/articles/{slug}/edit",
        {
            "title": "Gift cards and vouchers",
            "category_id": "0",
            "tags": "",
            "body": "Vouchers expire after a year.",
            "note": "Vouchers",
            "save": "Save",
        },
    )
    assert response.status_code == 302
    history = client.get(f"/kb/articles/{slug}/history").get_data(as_text=True)
    assert "Vouchers" in history and "Published" in history and "Created" in history
    diff = client.get(f"/kb/articles/{slug}/diff?from=1&to=3").get_data(as_text=True)
    assert "Gift cards never expire." in diff and "Vouchers expire after a year." in diff
    assert client.post_form(f"/kb/articles/{slug}/revisions/1/restore").status_code == 302
    article = load_article(app, article_id)
    assert article.body == "Gift cards never expire." and article.revision_number == 4
    assert article.status == ArticleStatus.PUBLISHED


def test_bad_article_form_is_422_with_messages(client, editor):
    """A blank title or body comes back with field errors and status 422; nothing is saved."""
    client.login(editor.email)
    response = client.post_form(
        "/kb/new", {"title": " ", "body": "\u200b", "category_id": "0", "save": "Save"}
    )
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "This field cannot be empty." in page
    with client.application.app_context():
        assert db.session.scalar(select(Article.id)) is None


def test_preview_too_long_is_422_json(client, editor):
    """The preview refuses an enormous body with a JSON error naming the field."""
    client.login(editor.email)
    response = client.post_form("/kb/preview", {"body": "x" * 1_000_001})
    assert response.status_code == 422
    assert response.get_json()["error"]["fields"][0]["field"] == "body"


def test_search_page_highlights_pages_and_filters(client, make_article, make_category):
    """Results show highlighted snippets, a total, paging links and the category filter."""
    category = make_category("shipping", "Shipping")
    for number in range(12):
        make_article(
            f"Parcel tip {number}", f"Wrap the parcel well, tip {number}.", category_id=category
        )
    page = client.get("/kb/search?q=parcels").get_data(as_text=True)
    assert "12 results" in page and "<mark>parcel</mark>" in page
    assert 'href="/kb/search?q=parcels&amp;page=2"' in page
    assert "Page 2 of 2" in client.get("/kb/search?q=parcels&page=2").get_data(as_text=True)
    assert "12 results" in client.get("/kb/search?q=parcels&category=shipping").get_data(
        as_text=True
    )
    assert "No results" in client.get("/kb/search?q=parcels&category=nowhere").get_data(
        as_text=True
    )


def test_a_misspelt_search_shows_the_corrected_results_at_once(client, make_article):
    """A search whose words nothing holds searches for the correction and says so, with no
    "Did you mean" to click first."""
    make_article("Refund times", "How long a refund takes.")
    page = client.get("/kb/search?q=refnud").get_data(as_text=True)
    assert "Showing results for “refund”" in page and "No results for “refnud”." in page
    assert "Did you mean" not in page
    assert "Refund times" in page


def test_suggest_endpoint_answers_json(client, make_article):
    """/kb/suggest returns titles, links and labels for the search box."""
    record = make_article("When will I get my refund?", "Soon.")
    assert client.get("/kb/suggest?q=refu").get_json() == {
        "results": [
            {"title": record.title, "url": f"/kb/articles/{record.slug}", "label": "Article"}
        ]
    }
    assert client.get("/kb/suggest").get_json() == {"results": []}


def test_feedback_without_javascript(client, app, make_article):
    """The yes/no buttons open a small form; sending it records the answer and thanks."""
    record = make_article()
    page = client.get(f"/kb/articles/{record.slug}/feedback?helpful=no").get_data(as_text=True)
    assert 'value="no" checked' in page
    response = client.post_form(
        f"/kb/articles/{record.slug}/feedback", {"helpful": "no", "comment": "Missing a photo"}
    )
    assert response.status_code == 302 and response.headers["Location"].endswith("#feedback")
    assert "Thank you for your feedback." in client.get(response.headers["Location"]).get_data(
        as_text=True
    )
    with app.app_context():
        assert db.session.scalar(select(Feedback.comment)) == "Missing a photo"


def test_feedback_from_a_script_with_a_fetched_token(client, app, make_article):
    """A cached page's script fetches a token, then posts and gets JSON back."""
    record = make_article()
    token = client.get("/kb/feedback-token").get_json()["csrf_token"]
    response = client.post(
        f"/kb/articles/{record.slug}/feedback",
        data={"csrf_token": token, "helpful": "yes"},
        headers={"Accept": "application/json"},
    )
    assert response.get_json()["ok"] is True
    bad = client.post(
        f"/kb/articles/{record.slug}/feedback",
        data={"csrf_token": token, "helpful": "maybe"},
        headers={"Accept": "application/json"},
    )
    assert bad.status_code == 422 and bad.get_json()["error"]["fields"][0]["field"] == "helpful"
    assert load_article(app, record.id).helpful_yes == 1


def test_feedback_needs_a_csrf_token_and_a_published_article(client, make_article):
    """Without a token the answer is refused; a draft takes no feedback."""
    record = make_article()
    draft = make_article("Draft", status=ArticleStatus.DRAFT)
    assert (
        client.post(f"/kb/articles/{record.slug}/feedback", data={"helpful": "yes"}).status_code
        == 400
    )
    assert (
        client.post_form(f"/kb/articles/{draft.slug}/feedback", {"helpful": "yes"}).status_code
        == 404
    )
    assert client.get(f"/kb/articles/{draft.slug}/feedback").status_code == 404


def test_downloads_are_attachments_with_safe_headers(client, app, make_article, editor):
    """A file is sent as a download with its type, nosniff and a sandboxing CSP."""
    record = make_article()
    client.login(editor.email)
    client.post_form(
        f"/kb/articles/{record.slug}/files",
        {"file": (io.BytesIO(b"<html><script>alert(1)</script>"), "说明.txt")},
        content_type="multipart/form-data",
    )
    client.post_form("/logout")
    article_page = client.get(f"/kb/articles/{record.slug}").get_data(as_text=True)
    link = re.search(r'href="(/kb/articles/[^"]+/files/[^"]+)"', article_page).group(1)
    response = client.get(link)
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("text/plain")
    assert response.headers["Content-Disposition"].startswith("attachment;")
    assert "filename*=UTF-8''%E8%AF%B4%E6%98%8E.txt" in response.headers["Content-Disposition"]
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in response.headers["Content-Security-Policy"]
    assert client.get(re.sub(r"/files/\d+/", "/files/999999/", link)).status_code == 404


def test_upload_errors_are_shown_with_422(client, make_article, editor):
    """A refused file comes back on the edit page with the reason."""
    record = make_article()
    client.login(editor.email)
    response = client.post_form(
        f"/kb/articles/{record.slug}/files",
        {"file": (io.BytesIO(b"<?php"), "shell.php")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 422
    assert "This type of file is not accepted." in response.get_data(as_text=True)


def test_article_reads_are_counted_even_from_the_cache(make_app, make_article):
    """Anonymous readers are served from the page cache, and every read still counts."""
    app = make_app(CACHE_TYPE="SimpleCache", KB_COUNTER_FLUSH_SECONDS=3600)
    with app.app_context():
        engine(app).ensure_started()
    client = app.test_client()
    record = make_article()
    first = client.get(f"/kb/articles/{record.slug}").get_data(as_text=True)
    second = client.get(f"/kb/articles/{record.slug}").get_data(as_text=True)
    assert first == second
    flush_counters(app)
    assert load_article(app, record.id).view_count == 2


def test_unpublishing_clears_the_cached_page(make_app, make_article, editor):
    """Once unpublished, the article is gone for anonymous readers of this process at once."""
    app = make_app(CACHE_TYPE="SimpleCache")
    record = make_article()
    visitor = app.test_client()
    assert visitor.get(f"/kb/articles/{record.slug}").status_code == 200
    staff = app.test_client()
    staff.login(editor.email)
    staff.post_form(f"/kb/articles/{record.slug}/unpublish")
    assert visitor.get(f"/kb/articles/{record.slug}").status_code == 404


def test_insights_page_shows_searches_and_a_chart(client, make_article, editor):
    """Editors see top and zero-result searches, unhelpful articles and an SVG chart."""
    record = make_article("Refund times", "How long a refund takes.")
    client.get("/kb/search?q=refund")
    client.get("/kb/search?q=teleport")
    client.post_form(
        f"/kb/articles/{record.slug}/feedback", {"helpful": "no", "comment": "Which card?"}
    )
    client.login(editor.email)
    page = client.get("/kb/insights?days=7").get_data(as_text=True)
    assert ">refund<" in page and ">teleport<" in page
    assert "Refund times" in page and "Which card?" in page
    assert "<svg" in page and 'class="kb-bar-zero"' in page
    assert "<script" not in page.split("</main>")[0]


def test_editors_see_their_links(client, editor, customer):
    """Editors get the Articles link in the navigation; customers do not."""
    client.login(customer.email)
    assert 'href="/kb/manage"' not in client.get("/kb/").get_data(as_text=True)
    client.post_form("/logout")
    client.login(editor.email)
    page = client.get("/kb/").get_data(as_text=True)
    assert 'href="/kb/manage"' in page and 'href="/kb/new"' in page


def test_home_page_shows_popular_answers(client, make_article):
    """The home page panel lists the most read articles."""
    make_article("Refund times", "x")
    assert "Popular answers" in client.get("/").get_data(as_text=True)


def test_health_reports_the_index(client, make_article):
    """/healthz says the index is ready and how many documents it holds."""
    make_article()
    report = client.get("/healthz").get_json()["kb"]
    assert report["ok"] and report["index"] == "ready" and report["documents"] == 1
    assert report["rebuilding"] is False and report["articles"]["published"] == 1


def test_revision_history_lists_authors(client, app, make_article, editor):
    """The history page names who made each revision."""
    record = make_article()
    client.login(editor.email)
    assert "Erin Editor" in client.get(f"/kb/articles/{record.slug}/history").get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(Revision.author_id)) == editor.id


def test_editors_add_and_rename_categories(client, app, editor):
    """Editors add a category (its slug keeps Chinese) and rename it; bad names get 422."""
    client.login(editor.email)
    response = client.post_form(
        "/kb/manage/categories/new",
        {
            "new-name": "退货 Returns",
            "new-description": "Sending things back.",
            "new-position": "2",
        },
    )
    assert response.status_code == 302
    with app.app_context():
        category = db.session.scalar(select(Category))
        assert (category.slug, category.position) == ("退货-returns", 2)
    response = client.post_form(
        f"/kb/manage/categories/{category.id}",
        {
            f"c{category.id}-name": "Returns",
            f"c{category.id}-description": "",
            f"c{category.id}-position": "0",
        },
    )
    assert response.status_code == 302
    assert "Returns" in client.get("/kb/").get_data(as_text=True)
    bad = client.post_form("/kb/manage/categories/new", {"new-name": " ", "new-position": "-1"})
    assert bad.status_code == 422 and "This field cannot be empty." in bad.get_data(as_text=True)
    missing = client.post_form(
        "/kb/manage/categories/999999", {"c999999-name": "x", "c999999-position": "0"}
    )
    assert missing.status_code == 404

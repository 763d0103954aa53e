"""Article rules: only editors write, every save keeps a revision, restore and diff, tags,
slugs, feedback, attachments, insights and the help links tracking asks for."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from sqlalchemy import func, select

from community.accounts.models import Role, User
from community.errors import InvalidInput, NotAllowed, NotFound
from community.extensions import db
from kb.models import Article, ArticleStatus, Attachment, Feedback, Revision
from kb.services import articles_tagged, counters, search
from kb.services.articles import (
    ArticleInput,
    archive_article,
    preview_html,
    publish_article,
    save_article,
    slugify,
    unpublish_article,
)
from kb.services.attachments import add_attachment, download, remove_attachment
from kb.services.catalog import editable_article, readable_article
from kb.services.feedback import record_feedback
from kb.services.insights import insights
from kb.services.revisions import diff_revisions, restore_revision, revisions
from tests.kb.conftest import load_article


def _user(user_id: int) -> User:
    return db.session.get(User, user_id)


@pytest.mark.parametrize("roles", [(), (Role.MANAGER,), (Role.MODERATOR,)])
def test_only_editors_may_write(app, make_user, make_article, roles):
    """Customers and staff without the editor role are refused every write."""
    record = make_article()
    person = make_user(roles=list(roles))
    with app.test_request_context():
        user = _user(person.id)
        article = db.session.get(Article, record.id)
        for attempt in (
            lambda: save_article(None, ArticleInput(title="Mine", body="Text"), by=user),
            lambda: save_article(article, ArticleInput(title="Changed", body="Text"), by=user),
            lambda: publish_article(article, by=user),
            lambda: unpublish_article(article, by=user),
            lambda: archive_article(article, by=user),
            lambda: restore_revision(article, 1, by=user),
            lambda: editable_article(article.slug, user),
            lambda: preview_html(user, "# hi"),
            lambda: add_attachment(article, io.BytesIO(b"hello"), "notes.txt", by=user),
            lambda: insights(user),
        ):
            with pytest.raises(NotAllowed):
                attempt()
        db.session.rollback()
    assert load_article(app, record.id).title == record.title


def test_admins_write_because_they_hold_every_role(app, make_user):
    """An admin is an editor too."""
    admin = make_user(roles=[Role.ADMIN])
    with app.test_request_context():
        article = save_article(
            None, ArticleInput(title="By the admin", body="Text"), by=_user(admin.id)
        )
        assert article.status == ArticleStatus.DRAFT and article.author_id == admin.id


def test_drafts_are_hidden_from_customers_but_not_editors(app, make_article, editor, customer):
    """A customer gets 404 for a draft; an editor can read it."""
    record = make_article("Unreleased", "Soon.", status=ArticleStatus.DRAFT)
    with app.test_request_context():
        with pytest.raises(NotFound):
            readable_article(record.slug, _user(customer.id))
        assert readable_article(record.slug, _user(editor.id)).id == record.id


def test_every_save_and_status_change_keeps_a_revision(app, make_article, editor):
    """Create, edit, unpublish and publish are four revisions, newest first, with authors."""
    record = make_article("Version one", "First text.")
    with app.test_request_context():
        user = _user(editor.id)
        article = db.session.get(Article, record.id)
        save_article(
            article, ArticleInput(title="Version two", body="Second text.", note="Clearer"), by=user
        )
        unpublish_article(article, by=user)
        publish_article(article, by=user)
        history = revisions(article)
        assert [item.number for item in history] == [4, 3, 2, 1]
        assert [item.status for item in history] == ["published", "draft", "published", "published"]
        assert history[2].note == "Clearer" and history[2].title == "Version two"
        assert all(item.author_id == editor.id for item in history)


def test_restore_brings_back_an_old_version_as_a_new_revision(
    app, make_article, make_category, editor
):
    """Restoring revision 1 copies its words, category and tags into revision 3."""
    category = make_category()
    record = make_article(
        "Original title", "Original body.", tags=["returns"], category_id=category
    )
    with app.test_request_context():
        user = _user(editor.id)
        article = db.session.get(Article, record.id)
        save_article(
            article, ArticleInput(title="Rewritten", body="New body.", tags=["other"]), by=user
        )
        restore_revision(article, 1, by=user)
        assert article.title == "Original title" and article.body == "Original body."
        assert article.tag_names == ["returns"] and article.category_id == category
        assert article.revision_number == 3
        assert revisions(article)[0].note == "~restored:1"
        assert article.status == ArticleStatus.PUBLISHED
    with app.test_request_context():
        assert [hit.title for hit in search("original").hits] == ["Original title"]
        assert search("rewritten").total == 0


def test_restoring_a_missing_revision_is_a_404(app, make_article, editor):
    """Only revisions of this article can be restored."""
    record = make_article()
    with app.test_request_context(), pytest.raises(NotFound):
        restore_revision(db.session.get(Article, record.id), 99, by=_user(editor.id))


def test_diff_shows_changed_fields_and_lines(app, make_article, editor):
    """A diff lists the changed title and tags, and added and removed lines."""
    record = make_article("Title A", "line one\nline two\nline three", tags=["a"])
    with app.test_request_context():
        article = db.session.get(Article, record.id)
        save_article(
            article,
            ArticleInput(title="Title B", body="line one\nline 2\nline three", tags=["b"]),
            by=_user(editor.id),
        )
        diff = diff_revisions(article, 2, 1)
    assert (diff.older.number, diff.newer.number) == (1, 2)
    assert {(change.label, change.before, change.after) for change in diff.changes} >= {
        ("Title", "Title A", "Title B"),
        ("Tags", "a", "b"),
    }
    kinds = [(line.kind, line.text) for line in diff.lines]
    assert ("remove", "line two") in kinds and ("add", "line 2") in kinds


def test_hostile_markdown_is_stored_sanitised(app, make_article, editor):
    """Script tags, javascript: links, event handlers and raw HTML never reach the stored HTML."""
    body = (
        "<script>alert(1)</script>\n\n[click](javascript:alert(2)) [x](JaVaScRiPt:alert(3))\n\n"
        '<img src="x" onerror="alert(4)">\n\n<iframe src="https://evil.example"></iframe>\n\n'
        '<a href="https://ok.example" onclick="alert(5)">ok</a> <svg onload="alert(6)"></svg>'
    )
    record = make_article("Hostile", body)
    html = load_article(app, record.id).body_html.lower()
    for bad in ("<script", "javascript:", "onerror", "onclick", "onload", "<iframe", "<svg"):
        assert bad not in html
    assert 'href="https://ok.example"' in html
    with app.test_request_context():
        preview = preview_html(_user(editor.id), body).lower()
    assert "<script" not in preview and "javascript:" not in preview


def test_input_rules(app, editor):
    """Blank or long titles, too many tags and unknown categories are refused, naming the field."""
    with app.test_request_context():
        user = _user(editor.id)
        cases = [
            (ArticleInput(title="  ", body="x"), "title"),
            (ArticleInput(title="x" * 201, body="x"), "title"),
            (ArticleInput(title="ok", body="x", tags=[f"t{n}" for n in range(11)]), "tags"),
            (ArticleInput(title="ok", body="x", tags=["x" * 51]), "tags"),
            (ArticleInput(title="ok", body="x", category_id=12345), "category_id"),
            (ArticleInput(title="ok", body="x" * 1_000_001), "body"),
        ]
        for data, field in cases:
            with pytest.raises(InvalidInput) as refused:
                save_article(None, data, by=user)
            assert refused.value.field == field
            db.session.rollback()
        assert db.session.scalar(select(func.count()).select_from(Article)) == 0


def test_slugs_keep_chinese_and_stay_unique(app, make_article):
    """Titles become readable slugs, Chinese included; a repeated title gets a suffix."""
    assert slugify("如何办理退货手续") == "如何办理退货手续"
    assert slugify("Return an item: step 1!") == "return-an-item-step-1"
    assert slugify("!!!") == "article"
    first = make_article("Same title")
    second = make_article("Same title")
    assert (first.slug, second.slug) == ("same-title", "same-title-2")


def test_tags_are_normalised_and_shared(app, make_article):
    """Tags are lower-cased, trimmed and de-duplicated, and one row serves many articles."""
    one = make_article("One", "x", tags=["Exception", " exception ", "Delivery"])
    make_article("Two", "x", tags=["EXCEPTION"])
    assert load_article(app, one.id).tag_names == ["delivery", "exception"]


def test_articles_tagged_lists_published_help_for_an_event_code(app, make_article):
    """Tracking asks for articles tagged 'exception': published ones, most read first."""
    make_article("Shipment problems", "x", tags=["exception"])
    popular = make_article("Customs holds", "x", tags=["exception"])
    make_article("Draft help", "x", tags=["exception"], status=ArticleStatus.DRAFT)
    make_article("Unrelated", "x", tags=["attempt_failed"])
    with app.app_context():
        db.session.execute(
            Article.__table__.update().where(Article.id == popular.id).values(view_count=50)
        )
        db.session.commit()
    with app.test_request_context():
        links = articles_tagged("Exception")
        assert [link.title for link in links] == ["Customs holds", "Shipment problems"]
        assert links[0].url == f"/kb/articles/{popular.slug}"
        assert articles_tagged("exception", limit=1)[0].title == "Customs holds"
    with app.app_context():
        assert articles_tagged("attempt_failed")[0].url.endswith("/kb/articles/unrelated")


def test_feedback_counts_and_refuses_drafts(app, make_article, customer):
    """Yes and no answers are stored with their comment and counted; drafts take none."""
    record = make_article()
    draft = make_article("Draft", status=ArticleStatus.DRAFT)
    with app.test_request_context():
        article = db.session.get(Article, record.id)
        record_feedback(article, helpful=True, comment=None, user=_user(customer.id))
        record_feedback(
            article, helpful=False, comment="  Did not mention\x00 labels ", user=_user(customer.id)
        )
        with pytest.raises(InvalidInput):
            record_feedback(article, helpful=False, comment="x" * 2001, user=None)
        db.session.rollback()
        with pytest.raises(NotFound):
            record_feedback(
                db.session.get(Article, draft.id), helpful=True, comment=None, user=None
            )
    stored = load_article(app, record.id)
    assert (stored.helpful_yes, stored.helpful_no) == (1, 1)
    with app.app_context():
        comments = list(db.session.scalars(select(Feedback.comment).order_by(Feedback.id)))
    assert comments == [None, "Did not mention labels"]


def test_attachments_check_type_size_and_content(app, make_article, editor):
    """Allowed files are kept under the instance folder; wrong type, size or content is refused."""
    app.config["KB_ATTACHMENT_MAX_BYTES"] = 1024
    record = make_article()
    with app.test_request_context():
        user = _user(editor.id)
        article = db.session.get(Article, record.id)
        stored = add_attachment(
            article, io.BytesIO(b"%PDF-1.7 manual"), "../../说明书 v2.pdf", by=user
        )
        assert stored.filename == "说明书 v2.pdf" and stored.content_type == "application/pdf"
        for content, name in [
            (b"MZ...", "virus.scr"),
            (b"<html><script>", "page.html"),
            (b"not a pdf", "fake.pdf"),
            (b"x" * 2048, "big.txt"),
            (b"", "empty.txt"),
        ]:
            with pytest.raises(InvalidInput):
                add_attachment(article, io.BytesIO(content), name, by=user)
        files = sorted(path.name for path in (Path(app.instance_path) / "kb_attachments").iterdir())
        assert files == [stored.stored_name]
        found = download(article, stored.id, None)
        assert found.path.read_bytes() == b"%PDF-1.7 manual"
        remove_attachment(article, stored.id, by=user)
        assert not found.path.exists()
        assert db.session.scalar(select(func.count()).select_from(Attachment)) == 0


def test_draft_attachments_are_hidden_from_customers(app, make_article, editor, customer):
    """A file of a draft article is a 404 for a customer."""
    record = make_article(status=ArticleStatus.DRAFT)
    with app.test_request_context():
        article = db.session.get(Article, record.id)
        stored = add_attachment(article, io.BytesIO(b"notes"), "notes.txt", by=_user(editor.id))
        with pytest.raises(NotFound):
            download(article, stored.id, _user(customer.id))
        assert download(article, stored.id, _user(editor.id)).filename == "notes.txt"


def test_insights_count_searches_zero_results_and_unhelpful_articles(app, make_article, editor):
    """Searches are counted per query (case and spacing ignored); unhelpful articles are listed."""
    record = make_article("Refund times", "How long a refund takes.")
    with app.test_request_context():
        counters.count_search("Refund", 3)
        counters.count_search("  refund ", 3)
        counters.count_search("warranty card", 0)
        record_feedback(
            db.session.get(Article, record.id), helpful=False, comment="Too vague", user=None
        )
        report = insights(_user(editor.id), days=7)
    assert [(row.query, row.searches) for row in report.top_searches] == [
        ("refund", 2),
        ("warranty card", 1),
    ]
    assert [(row.query, row.zero_results) for row in report.zero_result_searches] == [
        ("warranty card", 1)
    ]
    assert [(row.article.title, row.unhelpful) for row in report.unhelpful_articles] == [
        ("Refund times", 1)
    ]
    assert report.recent_comments[0].comment == "Too vague"
    assert (
        len(report.chart) == 7
        and report.chart[-1].searches == 3
        and report.chart[-1].unhelpful == 1
    )


def test_read_counts_are_batched_into_the_database(app, make_article):
    """Page reads are counted in memory and added to the article in one write."""
    record = make_article()
    with app.test_request_context():
        app.config["KB_COUNTER_FLUSH_SECONDS"] = 3600
        for _ in range(5):
            counters.count_view(record.id)
        assert db.session.scalar(select(Article.view_count).where(Article.id == record.id)) == 0
        counters.flush()
        db.session.expire_all()
        assert db.session.scalar(select(Article.view_count).where(Article.id == record.id)) == 5


def test_revision_rows_follow_their_article(app, make_article):
    """Each save is one revision row; nothing else writes them."""
    record = make_article()
    with app.app_context():
        assert (
            db.session.scalar(
                select(func.count()).select_from(Revision).where(Revision.article_id == record.id)
            )
            == 1
        )

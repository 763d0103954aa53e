"""`kb import PATH` with good and bad files, `kb reindex`, and the demo and bulk seeders."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import func, select

from community.extensions import db
from community.seeding import seed_demo_accounts
from kb.models import Article, ArticleStatus, Category, Revision
from kb.search import engine
from kb.services import articles_tagged, search

GOOD = """---
title: How do I return an item?
category: Orders and returns
tags: [returns, refund]
status: published
---
Open **Your orders** and choose the item.
"""

GOOD_CHINESE = """---
title: 如何办理退货手续
category: returns
tags:
  - returns
  - 退货
status: published
slug: ruhe-tuihuo
---
本文说明如何办理退货手续。
"""

DRAFT = """---
title: Holiday cut-off dates   # still being checked
status: draft
---
To be confirmed.
"""

BAD_FILES = {
    "unclosed.md": ("---\ntitle: Open\nNo end.\n", "not closed"),
    "bad-status.md": ("---\ntitle: Bad status\nstatus: live\n---\nBody.\n", "status must be"),
    "bad-line.md": ("---\ntitle: Line\njust words\n---\nBody.\n", "line 3"),
    "empty-body.md": ("---\ntitle: Nothing\n---\n\n", "body is empty"),
    "empty.md": ("", "the file is empty"),
    "long-title.md": ("---\ntitle: " + "x" * 250 + "\n---\nBody.\n", "under 200"),
    "latin1.md": (None, "not UTF-8"),
    "binary.md": (None, "not text"),
    "broken.md": ('+++\ntitle = "x\nweight = \n+++\nBody.\n', "TOML front matter is broken"),
    "huge.md": ("---\ntitle: Huge\n---\n" + "word " * 220_000, "larger than 1 MB"),
}
RAW = {
    "latin1.md": "---\ntitle: Café\n---\nCrème".encode("latin-1"),
    "binary.md": b"\x89PNG\x00\x00",
}


def write_folder(folder: Path, files: dict[str, str | bytes]) -> Path:
    for name, content in files.items():
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")
    return folder


def test_import_creates_articles_and_reports_each_file(app, tmp_path):
    """Good files are created (categories too), drafts stay drafts, the output says so."""
    folder = write_folder(
        tmp_path / "faq",
        {
            "returns/return.md": GOOD,
            "returns/退货.md": GOOD_CHINESE,
            "holiday.markdown": DRAFT,
            "ignored.txt": "not markdown",
        },
    )
    result = app.test_cli_runner().invoke(args=["kb", "import", str(folder)])
    assert result.exit_code == 0, result.output
    assert "created    returns/return.md -> how-do-i-return-an-item" in result.output
    assert "created    returns/退货.md -> ruhe-tuihuo" in result.output
    assert "3 created, 0 updated, 0 unchanged, 0 refused" in result.output
    with app.test_request_context():
        statuses = dict(db.session.execute(select(Article.title, Article.status)).all())
        assert statuses == {
            "How do I return an item?": "published",
            "如何办理退货手续": "published",
            "Holiday cut-off dates": "draft",
        }
        assert sorted(db.session.scalars(select(Category.slug))) == [
            "orders-and-returns",
            "returns",
        ]
        assert [hit.title for hit in search("退货").hits] == ["如何办理退货手续"]
        assert search("holiday").total == 0


def test_import_refuses_bad_files_and_changes_nothing_for_them(app, tmp_path):
    """Each bad file is refused with its reason; the good one still imports; exit status 1."""
    files: dict[str, str | bytes] = {"good.md": GOOD}
    for name, (content, _reason) in BAD_FILES.items():
        files[name] = content if content is not None else RAW[name]
    folder = write_folder(tmp_path / "faq", files)
    result = app.test_cli_runner().invoke(args=["kb", "import", str(folder)])
    assert result.exit_code == 1
    for name, (_content, reason) in BAD_FILES.items():
        line = next(
            line for line in result.output.splitlines() if line.startswith(f"refused    {name}:")
        )
        assert reason in line, line
    assert f"1 created, 0 updated, 0 unchanged, {len(BAD_FILES)} refused" in result.output
    assert "refused    bad-status.md: status must be" in result.output
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Article)) == 1
        assert db.session.scalar(select(func.count()).select_from(Category)) == 1


def test_a_refused_file_creates_no_category(app, tmp_path):
    """A file refused after its category was found leaves no new category behind."""
    folder = write_folder(
        tmp_path / "faq",
        {"bad.md": "---\ntitle: x\ncategory: Brand new\n---\n" + "x" * 1_000_001},
    )
    assert app.test_cli_runner().invoke(args=["kb", "import", str(folder)]).exit_code == 1
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Category)) == 0


def test_import_again_updates_changed_files_only(app, tmp_path):
    """A second import leaves unchanged files alone and updates edited ones with a revision."""
    folder = write_folder(tmp_path / "faq", {"return.md": GOOD, "tuihuo.md": GOOD_CHINESE})
    runner = app.test_cli_runner()
    runner.invoke(args=["kb", "import", str(folder)])
    (folder / "return.md").write_text(
        GOOD.replace("choose the item", "choose the parcel"), encoding="utf-8"
    )
    result = runner.invoke(args=["kb", "import", str(folder)])
    assert "0 created, 1 updated, 1 unchanged, 0 refused" in result.output
    with app.app_context():
        article = db.session.scalar(
            select(Article).where(Article.slug == "how-do-i-return-an-item")
        )
        assert "parcel" in article.body and article.revision_number == 2
        assert db.session.scalar(select(func.count()).select_from(Revision)) == 3


def test_two_files_with_one_title_are_two_articles(app, tmp_path):
    """Two files with the same title: two articles, with distinct slugs."""
    folder = write_folder(tmp_path / "faq", {"a.md": GOOD, "b.md": GOOD})
    result = app.test_cli_runner().invoke(args=["kb", "import", str(folder)])
    assert "created    a.md -> how-do-i-return-an-item\n" in result.output
    assert "created    b.md -> how-do-i-return-an-item-2\n" in result.output


def test_import_with_an_author_who_is_not_an_editor_is_refused(app, tmp_path, customer):
    """--author must name an editor."""
    folder = write_folder(tmp_path / "faq", {"a.md": GOOD})
    result = app.test_cli_runner().invoke(
        args=["kb", "import", str(folder), "--author", customer.email]
    )
    assert result.exit_code == 2 and "no editor has this email" in result.output


def test_reindex_rebuilds_into_a_fresh_folder(app, make_article):
    """`kb reindex` builds a new index folder, swaps it in and keeps every article findable."""
    make_article("Refund times", "How long a refund takes.")
    before = engine(app).store.current_name()
    result = app.test_cli_runner().invoke(args=["kb", "reindex"])
    assert result.exit_code == 0 and "indexed 1 documents" in result.output
    assert engine(app).store.current_name() != before
    with app.test_request_context():
        assert search("refund").total == 1


def test_demo_seeder_is_idempotent_and_covers_the_examples(app):
    """seed-demo twice: a dozen articles once; 退货 and 'refunds' find theirs; one draft."""
    runner = app.test_cli_runner()
    with app.app_context():  # the core's seed commands run in the app context `flask` gives them
        seed_demo_accounts()
        assert runner.invoke(args=["seed-demo"]).exit_code == 0
        assert runner.invoke(args=["seed-demo"]).exit_code == 0
    with app.test_request_context():
        counts = dict(
            db.session.execute(select(Article.status, func.count()).group_by(Article.status)).all()
        )
        assert counts == {"published": 12, "draft": 1}
        assert "如何办理退货手续" in [hit.title for hit in search("退货").hits]
        assert search("refunds").hits[0].title == "When will I get my refund?"
        assert articles_tagged("exception") and articles_tagged("attempt_failed")


@pytest.mark.slow
def test_bulk_seeder_inserts_mixed_articles_and_indexes_them(app):
    """seed-bulk --articles 300 adds published English and Chinese articles, all searchable."""
    with app.app_context():
        seed_demo_accounts()
        result = app.test_cli_runner().invoke(args=["seed-bulk", "--articles", "300"])
    assert result.exit_code == 0, result.output
    with app.test_request_context():
        total = db.session.scalar(
            select(func.count())
            .select_from(Article)
            .where(Article.status == ArticleStatus.PUBLISHED)
        )
        assert total >= 300
        assert engine(app).store.document_count() == total
        titles = list(db.session.scalars(select(Article.title)))
        assert any(any("\u4e00" <= char <= "\u9fff" for char in title) for title in titles)
        assert any(title.isascii() for title in titles)
        assert db.session.scalar(select(func.count()).select_from(Revision)) >= 300

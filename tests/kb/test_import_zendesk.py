"""`kb import` on a Zendesk Guide export: the report, the pages, old addresses, re-import."""

from __future__ import annotations

import json

from sqlalchemy import func, select, update

from community.extensions import db
from kb.models import Article, Attachment, Category, ImportSource
from tests.kb.test_import import copy_fixture, page, run_import


def body_of(html: str) -> str:
    return html.split('class="prose kb-body">', 1)[1].split("</div>\n\n", 1)[0]


def test_zendesk_export_imports_with_its_links_files_and_addresses(app, client, tmp_path):
    """Found by itself; sections named "Category / Section"; links, images, drafts, old
    addresses; hostile HTML sanitised; bad articles refused alone; every problem reported."""
    result = run_import(app, copy_fixture(tmp_path, "zendesk"))
    output = result.output
    assert result.exit_code == 1, output  # two articles refused, the others imported
    assert "created    zendesk:1001 -> how-do-i-return-an-item\n" in output
    assert "created    zendesk:1001/zh-cn -> 如何退货\n" in output
    assert "created    zendesk:1003 -> contact-us\n" in output
    assert "created    zendesk:1004 -> contact-us-2\n" in output
    assert "refused    zendesk:1007: the article has no title" in output
    assert "refused    zendesk:1008: the body is empty" in output
    assert "section 999 is not in the export" in output
    assert "unresolved link: /hc/en-us/articles/9999-Gone" in output
    assert "unresolved link: https://help.example.com/hc/en-us/sections/110-Returns" in output
    assert "unresolved link: https://www.example.org" not in output
    assert "the video 'https://help.example.com/hc/article_attachments/5003/demo.mp4'" in output
    assert "only some users may see it in Zendesk: imported as a draft" in output
    assert "8 created, 0 updated, 0 unchanged, 2 refused" in output

    body = body_of(page(client, "how-do-i-return-an-item"))
    assert 'href="/kb/articles/refund-times#h-h_02"' in body
    assert 'href="/kb/articles/contact-us"' in body
    assert '<h2 id="h-h_01">Print the label</h2>' in body
    assert 'src="/kb/articles/how-do-i-return-an-item/files/label.png"' in body
    assert 'id="h-h_02"' in page(client, "refund-times")
    assert "/kb/articles/how-do-i-return-an-item#h-h_01" in page(client, "refund-times")
    assert 'href="https://www.example.org/carriers"' in body
    image = client.get("/kb/articles/how-do-i-return-an-item/files/label.png")
    assert image.status_code == 200 and image.data.startswith(b"\x89PNG")
    chinese = body_of(page(client, "如何退货"))
    assert 'href="/kb/articles/refund-times"' in chinese and 'id="h-打印-退货标签"' in chinese

    hostile = body_of(page(client, "hostile-page"))
    for bad in ("<script", "alert", "onerror", "onclick", "javascript:", "<iframe", "{{"):
        assert bad not in hostile
    assert "Safe heading" in hostile and "Still here" in hostile

    assert client.get("/kb/articles/contact-us-2").status_code == 404  # a draft
    assert client.get("/kb/articles/agents-only").status_code == 404  # a user segment's
    old = client.get("/kb/hc/en-us/articles/1001-How-do-I-return-an-item")
    assert old.status_code == 301 and old.location.endswith("/kb/articles/how-do-i-return-an-item")
    translated = client.get("/kb/hc/zh-cn/articles/1001")
    assert translated.status_code == 301 and "/kb/articles/%E5%A6%82" in translated.location
    assert client.get("/kb/hc/en-us/articles/1004").status_code == 404  # drafts keep quiet
    # The help centre's own addresses, at the root, whatever title follows the id.
    root = client.get("/hc/en-US/articles/1001-An-Old-Title?x=1")
    assert root.status_code == 301 and root.location.endswith(
        "/kb/articles/how-do-i-return-an-item"
    )
    for missing in ("/hc/en-us/articles/1004", "/hc/en-us/articles/99999", "/hc/en-us/sections/1"):
        assert client.get(missing).status_code == 404

    with app.app_context():
        categories = dict(
            db.session.execute(select(Article.slug, Category.name).join(Article.category)).all()
        )
        assert categories["how-do-i-return-an-item"] == "Orders / Returns"
        assert categories["contact-us-2"] == "Account"  # a section named as its category
        assert "配送时间" not in categories  # its section is not in the export
        article = db.session.scalar(select(Article).where(Article.slug == "refund-times"))
        assert article.tag_names == ["refund"] and article.is_published
        returns = db.session.scalar(select(Article).where(Article.slug.like("how-do-i%")))
        assert sorted(returns.tag_names) == ["refund", "returns"]
        assert sorted(file.filename for file in returns.attachments) == [
            "label.png",
            "returns-form.pdf",
        ]
        source = db.session.scalar(select(ImportSource).where(ImportSource.path == "zendesk:1001"))
        assert source.position == 2 and source.extra["promoted"] is True
        assert source.extra["locale"] == "en-us"


def test_zendesk_import_again_skips_unchanged_and_updates_edited(app, client, tmp_path):
    """The Zendesk id is the identity: unchanged articles are skipped, an edited one updated
    in place, with the same address and no second copy of its files."""
    folder = copy_fixture(tmp_path, "zendesk")
    run_import(app, folder, "--format", "zendesk")
    again = run_import(app, folder)
    assert "0 created, 0 updated, 8 unchanged, 2 refused" in again.output, again.output
    export = json.loads((folder / "articles.json").read_text(encoding="utf-8"))
    for article in export["articles"]:
        if article["id"] == 1001 and article["locale"] == "en-us":
            article["title"] = "Returning an item"
            article["body"] += "<p>Returns are free.</p>"
            article["updated_at"] = "2024-04-01T09:00:00Z"
    (folder / "articles.json").write_text(json.dumps(export), encoding="utf-8")
    edited = run_import(app, folder)
    assert "updated    zendesk:1001 -> how-do-i-return-an-item" in edited.output
    assert "0 created, 1 updated, 7 unchanged, 2 refused" in edited.output
    assert "Returns are free." in page(client, "how-do-i-return-an-item")
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Article)) == 8
        # The label, and the form under both translations of its article.
        assert db.session.scalar(select(func.count()).select_from(Attachment)) == 3


def test_broken_zendesk_exports_are_refused_with_their_reason(app, tmp_path):
    """Broken JSON, no articles list, a list that is not one: one message, nothing saved."""
    cases = {
        "broken": ({"articles.json": '{"articles": [ {"id": 1,'}, "is not readable JSON"),
        "no-list": ({"articles.json": '{"sections": []}'}, "no 'articles' list"),
        "not-a-list": ({"articles.json": '{"articles": {"id": 1}}'}, "is not a list"),
    }
    for name, (files, message) in cases.items():
        folder = tmp_path / name
        folder.mkdir()
        for file, text in files.items():
            (folder / file).write_text(text, encoding="utf-8")
        result = run_import(app, folder)
        assert result.exit_code == 1 and message in result.output, (name, result.output)
    markdown = tmp_path / "docs"
    markdown.mkdir()
    (markdown / "page.md").write_text("# Page\n\nText.\n", encoding="utf-8")
    forced = run_import(app, markdown, "--format", "zendesk")
    assert forced.exit_code == 1 and "no 'articles' list in docs" in forced.output
    one_file = tmp_path / "export.json"
    one_file.write_text(json.dumps({"articles": [{"id": 5, "title": "T", "body": "<p>B</p>"}]}))
    single = run_import(app, one_file, "--dry-run")
    assert "created    zendesk:5 -> t" in single.output and single.exit_code == 0
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Article)) == 0


def test_a_category_lists_its_articles_in_their_source_order(app, client, tmp_path):
    """Zendesk's `position` (a file's `weight`) orders the category page, before reads."""
    run_import(app, copy_fixture(tmp_path, "zendesk"))
    with app.app_context():
        slug = db.session.scalar(select(Category.slug).where(Category.name == "Orders / Returns"))
        db.session.execute(
            update(Article).where(Article.slug == "refund-times").values(view_count=0)
        )
        db.session.execute(
            update(Article).where(Article.slug != "refund-times").values(view_count=9)
        )
        db.session.commit()
    html = client.get(f"/kb/categories/{slug}").get_data(as_text=True)
    first, second = (
        html.index(f'"/kb/articles/{name}"') for name in ("refund-times", "how-do-i-return-an-item")
    )
    assert first < second


def test_malformed_addresses_are_reported_and_never_stop_the_import(app, client, tmp_path):
    """An address Python cannot even split (`http://[x`) in a link, an image, a video or the
    article's own html_url leaves that address unresolved; the other articles come in."""
    articles = [
        {
            "id": 7,
            "title": "Broken links",
            "html_url": "http://[help.example.com/hc/en-us/articles/7",
            "body": '<p><a href="http://[x/hc/en-us/articles/8">next</a>'
            '<img src="https://[bad/pic.png"><video src="http://[v/clip.mp4"></video></p>',
        },
        {"id": 8, "title": "Still imported", "body": "<p>Fine.</p>"},
    ]
    (tmp_path / "articles.json").write_text(json.dumps({"articles": articles}), encoding="utf-8")
    result = run_import(app, tmp_path, "--status", "published")
    assert result.exit_code == 0, result.output
    assert "Traceback" not in result.output
    assert "Fine." in page(client, "still-imported")
    assert "next" in page(client, "broken-links")

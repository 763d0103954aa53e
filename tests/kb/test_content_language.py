"""An article's language is stored: the editor chooses it or leaves it to the text, an import
takes it from front matter or a Zendesk locale, and lists read it rather than guess."""

from __future__ import annotations

import json
import re
from urllib.parse import unquote

import pytest
from sqlalchemy import select, update

from community.extensions import db
from kb.models import Article
from tests.kb.test_import import run_import

CHINESE_READER = "zh_Hans_CN"


def _language(app, slug: str) -> str:
    with app.app_context():
        language = db.session.scalar(select(Article.language).where(Article.slug == slug))
        assert language is not None, f"no article {slug}"
        return language


def _write(client, url: str, title: str, body: str, **fields):
    return client.post_form(url, {"title": title, "body": body, "category_id": "0", **fields})


def _slug(response) -> str:
    assert response.status_code == 302, response.text
    return unquote(response.headers["Location"].split("/")[-2])


def test_the_editor_chooses_the_language_or_leaves_it_to_the_text(app, client, editor):
    """A chosen language is stored even against the text; "Detect from the text" (or no
    choice) stores the text's; an edit and a restore keep the choice as saved."""
    client.login(editor.email)
    form = client.get("/kb/new").text
    assert 'name="language"' in form and ">Detect from the text</option>" in form
    chosen = _slug(
        _write(client, "/kb/new", "iPhone 发票", "English text about invoices.", language="zh")
    )
    detected = _slug(_write(client, "/kb/new", "如何办理退货", "在订单页面选择退货。", language=""))
    unsaid = _slug(_write(client, "/kb/new", "Gift cards", "They never expire."))
    assert _language(app, chosen) == "zh"
    assert _language(app, detected) == "zh"
    assert _language(app, unsaid) == "en"

    edit_form = client.get(f"/kb/articles/{chosen}/edit").text
    assert '<option selected value="zh">中文</option>' in edit_form
    _slug(
        _write(client, f"/kb/articles/{chosen}/edit", "Invoices", "Still English.", language="en")
    )
    assert _language(app, chosen) == "en"
    restored = client.post_form(f"/kb/articles/{chosen}/revisions/1/restore")
    assert restored.status_code == 302 and _language(app, chosen) == "en"


@pytest.mark.parametrize(
    "hostile", ["fr", "ZH", "zh-CN", "<img src=x onerror=alert(1)>", "e" * 300]
)
def test_a_language_not_offered_is_a_form_error(app, client, editor, make_article, hostile):
    """A crafted language comes back as a 422 form error: no article made, none changed."""
    article = make_article("Gift cards", "They never expire.")
    client.login(editor.email)
    created = _write(client, "/kb/new", "Store credit", "Lasts a year.", language=hostile)
    assert created.status_code == 422 and 'class="error"' in created.text
    assert "<img src=x" not in created.text
    edited = _write(client, f"/kb/articles/{article.slug}/edit", "Changed", "x", language=hostile)
    assert edited.status_code == 422
    with app.app_context():
        assert db.session.execute(select(Article.title, Article.language)).all() == [
            ("Gift cards", "en")
        ]


def _most_read(html: str) -> list[str]:
    section = html[html.index("kb-popular") :].split("</section>", 1)[0]
    return re.findall(r'<a href="/kb/articles/[^"]+">([^<]+)</a>', section)


def test_lists_order_and_label_by_the_stored_language(app, make_article):
    """An article whose editor said "Chinese" under an English title is listed and labelled
    as Chinese: the stored language decides, not the title."""
    english = make_article("Track a parcel", "Open the tracking page.")
    chosen = make_article("iPhone 15 setup", "按住侧边按钮开机。然后按照屏幕提示设置。")
    with app.app_context():
        db.session.execute(update(Article).where(Article.id == chosen.id).values(view_count=50))
        db.session.commit()
    assert _language(app, chosen.slug) == "zh"  # detected from the Chinese text
    english_reader, chinese_reader = app.test_client(), app.test_client()
    chinese_reader.set_cookie("portico_lang", CHINESE_READER)

    english_page = english_reader.get("/kb/").text
    assert _most_read(english_page) == [english.title, chosen.title]
    assert f'<li lang="zh-Hans">\n    <a href="/kb/articles/{chosen.slug}">' in english_page
    chinese_page = chinese_reader.get("/kb/").text
    assert _most_read(chinese_page) == [chosen.title, english.title]
    assert f'<li lang="en">\n    <a href="/kb/articles/{english.slug}">' in chinese_page
    article = english_reader.get(f"/kb/articles/{chosen.slug}").text
    assert '<h1 lang="zh-Hans" id="article-title">' in article


def _front_matter_folder(tmp_path):
    folder = tmp_path / "docs"
    folder.mkdir()
    files = {
        "chosen.md": "---\ntitle: Printer setup\nlang: zh-CN\n---\nPlug it in.\n",
        "named.md": "---\ntitle: 打印机设置\nlanguage: en\n---\n插上电源。\n",
        "unsaid.md": "---\ntitle: 退货流程\n---\n在订单页面选择退货。\n",
        "unknown.md": "---\ntitle: Réglages\nlang: fr\n---\nBranchez-la.\n",
    }
    for name, text in files.items():
        (folder / name).write_text(text, encoding="utf-8")
    return folder


def test_an_import_takes_the_language_from_front_matter(app, tmp_path):
    """`lang`/`language` set it (a region is dropped); without one the text decides; one the
    site does not offer is a warning, never a refusal, and the text decides."""
    result = run_import(app, _front_matter_folder(tmp_path), "--status", "published")
    assert result.exit_code == 0, result.output
    assert "the language 'fr' in 'lang' is not one the site offers" in result.output
    assert "fields kept as metadata" not in result.output  # `lang` is a known field
    assert _language(app, "printer-setup") == "zh"
    assert _language(app, "打印机设置") == "en"
    assert _language(app, "退货流程") == "zh"
    assert _language(app, "réglages") == "en"


def test_a_zendesk_locale_sets_the_language(app, tmp_path):
    """Each translation gets its locale's language, whatever its title looks like."""
    export = tmp_path / "help-centre.json"
    export.write_text(
        json.dumps(
            {
                "articles": [
                    {"id": 7, "title": "Returns", "body": "<p>Send it back.</p>",
                     "locale": "en-us", "source_locale": "en-us", "draft": False},
                    {"id": 7, "title": "Returns (iPhone)", "body": "<p>Send it back.</p>",
                     "locale": "zh-cn", "source_locale": "en-us", "draft": False},
                    {"id": 8, "title": "退货", "body": "<p>退货。</p>", "draft": False},
                ]
            }
        ),
        encoding="utf-8",
    )  # fmt: skip
    result = run_import(app, export, "--format", "zendesk")
    assert result.exit_code == 0, result.output
    with app.app_context():
        languages = dict(db.session.execute(select(Article.title, Article.language)).all())
    assert languages == {"Returns": "en", "Returns (iPhone)": "zh", "退货": "zh"}

"""Forum categories carry a language: staff choose it (or leave it to the text), and the forum
home lists the reader's language first, labelling the others."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from community.extensions import db
from forum.models import ForumCategory
from tests.helpers import logged_in

CHINESE_READER = "zh_Hans_CN"


def _category(app, slug: str) -> ForumCategory:
    with app.app_context():
        found = db.session.scalar(select(ForumCategory).where(ForumCategory.slug == slug))
        assert found is not None
        db.session.expunge(found)
        return found


def _save(client, url: str, name: str, **fields):
    data = {"name": name, "description": "", "position": 0, **fields}
    return client.post_form(url, data)


def _category_names(html: str) -> list[str]:
    section = html[html.index('id="forum-categories"') :].split("</section>", 1)[0]
    return re.findall(r'<a href="/forum/c/[^"]+"(?: lang="[^"]+")?>([^<]+)</a>', section)


def test_staff_choose_a_categorys_language_or_leave_it_to_the_text(app, moderator):
    """The editor's choice is stored; "Detect from the text" stores the text's language."""
    client = logged_in(app, moderator)
    form = client.get("/forum/categories/new").text
    assert 'name="language"' in form and ">中文</option>" in form
    assert _save(client, "/forum/categories/new", "Printers", language="zh").status_code == 302
    assert _save(client, "/forum/categories/new", "打印机与驱动", language="").status_code == 302
    assert _save(client, "/forum/categories/new", "Headphones").status_code == 302
    assert _category(app, "printers").language == "zh"  # the writer's choice wins
    assert _category(app, "打印机与驱动").language == "zh"
    assert _category(app, "headphones").language == "en"

    changed = _save(client, "/forum/c/printers/edit", "Printers", language="en")
    assert changed.status_code == 302 and _category(app, "printers").language == "en"
    edit_form = client.get("/forum/c/打印机与驱动/edit").text
    assert '<option selected value="zh">中文</option>' in edit_form


@pytest.mark.parametrize("hostile", ["fr", "zh-Hant", "<script>alert(1)</script>", "en" * 50])
def test_a_language_not_offered_is_a_form_error(app, moderator, hostile):
    """A crafted language comes back as a 422 form error; nothing is saved or changed."""
    client = logged_in(app, moderator)
    assert _save(client, "/forum/categories/new", "Printers", language="en").status_code == 302
    created = _save(client, "/forum/categories/new", "Scanners", language=hostile)
    assert created.status_code == 422 and 'class="error"' in created.text
    edited = _save(client, "/forum/c/printers/edit", "Printers", language=hostile)
    assert edited.status_code == 422 and "<script>alert(1)</script>" not in edited.text
    with app.app_context():
        assert db.session.scalars(select(ForumCategory.language)).all() == ["en"]


def test_the_forum_home_lists_the_readers_language_first_and_labels_the_others(app, make_category):
    """Each reader sees their language's categories first, each group in staff's order;
    the others carry their `lang` and their language's name."""
    make_category("Announcements", slug="news")
    make_category("订单与退货", slug="orders-zh")
    make_category("Shipping", slug="shipping")
    make_category("物流配送", slug="shipping-zh")
    english, chinese = app.test_client(), app.test_client()
    chinese.set_cookie("portico_lang", CHINESE_READER)

    english_page = english.get("/forum/").text
    assert _category_names(english_page) == ["Announcements", "Shipping", "订单与退货", "物流配送"]
    assert '<a href="/forum/c/orders-zh" lang="zh-Hans">' in english_page
    assert english_page.count('<span class="badge badge-language" lang="zh-Hans">中文</span>') == 2

    chinese_page = chinese.get("/forum/").text
    assert _category_names(chinese_page) == ["订单与退货", "物流配送", "Announcements", "Shipping"]
    assert '<a href="/forum/c/news" lang="en">' in chinese_page
    assert chinese_page.count('<span class="badge badge-language" lang="en">English</span>') == 2

    category_page = english.get("/forum/c/orders-zh").text
    assert '<span lang="zh-Hans">订单与退货</span>' in category_page


def test_a_category_in_both_languages_is_every_readers_own(app, moderator, make_category):
    """Named in both languages (as the demo's are): listed with each reader's own, never
    labelled as the other language."""
    client = logged_in(app, moderator)
    saved = _save(client, "/forum/categories/new", "Returns · 退货", language="mul")
    assert saved.status_code == 302 and _category(app, "returns-退货").language == "mul"
    make_category("Shipping", slug="shipping")
    make_category("物流配送", slug="shipping-zh")
    english, chinese = app.test_client(), app.test_client()
    chinese.set_cookie("portico_lang", CHINESE_READER)
    english_page, chinese_page = english.get("/forum/").text, chinese.get("/forum/").text
    assert _category_names(english_page) == ["Returns · 退货", "Shipping", "物流配送"]
    assert _category_names(chinese_page) == ["Returns · 退货", "物流配送", "Shipping"]
    for page in (english_page, chinese_page):
        assert page.count('class="badge badge-language"') == 1

"""Lists of articles put the reader's language first and mark the others: "Most read" on the
knowledge base and the home page, and "Related articles" under an article."""

from __future__ import annotations

import re

from sqlalchemy import update

from community.extensions import db
from kb.models import Article


def _reads(app, slug: str, count: int) -> None:
    with app.app_context():
        db.session.execute(update(Article).where(Article.slug == slug).values(view_count=count))
        db.session.commit()


def _titles(html: str, heading: str) -> list[str]:
    section = html[html.index(heading) :].split("</section>", 1)[0]
    return re.findall(r'<a href="/kb/articles/[^"]+">([^<]+)</a>', section)


def test_most_read_lists_the_readers_language_first_and_labels_the_others(app, make_article):
    chinese = make_article("如何办理退货手续", "在订单页面选择退货。", tags=["returns"])
    english = make_article("How do I return an item?", "Open your orders.", tags=["returns"])
    _reads(app, chinese.slug, 100)  # the most read is Chinese
    _reads(app, english.slug, 10)
    english_reader, chinese_reader = app.test_client(), app.test_client()
    chinese_reader.set_cookie("portico_lang", "zh_Hans_CN")

    page = english_reader.get("/kb/").text
    assert _titles(page, "Most read") == [english.title, chinese.title]
    assert '<li lang="zh-Hans">' in page and "中文</span>" in page
    assert _titles(chinese_reader.get("/kb/").text, "最")[:2] == [chinese.title, english.title]

    home = english_reader.get("/").text
    assert home.index(english.title) < home.index(chinese.title)

    third = make_article("退款多久到账", "三到五个工作日。", tags=["returns"])
    _reads(app, third.slug, 1000)  # the most read of the related ones, but in Chinese
    related = english_reader.get(f"/kb/articles/{chinese.slug}").text
    assert _titles(related, "Related articles") == [english.title, third.title]
    assert related.count("中文</span>") >= 1

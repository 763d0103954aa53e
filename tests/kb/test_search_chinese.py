"""Search as a Chinese customer types: traditional characters, full width, pinyin, one
character, homophone typos, function words, highlights on whole words, and the reader's
language first."""

from __future__ import annotations

import pytest
from flask import Flask

from community.extensions import db
from kb.search import SearchDocument, SearchSource, index_after_commit, register_source, search
from kb.search.analysis import parse_query
from kb.search.chinese import language_of, pinyin_terms
from kb.search.evaluate import Request, idf, rank, rank_with_whoosh
from kb.search.normalise import normalise, normalise_aligned
from kb.search.snippets import highlight

HELP_CENTRE = [
    ("怎么开发票", "下单时选择开具发票，填写发票抬头和税号。", ["发票"]),
    ("电子发票在哪里下载", "订单完成后在订单详情里下载电子发票。", ["发票"]),
    ("快递多久能到", "现货当天发货，快递一般两到四天送达。", ["快递"]),
    ("如何申请退货", "签收后七天内可以申请退货，退款原路退回。", ["退货"]),
    ("退款多久到账", "仓库验收后发起退款，银行卡三到七个工作日到账。", ["退款"]),
    ("空调安装预约", "空调送货后预约安装，师傅会电话联系。超过两天没人联系请催单。", ["安装"]),
    ("保险说明", "购买延保保险可以延长保修。", []),
    ("VIP会员权益", "VIP会员享受免运费和专属客服。拨打400热线。", ["会员"]),
    ("Invoices for iPhone", "Every iPhone order comes with an invoice.", ["invoice"]),
]


@pytest.fixture
def help_centre(make_article) -> None:
    for title, body, tags in HELP_CENTRE:
        make_article(title, body, tags=tags)


def _titles(app: Flask, query: str, **options) -> list[str]:
    with app.test_request_context():
        return [hit.title for hit in search(query, **options).hits]


def test_normal_form_folds_width_case_and_traditional_characters():
    """NFKC, lower case and OpenCC fold ＶＩＰ, ｉＰｈｏｎｅ and 退貨 to vip, iphone and 退货."""
    assert (
        normalise("ＶＩＰ ｉＰｈｏｎｅ ４００ 退貨 安裝費多少錢")
        == "vip iphone 400 退货 安装费多少钱"
    )
    text = "\ufb01le 退貨"  # a ligature expands under NFKC: the aligned form keeps offsets
    assert len(normalise_aligned(text)) == len(text)
    assert normalise_aligned(text).endswith("退货")


def test_traditional_query_finds_simplified_articles(app, help_centre):
    """退貨 and 安裝 find the articles written 退货 and 安装, and the snippet marks them."""
    assert _titles(app, "退貨")[0] == "如何申请退货"
    with app.test_request_context():
        hit = search("空調安裝").hits[0]
    assert hit.title == "空调安装预约"
    assert "<mark>安装</mark>" in str(hit.snippet)


def test_traditional_article_is_found_by_simplified_query(app, make_article):
    """An article written in traditional characters is found, and marked, by 退货."""
    make_article("如何辦理退貨", "登入後打開訂單，申請退貨。")
    with app.test_request_context():
        hit = search("退货").hits[0]
    assert hit.title == "如何辦理退貨"
    assert "<mark>退貨</mark>" in str(hit.snippet)


def test_full_width_letters_and_digits_find_their_half_width_forms(app, help_centre):
    """ＶＩＰ, ｉＰｈｏｎｅ and ４００ search as vip, iphone and 400."""
    assert _titles(app, "ＶＩＰ")[0] == "VIP会员权益"
    assert _titles(app, "ｉＰｈｏｎｅ", language="en")[0] == "Invoices for iPhone"


def test_pinyin_and_initials_find_title_and_tag_words(app, help_centre):
    """tuihuo, th and fapiao find 退货 and 发票 articles; the snippet marks the Han word."""
    assert _titles(app, "tuihuo")[0] == "如何申请退货"
    assert _titles(app, "th")[0] == "如何申请退货"
    with app.test_request_context():
        page = search("fapiao")
    assert {hit.title for hit in page.hits[:2]} == {"怎么开发票", "电子发票在哪里下载"}
    assert "<mark>发票</mark>" in str(page.hits[0].snippet)
    assert pinyin_terms("银行") == ["yinhang", "yh"]


def test_one_character_query_finds_words_holding_it(app, help_centre):
    """票 finds the 发票 articles and marks the whole word 发票, never the lone character."""
    with app.test_request_context():
        page = search("票")
    assert {hit.title for hit in page.hits[:2]} == {"怎么开发票", "电子发票在哪里下载"}
    assert "<mark>发票</mark>" in str(page.hits[0].snippet)
    assert "发<mark>票</mark>" not in str(page.hits[0].snippet)


def test_lone_character_inside_another_word_is_never_marked():
    """险 is marked where it stands alone (运费险), not inside 保险."""
    snippet = str(highlight("购买保险后可以买运费险。", ("运费", "险")))
    assert "保<mark>险</mark>" not in snippet
    assert "<mark>运费</mark><mark>险</mark>" in snippet


def test_homophone_typos_are_corrected_by_pinyin(app, help_centre):
    """发漂 and 快第 are read as 发票 and 快递, from the index's words, and offered back."""
    with app.test_request_context():
        invoice = search("发漂")
        delivery = search("快第多久到")
    assert invoice.did_you_mean == "发票" and invoice.corrected
    assert invoice.hits and "发票" in invoice.hits[0].title
    assert delivery.did_you_mean == "快递多久到"
    assert delivery.hits[0].title == "快递多久能到"


def test_a_chinese_typo_shows_the_corrected_results_in_chinese(app, client, help_centre):
    """发漂 finds nothing as typed: the page searches for 发票 at once and says so."""
    page = client.get(
        "/kb/search", query_string={"q": "发漂"}, headers={"Accept-Language": "zh-CN"}
    ).get_data(as_text=True)
    assert "已为您显示“发票”的结果" in page and "没有找到与“发漂”相关的结果。" in page
    assert "怎么开发票" in page
    english = client.get("/kb/search", query_string={"q": "发漂"}).get_data(as_text=True)
    assert "Showing results for “发票”" in english


def test_function_words_leave_queries_and_highlights(app, help_centre):
    """A long question finds its subject first; function words such as 多久 are not searched."""
    with app.test_request_context():
        page = search("我上周买的空调到现在还没人来安装怎么办")
    assert page.hits[0].title == "空调安装预约"
    assert "<mark>多久</mark>" not in str(page.hits[0].snippet)
    assert [word.text for word in parse_query("退款多久到账").words] == ["退款", "账"]
    assert _titles(app, "退款多久到账")[0] == "退款多久到账"


def test_query_of_only_function_words_still_answers(app, help_centre):
    """怎么 alone is searched as it is, rather than dropped."""
    assert _titles(app, "怎么") == ["怎么开发票"]


def test_reader_language_comes_first(app, client, help_centre):
    """The reader's language ranks first: Chinese for a Chinese page, English otherwise."""
    assert _titles(app, "iPhone 发票", language="zh")[0] == "怎么开发票"
    assert _titles(app, "invoice 发票", language="en")[0] == "Invoices for iPhone"
    assert _titles(app, "invoice 发票", language="zh")[0] != "Invoices for iPhone"
    chinese = client.get("/api/v1/search?q=invoice", headers={"Accept-Language": "zh-CN"})
    assert chinese.status_code == 200
    assert language_of("Invoices for iPhone") == "en" and language_of("怎么开发票 iPhone") == "zh"


def test_private_kinds_stay_out_of_pinyin_and_character_searches(app, help_centre):
    """A private kind is found by its pinyin and characters only when it is named."""
    register_source(
        app,
        SearchSource(
            kind="note",
            label="Note",
            documents=lambda: iter(()),
            count=lambda: 0,
            public=False,
        ),
    )
    with app.test_request_context():
        index_after_commit(
            SearchDocument(kind="note", key="1", title="内部退货备注", text="退货", url="/n/1")
        )
        db.session.commit()
    assert "内部退货备注" not in _titles(app, "tuihuo") + _titles(app, "货")
    assert _titles(app, "tuihuo", kinds=["note"]) == ["内部退货备注"]


def test_grouped_ranking_with_a_preferred_language_matches_whoosh(app, help_centre):
    """Alternatives, boosts and the preferred language rank as Whoosh's own collector does."""
    from kb.search import engine

    groups = [[("content", "发票", 1.0), ("characters", "票", 0.35), ("pinyin", "fp", 0.8)]]
    with app.test_request_context(), engine(app).store.searcher() as searcher:
        for prefer in (None, ("lang", "zh"), ("lang", "en")):
            fast = rank(searcher, groups=groups, prefer=prefer, limit=5)
            weighted = [[(f, t, b * idf(searcher, f, t)) for f, t, b in groups[0]]]
            slow = rank_with_whoosh(searcher, Request(weighted, True, [], prefer, 5))
            assert fast.total == slow.total
            assert [docnum for _score, docnum in fast.top] == [d for _s, d in slow.top]


def test_index_from_an_older_version_is_rebuilt(app, make_app, make_article):
    """An index without the pinyin and character fields is rebuilt at start, like a missing one."""
    from whoosh.fields import ID, Schema
    from whoosh.filedb.filestore import FileStorage
    from whoosh.index import FileIndex

    from kb.search import engine

    make_article("如何申请退货", "签收后七天内可以申请退货。")
    store = engine(app).store
    store.close()
    old = store.root / "index-old"
    FileIndex.create(FileStorage(str(old)).create(), Schema(uid=ID(unique=True)))
    store.pointer.write_text("index-old\n")
    assert not store.exists()
    restarted = make_app()
    with restarted.app_context():
        engine(restarted).ensure_started()  # outside a request: rebuilt before it returns
    with restarted.test_request_context():
        page = search("tuihuo")
    assert not page.fallback and [hit.title for hit in page.hits] == ["如何申请退货"]

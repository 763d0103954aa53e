"""Search: the index follows commits, drafts never leak, relevance in Chinese and English,
hostile queries, paging, other kinds of documents, and the database fallback."""

from __future__ import annotations

import shutil
import time

import pytest
from flask import Flask

from community.accounts.models import User
from community.errors import InvalidInput
from community.extensions import db
from kb.models import Article, ArticleStatus
from kb.search import (
    SearchDocument,
    SearchSource,
    engine,
    index_after_commit,
    register_source,
    remove_after_commit,
    search,
    suggest,
)
from kb.search.analysis import query_terms, weigh_terms
from kb.services.articles import (
    ArticleInput,
    archive_article,
    publish_article,
    save_article,
    unpublish_article,
)
from kb.services.indexing import sync_article
from tests.services import wait_for

HOSTILE_QUERIES = [
    '"',
    "(",
    ")",
    "AND OR",
    "OR",
    "NOT",
    "*",
    "refund*",
    "?",
    '"refund',
    "title:refund",
    "content:*",
    "a" * 1000,
    "退货 " * 200,
    "😀",
    "refund 😀 退货",
    "\x00\x01",
    "%_%",
    "' OR 1=1 --",
    "<script>alert(1)</script>",
    "[[[{{{",
    "~refund^3",
    "\u202etxt.exe",
    " ",
]


def _titles(app: Flask, query: str, **options) -> list[str]:
    with app.test_request_context():
        return [hit.title for hit in search(query, **options).hits]


def test_published_article_is_found_once_committed(app, make_article):
    """Saving and publishing an article makes it searchable as soon as the commit returns."""
    make_article("Replacing the battery", "Unscrew the back cover and lift the battery out.")
    assert _titles(app, "battery") == ["Replacing the battery"]


def test_index_change_waits_for_the_commit(app, editor):
    """A queued index change is invisible until its transaction commits."""
    with app.test_request_context():
        author = db.session.get(User, editor.id)
        article = Article(
            slug="firmware",
            title="Updating the firmware",
            status=ArticleStatus.PUBLISHED,
            body="",
            body_html="",
            plain_text="Hold the power button.",
            author_id=author.id,
        )
        db.session.add(article)
        db.session.flush()
        sync_article(article)
        assert [hit.title for hit in search("firmware").hits] == []
        db.session.commit()
        assert [hit.title for hit in search("firmware").hits] == ["Updating the firmware"]


def test_rolled_back_save_is_never_indexed(app, editor):
    """A rollback drops the queued change: a later commit does not bring it back."""
    with app.test_request_context():
        article = Article(
            slug="ghost",
            title="Ghost article",
            status=ArticleStatus.PUBLISHED,
            body="",
            body_html="",
            plain_text="Spectral content.",
        )
        db.session.add(article)
        db.session.flush()
        sync_article(article)
        db.session.rollback()
        db.session.add(User(email="other@example.com", display_name="Other", password_hash="x"))
        db.session.commit()
        assert search("spectral").total == 0
        assert search("ghost").total == 0


def test_a_failed_save_leaves_the_index_alone(app, make_article, editor):
    """An edit refused halfway (bad category) rolls back: the index keeps the old words."""
    article = make_article("Pairing headphones", "Hold the pairing button for five seconds.")
    with app.test_request_context():
        stored = db.session.get(Article, article.id)
        with pytest.raises(InvalidInput):
            save_article(
                stored,
                ArticleInput(
                    title="Pairing earbuds", body="New words entirely.", category_id=999_999
                ),
                by=db.session.get(User, editor.id),
            )
        db.session.rollback()
    assert _titles(app, "headphones") == ["Pairing headphones"]
    assert _titles(app, "earbuds") == []


def test_unpublish_archive_and_republish_follow_the_index(app, make_article, editor):
    """Unpublished and archived articles leave the results; publishing brings them back."""
    record = make_article("Cleaning the lens", "Use a dry microfibre cloth.")
    with app.test_request_context():
        user = db.session.get(User, editor.id)
        article = db.session.get(Article, record.id)
        unpublish_article(article, by=user)
        assert search("microfibre").total == 0
        publish_article(article, by=user)
        assert search("microfibre").total == 1
        archive_article(article, by=user)
        assert search("microfibre").total == 0
        assert suggest("cleaning") == []


def test_drafts_never_reach_search_suggest_or_the_api(app, client, make_article):
    """A draft's words find nothing anywhere a customer could look."""
    make_article(
        "Secret launch plan", "Zanzibar pricing for the Q9 launch.", status=ArticleStatus.DRAFT
    )
    make_article("Old archived plan", "Zanzibar pricing, last year.", status=ArticleStatus.ARCHIVED)
    assert _titles(app, "zanzibar") == []
    with app.test_request_context():
        assert suggest("secret") == [] and suggest("zanz") == []
    assert client.get("/api/v1/search?q=zanzibar").get_json() == []
    assert client.get("/kb/suggest?q=secret").get_json() == {"results": []}
    assert "Secret launch plan" not in client.get("/kb/search?q=zanzibar").get_data(as_text=True)


def test_title_matches_rank_above_passing_mentions(app, make_article):
    """A word in the title counts for more than the same word once in a body."""
    make_article("Changing your order", "The warranty is unchanged when you change an order.")
    make_article("Warranty and repairs", "Every device has a two-year guarantee.")
    assert _titles(app, "warranty")[0] == "Warranty and repairs"


def test_chinese_analysis_finds_words_inside_sentences(app):
    """Segmentation: 退货 is a term of 如何办理退货手续, and 'refunds' stems to 'refund'."""
    assert "退货" in weigh_terms("如何办理退货手续")
    assert query_terms("refunds") == query_terms("refund") == ["refund"]
    assert query_terms("The AND of it") == []


@pytest.mark.parametrize("query", HOSTILE_QUERIES)
def test_hostile_queries_answer_instead_of_failing(app, client, make_article, query):
    """Odd characters, operators, huge and empty queries return results or none, never an error."""
    make_article("When will I get my refund?", "We send the refund the same day. 退货 退款")
    with app.test_request_context():
        page = search(query)
        assert page.total >= 0
        for hit in page.hits:
            assert "<script" not in str(hit.snippet)
        suggest(query)
    assert client.get("/kb/search", query_string={"q": query}).status_code == 200
    assert client.get("/kb/suggest", query_string={"q": query}).status_code == 200
    assert client.get("/api/v1/search", query_string={"q": query}).status_code in {200, 422}


def test_snippets_escape_text_and_mark_the_words(app, make_article):
    """Text that looks like HTML is shown as text; searched words are wrapped in <mark>."""
    make_article(
        "Embedding codes", "Paste `<script>alert('x')</script>` to test the refund widget."
    )
    with app.test_request_context():
        hit = search("refund").hits[0]
    snippet = str(hit.snippet)
    assert "<script>" not in snippet
    assert "&lt;script&gt;" in snippet
    assert "<mark>refund</mark>" in snippet


def test_misspelling_gets_a_did_you_mean(app, make_article):
    """'refnud', a word no article holds, is searched as 'refund' and offered as did you mean."""
    make_article("Refund times", "How long a refund takes.")
    with app.test_request_context():
        page = search("refnud")
    assert [hit.title for hit in page.hits] == ["Refund times"]
    assert page.did_you_mean == "refund"
    assert "<mark>refund</mark>" in str(page.hits[0].snippet)


def test_partial_matches_when_no_article_has_every_word(app, make_article):
    """Words that never appear together still find articles holding some of them."""
    make_article("Refund times", "How long a refund takes.")
    with app.test_request_context():
        page = search("refund zebra")
    assert page.partial and [hit.title for hit in page.hits] == ["Refund times"]


def test_paging_and_totals(app, make_article):
    """Results come ten to a page with an exact total."""
    for number in range(23):
        make_article(f"Adapter guide {number}", f"Adapter step {number}.")
    with app.test_request_context():
        first = search("adapter")
        third = search("adapter", page=3)
    assert first.total == 23 and len(first.hits) == 10 and first.pages == 3
    assert len(third.hits) == 3 and not third.has_next


def test_category_filter(app, make_article, make_category):
    """A category narrows the results to its articles."""
    returns = make_category("returns", "Returns")
    shipping = make_category("shipping", "Shipping")
    make_article("Return labels", "Print the label.", category_id=returns)
    make_article("Shipping labels", "The courier prints the label.", category_id=shipping)
    assert _titles(app, "label", category="shipping") == ["Shipping labels"]
    assert sorted(_titles(app, "label")) == ["Return labels", "Shipping labels"]


def test_other_kinds_of_documents_are_searchable_and_labelled(app, make_article):
    """A forum topic indexed through the same calls is found and labelled by its kind."""
    register_source(
        app,
        SearchSource(
            kind="topic", label="Community answer", documents=lambda: iter(()), count=lambda: 0
        ),
    )
    make_article("Router setup", "Plug the router in.")
    with app.test_request_context():
        index_after_commit(
            SearchDocument(
                kind="topic",
                key="7",
                title="My router keeps dropping",
                text="Solved: update the router firmware.",
                url="/forum/topics/7",
            )
        )
        db.session.commit()
        page = search("router")
        labels = {hit.title: (hit.kind, hit.label) for hit in page.hits}
        assert labels["My router keeps dropping"] == ("topic", "Community answer")
        assert [hit.kind for hit in search("router", kinds=["topic"]).hits] == ["topic"]
        remove_after_commit("topic", "7")
        db.session.commit()
        assert [hit.kind for hit in search("router").hits] == ["article"]


def test_suggestions_complete_the_last_word(app, make_article):
    """As-you-type: 'refu' and '退' find titles; earlier words must match too."""
    make_article("When will I get my refund?", "The refund arrives in days.")
    make_article("如何办理退货手续", "如何办理退货手续。")
    make_article("Refurbished devices", "Refurbished means checked.")
    with app.test_request_context():
        assert {hit.title for hit in suggest("refu")} == {
            "When will I get my refund?",
            "Refurbished devices",
        }
        assert [hit.title for hit in suggest("get refu")] == ["When will I get my refund?"]
        assert [hit.title for hit in suggest("退")] == ["如何办理退货手续"]
        assert suggest("zzz") == []


def test_searchers_stay_open_until_the_index_changes(app, make_article):
    """Consecutive searches reuse one searcher; a commit makes the next search see it."""
    make_article("Cable types", "USB-C and Lightning.")
    store = engine(app).store
    with app.test_request_context():
        search("cable")
        with store.searcher() as first:
            pass
        with store.searcher() as second:
            pass
        assert first is second
    make_article("Cable lengths", "One metre.")
    assert len(_titles(app, "cable")) == 2


def test_missing_index_answers_from_the_database_then_rebuilds(app, make_app, make_article):
    """A process starting without an index answers from the database (drafts excluded) and
    rebuilds the index in the background."""
    make_article("如何办理退货手续", "本文说明如何办理退货手续。")
    make_article("Refund times", "How long a refund takes.")
    make_article("Draft refund rules", "Unreleased refund rules.", status=ArticleStatus.DRAFT)
    engine(app).store.close()
    shutil.rmtree(engine(app).store.root)
    restarted = make_app()
    with restarted.test_request_context():
        page = search("refunds")
        assert page.fallback
        assert [hit.title for hit in page.hits] == ["Refund times"]
        assert "<mark>refund</mark>" in str(page.hits[0].snippet)
        assert [hit.title for hit in search("退货").hits] == ["如何办理退货手续"]
        assert [hit.title for hit in suggest("refund")] == ["Refund times"]
    engine(restarted).wait_for_background(timeout=30)
    with restarted.test_request_context():
        wait_for(lambda: not search("refund").fallback, timeout=30)
        assert [hit.title for hit in search("refunds").hits] == ["Refund times"]


def test_broken_index_is_rebuilt(app, make_app, make_article):
    """A damaged index is detected at start, searches fall back, and a rebuild replaces it."""
    make_article("Refund times", "How long a refund takes.")
    store = engine(app).store
    store.close()
    for toc in (store.root / store.current_name()).glob("*.toc"):
        toc.write_bytes(b"not an index")
    restarted = make_app()
    with restarted.test_request_context():
        assert search("refund").fallback
    engine(restarted).wait_for_background(timeout=30)
    with restarted.test_request_context():
        wait_for(lambda: not search("refund").fallback, timeout=30)
        assert search("refund").total == 1


def test_rebuild_keeps_changes_made_while_it_runs(app, make_article, editor):
    """A change committed during a rebuild reaches the new index (it is journalled)."""
    make_article("Refund times", "How long a refund takes.")
    search_engine = engine(app)
    old_name = search_engine.store.current_name()

    def documents_with_a_write_in_the_middle():
        batches = search_engine.all_documents()
        yield next(batches)
        with app.test_request_context():
            save_article(
                None,
                ArticleInput(title="Refund during rebuild", body="A refund written meanwhile."),
                by=db.session.get(User, editor.id),
                publish=True,
            )
        yield from batches

    with app.app_context():
        search_engine.store.rebuild(documents_with_a_write_in_the_middle())
    assert search_engine.store.current_name() != old_name
    assert sorted(_titles(app, "refund")) == ["Refund during rebuild", "Refund times"]
    assert not search_engine.store.is_rebuilding()


def test_searches_keep_working_during_a_rebuild(app, make_article):
    """While a rebuild is building, searches use the current index."""
    make_article("Refund times", "How long a refund takes.")
    search_engine = engine(app)
    seen: list[list[str]] = []

    def slow_documents():
        for batch in search_engine.all_documents():
            seen.append(_titles(app, "refund"))
            time.sleep(0.05)
            yield batch

    with app.app_context():
        search_engine.store.rebuild(slow_documents())
    assert seen == [["Refund times"]]

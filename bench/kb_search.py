"""Search measurements for `bench/kb.py`: what a search engine is judged by beyond speed.

SQLite FTS5 over the same corpus (pre-split by rjieba) as the floor; rjieba against character
bigrams for Chinese (relevance and speed); one-character queries through the `characters`
field against expanding them over the vocabulary, and what that field costs a rebuild; and the
relevance set (`kb/search/relevance/`: hit@3 and MRR per language, every query that missed),
alone and among generated articles. The timing helpers and query lists live here too, so
`bench/kb.py` imports them from one place.
"""

from __future__ import annotations

import os
import re
import sqlite3
import statistics
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Iterable
from contextlib import contextmanager, nullcontext
from pathlib import Path
from typing import Any

import rjieba

from bench.database import rows

# Words of the generated corpus (kb/seeding/sample_text.py) and of the demo articles, from common
# ("lost", in most English articles) to rare.
ONE_TERM = [
    "refund", "battery", "退货", "password", "warranty", "printer", "快递", "firmware",
    "screen", "包裹", "lost", "choose", "delivery", "维修", "invoice", "cable", "订单", "router",
    "customs", "耳机",
]  # fmt: skip
TWO_TERMS = [
    "refund battery", "退货 快递", "password reset", "printer driver", "warranty repair",
    "screen cracked", "lost choose", "订单 发货", "delivery failed", "update firmware",
    "invoice payment", "退款 银行卡", "cable charger", "router wifi", "customs duty",
    "如何办理 退货", "account email", "包裹 签收", "replacement screen", "耳机 蓝牙",
]  # fmt: skip
PREFIXES = ["ref", "bat", "退货", "pass", "war", "pri", "快递", "fir", "scr", "包裹",
            "del", "inv", "cab", "订单", "rou", "cus", "repl", "如何", "acc", "耳机"]  # fmt: skip
# What Chinese customers also type: one character, pinyin, traditional characters, full
# width, a homophone typo, and a whole sentence.
CHINESE_KINDS = [
    "票", "修", "柜", "tuihuo", "kuaidi", "th", "退貨", "發票", "ＶＩＰ", "发漂",
    "我上周买的空调到现在还没人来安装怎么办", "快递一直没有人送货到底什么时候能到",
]  # fmt: skip
ONE_CHARACTER = ["票", "修", "柜", "货", "单", "款", "码", "机"]
CHINESE_WORDS = [
    "退货", "快递", "包裹", "订单", "退款", "发货", "维修", "耳机", "蓝牙", "签收",
    "银行卡", "充电器", "优惠券", "说明书", "快递柜", "验证码", "如何办理", "预计送达",
]  # fmt: skip


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


def summary(values: list[float]) -> str:
    return f"p50 {percentile(values, 0.5):.1f} ms, p95 {percentile(values, 0.95):.1f} ms"


def timed(function: Callable[[], Any]) -> float:
    started = time.perf_counter()
    function()
    return (time.perf_counter() - started) * 1000


@contextmanager
def portico_app(env: dict[str, str]):  # type: ignore[no-untyped-def]
    """The bench instance's app in this process (settings come from the environment)."""
    saved = {key: os.environ.get(key) for key in env}
    os.environ.update(env)
    try:
        from community.app import create_app

        yield create_app()
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


def _published(env: dict[str, str]) -> list[Any]:
    """Title and text of every published article, from the run's database."""
    return rows(env, "SELECT title, plain_text FROM kb_articles WHERE status = 'published'")


def _latencies(run: Callable[[str], Any], items: list[str], rounds: int) -> list[float]:
    for item in items[:3]:
        run(item)  # warm the searcher and the OS cache, as a running server has them
    return [timed(lambda item=item: run(item)) for _ in range(rounds) for item in items]


HAN_RUN = re.compile("[\u3400-\u9fff\uf900-\ufaff]+")


def presplit(text: str) -> str:
    """Han runs cut into words by rjieba (search mode) and joined by spaces, for FTS5."""
    return HAN_RUN.sub(
        lambda match: " " + " ".join(rjieba.cut_for_search(match.group(0))) + " ", text
    )


def fts5_floor(env: dict[str, str], rounds: int) -> tuple[list[str], dict[str, float]]:
    """SQLite FTS5 (porter stemming, Chinese pre-split by rjieba) over the same articles."""
    folder = Path(tempfile.mkdtemp(prefix="portico-fts5-"))
    fts = sqlite3.connect(folder / "fts.db")
    fts.execute("CREATE VIRTUAL TABLE docs USING fts5(title, body, tokenize='porter unicode61')")
    started = time.perf_counter()
    fts.executemany(
        "INSERT INTO docs (title, body) VALUES (?, ?)",
        ((presplit(title), presplit(text)) for title, text in _published(env)),
    )
    fts.commit()
    build = time.perf_counter() - started

    def query(text: str) -> None:
        match = " AND ".join(f'"{word}"' for word in presplit(text).split())
        fts.execute(
            "SELECT title, snippet(docs, 1, '<mark>', '</mark>', '…', 24) FROM docs "
            "WHERE docs MATCH ? ORDER BY bm25(docs, 3.0, 1.0) LIMIT 10",
            (match,),
        ).fetchall()
        fts.execute("SELECT count(*) FROM docs WHERE docs MATCH ?", (match,)).fetchone()

    one = _latencies(query, ONE_TERM, rounds)
    two = _latencies(query, TWO_TERMS, rounds)
    fts.close()
    lines = [
        f"- FTS5 floor: build {build:.1f} s; one term {summary(one)}; two terms {summary(two)} "
        "(ranked top 10 with snippets, plus the total count)",
    ]
    return lines, {"one": percentile(one, 0.95), "two": percentile(two, 0.95)}


# rjieba against character bigrams -----------------------------------------------------------
def bigram_terms(text: str) -> Counter[str]:
    """What a bigram analyzer indexes: overlapping pairs of Han characters (and lone ones)."""
    from whoosh.analysis.filters import STOP_WORDS

    from kb.search.analysis import TOKEN, stem

    counts: Counter[str] = Counter()
    for run in HAN_RUN.findall(text):
        if len(run) == 1:
            counts[run] += 1
        counts.update(run[index : index + 2] for index in range(len(run) - 1))
    latin = HAN_RUN.sub(" ", text).lower()
    counts.update(stem(token) for token in TOKEN.findall(latin) if token not in STOP_WORDS)
    return counts


def bigram_query(text: str) -> list[str]:
    return list(bigram_terms(text))


def jieba_query(text: str) -> list[str]:
    from kb.search.analysis import query_terms

    return query_terms(text)


def _relevance(
    texts: list[str], analyse: Callable[[str], Iterable[str]], query: Callable[[str], list[str]]
) -> tuple[float, float, float]:
    """Recall and precision of AND-of-terms matching against a plain substring search."""
    postings: dict[str, set[int]] = {}
    started = time.perf_counter()
    for number, text in enumerate(texts):
        for term in analyse(text):
            postings.setdefault(term, set()).add(number)
    seconds = time.perf_counter() - started
    found_total = truth_total = hits = 0
    for word in CHINESE_WORDS:
        truth = {number for number, text in enumerate(texts) if word in text}
        terms = query(word)
        found = set.intersection(*(postings.get(term, set()) for term in terms)) if terms else set()
        truth_total += len(truth)
        found_total += len(found)
        hits += len(found & truth)
    megabytes = sum(len(text.encode()) for text in texts) / 1e6
    return (
        hits / truth_total if truth_total else 1.0,
        hits / found_total if found_total else 1.0,
        megabytes / seconds,
    )


def _whoosh_timing(
    texts: list[str], analyse: Callable[..., Counter[str]], query: Callable[[str], list[str]]
) -> tuple[float, list[float]]:
    """Index build seconds and Chinese query latencies through the real engine, with the
    analyzer swapped in for the measurement."""
    from unittest import mock

    from flask import Flask

    from kb.search.analysis import ParsedQuery, QueryWord, is_han, weigh_terms
    from kb.search.documents import SearchDocument
    from kb.search.engine import SearchEngine
    from kb.search.store import IndexStore

    def weigh(
        text: str, weight: float, counts: Counter[str], han_words: set[str] | None = None
    ) -> Counter[str]:
        for term, number in analyse(text).items():
            counts[term] += number * weight
        return counts

    def parse(text: str) -> ParsedQuery:
        words = tuple(QueryWord(term, is_han(term), 10 * n) for n, term in enumerate(query(text)))
        return ParsedQuery(text, words, words[-1] if words else None)

    documents = [
        SearchDocument("article", str(number), text.split("\n", 1)[0], text, f"/a/{number}")
        for number, text in enumerate(texts)
    ]
    swapped = analyse is not weigh_terms  # the analyzer in use needs no swapping
    with (
        tempfile.TemporaryDirectory() as folder,
        mock.patch("kb.search.analysis._weigh_normal", weigh) if swapped else nullcontext(),
    ):
        store = IndexStore(Path(folder))
        started = time.perf_counter()
        store.rebuild([documents])
        build = time.perf_counter() - started
        search_engine = SearchEngine(Flask(__name__), store)
        search_engine._started = True
        with mock.patch("kb.search.engine.parse_query", parse) if swapped else nullcontext():
            latencies = _latencies(lambda word: search_engine.search(word), CHINESE_WORDS, 3)
        store.close()
    return build, latencies


def analyzers(count: int) -> list[str]:
    """rjieba (the one in use) against character bigrams, on `count` generated articles."""
    from kb.search.analysis import weigh_terms
    from kb.seeding.sample_text import SampleWriter

    writer = SampleWriter(seed=99)
    texts = [
        sample.title + "\n" + "\n".join(sample.paragraphs) for sample in writer.articles(count)
    ]
    lines = [f"- analyzers on {count:,} generated articles (18 Chinese query words):"]
    for label, analyse, query in (
        ("rjieba (search mode)", weigh_terms, jieba_query),
        ("character bigrams", bigram_terms, bigram_query),
    ):
        recall, precision, speed = _relevance(texts, analyse, query)
        postings = sum(len(analyse(text)) for text in texts[:2000]) / min(count, 2000)
        query_terms = statistics.mean(len(query(word)) for word in CHINESE_WORDS)
        build, latencies = _whoosh_timing(texts, analyse, query)
        lines.append(
            f"  - {label}: recall {recall:.3f}, precision {precision:.3f}; analysis "
            f"{speed:.1f} MB/s, {postings:.0f} distinct terms per article, "
            f"{query_terms:.1f} terms per query; index build {build:.1f} s, "
            f"Chinese queries {summary(latencies)}"
        )
    return lines


# One-character queries and the relevance set ---------------------------------------------
def single_characters(app: Any, rounds: int) -> list[str]:
    """One character (票): the `characters` field against expanding the character into every
    indexed word holding it (a map built from the vocabulary once per index version)."""
    from kb.search import engine
    from kb.search.analysis import is_han
    from kb.search.evaluate import rank

    with app.app_context(), engine(app).store.searcher() as searcher:
        started = time.perf_counter()
        holding: dict[str, list[str]] = {}
        for term in searcher.reader().lexicon("content"):
            word = term.decode("utf-8") if isinstance(term, bytes) else term
            if is_han(word):
                for character in set(word):
                    holding.setdefault(character, []).append(word)
        mapping = time.perf_counter() - started

        def by_field(character: str) -> Any:
            groups = [[("content", character, 1.0), ("characters", character, 0.35)]]
            return rank(searcher, groups=groups)

        def by_expansion(character: str) -> Any:
            words = holding.get(character, [character])
            return rank(searcher, groups=[[("content", word, 1.0) for word in words]])

        field = _latencies(by_field, ONE_CHARACTER, rounds)
        expanded = _latencies(by_expansion, ONE_CHARACTER, rounds)
        found = sum(by_field(c).total for c in ONE_CHARACTER)
        found_expanded = sum(by_expansion(c).total for c in ONE_CHARACTER)
        words = statistics.mean(len(holding.get(c, [])) for c in ONE_CHARACTER)
    return [
        f"- one character ({len(ONE_CHARACTER)} queries, ranking only), `characters` field: "
        f"{summary(field)}, {found:,} matches",
        f"- one character expanded over the vocabulary: {summary(expanded)}, "
        f"{found_expanded:,} matches, {words:.0f} words per character, plus "
        f"{mapping * 1000:.0f} ms to map characters to words after every index change",
    ]


def character_field_cost(count: int) -> list[str]:
    """Index build time on `count` generated articles with and without the `characters` field."""
    from unittest import mock

    from kb.search.documents import SearchDocument
    from kb.search.store import IndexStore
    from kb.seeding.sample_text import SampleWriter

    documents = [
        SearchDocument("article", str(n), sample.title, "\n".join(sample.paragraphs), f"/a/{n}")
        for n, sample in enumerate(SampleWriter(seed=7).articles(count))
    ]
    timings = {}
    for label, patch in (
        ("with", nullcontext()),
        ("without", mock.patch("kb.search.analysis._count_characters", return_value=None)),
    ):
        with tempfile.TemporaryDirectory() as folder, patch:
            started = time.perf_counter()
            IndexStore(Path(folder)).rebuild([documents])
            timings[label] = time.perf_counter() - started
    return [
        f"- index build on {count:,} generated articles: {timings['with']:.1f} s with the "
        f"`characters` field, {timings['without']:.1f} s without"
    ]


def relevance(distractors: int = 0) -> list[str]:
    """The relevance set's report, alone and (`distractors` > 0) among generated articles."""
    from kb.search.documents import SearchDocument
    from kb.search.relevance import evaluate
    from kb.seeding.sample_text import SampleWriter

    lines = ["- relevance set, alone (reader's language first):"]
    lines += ["  " + line for line in evaluate().lines()]
    if distractors:
        generated = [
            SearchDocument(
                "article", f"generated-{n}", sample.title, "\n".join(sample.paragraphs), "/"
            )
            for n, sample in enumerate(SampleWriter(seed=5).articles(distractors))
        ]
        report = evaluate(generated)
        lines.append(f"- relevance set among {distractors:,} generated articles:")
        lines += ["  " + line for line in report.lines()[:2]]
        lines.append(f"  - {len(report.failures)} queries missed the top three")
    return lines

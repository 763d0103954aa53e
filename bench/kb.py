"""Knowledge-base benchmarks: page rates (through wrk), and what wrk cannot measure: index
build time, search and suggest latency in process and over HTTP, the same queries on SQLite
FTS5 over the same corpus (pre-split by rjieba) as the floor, and rjieba against character
bigrams for Chinese (relevance and speed).

`make bench` runs it with the others; alone: `python -m bench.run --only kb [--quick]`.
`python -m bench.kb analyzers [N]` runs only the analyzer comparison on N generated articles.
"""

from __future__ import annotations

import os
import re
import sqlite3
import statistics
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from collections import Counter
from collections.abc import Callable, Iterable
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import rjieba

SEED = {"articles": 50_000}
QUICK_SEED = {"articles": 2_000}

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


def _published(instance: Path) -> sqlite3.Connection:
    connection = sqlite3.connect(instance / "portico.db")
    connection.row_factory = sqlite3.Row
    return connection


def pages(portico: Any, instance: Path) -> list[tuple[str, str, str | None]]:
    with _published(instance) as connection:
        count = connection.execute("SELECT count(*) FROM kb_articles").fetchone()[0]
        row = connection.execute(
            "SELECT slug FROM kb_articles WHERE status = 'published' ORDER BY id LIMIT 1 OFFSET ?",
            (count // 2,),
        ).fetchone()
    slug = urllib.parse.quote(row["slug"])
    return [
        ("knowledge base `/kb/` (anonymous)", "/kb/", None),
        ("article page (anonymous)", f"/kb/articles/{slug}", None),
        ("article page (logged in)", f"/kb/articles/{slug}", "customer@example.com"),
        ("search page, two terms (anonymous)", "/kb/search?q=refund+battery", None),
        ("suggest `ref` (as-you-type)", "/kb/suggest?q=ref", None),
        ("API search `退货`", "/api/v1/search?q=" + urllib.parse.quote("退货"), None),
    ]


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


def _latencies(run: Callable[[str], Any], items: list[str], rounds: int) -> list[float]:
    for item in items[:3]:
        run(item)  # warm the searcher and the OS cache, as a running server has them
    return [timed(lambda item=item: run(item)) for _ in range(rounds) for item in items]


def _http(base: str) -> Callable[[str], Any]:
    def get(path: str) -> bytes:
        with urllib.request.urlopen(base + path, timeout=30) as response:
            return response.read()

    return get


def in_process(app: Any, rounds: int) -> list[str]:
    from kb.search import engine, rebuild, search, suggest

    lines = []
    with app.test_request_context():
        documents = engine(app).document_total()
        started = time.perf_counter()
        rebuild()
        lines.append(
            f"- index build (`kb reindex`, {documents:,} documents): "
            f"{time.perf_counter() - started:.1f} s"
        )
        size = sum(
            path.stat().st_size for path in engine(app).store.root.rglob("*") if path.is_file()
        )
        lines.append(f"- index on disk (current and previous folder): {size / 1e6:.0f} MB")
        one = _latencies(lambda q: search(q), ONE_TERM, rounds)
        two = _latencies(lambda q: search(q), TWO_TERMS, rounds)
        typed = _latencies(lambda q: suggest(q), PREFIXES, rounds)
        lines.append(f"- search in process, one term (with highlights): {summary(one)}")
        lines.append(f"- search in process, two terms (with highlights): {summary(two)}")
        lines.append(f"- suggest in process: {summary(typed)}")
    return lines


def ranking_paths(app: Any, rounds: int) -> list[str]:
    """Ranking alone (no snippets), two terms: the block evaluator against Whoosh's own
    collector on the same index and scores, and a searcher opened per query against the
    pooled one."""
    from kb.search import engine
    from kb.search.analysis import query_terms
    from kb.search.evaluate import rank, rank_with_whoosh

    store = engine(app).store
    lines = []
    with app.app_context(), store.searcher() as searcher:
        blocks = _latencies(
            lambda q: rank(searcher, "content", required=query_terms(q)), TWO_TERMS, rounds
        )
        collector = _latencies(
            lambda q: rank_with_whoosh(
                searcher, "content", required=query_terms(q), any_of=[], limit=10
            ),
            TWO_TERMS,
            rounds,
        )
        index = store.current_index()
        opened = [timed(lambda: index.searcher().close()) for _ in range(rounds)]
    lines.append(f"- ranking two terms, block evaluator: {summary(blocks)}")
    lines.append(f"- ranking two terms, Whoosh's collector (same index): {summary(collector)}")
    lines.append(f"- opening a searcher: {summary(opened)} (pooled searchers skip this)")
    return lines


def over_http(base: str, rounds: int) -> list[str]:
    get = _http(base)

    def quoted(query: str) -> str:
        return urllib.parse.quote(query)

    one = _latencies(lambda q: get(f"/api/v1/search?q={quoted(q)}"), ONE_TERM, rounds)
    two = _latencies(lambda q: get(f"/api/v1/search?q={quoted(q)}"), TWO_TERMS, rounds)
    page = _latencies(lambda q: get(f"/kb/search?q={quoted(q)}"), TWO_TERMS, rounds)
    typed = _latencies(lambda q: get(f"/kb/suggest?q={quoted(q)}"), PREFIXES, rounds)
    return [
        f"- search over HTTP (API), one term: {summary(one)}",
        f"- search over HTTP (API), two terms: {summary(two)}",
        f"- search page over HTTP, two terms: {summary(page)}",
        f"- suggest over HTTP: {summary(typed)}",
    ]


HAN_RUN = re.compile("[\u3400-\u9fff\uf900-\ufaff]+")


def presplit(text: str) -> str:
    """Han runs cut into words by rjieba (search mode) and joined by spaces, for FTS5."""
    return HAN_RUN.sub(
        lambda match: " " + " ".join(rjieba.cut_for_search(match.group(0))) + " ", text
    )


def fts5_floor(instance: Path, rounds: int) -> tuple[list[str], dict[str, float]]:
    """SQLite FTS5 (porter stemming, Chinese pre-split by rjieba) over the same articles."""
    folder = Path(tempfile.mkdtemp(prefix="portico-fts5-"))
    fts = sqlite3.connect(folder / "fts.db")
    fts.execute("CREATE VIRTUAL TABLE docs USING fts5(title, body, tokenize='porter unicode61')")
    started = time.perf_counter()
    with _published(instance) as source:
        rows = source.execute(
            "SELECT title, plain_text FROM kb_articles WHERE status = 'published'"
        )
        fts.executemany(
            "INSERT INTO docs (title, body) VALUES (?, ?)",
            ((presplit(title), presplit(text)) for title, text in rows),
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
    from kb.search.analysis import weigh_terms

    counts: Counter[str] = Counter()
    for run in HAN_RUN.findall(text):
        if len(run) == 1:
            counts[run] += 1
        counts.update(run[index : index + 2] for index in range(len(run) - 1))
    latin = HAN_RUN.sub(" ", text)
    counts.update(weigh_terms(latin))
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

    from kb.search.documents import SearchDocument
    from kb.search.engine import SearchEngine
    from kb.search.store import IndexStore

    def weigh(text: str, weight: float = 1.0, into: Counter[str] | None = None) -> Counter[str]:
        counts = Counter() if into is None else into
        for term, number in analyse(text).items():
            counts[term] += number * weight
        return counts

    documents = [
        SearchDocument(
            kind="article",
            key=str(number),
            title=text.split("\n", 1)[0],
            text=text,
            url=f"/a/{number}",
        )
        for number, text in enumerate(texts)
    ]
    with tempfile.TemporaryDirectory() as folder, mock.patch("kb.search.schema.weigh_terms", weigh):
        store = IndexStore(Path(folder))
        started = time.perf_counter()
        store.rebuild([documents])
        build = time.perf_counter() - started
        search_engine = SearchEngine(Flask(__name__), store)
        search_engine._started = True
        with mock.patch("kb.search.engine.query_words", query):
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


def extra(instance: Path, env: dict[str, str], portico: Any, args: Any) -> list[str]:
    rounds = 3 if args.quick else 5
    with portico_app(env) as app:
        lines = in_process(app, rounds)
        lines += ranking_paths(app, rounds)
    lines += over_http(portico.url, rounds)
    floor, floor_p95 = fts5_floor(instance, rounds)
    lines += floor
    whoosh_two = float(re.search(r"two terms.*?p95 ([\d.]+)", lines[3]).group(1))
    lines.append(
        f"- two-term p95, Portico against the FTS5 floor: {whoosh_two / floor_p95['two']:.1f}×"
    )
    lines += analyzers(1_000 if args.quick else 5_000)
    return lines


if __name__ == "__main__":
    if len(sys.argv) >= 2 and sys.argv[1] == "analyzers":
        print("\n".join(analyzers(int(sys.argv[2]) if len(sys.argv) > 2 else 5_000)))
    else:
        sys.exit(__doc__)

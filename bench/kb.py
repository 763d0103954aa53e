"""Knowledge-base benchmarks: page rates (through wrk), and what wrk cannot measure: index
build time, search and suggest latency in process and over HTTP, and (`bench/kb_search.py`)
the FTS5 floor, PostgreSQL full text over the same analyzer's tokens beside the Whoosh
replica (`bench/kb_search_pg.py`), rjieba against character bigrams, one-character queries,
the relevance set (`kb/search/relevance/`: hit@3 and MRR per language, and every query
that missed), and `kb import` of 1,000 and 10,000 generated files (`bench/kb_import.py`).

`make bench` runs it with the others; alone: `python -m bench.run --only kb [--quick]`.
`python -m bench.kb analyzers [N]` runs only the analyzer comparison on N generated articles,
`python -m bench.kb relevance` only the relevance set, `python -m bench.kb_search_pg [N]` only
PostgreSQL full text against Whoosh on N seeded articles.
"""

from __future__ import annotations

import re
import sys
import time
import urllib.parse
import urllib.request
from collections.abc import Callable
from pathlib import Path
from typing import Any

from bench import kb_import
from bench.database import scalar
from bench.kb_search import (
    CHINESE_KINDS,
    ONE_TERM,
    PREFIXES,
    TWO_TERMS,
    _latencies,
    analyzers,
    character_field_cost,
    fts5_floor,
    portico_app,
    relevance,
    single_characters,
    summary,
    timed,
)
from bench.kb_search_pg import postgres_answers, side_by_side

SEED = {"articles": 50_000}
QUICK_SEED = {"articles": 2_000}


def pages(portico: Any, instance: Path) -> list[tuple[str, str, str | None]]:
    count = scalar(portico.env, "SELECT count(*) FROM kb_articles")
    slug = scalar(
        portico.env,
        "SELECT slug FROM kb_articles WHERE status = 'published' ORDER BY id LIMIT 1 OFFSET :n",
        n=count // 2,
    )
    slug = urllib.parse.quote(slug)
    return [
        ("knowledge base `/kb/` (anonymous)", "/kb/", None),
        ("article page (anonymous)", f"/kb/articles/{slug}", None),
        ("article page (logged in)", f"/kb/articles/{slug}", "customer@example.com"),
        ("search page, two terms (anonymous)", "/kb/search?q=refund+battery", None),
        ("suggest `ref` (as-you-type)", "/kb/suggest?q=ref", None),
        ("API search `退货`", "/api/v1/search?q=" + urllib.parse.quote("退货"), None),
    ]


def _http(base: str) -> Callable[[str], Any]:
    def get(path: str) -> bytes:
        with urllib.request.urlopen(base + path, timeout=30) as response:
            return response.read()

    return get


def in_process(app: Any, rounds: int) -> tuple[list[str], float]:
    """Index build, search and suggest in process; also returns the build's seconds."""
    from kb.search import engine, rebuild, search, suggest

    lines = []
    with app.test_request_context():
        documents = engine(app).document_total()
        started = time.perf_counter()
        rebuild()
        build = time.perf_counter() - started
        lines.append(f"- index build (`kb reindex`, {documents:,} documents): {build:.1f} s")
        size = sum(
            path.stat().st_size for path in engine(app).store.root.rglob("*") if path.is_file()
        )
        lines.append(f"- index on disk (current and previous folder): {size / 1e6:.0f} MB")
        one = _latencies(lambda q: search(q), ONE_TERM, rounds)
        two = _latencies(lambda q: search(q), TWO_TERMS, rounds)
        typed = _latencies(lambda q: suggest(q), PREFIXES, rounds)
        kinds = _latencies(lambda q: search(q, language="zh"), CHINESE_KINDS, rounds)
        lines.append(f"- search in process, one term (with highlights): {summary(one)}")
        lines.append(f"- search in process, two terms (with highlights): {summary(two)}")
        lines.append(f"- suggest in process: {summary(typed)}")
        lines.append(
            "- search in process, one character, pinyin, traditional, full width, typo, "
            f"sentences (Chinese reader): {summary(kinds)}"
        )
    return lines, build


def ranking_paths(app: Any, rounds: int) -> list[str]:
    """Ranking alone (no snippets), two terms: the block evaluator against Whoosh's own
    collector on the same index and scores, and a searcher opened per query against the
    pooled one."""
    from kb.search import engine
    from kb.search.analysis import query_terms
    from kb.search.evaluate import Request, idf, rank, rank_with_whoosh

    store = engine(app).store
    lines = []

    def request(searcher: Any, query: str) -> Request:
        groups = [
            [("content", term, idf(searcher, "content", term))] for term in query_terms(query)
        ]
        return Request(groups, limit=10)

    with app.app_context(), store.searcher() as searcher:
        blocks = _latencies(
            lambda q: rank(searcher, "content", required=query_terms(q)), TWO_TERMS, rounds
        )
        collector = _latencies(
            lambda q: rank_with_whoosh(searcher, request(searcher, q)), TWO_TERMS, rounds
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


def extra(instance: Path, env: dict[str, str], portico: Any, args: Any) -> list[str]:
    rounds = 3 if args.quick else 5
    with portico_app(env) as app:
        lines, build = in_process(app, rounds)
        lines += ranking_paths(app, rounds)
        lines += single_characters(app, rounds)
        if postgres_answers():
            lines += side_by_side(app, rounds, build, 1_000 if args.quick else 5_000)
        else:
            lines.append("- PostgreSQL full text: skipped (PostgreSQL does not answer)")
    lines += over_http(portico.url, rounds)
    floor, floor_p95 = fts5_floor(env, rounds)
    lines += floor
    whoosh_two = float(re.search(r"two terms.*?p95 ([\d.]+)", lines[3]).group(1))
    lines.append(
        f"- two-term p95, Portico against the FTS5 floor: {whoosh_two / floor_p95['two']:.1f}×"
    )
    lines += character_field_cost(1_000 if args.quick else 5_000)
    lines += analyzers(1_000 if args.quick else 5_000)
    lines += relevance(1_000 if args.quick else 5_000)
    lines += kb_import.extra(instance, env, portico, args)
    return lines


if __name__ == "__main__":
    if len(sys.argv) >= 2 and sys.argv[1] == "analyzers":
        print("\n".join(analyzers(int(sys.argv[2]) if len(sys.argv) > 2 else 5_000)))
    elif len(sys.argv) >= 2 and sys.argv[1] == "relevance":
        print("\n".join(relevance(int(sys.argv[2]) if len(sys.argv) > 2 else 0)))
    else:
        sys.exit(__doc__)

"""PostgreSQL full text against the Whoosh replica, over the same analyzer's tokens (issue 15).

Every public document's title, tags and text go through the analyzer the index's `content`
field uses (`kb.search.analysis`: normal form, rjieba in search mode, English stop words,
Porter stems), in reading order, joined by spaces, and are stored as
`to_tsvector('simple', …)` (a generated column: title weight A, tags B, text D, weighted
3 : 2 : 1 as in `content`) under a GIN index, in a scratch database of the run's own that
is dropped afterwards. A query goes through the same analyzer; its terms are joined with `&`
(with `|` for a sentence of three words or more, and when `&` finds nothing, as the product
ranks them) into `to_tsquery('simple', …)`, ranked by `ts_rank_cd`, top ten, with the total
count and a `ts_headline` over the stored text tokens. Whoosh answers the same queries in
the same rounds, one after the other, so a busy machine weighs on both alike.

What PostgreSQL does not get here: Whoosh's query planning (pinyin, one character, homophone
typos, "did you mean"), so the relevance set shows what that planning is worth as well.

`python -m bench.kb_search_pg [N] [--instance DIR]` seeds N articles (default 50,000) into a
fresh SQLite instance with `seed-bulk`, or reuses DIR, and prints the comparison alone.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psycopg
import rjieba
from sqlalchemy.engine import make_url
from whoosh.analysis.filters import STOP_WORDS

from bench.database import admin_statement
from bench.kb_search import (
    ONE_TERM,
    TWO_TERMS,
    percentile,
    portico_app,
    timed,
)
from bench.portico import portico_env, prepare_instance
from kb.search import engine, rebuild, search
from kb.search.analysis import MAX_WORD_LENGTH, TOKEN, is_han, parse_query, stem, weigh_terms
from kb.search.chinese import language_of
from kb.search.documents import SearchDocument
from kb.search.normalise import normalise
from kb.search.relevance import Outcome, Report, evaluate, load_documents, load_judgements
from kb.seeding.sample_text import SampleWriter
from tests.services import postgres_admin_url

# ts_rank_cd's weights for D, C, B, A: text 1, tags 2, title 3, as the `content` field has it.
RANK_WEIGHTS = [0.1, 0.1, 0.2, 0.3]
# 1: divide the rank by 1 + log(length), so a long text does not win by length alone.
RANK_NORMALISATION = 1
HEADLINE = "StartSel=<mark>, StopSel=</mark>, MaxWords=35, MinWords=15"
LANGUAGE_SAMPLE_CHARS = 3000

SCHEMA = """
CREATE TABLE {table} (
    uid text PRIMARY KEY,
    key text NOT NULL,
    title text NOT NULL,
    lang text NOT NULL,
    title_tokens text NOT NULL,
    tag_tokens text NOT NULL,
    text_tokens text NOT NULL,
    terms tsvector GENERATED ALWAYS AS (
        setweight(to_tsvector('simple', title_tokens), 'A')
        || setweight(to_tsvector('simple', tag_tokens), 'B')
        || to_tsvector('simple', text_tokens)
    ) STORED
)
"""
SEARCH = """
WITH query AS (SELECT to_tsquery('simple', %(query)s) AS q),
top AS (
    SELECT uid, count(*) OVER () AS total,
           ts_rank_cd(%(weights)s::float4[], terms, query.q, %(normalisation)s) AS rank,
           (lang = %(language)s) AS preferred
    FROM {table}, query
    WHERE terms @@ query.q
    ORDER BY preferred DESC, rank DESC
    LIMIT %(limit)s
)
SELECT d.key, d.title, ts_headline('simple', d.text_tokens, query.q, %(headline)s), top.total
FROM top JOIN {table} d USING (uid), query
ORDER BY top.preferred DESC, top.rank DESC
"""


def analysed(text: str) -> str:
    """The analyzer's index terms of `text` in reading order, joined by spaces: the same
    terms `weigh_terms` counts, kept in order so that ts_rank_cd and ts_headline see
    neighbours."""
    words: list[str] = []
    for token in TOKEN.findall(normalise(text)):
        if is_han(token):
            words.extend(rjieba.cut_for_search(token))
        elif token not in STOP_WORDS and len(token) <= MAX_WORD_LENGTH:
            words.append(stem(token))
    return " ".join(words)


def tsquery(query: str) -> str | None:
    """The query's analysed terms as a tsquery: all of them, or any for a sentence."""
    parsed = parse_query(query)
    terms = list(dict.fromkeys(stem(word.text) for word in parsed.words))
    if not terms:
        return None
    joiner = " | " if parsed.sentence else " & "
    return joiner.join("'" + term.replace("'", "''") + "'" for term in terms)


@dataclass(frozen=True)
class FoundPage:
    keys: list[str]
    snippets: list[str]
    total: int


class FullTextTable:
    """One table of analysed documents in the scratch database, and searches over it."""

    def __init__(self, connection: psycopg.Connection, table: str = "documents") -> None:
        self.connection = connection
        self.table = table
        self._search = SEARCH.format(table=table)

    def load(self, batches: Iterable[list[SearchDocument]]) -> tuple[int, float, float]:
        """Create, fill and index the table; (documents, seconds to analyse and load,
        seconds to build the GIN index)."""
        started = time.perf_counter()
        count = 0
        with self.connection.cursor() as cursor:
            cursor.execute(f"DROP TABLE IF EXISTS {self.table}")
            cursor.execute(SCHEMA.format(table=self.table))
            columns = "uid, key, title, lang, title_tokens, tag_tokens, text_tokens"
            with cursor.copy(f"COPY {self.table} ({columns}) FROM STDIN") as copy:
                for batch in batches:
                    for doc in batch:
                        copy.write_row(_row(doc))
                    count += len(batch)
            loaded = time.perf_counter()
            cursor.execute("SET maintenance_work_mem = '256MB'")
            cursor.execute(f"CREATE INDEX {self.table}_terms ON {self.table} USING gin (terms)")
            cursor.execute(f"ANALYZE {self.table}")
        return count, loaded - started, time.perf_counter() - loaded

    def search(self, query: str, language: str | None = None, limit: int = 10) -> FoundPage:
        """Best matches first (the reader's language ahead), highlighted, with the total;
        when every term is required and none holds them all, any term will do."""
        expression = tsquery(query)
        if expression is None:
            return FoundPage([], [], 0)
        page = self._run(expression, language, limit)
        if page.total == 0 and " & " in expression:
            page = self._run(expression.replace(" & ", " | "), language, limit)
        return page

    def _run(self, expression: str, language: str | None, limit: int) -> FoundPage:
        with self.connection.cursor() as cursor:
            cursor.execute(
                self._search,
                {
                    "query": expression,
                    "language": language or "",
                    "limit": limit,
                    "weights": RANK_WEIGHTS,
                    "normalisation": RANK_NORMALISATION,
                    "headline": HEADLINE,
                },
            )
            found = cursor.fetchall()
        return FoundPage(
            [row[0] for row in found], [row[2] for row in found], found[0][3] if found else 0
        )

    def same_terms_share(self, documents: list[SearchDocument]) -> float:
        """Share of `documents` whose stored lexemes are exactly the analyzer's terms (so
        PostgreSQL's parser split nothing the analyzer kept whole)."""
        same = 0
        with self.connection.cursor() as cursor:
            for doc in documents:
                cursor.execute(
                    f"SELECT tsvector_to_array(terms) FROM {self.table} WHERE uid = %s", (doc.uid,)
                )
                stored = set(cursor.fetchone()[0])
                expected = set(weigh_terms(doc.title + "\n" + " ".join(doc.tags) + "\n" + doc.text))
                same += stored == expected
        return same / len(documents) if documents else 1.0


def _row(doc: SearchDocument) -> tuple[str, ...]:
    language = language_of(doc.title + "\n" + doc.text[:LANGUAGE_SAMPLE_CHARS])
    tags = analysed(" ".join(doc.tags))
    return (doc.uid, doc.key, doc.title, language, analysed(doc.title), tags, analysed(doc.text))


# The scratch database ------------------------------------------------------------------------
def postgres_answers() -> bool:
    try:
        admin_statement("SELECT 1")
    except Exception:  # any failure to connect means the same here: no PostgreSQL to use
        return False
    return True


@contextmanager
def scratch_database() -> Iterator[psycopg.Connection]:
    """A connection to a database of this run's own, dropped afterwards."""
    name = f"portico_fulltext_{os.getpid()}"
    admin_statement(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    admin_statement(f'CREATE DATABASE "{name}"')
    url = make_url(postgres_admin_url()).set(drivername="postgresql", database=name)
    try:
        with psycopg.connect(
            url.render_as_string(hide_password=False), autocommit=True
        ) as connection:
            yield connection
    finally:
        admin_statement(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


# Side by side --------------------------------------------------------------------------------
def public_documents(app: Any, sample: list[SearchDocument]) -> Iterator[list[SearchDocument]]:
    """What the Whoosh index holds for a search that names no kinds, read as `kb reindex`
    reads it; every 250th document is also put in `sample`."""
    search_engine = engine(app)
    for kind in search_engine.public_kinds():
        for batch in search_engine.sources[kind].documents():
            sample.extend(batch[::250])
            yield batch


def alternating(
    runs: dict[str, Callable[[str], Any]], queries: list[str], rounds: int
) -> dict[str, list[float]]:
    """Latencies of each engine on every query, the engines taking turns query by query."""
    for query in queries[:3]:
        for run in runs.values():
            run(query)  # warm caches, as a running server has them
    latencies: dict[str, list[float]] = {name: [] for name in runs}
    for _ in range(rounds):
        for query in queries:
            for name, run in runs.items():
                latencies[name].append(timed(lambda run=run, query=query: run(query)))
    return latencies


def side_by_side(app: Any, rounds: int, whoosh_build: float, distractors: int) -> list[str]:
    """Build the PostgreSQL table from the app's documents, time both engines on the same
    queries (with highlights), and run the relevance set on both."""
    with scratch_database() as connection, app.test_request_context():
        table = FullTextTable(connection)
        sample: list[SearchDocument] = []
        started = time.perf_counter()
        count, load, gin = table.load(public_documents(app, sample))
        build = time.perf_counter() - started
        same = table.same_terms_share(sample)
        runs = {"whoosh": lambda q: search(q), "postgresql": table.search}
        one = alternating(runs, ONE_TERM, rounds)
        two = alternating(runs, TWO_TERMS, rounds)
        alone = relevance_pair(connection, 0)
        among = relevance_pair(connection, distractors)
    lines = [
        f"- PostgreSQL full text on {count:,} documents: table {load:.1f} s (reading, "
        f"analysing, COPY into the generated tsvector), GIN index {gin:.1f} s; stored "
        f"lexemes equal the analyzer's terms in {same:.0%} of {len(sample)} sampled documents",
        "",
        "| engine | build | one term p50 / p95 | two terms p50 / p95 "
        f"| hit@3 zh / en, set alone | among {distractors:,} generated |",
        "| --- | ---: | ---: | ---: | ---: | ---: |",
    ]
    for label, name, seconds, index in (
        ("Whoosh replica", "whoosh", whoosh_build, 0),
        ("PostgreSQL `simple` + GIN", "postgresql", build, 1),
    ):
        lines.append(
            f"| {label} | {seconds:.1f} s | {_pair(one[name])} | {_pair(two[name])} "
            f"| {_hits(alone[index])} | {_hits(among[index])} |"
        )
    within = all(_ratio(pair) <= 1.0 for pair in (one, two))
    lines += [
        "",
        f"- PostgreSQL's p95 within Whoosh's for one and two terms: {'yes' if within else 'no'} "
        f"(PostgreSQL / Whoosh at p95: one term {_ratio(one):.2f}×, two terms {_ratio(two):.2f}×)",
        f"- PostgreSQL relevance among {distractors:,} generated articles (same analyzer, "
        "no query planning):",
        *("  " + line for line in among[1].lines()[:2]),
    ]
    return lines


def _pair(values: list[float]) -> str:
    return f"{percentile(values, 0.5):.1f} / {percentile(values, 0.95):.1f} ms"


def _hits(report: Report) -> str:
    return f"{report.hit_at_3('zh'):.1%} / {report.hit_at_3('en'):.1%}"


def _ratio(latencies: dict[str, list[float]]) -> float:
    return percentile(latencies["postgresql"], 0.95) / percentile(latencies["whoosh"], 0.95)


def relevance_pair(connection: psycopg.Connection, distractors: int) -> tuple[Report, Report]:
    """The relevance set (`kb/search/relevance/`) through Whoosh and through PostgreSQL,
    alone or among `distractors` generated articles (the same ones for both)."""
    generated = [
        SearchDocument("article", f"generated-{n}", sample.title, "\n".join(sample.paragraphs), "/")
        for n, sample in enumerate(SampleWriter(seed=5).articles(distractors))
    ]
    table = FullTextTable(connection, table=f"relevance_{distractors}")
    table.load([load_documents(), generated])
    postgresql = Report(
        [
            Outcome(judgement, tuple(table.search(judgement.query, judgement.language).keys))
            for judgement in load_judgements()
        ]
    )
    return evaluate(generated), postgresql


# Standalone ---------------------------------------------------------------------------------
def standalone(articles: int, instance: Path | None, rounds: int) -> list[str]:
    """Seed (or reuse) an instance, rebuild its Whoosh index, and compare."""
    folder = instance or Path(tempfile.mkdtemp(prefix="portico-fulltext-"))
    folder.mkdir(parents=True, exist_ok=True)
    env = portico_env(folder, {"DATABASE_URL": f"sqlite:///{folder / 'portico.db'}"})
    prepare_instance(folder, env, {"articles": articles})
    with portico_app(env) as app:
        with app.app_context():
            started = time.perf_counter()
            documents = rebuild()
            build = time.perf_counter() - started
        lines = [f"- Whoosh index build (`kb reindex`, {documents:,} documents): {build:.1f} s"]
        lines += side_by_side(app, rounds, build, distractors=min(5_000, articles // 10))
    lines.append(f"- seeded data kept in {folder} (`--instance {folder}` reuses it)")
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("articles", nargs="?", type=int, default=50_000)
    parser.add_argument("--instance", type=Path, help="reuse (or seed into) this folder")
    parser.add_argument("--rounds", type=int, default=5, help="times each query is run")
    args = parser.parse_args()
    if not postgres_answers():
        raise SystemExit(
            f"PostgreSQL does not answer at {postgres_admin_url()}: nothing to compare"
        )
    print("\n".join(standalone(args.articles, args.instance, args.rounds)))


if __name__ == "__main__":
    main()

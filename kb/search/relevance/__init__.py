"""Portico's own relevance set: does the right article come up for what customers type?

`articles.json` is a small help centre in Chinese and English (returns, invoices, delivery,
installation, accounts…), written so that neighbouring articles share their words, and
`queries.json` holds what customers type to reach them: colloquial questions, long
sentences, typos, traditional characters, pinyin, one character, full width, mixed
`iPhone 发票`, each with the articles that answer it and the reader's language.

`evaluate()` indexes the set in a throwaway folder, runs every query with the reader's
language, and reports hit@3 (an expected article in the top three) and MRR (the mean of
1/rank of the first expected article) per language. `make bench` prints the report;
`tests/kb/test_relevance.py` holds a floor under it, so ranking never silently regresses.
"""

from __future__ import annotations

import inspect
import json
import tempfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from flask import Flask

from kb.search.documents import SearchDocument
from kb.search.engine import SearchEngine
from kb.search.store import IndexStore

HERE = Path(__file__).resolve().parent
KIND = "article"
TOP = 3


@dataclass(frozen=True)
class Judgement:
    """A query, the articles that answer it, and who asks (their language)."""

    query: str
    expected: tuple[str, ...]
    language: str
    kind: str


@dataclass(frozen=True)
class Outcome:
    judgement: Judgement
    ranked: tuple[str, ...]  # the keys returned, best first (the first ten)

    @property
    def rank(self) -> int | None:
        """Where the first expected article stands (1 is first), or None."""
        for place, key in enumerate(self.ranked, start=1):
            if key in self.judgement.expected:
                return place
        return None

    @property
    def hit(self) -> bool:
        return self.rank is not None and self.rank <= TOP


@dataclass
class Report:
    outcomes: list[Outcome] = field(default_factory=list)

    def of(self, language: str) -> list[Outcome]:
        return [item for item in self.outcomes if item.judgement.language == language]

    def hit_at_3(self, language: str) -> float:
        chosen = self.of(language)
        return sum(item.hit for item in chosen) / len(chosen) if chosen else 1.0

    def mrr(self, language: str) -> float:
        chosen = self.of(language)
        return sum(1 / item.rank for item in chosen if item.rank) / len(chosen) if chosen else 1.0

    @property
    def failures(self) -> list[Outcome]:
        return [item for item in self.outcomes if not item.hit]

    def lines(self) -> list[str]:
        """The report as Markdown list items: per language, then every query that missed."""
        lines = []
        for language, name in (("zh", "Chinese"), ("en", "English")):
            lines.append(
                f"- {name}, {len(self.of(language))} queries: hit@3 "
                f"{self.hit_at_3(language):.1%}, MRR {self.mrr(language):.3f}"
            )
        for item in self.failures:
            place = f"rank {item.rank}" if item.rank else "not in the top ten"
            lines.append(
                f"  - missed ({item.judgement.kind}): `{item.judgement.query}` → {place}, "
                f"got {', '.join(item.ranked[:3]) or 'nothing'}"
            )
        return lines


def load_documents() -> list[SearchDocument]:
    articles = json.loads((HERE / "articles.json").read_text(encoding="utf-8"))
    return [
        SearchDocument(
            kind=KIND,
            key=article["slug"],
            title=article["title"],
            text=article["body"],
            url=f"/kb/articles/{article['slug']}",
            tags=list(article["tags"]),
        )
        for article in articles
    ]


def load_judgements() -> list[Judgement]:
    queries = json.loads((HERE / "queries.json").read_text(encoding="utf-8"))
    return [
        Judgement(item["query"], tuple(item["expected"]), item["language"], item["kind"])
        for item in queries
    ]


def _searcher(search_engine: SearchEngine) -> Callable[[str, str], list[str]]:
    """Keys of the first ten results; the reader's language is passed where supported."""
    takes_language = "language" in inspect.signature(search_engine.search).parameters

    def run(query: str, language: str) -> list[str]:
        options = {"language": language} if takes_language else {}
        return [hit.key for hit in search_engine.search(query, **options).hits]

    return run


def evaluate(distractors: Iterable[SearchDocument] = ()) -> Report:
    """Index the set (plus `distractors`, other documents to rank against) and run it."""
    with tempfile.TemporaryDirectory(prefix="portico-relevance-") as folder:
        store = IndexStore(Path(folder))
        store.rebuild([load_documents(), list(distractors)])
        search_engine = SearchEngine(Flask(__name__), store)
        search_engine._started = True  # the index is built: nothing to start
        run = _searcher(search_engine)
        report = Report(
            [
                Outcome(judgement, tuple(run(judgement.query, judgement.language)))
                for judgement in load_judgements()
            ]
        )
        store.close()
    return report

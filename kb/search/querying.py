"""Reading the index: full-text search with paging and "did you mean", as-you-type
suggestions, and the database fallback used while the index is missing or being rebuilt.

Queries are built from analysed terms, never parsed as Whoosh query syntax: quotes,
brackets, `AND OR`, `*` and emoji are just characters, so no query can fail or blow up into
a wildcard over the whole vocabulary. The reader's language, when given, comes first: its
documents rank ahead of the others, each part best first.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from markupsafe import Markup
from whoosh.searching import Searcher

from kb.search.analysis import ParsedQuery, stem
from kb.search.documents import FallbackRow, Hit, SearchPage, SearchSource
from kb.search.evaluate import Filters, rank
from kb.search.planning import plan_query
from kb.search.schema import stored_text
from kb.search.snippets import highlight

LANGUAGES = ("en", "zh")
SUGGEST_EXPANSIONS = 16
SUGGEST_SCAN = 400


@dataclass(frozen=True)
class Scope:
    """Where a search looks, and what it puts first."""

    page: int = 1
    per_page: int = 10
    category: str | None = None
    kinds: tuple[str, ...] | None = None
    language: str | None = None

    @property
    def filters(self) -> Filters:
        filters: Filters = []
        if self.category:
            filters.append(("category", [self.category]))
        if self.kinds:
            filters.append(("kind", list(self.kinds)))
        return filters

    @property
    def prefer(self) -> tuple[str, str] | None:
        return ("lang", self.language) if self.language in LANGUAGES else None


def make_hit(
    stored: Mapping[str, Any], score: float, words: tuple[str, ...] | None, label: str
) -> Hit:
    return Hit(
        kind=stored.get("kind", ""),
        key=stored.get("key", ""),
        title=stored.get("title", ""),
        url=stored.get("url", ""),
        snippet=highlight(stored_text(dict(stored)), words) if words is not None else Markup(""),
        score=score,
        label=label,
    )


def search_index(
    searcher: Searcher,
    query: str,
    parsed: ParsedQuery,
    scope: Scope,
    label: Callable[[str], str],
) -> SearchPage:
    """Every word (or what corrects it) when some document has them all; else any."""
    plan = plan_query(searcher.reader(), parsed)
    limit = scope.page * scope.per_page
    options = {"filters": scope.filters, "prefer": scope.prefer, "limit": limit}
    # A sentence is ranked by how much of it a document holds; a word or two must all match,
    # unless no document holds them all.
    every = not parsed.sentence
    ranked = rank(searcher, groups=plan.groups, every=every, **options)
    if every and ranked.total == 0 and len(plan.groups) > 1:
        ranked = rank(searcher, groups=plan.groups, every=False, **options)
    partial = ranked.total > 0 and (bool(plan.unknown) or ranked.complete == 0)
    hits = []
    for score, docnum in ranked.top[(scope.page - 1) * scope.per_page : limit]:
        stored = searcher.stored_fields(docnum)
        hits.append(make_hit(stored, score, plan.highlight, label(stored.get("kind", ""))))
    return SearchPage(
        query=query,
        hits=hits,
        total=ranked.total,
        page=scope.page,
        per_page=scope.per_page,
        did_you_mean=plan.corrected if ranked.total else None,
        # With every word required, a word no document holds found nothing as typed.
        corrected=bool(plan.corrected and ranked.total and every),
        partial=partial,
    )


def suggest_index(
    searcher: Searcher, parsed: ParsedQuery, limit: int, scope: Scope, label: Callable[[str], str]
) -> list[Hit]:
    """Titles holding the finished words and a word starting with the last one."""
    reader = searcher.reader()
    last = parsed.last
    if last is None:
        return []
    expansions: list[tuple[int, str]] = []
    for count, (term, info) in enumerate(reader.iter_prefix("title_terms", last.text)):
        if count >= SUGGEST_SCAN:
            break
        word = term.decode("utf-8") if isinstance(term, bytes) else term
        expansions.append((info.doc_frequency(), word))
    choices = [word for _count, word in sorted(expansions, reverse=True)[:SUGGEST_EXPANSIONS]]
    if stem(last.text) not in choices:
        choices.append(stem(last.text))
    groups = [
        [("title_terms", stem(word.text), 1.0)] for word in parsed.words if word.text != last.text
    ]
    groups.append([("title_terms", choice, 1.0) for choice in choices])
    ranked = rank(searcher, groups=groups, filters=scope.filters, prefer=scope.prefer, limit=limit)
    hits = []
    for score, docnum in ranked.top:
        stored = searcher.stored_fields(docnum)
        hits.append(make_hit(stored, score, None, label(stored.get("kind", ""))))
    return hits


def search_database(
    sources: Mapping[str, SearchSource],
    query: str,
    parsed: ParsedQuery,
    scope: Scope,
    label: Callable[[str], str],
) -> SearchPage:
    """LIKE searches through each kind's fallback, while the index cannot answer."""
    words = tuple(word.text for word in parsed.words)
    rows: list[tuple[str, FallbackRow]] = []
    wanted = scope.page * scope.per_page
    for kind, source in sources.items():
        if source.fallback is None or (scope.kinds and kind not in scope.kinds):
            continue
        rows.extend((kind, row) for row in source.fallback(list(words), scope.category, wanted))
    rows.sort(key=lambda item: item[1].score, reverse=True)
    hits = [
        Hit(
            kind=kind,
            key=row.key,
            title=row.title,
            url=row.url,
            snippet=highlight(row.text, words),
            score=row.score,
            label=label(kind),
        )
        for kind, row in rows[(scope.page - 1) * scope.per_page : wanted]
    ]
    return SearchPage(
        query=query,
        hits=hits,
        total=len(rows),
        page=scope.page,
        per_page=scope.per_page,
        fallback=True,
    )

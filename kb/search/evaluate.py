"""Ranking term queries a posting block at a time, instead of a posting at a time.

Whoosh's matchers step through postings one Python call (or ten) per document; for two
common words at 50,000 articles that is most of the query time. Here each posting list is
read block by block straight into a dict (`docnum -> impact`), intersections are set
operations in C, and the top N come from `heapq.nlargest`. Scores are exactly the ones
`kb.search.scoring.ImpactWeighting` gives through Whoosh's own search (a test checks), and
the exact number of matches comes for free.

It relies on the block layout of Whoosh 3's codec (`W3LeafMatcher`); on anything else it
raises `Unsupported` and the caller uses Whoosh's collector instead.
"""

from __future__ import annotations

import heapq
from collections.abc import Iterable
from dataclasses import dataclass
from itertools import accumulate
from math import log
from operator import neg
from typing import Any

from whoosh.codec.whoosh3 import W3LeafMatcher
from whoosh.matching.wrappers import FilterMatcher
from whoosh.query import And, Or, Query, Term
from whoosh.searching import Searcher


class Unsupported(Exception):
    """The index is not laid out the way this evaluator reads it."""


@dataclass(frozen=True)
class Ranked:
    top: list[tuple[float, int]]  # (score, global docnum), best first
    total: int


def idf(searcher: Searcher, field: str, term: str) -> float:
    documents = searcher.doc_count_all()
    frequency = searcher.doc_frequency(field, term)
    return log(1 + (documents - frequency + 0.5) / (frequency + 0.5))


def postings(reader: Any, field: str, term: str) -> dict[int, float]:
    """`{docnum: weight}` for one term in one segment, without deleted documents."""
    encoded = term.encode("utf-8")
    if (field, encoded) not in reader:
        return {}
    matcher = reader.postings(field, encoded)
    if isinstance(matcher, FilterMatcher):
        matcher = matcher.child
    if not isinstance(matcher, W3LeafMatcher):
        raise Unsupported(type(matcher).__name__)
    found: dict[int, float] = {}
    while matcher.is_active():
        matcher._read_data()
        deltas, weights, _values = matcher._data
        ids = accumulate(deltas)
        if weights is None:
            found.update(dict.fromkeys(ids, 1.0))
        elif isinstance(weights, float):
            found.update(dict.fromkeys(ids, weights))
        else:
            found.update(zip(ids, weights, strict=False))
        matcher._next_block()
    deleted = reader.deleted_docs_set
    if deleted:
        for docnum in deleted & found.keys():
            del found[docnum]
    return found


def _allowed(reader: Any, filters: list[tuple[str, list[str]]]) -> set[int] | None:
    allowed: set[int] | None = None
    for field, values in filters:
        matching: set[int] = set()
        for value in values:
            matching.update(postings(reader, field, value))
        allowed = matching if allowed is None else allowed & matching
    return allowed


def _top(scores: dict[int, float], limit: int, scale: float = 1.0) -> list[tuple[float, int]]:
    """The best `limit` (score, docnum): higher scores first, then lower docnums (in C)."""
    best = heapq.nlargest(limit, zip(scores.values(), map(neg, scores.keys()), strict=True))
    return [(scale * score, -negated) for score, negated in best]


def _rank_segment(
    reader: Any,
    field: str,
    required: list[tuple[str, float]],
    any_of: list[tuple[str, float]],
    filters: list[tuple[str, list[str]]],
    limit: int,
) -> tuple[int, list[tuple[float, int]]]:
    """(number of matches, top matches) in one segment."""
    lists = [(postings(reader, field, term), weight) for term, weight in required]
    if any(not found for found, _weight in lists):
        return 0, []
    lists.sort(key=lambda item: len(item[0]))  # intersect from the rarest term
    allowed = _allowed(reader, filters)
    if not any_of and len(lists) == 1:
        found, weight = lists[0]
        if allowed is not None:
            found = {docnum: found[docnum] for docnum in found.keys() & allowed}
        # One term: the order of impacts is the order of scores.
        return len(found), _top(found, limit, weight)
    keys: set[int] | None = None
    for found, _weight in lists:
        keys = set(found) if keys is None else keys & found.keys()
    if allowed is not None:
        keys = allowed if keys is None else keys & allowed
    scores: dict[int, float]
    if any_of:
        scores = {}
        get = scores.get
        for term, weight in any_of:
            for docnum, impact in postings(reader, field, term).items():
                if keys is None or docnum in keys:
                    scores[docnum] = get(docnum, 0.0) + weight * impact
        for found, weight in lists:
            for docnum in scores:
                scores[docnum] += weight * found[docnum]
    elif len(lists) == 2:
        (first, first_weight), (second, second_weight) = lists
        scores = {
            docnum: first_weight * first[docnum] + second_weight * second[docnum]
            for docnum in keys or ()
        }
    else:
        scores = dict.fromkeys(keys or (), 0.0)
        for found, weight in lists:
            for docnum in scores:
                scores[docnum] += weight * found[docnum]
    return len(scores), _top(scores, limit)


def rank(
    searcher: Searcher,
    field: str,
    *,
    required: Iterable[str] = (),
    any_of: Iterable[str] = (),
    filters: list[tuple[str, list[str]]] | None = None,
    limit: int = 10,
) -> Ranked:
    """Documents holding every `required` term and at least one `any_of` term (if given),
    best BM25 first; `filters` are (field, values) pairs, each matching any of its values."""
    required_terms = [(term, idf(searcher, field, term)) for term in dict.fromkeys(required)]
    optional_terms = [(term, idf(searcher, field, term)) for term in dict.fromkeys(any_of)]
    if not required_terms and not optional_terms:
        return Ranked([], 0)
    try:
        return _rank_by_blocks(searcher, field, required_terms, optional_terms, filters, limit)
    except Unsupported:
        return rank_with_whoosh(
            searcher,
            field,
            required=[term for term, _weight in required_terms],
            any_of=[term for term, _weight in optional_terms],
            filters=filters,
            limit=limit,
        )


def _rank_by_blocks(
    searcher: Searcher,
    field: str,
    required_terms: list[tuple[str, float]],
    optional_terms: list[tuple[str, float]],
    filters: list[tuple[str, list[str]]] | None,
    limit: int,
) -> Ranked:
    total = 0
    candidates: list[tuple[float, int]] = []
    for leaf, offset in searcher.leaf_searchers():
        count, best = _rank_segment(
            leaf.reader(), field, required_terms, optional_terms, filters or [], limit
        )
        total += count
        candidates.extend((score, docnum + offset) for score, docnum in best)
    # Best score first; among equals, the older document (lower number) first.
    candidates.sort(key=lambda item: (-item[0], item[1]))
    return Ranked(candidates[:limit], total)


def _either(field: str, values: list[str]) -> Query:
    parts = [Term(field, value) for value in values]
    return parts[0] if len(parts) == 1 else Or(parts)


def rank_with_whoosh(
    searcher: Searcher,
    field: str,
    *,
    required: list[str],
    any_of: list[str],
    filters: list[tuple[str, list[str]]] | None = None,
    limit: int = 10,
) -> Ranked:
    """The same ranking through Whoosh's own query objects and collector (slower)."""
    parts: list[Query] = [Term(field, term) for term in required]
    if any_of:
        parts.append(_either(field, any_of))
    query = parts[0] if len(parts) == 1 else And(parts)
    filter_parts = [_either(name, values) for name, values in filters or []]
    filter_query = None
    if filter_parts:
        filter_query = filter_parts[0] if len(filter_parts) == 1 else And(filter_parts)
    results = searcher.search(query, limit=limit, filter=filter_query)
    top = [(float(hit.score or 0.0), hit.docnum) for hit in results]
    return Ranked(top, len(results))

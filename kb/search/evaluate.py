"""Ranking term queries a posting block at a time, instead of a posting at a time.

Whoosh's matchers step through postings one Python call (or ten) per document; for two
common words at 50,000 articles that is most of the query time. Here each posting list is
read block by block straight into a dict (`docnum -> impact`), intersections are set
operations in C, and the top N come from `heapq.nlargest`. Scores are exactly the ones
`kb.search.scoring.ImpactWeighting` gives through Whoosh's own search (a test checks), and
the exact number of matches comes for free.

A query is a list of groups, each a few alternatives (field, term, boost): a word and what
else finds it (its pinyin, its characters, its corrected spelling). A document matches a
group through any alternative and scores the sum of those it holds. Normally every group
must match; when none does, any group may, and a document's score is scaled by the share of
groups it matched, so the subject of a long sentence outranks one rare side word. The
reader's language can come first: preferred documents rank ahead of the rest, each part best
first.

It relies on the block layout of Whoosh 3's codec (`W3LeafMatcher`); on anything else it
raises `Unsupported` and the caller uses Whoosh's collector instead.
"""

from __future__ import annotations

import heapq
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from itertools import accumulate
from math import log
from operator import neg
from typing import Any

from whoosh.codec.whoosh3 import W3LeafMatcher
from whoosh.matching.wrappers import FilterMatcher
from whoosh.query import And, Or, Query, Term
from whoosh.searching import Searcher

Alternative = tuple[str, str, float]  # (field, term, boost)
Group = Sequence[Alternative]
Filters = list[tuple[str, list[str]]]
# (flag, score, docnum): flag 1 for the preferred documents, which sort first.
Candidate = tuple[int, float, int]
# Filter sets kept per segment reader (kinds, categories, languages in use).
DOCSET_CACHE_LIMIT = 256


class Unsupported(Exception):
    """The index is not laid out the way this evaluator reads it."""


@dataclass(frozen=True)
class Ranked:
    top: list[tuple[float, int]]  # (score, global docnum), best first
    total: int
    complete: int = -1  # how many matched every group (-1: all of `total`)


@dataclass(frozen=True)
class Request:
    """What to rank: `groups` of alternatives, all of them (`every`) or any."""

    groups: list[Group]
    every: bool = True
    filters: Filters = field(default_factory=list)
    prefer: tuple[str, str] | None = None  # (field, value) of the documents to put first
    limit: int = 10


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


def documents_with(reader: Any, field_name: str, value: str) -> frozenset[int]:
    """The documents of one segment with `field_name` = `value` (a kind, a category, a
    language), kept on the segment's reader: a pooled reader is replaced when its segment
    changes, deletions included, so the set stays true for the reader's life."""
    cache: dict[tuple[str, str], frozenset[int]] = reader.__dict__.setdefault("_kb_docsets", {})
    found = cache.get((field_name, value))
    if found is None:
        if len(cache) >= DOCSET_CACHE_LIMIT:
            cache.clear()
        found = cache[(field_name, value)] = frozenset(postings(reader, field_name, value))
    return found


def _allowed(reader: Any, filters: Filters) -> frozenset[int] | None:
    allowed: frozenset[int] | None = None
    for field_name, values in filters:
        matching: frozenset[int] = frozenset().union(
            *(documents_with(reader, field_name, value) for value in values)
        )
        allowed = matching if allowed is None else allowed & matching
    return allowed


def _group_scores(reader: Any, group: Group) -> tuple[dict[int, float], float]:
    """One group's `{docnum: score}` and a factor still to apply (a lone term's postings are
    used as they are, not copied)."""
    if len(group) == 1:
        field_name, term, weight = group[0]
        return postings(reader, field_name, term), weight
    merged: dict[int, float] = {}
    for field_name, term, weight in group:
        found = postings(reader, field_name, term)
        if not merged:
            merged = {docnum: weight * impact for docnum, impact in found.items()}
            continue
        get = merged.get
        for docnum, impact in found.items():
            merged[docnum] = get(docnum, 0.0) + weight * impact
    return merged, 1.0


def _best(scores: dict[int, float], keys: Any, limit: int) -> list[tuple[float, int]]:
    """The best `limit` (score, docnum) among `keys`: higher first, then lower docnums (in C)."""
    if keys is None:
        pairs = zip(scores.values(), map(neg, scores.keys()), strict=True)
    else:
        pairs = zip(map(scores.__getitem__, keys), map(neg, keys), strict=True)
    best = heapq.nlargest(limit, pairs)
    return [(score, -negated) for score, negated in best]


def _top(
    scores: dict[int, float], limit: int, scale: float, prefer: frozenset[int] | None
) -> list[Candidate]:
    """The best `limit` candidates, the preferred documents first."""
    preferred = scores.keys() & prefer if prefer is not None else set()
    if not preferred or len(preferred) == len(scores):
        flag = 1 if preferred else 0
        return [(flag, scale * score, docnum) for score, docnum in _best(scores, None, limit)]
    top = [(1, scale * score, docnum) for score, docnum in _best(scores, preferred, limit)]
    if len(top) < limit:
        others = scores.keys() - preferred
        top += [(0, scale * score, d) for score, d in _best(scores, others, limit - len(top))]
    return top


def _every(lists: list[tuple[dict[int, float], float]], allowed: frozenset[int] | None) -> dict:
    """Scores of the documents in every list (intersected from the rarest)."""
    lists.sort(key=lambda item: len(item[0]))
    keys = set(lists[0][0])
    for found, _scale in lists[1:]:
        keys &= found.keys()
    if allowed is not None:
        keys &= allowed
    if len(lists) == 2:
        (first, first_scale), (second, second_scale) = lists
        return {
            docnum: first_scale * first[docnum] + second_scale * second[docnum] for docnum in keys
        }
    scores = dict.fromkeys(keys, 0.0)
    for found, scale in lists:
        for docnum in scores:
            scores[docnum] += scale * found[docnum]
    return scores


def _any(
    lists: list[tuple[dict[int, float], float]], allowed: frozenset[int] | None, groups: int
) -> tuple[dict[int, float], int]:
    """Scores of the documents in any list, scaled by the share of the `groups` they match,
    and how many matched every group."""
    scores: dict[int, float] = {}
    matched: dict[int, int] = {}
    for found, scale in lists:
        get, count = scores.get, matched.get
        for docnum, impact in found.items():
            if allowed is None or docnum in allowed:
                scores[docnum] = get(docnum, 0.0) + scale * impact
                matched[docnum] = count(docnum, 0) + 1
    complete = sum(1 for count in matched.values() if count == groups)
    if groups > 1:
        share = 1 / groups
        scores = {docnum: score * matched[docnum] * share for docnum, score in scores.items()}
    return scores, complete


def _rank_segment(reader: Any, request: Request) -> tuple[int, int, list[Candidate]]:
    """(number of matches, of complete matches, top candidates) in one segment."""
    groups = len(request.groups)
    lists = [_group_scores(reader, group) for group in request.groups]
    lists = [item for item in lists if item[0]] if not request.every else lists
    if not lists or any(not found for found, _scale in lists):
        return 0, 0, []
    allowed = _allowed(reader, request.filters)
    prefer = documents_with(reader, *request.prefer) if request.prefer else None
    if len(lists) == 1 and (request.every or groups == 1):
        found, scale = lists[0]
        if allowed is not None:
            found = {docnum: found[docnum] for docnum in found.keys() & allowed}
        # One group: the order of its scores is the order of the results.
        return len(found), len(found), _top(found, request.limit, scale, prefer)
    if request.every:
        scores = _every(lists, allowed)
        complete = len(scores)
    else:
        scores, complete = _any(lists, allowed, groups)
    return len(scores), complete, _top(scores, request.limit, 1.0, prefer)


def _weighted(searcher: Searcher, groups: Iterable[Group]) -> list[Group]:
    """Each alternative's boost times its term's idf, duplicates within a group dropped."""
    weighted = []
    for group in groups:
        unique = {(name, term): boost for name, term, boost in reversed(list(group))}
        weighted.append(
            [
                (name, term, boost * idf(searcher, name, term))
                for (name, term), boost in unique.items()
            ]
        )
    return [group for group in weighted if group]


def rank(
    searcher: Searcher,
    field_name: str | None = None,
    *,
    required: Iterable[str] = (),
    any_of: Iterable[str] = (),
    groups: Iterable[Group] = (),
    every: bool = True,
    filters: Filters | None = None,
    prefer: tuple[str, str] | None = None,
    limit: int = 10,
) -> Ranked:
    """Documents matching every group (or, with `every` false, any), best BM25 first.

    `required` and `any_of` are shorthands in `field_name`: each required term is a group of
    its own, and the `any_of` terms form one group. `filters` are (field, values) pairs,
    each matching any of its values; `prefer` puts one field value's documents first.
    """
    chosen = [list(group) for group in groups]
    if field_name is not None:
        chosen += [[(field_name, term, 1.0)] for term in dict.fromkeys(required)]
        alternatives = [(field_name, term, 1.0) for term in dict.fromkeys(any_of)]
        if alternatives:
            chosen.append(alternatives)
    if not chosen:
        return Ranked([], 0)
    request = Request(_weighted(searcher, chosen), every, filters or [], prefer, limit)
    try:
        return _rank_by_blocks(searcher, request)
    except Unsupported:
        return rank_with_whoosh(searcher, request)


def _rank_by_blocks(searcher: Searcher, request: Request) -> Ranked:
    total = complete = 0
    candidates: list[Candidate] = []
    for leaf, offset in searcher.leaf_searchers():
        count, whole, best = _rank_segment(leaf.reader(), request)
        total += count
        complete += whole
        candidates.extend((flag, score, docnum + offset) for flag, score, docnum in best)
    # Preferred first, then best score; among equals, the older document (lower number) first.
    candidates.sort(key=lambda item: (-item[0], -item[1], item[2]))
    top = [(score, docnum) for _flag, score, docnum in candidates[: request.limit]]
    return Ranked(top, total, complete)


def _either(parts: list[Query]) -> Query:
    return parts[0] if len(parts) == 1 else Or(parts)


def _all(parts: list[Query]) -> Query:
    return parts[0] if len(parts) == 1 else And(parts)


def rank_with_whoosh(searcher: Searcher, request: Request) -> Ranked:
    """The same ranking through Whoosh's own query objects and collector (slower; for
    `every=False` it leaves out the scaling by the share of groups matched).

    `request` holds weighted groups (boost × idf, as `rank` makes them); Whoosh multiplies
    its own idf back in, so the boosts it gets are divided by it.
    """
    groups = [
        _either(
            [
                Term(name, term, boost=weight / idf(searcher, name, term))
                for name, term, weight in group
            ]
        )
        for group in request.groups
    ]
    query = _all(groups) if request.every else _either(groups)
    filter_parts = [
        _either([Term(name, value) for value in values]) for name, values in request.filters
    ]
    filter_query = _all(filter_parts) if filter_parts else None
    if request.prefer is None:
        results = searcher.search(query, limit=request.limit, filter=filter_query)
        return Ranked([(float(hit.score or 0.0), hit.docnum) for hit in results], len(results))
    preferred = Term(*request.prefer)
    first = searcher.search(query, limit=request.limit, filter=_all([preferred, *filter_parts]))
    rest = searcher.search(query, limit=request.limit, filter=filter_query, mask=preferred)
    top = [(float(hit.score or 0.0), hit.docnum) for hit in [*first, *rest]]
    return Ranked(top[: request.limit], len(first) + len(rest))

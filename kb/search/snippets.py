"""Snippets with the searched words highlighted, built from escaped text.

Matching runs on the normalised text (`normalise_aligned`: same length, so offsets carry
over), so 退貨 in an article is marked for a search for 退货 and ＶＩＰ for vip. One regular
expression per query finds candidate words in C; only candidates are stemmed and checked, so
a snippet costs a fraction of a millisecond even for long texts (Whoosh's highlighter
re-analyses the whole text of every hit).

A Han match is marked only where the text's own segmentation has that word: 险 is not marked
inside 保险. A one-character query marks the whole word its character belongs to (票 marks
发票), since that is the word that matched.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

import rjieba
from markupsafe import Markup, escape

from kb.search.analysis import _HAN, HAN_RUN, is_han, stem
from kb.search.normalise import normalise_aligned

SNIPPET_CHARS = 180
_LEAD_CHARS = 40
_MAX_MATCHES = 200
_LATIN = f"[^\\W_{_HAN}]"

Match = tuple[int, int, str]  # (start, end, term)


@dataclass(frozen=True)
class Matcher:
    latin: re.Pattern[str] | None
    han: re.Pattern[str] | None
    terms: frozenset[str]
    # A one-character query marks the word holding its character; in a longer query, a lone
    # character is marked only where it stands as a word of its own.
    whole_words: bool = False


@lru_cache(maxsize=512)
def matcher_for(words: tuple[str, ...]) -> Matcher:
    """Regexes finding every word that could be one of the query's terms."""
    han = sorted({word for word in words if is_han(word)}, key=len, reverse=True)
    latin_terms = {stem(word) for word in words if not is_han(word)}
    prefixes: set[str] = set()
    for word in words:
        if not is_han(word):
            common = stem(word)
            # Porter stems are prefixes, give or take the last letter ("happy" -> "happi").
            prefixes.add(re.escape(common[: max(1, min(len(common), len(word)) - 1)]))
    latin = None
    if prefixes:
        latin = re.compile(f"(?<!{_LATIN})(?:{'|'.join(sorted(prefixes))}){_LATIN}*")
    han_pattern = re.compile("|".join(re.escape(word) for word in han)) if han else None
    whole_words = len(words) == 1 and len(han) == 1 and len(han[0]) == 1
    return Matcher(latin, han_pattern, frozenset(latin_terms), whole_words)


def _latin_matches(normal: str, pattern: re.Pattern[str], terms: frozenset[str]) -> list[Match]:
    found: list[Match] = []
    for match in pattern.finditer(normal):
        term = stem(match.group(0))
        if term in terms:
            found.append((match.start(), match.end(), term))
            if len(found) >= _MAX_MATCHES:
                break
    return found


def _in_run(
    run: str, offset: int, candidates: list[tuple[int, int]], whole_words: bool
) -> list[Match]:
    """The candidates that are words of this Han run, as its segmentation has them."""
    words = {(start, end) for _word, start, end in rjieba.tokenize(run, mode="search")}
    precise = rjieba.tokenize(run) if whole_words else []
    found: list[Match] = []
    for start, end in candidates:
        local = start - offset
        if not whole_words:
            if (local, end - offset) in words:
                found.append((start, end, run[local : end - offset]))
            continue
        for _word, word_start, word_end in precise:
            if word_start <= local < word_end:
                found.append((offset + word_start, offset + word_end, run[local]))
                break
    return found


def _han_matches(normal: str, pattern: re.Pattern[str], whole_words: bool) -> list[Match]:
    candidates = [(match.start(), match.end()) for match in pattern.finditer(normal)]
    if not candidates:
        return []
    found: list[Match] = []
    index = 0
    for run in HAN_RUN.finditer(normal):
        inside = []
        while index < len(candidates) and candidates[index][0] < run.end():
            if candidates[index][0] >= run.start():
                inside.append(candidates[index])
            index += 1
        if inside:
            found.extend(_in_run(run.group(0), run.start(), inside, whole_words))
        if index >= len(candidates) or len(found) >= _MAX_MATCHES:
            break
    return found


def _matches(text: str, matcher: Matcher) -> list[Match]:
    if matcher.latin is None and matcher.han is None:
        return []
    normal = normalise_aligned(text)
    found: list[Match] = []
    if matcher.latin is not None:
        found += _latin_matches(normal, matcher.latin, matcher.terms)
    if matcher.han is not None:
        found += _han_matches(normal, matcher.han, matcher.whole_words)
    found.sort()
    kept: list[Match] = []
    for match in found:  # a word marked for its character may cover another match
        if not kept or match[0] >= kept[-1][1]:
            kept.append(match)
    return kept[:_MAX_MATCHES]


def _best_window(matches: list[tuple[int, int, str]], size: int) -> int:
    """Start of the window holding the most distinct terms (then the most matches)."""
    counts: dict[str, int] = {}
    best_start, best_score = 0, (-1, -1)
    ahead = 0
    for index, (start, _end, term) in enumerate(matches):
        limit = start + size - _LEAD_CHARS
        while ahead < len(matches) and matches[ahead][0] < limit:
            counts[matches[ahead][2]] = counts.get(matches[ahead][2], 0) + 1
            ahead += 1
        score = (len(counts), ahead - index)
        if score > best_score:
            best_start, best_score = start, score
        counts[term] -= 1
        if not counts[term]:
            del counts[term]
    return max(0, best_start - _LEAD_CHARS)


def _align(text: str, start: int, end: int) -> tuple[int, int]:
    """Move the window's edges to spaces, so no word is cut in half (Han needs no spaces)."""
    if start > 0:
        space = text.find(" ", start, start + 20)
        if space != -1:
            start = space + 1
    if end < len(text):
        space = text.rfind(" ", end - 20, end)
        if space != -1:
            end = space
    return start, end


def highlight(text: str, words: tuple[str, ...], size: int = SNIPPET_CHARS) -> Markup:
    """A passage of `text` around the query's words, with each match in `<mark>`."""
    matches = _matches(text, matcher_for(words))
    start = _best_window(matches, size) if matches else 0
    end = min(len(text), start + size)
    start, end = _align(text, start, end)
    pieces: list[str] = ["…"] if start > 0 else []
    cursor = start
    for match_start, match_end, _term in matches:
        if match_start < cursor or match_end > end:
            continue
        pieces.append(str(escape(text[cursor:match_start])))
        pieces.append(f"<mark>{escape(text[match_start:match_end])}</mark>")
        cursor = match_end
    pieces.append(str(escape(text[cursor:end])))
    if end < len(text):
        pieces.append("…")
    return Markup("".join(pieces))  # noqa: S704  (every piece of text was escaped above)

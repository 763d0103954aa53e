"""Snippets with the searched words highlighted, built from escaped text.

One regular expression per query finds candidate words in C; only candidates are stemmed
and checked, so a snippet costs a fraction of a millisecond even for long texts (Whoosh's
highlighter re-analyses the whole text of every hit).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from markupsafe import Markup, escape

from kb.search.analysis import _HAN, is_han, stem

SNIPPET_CHARS = 180
_LEAD_CHARS = 40
_MAX_MATCHES = 200
_LATIN = f"[^\\W_{_HAN}]"


@dataclass(frozen=True)
class Matcher:
    pattern: re.Pattern[str] | None
    terms: frozenset[str]


@lru_cache(maxsize=512)
def matcher_for(words: tuple[str, ...]) -> Matcher:
    """A regex finding every word that could be one of the query's terms."""
    han = sorted({word for word in words if is_han(word)}, key=len, reverse=True)
    latin_terms = {stem(word) for word in words if not is_han(word)}
    prefixes: set[str] = set()
    for word in words:
        if not is_han(word):
            common = stem(word)
            # Porter stems are prefixes, give or take the last letter ("happy" -> "happi").
            prefixes.add(re.escape(common[: max(1, min(len(common), len(word)) - 1)]))
    parts = [re.escape(word) for word in han]
    if prefixes:
        parts.append(f"(?<!{_LATIN})(?:{'|'.join(sorted(prefixes))}){_LATIN}*")
    pattern = re.compile("|".join(parts), re.IGNORECASE) if parts else None
    return Matcher(pattern, frozenset(latin_terms | set(han)))


def _matches(text: str, matcher: Matcher) -> list[tuple[int, int, str]]:
    found: list[tuple[int, int, str]] = []
    if matcher.pattern is None:
        return found
    for match in matcher.pattern.finditer(text):
        word = match.group(0)
        term = word if is_han(word) else stem(word.lower())
        if term in matcher.terms:
            found.append((match.start(), match.end(), term))
            if len(found) >= _MAX_MATCHES:
                break
    return found


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

"""One normal form for every text search sees: documents, queries and snippets alike.

Customers type what their keyboard gives them: full-width letters and digits from a Chinese
input method (ＶＩＰ, ４００), traditional characters (退貨) from Hong Kong and Taiwan, capitals
from a phone. Folding all three on both sides of the index (NFKC, OpenCC's traditional to
simplified, lower case) makes each of them find what the plain form finds, without a second
copy of any term.

Snippets need the matches' positions in the *original* text, so `normalise_aligned` keeps
one character for one character; the usual text takes the fast path (the whole conversion
keeps the length), and only rare expansions (ligatures, squared units) go character by
character.
"""

from __future__ import annotations

import unicodedata
from functools import lru_cache

import opencc

# "t2s": OpenCC's traditional to simplified, phrases first (乾燥 → 干燥, 乾隆 stays).
_TO_SIMPLIFIED = opencc.OpenCC("t2s")
# OpenCC changes only Han text; nothing below this code point is Han or full-width.
_FIRST_WIDE = "\u2e80"


def _needs_conversion(text: str) -> bool:
    return not text.isascii() and max(text) >= _FIRST_WIDE


def normalise(text: str) -> str:
    """NFKC (full width to half width), lower case, traditional to simplified."""
    if text.isascii():
        return text.lower()
    folded = unicodedata.normalize("NFKC", text).lower()
    return _TO_SIMPLIFIED.convert(folded) if _needs_conversion(folded) else folded


@lru_cache(maxsize=8192)
def _one(character: str) -> str:
    converted = normalise(character)
    if len(converted) == 1:
        return converted
    lowered = character.lower()
    return lowered if len(lowered) == 1 else character


def normalise_aligned(text: str) -> str:
    """`normalise(text)` with exactly one character per character of `text`, so a match's
    offsets in the result are its offsets in `text`."""
    converted = normalise(text)
    if len(converted) == len(text):
        return converted
    return "".join(_one(character) for character in text)

"""One analyzer for mixed Chinese and English text, shared by indexing, queries and snippets.

Han runs are segmented into words by rjieba (in "search" mode when indexing, so a long word
also indexes its parts); other letters and digits form words that are lower-cased, stripped
of English stop words and Porter-stemmed, so "refunds" finds "refund". Both languages land
in one field.

Indexing works on whole documents at once: the text is split by one regular expression,
counted, and only each *distinct* word is segmented or stemmed. That is several times faster
than Whoosh's token-by-token filter chain, and gives the same terms.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable

import rjieba
from whoosh.analysis.filters import STOP_WORDS
from whoosh.lang.porter import stem as porter_stem

# Han ideographs (with extension A and compatibility forms) are segmented by rjieba.
_HAN = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
HAN_RUN = re.compile(f"[{_HAN}]+")
TOKEN = re.compile(f"[{_HAN}]+|[^\\W_{_HAN}]+")
# Latin-script words longer than this are noise (hashes, pasted binaries), not vocabulary.
MAX_WORD_LENGTH = 40
# Above this many distinct words, a query is cut: nobody types that much on purpose.
MAX_QUERY_TERMS = 12
MAX_QUERY_CHARS = 400

_stems: dict[str, str] = {}
_STEM_CACHE_LIMIT = 200_000


def is_han(text: str) -> bool:
    return bool(text) and HAN_RUN.match(text[0]) is not None


def stem(word: str) -> str:
    """Porter stem of a lower-case word, memoised (the stemmer is slow pure Python)."""
    found = _stems.get(word)
    if found is None:
        found = porter_stem(word) if word.isascii() and word.isalpha() else word
        if len(_stems) >= _STEM_CACHE_LIMIT:
            _stems.clear()
        _stems[word] = found
    return found


def weigh_terms(text: str, weight: float = 1.0, into: Counter[str] | None = None) -> Counter[str]:
    """Index terms of `text` with their weighted counts, added to `into`."""
    counts: Counter[str] = Counter() if into is None else into
    for token, count in Counter(TOKEN.findall(text.lower())).items():
        if is_han(token):
            for word in rjieba.cut_for_search(token):
                counts[word] += count * weight
        elif token not in STOP_WORDS and len(token) <= MAX_WORD_LENGTH:
            counts[stem(token)] += count * weight
    return counts


def spelling_words(texts: Iterable[str]) -> set[str]:
    """Unstemmed Latin words for "did you mean": what a person would type correctly."""
    words: set[str] = set()
    for text in texts:
        for token in TOKEN.findall(text.lower()):
            if (
                token.isascii()
                and token.isalpha()
                and 3 <= len(token) <= 20
                and token not in STOP_WORDS
            ):
                words.add(token)
    return words


def query_words(query: str) -> list[str]:
    """The words of a query as typed (lower-cased, Han segmented), without stop words."""
    words: list[str] = []
    for token in TOKEN.findall(query[:MAX_QUERY_CHARS].lower()):
        if is_han(token):
            words.extend(rjieba.cut(token))
        elif token not in STOP_WORDS and len(token) <= MAX_WORD_LENGTH:
            words.append(token)
    unique = list(dict.fromkeys(words))
    return unique[:MAX_QUERY_TERMS]


def query_terms(query: str) -> list[str]:
    """Index terms a query must match, in the order typed, without duplicates."""
    return list(dict.fromkeys(stem(word) for word in query_words(query)))

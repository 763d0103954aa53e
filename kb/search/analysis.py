"""One analyzer for mixed Chinese and English text, shared by indexing, queries and snippets.

Every text is first normalised (`kb.search.normalise`: full width, traditional characters
and case folded). Han runs are then segmented into words by rjieba (in "search" mode when
indexing, so a long word also indexes its parts); other letters and digits form words that
are lower-cased, stripped of English stop words and Porter-stemmed, so "refunds" finds
"refund". Both languages land in one field, `content`.

Beside it, a document gives lighter fields for what words alone miss: every Han character
(a one-character query such as 票 finds 发票), the pinyin of its title and tag words (tuihuo
and th find 退货), and the pinyin → word pairs of those words, from which homophone typos are
corrected. Its language (zh or en) comes from its share of Han characters.

Indexing works on whole documents at once: the text is split by one regular expression,
counted, and only each *distinct* word is segmented or stemmed. That is several times faster
than Whoosh's token-by-token filter chain, and gives the same terms.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from itertools import pairwise

import rjieba
from whoosh.analysis.filters import STOP_WORDS
from whoosh.lang.porter2 import stem as porter_stem

from kb.search.chinese import (
    HAN,
    full_pinyin,
    is_function_word,
    language_of,
    pinyin_terms,
)
from kb.search.normalise import normalise

_HAN = HAN
HAN_RUN = re.compile(f"[{_HAN}]+")
TOKEN = re.compile(f"[{_HAN}]+|[^\\W_{_HAN}]+")
# Latin-script words longer than this are noise (hashes, pasted binaries), not vocabulary.
MAX_WORD_LENGTH = 40
# Above this many distinct words, a query is cut: nobody types that much on purpose.
MAX_QUERY_TERMS = 12
MAX_QUERY_CHARS = 400
# From this many words typed on, a query is a sentence: it is ranked by how much of it a
# document holds, rather than requiring every word.
SENTENCE_WORDS = 3
# A title word counts three times a body word, a tag twice: one field, so one posting list
# per word, instead of a query that walks the title and body lists separately.
TITLE_WEIGHT = 3.0
TAG_WEIGHT = 2.0
# Pinyin and the words it corrects to: "pinyin<SOUND_SEPARATOR>word" terms.
SOUND_SEPARATOR = "\x1f"
# How much of a text decides its language: the opening is enough, and cheap.
LANGUAGE_SAMPLE_CHARS = 3000

_stems: dict[str, str] = {}
_STEM_CACHE_LIMIT = 200_000


def is_han(text: str) -> bool:
    return bool(text) and HAN_RUN.match(text[0]) is not None


def stem(word: str) -> str:
    """Porter 2 stem of a lower-case word, memoised (the stemmer is slow pure Python)."""
    found = _stems.get(word)
    if found is None:
        found = porter_stem(word) if word.isascii() and word.isalpha() else word
        if len(_stems) >= _STEM_CACHE_LIMIT:
            _stems.clear()
        _stems[word] = found
    return found


def _weigh_normal(
    text: str, weight: float, counts: Counter[str], han_words: set[str] | None = None
) -> Counter[str]:
    """Index terms of already normalised `text`, added to `counts` (Han words to `han_words`)."""
    for token, count in Counter(TOKEN.findall(text)).items():
        if is_han(token):
            for word in rjieba.cut_for_search(token):
                counts[word] += count * weight
                if han_words is not None:
                    han_words.add(word)
        elif token not in STOP_WORDS and len(token) <= MAX_WORD_LENGTH:
            counts[stem(token)] += count * weight
    return counts


def weigh_terms(text: str, weight: float = 1.0, into: Counter[str] | None = None) -> Counter[str]:
    """Index terms of `text` with their weighted counts, added to `into`."""
    return _weigh_normal(normalise(text), weight, Counter() if into is None else into)


def _count_characters(text: str, weight: float, counts: Counter[str]) -> None:
    # Counting one joined string runs in C; a generator over characters would not.
    for character, count in Counter("".join(HAN_RUN.findall(text))).items():
        counts[character] += count * weight


def _compounds(text: str) -> set[str]:
    """Neighbouring words read as one (快递 柜 → 快递柜): pinyin is typed without spaces."""
    found = set()
    for run in HAN_RUN.findall(text):
        words = [word for word in rjieba.cut(run) if not is_function_word(word)]
        found.update(first + second for first, second in pairwise(words))
    return found


@dataclass
class DocumentTerms:
    """Every analysed field of one document."""

    content: Counter[str] = field(default_factory=Counter)
    title: Counter[str] = field(default_factory=Counter)
    characters: Counter[str] = field(default_factory=Counter)
    pinyin: Counter[str] = field(default_factory=Counter)
    sound: dict[str, float] = field(default_factory=dict)
    spell: dict[str, float] = field(default_factory=dict)
    language: str = "en"


def analyse_document(title: str, tags: Iterable[str], text: str) -> DocumentTerms:
    """All the terms a document is found by, each text normalised and segmented once."""
    terms = DocumentTerms()
    title_normal = normalise(title)
    tags_normal = [normalise(tag) for tag in tags]
    text_normal = normalise(text)
    named: set[str] = set()  # Han words of the title and tags, for pinyin
    _weigh_normal(title_normal, 1.0, terms.title, named)
    for term, count in terms.title.items():
        terms.content[term] += count * TITLE_WEIGHT
    for tag in tags_normal:
        _weigh_normal(tag, TAG_WEIGHT, terms.content, named)
    _weigh_normal(text_normal, 1.0, terms.content)
    _count_characters(title_normal, TITLE_WEIGHT, terms.characters)
    for tag in tags_normal:
        _count_characters(tag, TAG_WEIGHT, terms.characters)
    _count_characters(text_normal, 1.0, terms.characters)
    named = {word for word in named if not is_function_word(word)}
    for text in [title_normal, *tags_normal]:
        named.update(_compounds(text))
    for word in named:
        for term in pinyin_terms(word):
            terms.pinyin[term] += 1.0
        if len(word) >= 2:
            terms.sound[full_pinyin(word) + SOUND_SEPARATOR + word] = 1.0
    for word in [word for word in terms.title if is_han(word) and word in named]:
        terms.title[full_pinyin(word)] += 1.0  # so suggestions complete pinyin as it is typed
    terms.spell = dict.fromkeys(spelling_words([title_normal, *tags_normal]), 1.0)
    terms.language = language_of(title + "\n" + text[:LANGUAGE_SAMPLE_CHARS])
    return terms


def spelling_words(texts: Iterable[str]) -> set[str]:
    """Unstemmed Latin words for "did you mean": what a person would type correctly."""
    words: set[str] = set()
    for text in texts:
        for token in TOKEN.findall(normalise(text)):
            if (
                token.isascii()
                and token.isalpha()
                and 3 <= len(token) <= 20
                and token not in STOP_WORDS
            ):
                words.add(token)
    return words


@dataclass(frozen=True)
class QueryWord:
    """One word of a query, normalised, with where it starts in the normalised query (so
    lone characters typed side by side can be read together: 快 第 → 快递)."""

    text: str
    han: bool
    start: int
    function: bool = False

    @property
    def end(self) -> int:
        return self.start + len(self.text)

    @property
    def parts(self) -> tuple[str, ...]:
        """The words inside a long Han word (开发票 → 开发, 发票), as indexing cut them."""
        if not self.han or len(self.text) < 3:
            return ()
        return tuple(part for part in rjieba.cut_for_search(self.text) if part != self.text)

    def characters(self) -> list[QueryWord]:
        """The word as one-character words (for a Han word the index has never seen)."""
        return [
            QueryWord(character, True, self.start + offset, is_function_word(character))
            for offset, character in enumerate(self.text)
        ]


@dataclass(frozen=True)
class ParsedQuery:
    text: str  # the normalised query, for "did you mean"
    words: tuple[QueryWord, ...]
    last: QueryWord | None = None  # the word typed last, function word or not (suggest)
    typed: int = 0  # words typed, function words included: three or more make a sentence

    @property
    def sentence(self) -> bool:
        """A question in words (怎么 …, how do I …) rather than a keyword or two."""
        return self.typed >= SENTENCE_WORDS


def parse_query(query: str) -> ParsedQuery:
    """A query's words without duplicates, English stop words or (unless it holds nothing
    else) function words."""
    text = normalise(query[:MAX_QUERY_CHARS])
    words: list[QueryWord] = []
    for token in TOKEN.finditer(text):
        found = token.group(0)
        if is_han(found):
            for word, start, _end in rjieba.tokenize(found):
                words.append(QueryWord(word, True, token.start() + start, is_function_word(word)))
        elif found not in STOP_WORDS and len(found) <= MAX_WORD_LENGTH:
            words.append(QueryWord(found, False, token.start(), is_function_word(found)))
    unique: dict[str, QueryWord] = {}
    for word in words:
        unique.setdefault(word.text, word)
    meaningful = [word for word in unique.values() if not word.function]
    chosen = meaningful or list(unique.values())
    last = words[-1] if words else None
    return ParsedQuery(text, tuple(chosen[:MAX_QUERY_TERMS]), last, len(words))


def query_words(query: str) -> list[str]:
    """The words of a query as typed (normalised, Han segmented), without stop words."""
    return [word.text for word in parse_query(query).words]


def query_terms(query: str) -> list[str]:
    """Index terms a query must match, in the order typed, without duplicates."""
    return list(dict.fromkeys(stem(word) for word in query_words(query)))

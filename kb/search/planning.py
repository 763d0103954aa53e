"""From a query's words to what the index is asked: groups of alternatives, corrections,
and the words to highlight.

Each word of the query becomes a group that a document matches through any alternative:

- a Latin word: its stem in `content`; as pinyin, the title and tag words it spells
  (`pinyin`: tuihuo, th) and, lighter, those Han words wherever they occur (tuihuo → 退货);
- a Han word: itself in `content`, and, lighter, the words inside it (开发票 → 发票);
- a one-character Han word: itself, and, lighter, every word holding the character; beside
  two other words or more, only itself, or it would match nearly every document.

A word the index has never seen is corrected from the index's own vocabulary: a Latin word
by spelling (refnud → refund), a Han word or a run of lone characters by pinyin (发漂 →
发票, 快第 → 快递). The correction is searched in its place and offered as "did you mean". An
unknown Han word that sounds like nothing is read character by character (a colloquial 买大);
a word nothing corrects is left out, and the page says only some of the words matched.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from itertools import pairwise
from typing import Any

from kb.search.analysis import (
    SENTENCE_WORDS,
    SOUND_SEPARATOR,
    ParsedQuery,
    QueryWord,
    is_han,
    stem,
)
from kb.search.chinese import full_pinyin
from kb.search.evaluate import Alternative

# Lighter alternatives, as fractions of a word's own weight (then times their idf).
PINYIN_BOOST = 0.8  # tuihuo typed for a title or tag word 退货
SOUND_BOOST = 0.6  # tuihuo found as 退货 in an article's text
PART_BOOST = 0.5  # 发票 inside the query word 开发票
CHARACTER_BOOST = 0.35  # 票 inside 发票, for the one-character query 票
# Homophones of one pinyin, and lone characters merged into a word, at most.
SOUND_CANDIDATES = 3
LONGEST_WINDOW = 4


@dataclass(frozen=True)
class Plan:
    groups: list[list[Alternative]]
    highlight: tuple[str, ...]
    corrected: str | None = None  # the query with its unknown words corrected
    unknown: int = 0  # words no document holds, left out


def _frequency(reader: Any, field: str, term: str) -> int:
    return int(reader.doc_frequency(field, term))


def sound_alike(reader: Any, pinyin: str, limit: int = SOUND_CANDIDATES) -> list[str]:
    """Han words of the index's titles and tags read as `pinyin`, most frequent first."""
    if not pinyin.isascii() or not pinyin.isalpha() or len(pinyin) < 2:
        return []
    words = []
    for term, _info in reader.iter_prefix("sound", pinyin + SOUND_SEPARATOR):
        text = term.decode("utf-8") if isinstance(term, bytes) else term
        words.append(text.split(SOUND_SEPARATOR, 1)[1])
    ranked = sorted(words, key=lambda word: (-_frequency(reader, "content", word), word))
    return ranked[:limit]


def spelling(reader: Any, word: str) -> str | None:
    """The title or tag word closest to an unknown Latin word, most frequent on ties."""
    if not word.isalpha() or len(word) < 3:
        return None
    for distance in (1, 2) if len(word) >= 5 else (1,):
        candidates = [
            candidate
            for candidate in reader.terms_within("spell", word, distance, prefix=1)
            if candidate != word
        ]
        if candidates:
            return max(candidates, key=lambda c: (_frequency(reader, "spell", c), c))
    return None


def _merge_characters(reader: Any, words: list[QueryWord]) -> tuple[list[QueryWord], dict]:
    """Runs of lone characters that sound like a word of the index become that word
    (快 第 → 快递), unless the characters already form a known word."""
    merged: list[QueryWord] = []
    corrections: dict[str, str] = {}
    index = 0
    while index < len(words):
        for size in range(LONGEST_WINDOW, 1, -1):
            window = words[index : index + size]
            if len(window) < size or not _lone_neighbours(window):
                continue
            text = "".join(word.text for word in window)
            if _frequency(reader, "content", text):
                continue
            found = sound_alike(reader, full_pinyin(text), 1)
            if found:
                merged.append(replace(window[0], text=found[0]))
                corrections[text] = found[0]
                index += size
                break
        else:
            merged.append(words[index])
            index += 1
    return merged, corrections


def _lone_neighbours(window: list[QueryWord]) -> bool:
    """One-character Han words, typed side by side."""
    return all(word.han and len(word.text) == 1 for word in window) and all(
        following.start == previous.end for previous, following in pairwise(window)
    )


def _spell_out(reader: Any, words: list[QueryWord]) -> list[QueryWord]:
    """A Han word the index has never seen (nor any word inside it), as its characters:
    a typo (发漂) or a colloquial coinage (买大) is then read character by character."""
    spelled: list[QueryWord] = []
    for word in words:
        unknown = word.han and len(word.text) > 1 and not _frequency(reader, "content", word.text)
        if unknown and not any(_frequency(reader, "content", part) for part in word.parts):
            spelled += [character for character in word.characters() if not character.function]
        else:
            spelled.append(word)
    return spelled


def _alternatives(
    reader: Any, word: QueryWord, sentence: bool = False
) -> tuple[list[Alternative], list[str]]:
    """A word's alternatives and the words a snippet should mark for it (in a sentence, a
    lone character stands for itself only: as part of other words it would match anything)."""
    text = word.text
    if word.han:
        if len(text) == 1:
            if sentence:
                return [("content", text, 1.0)], [text]
            return [("content", text, 1.0), ("characters", text, CHARACTER_BOOST)], [text]
        parts = list(word.parts)
        alternatives = [("content", text, 1.0)]
        alternatives += [("content", part, PART_BOOST) for part in parts]
        return alternatives, [text, *parts]
    alternatives = [("content", stem(text), 1.0)]
    marks = [text]
    if text.isascii() and text.isalpha():
        alternatives.append(("pinyin", text, PINYIN_BOOST))
        spelled = sound_alike(reader, text)
        alternatives += [("content", han, SOUND_BOOST) for han in spelled]
        marks += spelled
    return alternatives, marks


def _present(reader: Any, alternatives: list[Alternative]) -> list[Alternative]:
    """The alternatives some document holds (a lone one keeps the evaluator's fast path)."""
    return [item for item in alternatives if _frequency(reader, item[0], item[1])]


def _correction(reader: Any, word: QueryWord) -> str | None:
    if word.han:
        found = sound_alike(reader, full_pinyin(word.text), 1)
        return found[0] if found and found[0] != word.text else None
    return spelling(reader, word.text)


def plan_query(reader: Any, parsed: ParsedQuery) -> Plan:
    """The groups to rank, the words to mark, and the corrected query if a word was unknown."""
    words, corrections = _merge_characters(reader, _spell_out(reader, list(parsed.words)))
    # Among three words or more, a lone character holding its place in other words is noise.
    sentence = len(parsed.words) >= SENTENCE_WORDS
    groups: list[list[Alternative]] = []
    marks: list[str] = []
    unknown = 0
    for word in words:
        alternatives, marked = _alternatives(reader, word, sentence)
        present = _present(reader, alternatives)
        if not present:
            corrected = _correction(reader, word)
            if corrected is None:
                unknown += 1  # no document can hold it: it cannot be required
                continue
            corrections[word.text] = corrected
            alternatives, marked = _alternatives(reader, replace(word, text=corrected))
            present = _present(reader, alternatives)
        groups.append(present)
        marks += marked
    text = parsed.text
    for wrong, right in corrections.items():
        # A Han word is replaced wherever it stands; a Latin one only as a whole word.
        pattern = re.escape(wrong) if is_han(wrong) else rf"(?<![^\W_]){re.escape(wrong)}(?![^\W_])"
        text = re.sub(pattern, right, text)
    corrected = " ".join(text.split()) if corrections else None
    return Plan(groups, tuple(dict.fromkeys(marks)), corrected, unknown)

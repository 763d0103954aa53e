"""The Chinese catalogue speaks with one voice: each product term has one word (the words
customers know from their shops and carriers), as translations/GLOSSARY.md lists them."""

from __future__ import annotations

import re
from dataclasses import dataclass

import pytest
from babel.messages.pofile import read_po

from tests.conftest import TRANSLATIONS

GLOSSARY = TRANSLATIONS / "GLOSSARY.md"
CATALOGUE = TRANSLATIONS / "zh_Hans_CN" / "LC_MESSAGES" / "messages.po"
SENTENCE_MARKS = re.compile(r"[。，？！；：、]")
SPEAKS_FOR_THE_READER = re.compile(r"\b(my|mine|me|I)\b")
QUOTED = re.compile(r"“[^”]*”")  # a quoted heading keeps its own words


@dataclass(frozen=True)
class Term:
    english: str
    chinese: str
    not_used: tuple[str, ...]
    unless: tuple[str, ...]


def _cells(line: str) -> list[str]:
    return [cell.strip() for cell in line.strip().strip("|").split("|")]


def _words(cell: str) -> tuple[str, ...]:
    return tuple(word.strip() for word in cell.split(",") if word.strip())


def read_glossary() -> list[Term]:
    """The rows of the glossary's table."""
    rows = [line for line in GLOSSARY.read_text("utf-8").splitlines() if line.startswith("|")]
    header, _rule, *body = rows
    assert _cells(header)[:4] == ["English", "中文", "Not", "Unless the English says"]
    terms = []
    for line in body:
        english, chinese, not_used, unless, _why = _cells(line)
        terms.append(Term(english, chinese, _words(not_used), _words(unless)))
    return terms


@pytest.fixture(scope="module")
def messages() -> list[tuple[str, str]]:
    """(English, Chinese) of every translated string; a plural gives its plural form."""
    with CATALOGUE.open("rb") as source:
        catalog = read_po(source)
    pairs = []
    for message in catalog:
        if not message.id:
            continue
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        pairs.extend((ids[-1], string) for string in strings if string)
    return pairs


def test_the_glossary_names_one_word_per_term_and_keeps_it_apart():
    """Every term has its word; no word is both chosen for a term and refused for another."""
    terms = read_glossary()
    assert len(terms) >= 25
    chosen = {term.chinese for term in terms}
    for term in terms:
        assert term.chinese and term.english
        assert not set(term.not_used) & chosen, term.english
    by_english = {term.english.split(" (")[0]: term.chinese for term in terms}
    assert by_english["topic"] == "话题" and by_english["knowledge base"] == "帮助中心"
    assert by_english["tracking number"] == "快递单号" and by_english["delivered"] == "已签收"


def test_no_chinese_string_uses_a_word_the_glossary_refuses(messages):
    """话题 not 主题 for a topic, 最佳答案 for the accepted answer, 快递单号, 已签收…"""
    problems = []
    for term in read_glossary():
        for english, chinese in messages:
            if any(word in english.lower() for word in term.unless):
                continue
            problems.extend(
                f"{english!r} -> {chinese!r}: {word} (use {term.chinese}, {term.english})"
                for word in term.not_used
                if word in chinese
            )
    assert problems == []


def test_headings_say_wo_de_and_sentences_say_nin_de(messages):
    """我的订单 in a heading or menu; 您的 only in a sentence; 我的 in a sentence only when
    the English speaks for the reader ("Where is my order?") or quotes a heading."""
    problems = []
    for english, chinese in messages:
        sentence = bool(SENTENCE_MARKS.search(chinese)) or len(chinese) > 15
        if "您的" in chinese and not sentence:
            problems.append(f"a heading or label says 您的: {english!r} -> {chinese!r}")
        unquoted = QUOTED.sub("", chinese)
        if "我的" in unquoted and sentence and not SPEAKS_FOR_THE_READER.search(english):
            problems.append(f"a sentence says 我的: {english!r} -> {chinese!r}")
    assert problems == []

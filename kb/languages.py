"""The languages content is written in: what articles, forum categories and VIP announcements
store in their `language` column, how it is told from the text when the writer does not
choose, and how lists put the reader's language first and name the others.

The knowledge base owns the rule (its search tells languages apart the same way); the forum
and the VIP club use it from here. Migration 0013 holds a copy of `detect_language` to fill
the column of rows written before it existed: change both together.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask_babel import get_locale
from flask_babel import gettext as _
from sqlalchemy import ColumnElement
from wtforms import SelectChoice

from community.errors import InvalidInput
from kb.search.chinese import language_of

ENGLISH = "en"
CHINESE = "zh"
# Written in both (a category named "Orders and returns · 订单与退货"): every reader's own, so
# it is listed with theirs and never labelled. ISO 639's code for several languages.
BOTH = "mul"
CONTENT_LANGUAGES = (ENGLISH, CHINESE, BOTH)
LANGUAGE_LENGTH = 8  # the column's width: room for a tag such as `zh-Hant`
# How much of a body joins its title when the language is told from the text.
SAMPLE_CHARS = 3000
# Each language named in itself (a reader who cannot read the page still finds theirs), and
# its BCP 47 tag for `lang` attributes: the script, not the territory, picks fonts.
LANGUAGE_NAMES = {ENGLISH: "English", CHINESE: "中文", BOTH: "中文 + English"}
LANGUAGE_TAGS = {ENGLISH: "en", CHINESE: "zh-Hans"}
# What an editor's "Language" select sends to have the language told from the text.
DETECT = ""


def detect_language(title: str, text: str = "") -> str:
    """ "zh" when Han characters make up a third of the letters of the title and the start
    of the text, else "en": what the writer most likely meant when they did not say."""
    return language_of(f"{title or ''}\n{(text or '')[:SAMPLE_CHARS]}")


def check_language(chosen: str | None, *, field: str = "language") -> str | None:
    """The language a writer chose, None when they left it to the text; one the site does
    not offer is refused (a form offers only these, a crafted request may send anything)."""
    if chosen is None or chosen == DETECT:
        return None
    if chosen not in CONTENT_LANGUAGES:
        raise InvalidInput(_("Choose English, Chinese or both."), field=field)
    return chosen


def chosen_language(chosen: str | None, title: str, text: str) -> str:
    """The writer's choice, else the language of the text."""
    return check_language(chosen) or detect_language(title, text)


def detected_from(title_column: str, text_column: str) -> Callable[[Any], str]:
    """A column default that tells a new row's language from its own text, for rows written
    without a service (seeding, tests, another feature's bulk insert)."""

    def default(context: Any) -> str:
        values = context.get_current_parameters()
        return detect_language(
            str(values.get(title_column) or ""), str(values.get(text_column) or "")
        )

    return default


def language_choices() -> list[SelectChoice]:
    """The "Language" select of every editor: told from the text unless one is chosen.
    Each language is named in itself, as the language switch names them."""
    return [
        SelectChoice(DETECT, _("Detect from the text")),
        *(SelectChoice(code, LANGUAGE_NAMES[code]) for code in CONTENT_LANGUAGES),
    ]


def reader_language() -> str:
    """The language of the page being read, as content's language is told: "zh" or "en"."""
    return CHINESE if str(get_locale() or ENGLISH).startswith(CHINESE) else ENGLISH


def other_language_first(column: Any, language: str | None = None) -> ColumnElement[bool]:
    """An ORDER BY term putting rows in the reader's language (or `language`), and those in
    both, before the others: false sorts before true on every database we run on."""
    return column.not_in([language or reader_language(), BOTH])


def is_readers(language: str | None, wanted: str | None = None) -> bool:
    """Whether content in `language` is in the reader's language (or `wanted`), or in both."""
    return language in (wanted or reader_language(), BOTH)


def other_language(language: str | None) -> dict[str, str] | None:
    """For content listed in a language other than the page's: its `lang` tag and its name
    in itself, so a reader sees at once which items are not in theirs; None otherwise."""
    if not language or is_readers(language):
        return None
    return {
        "tag": LANGUAGE_TAGS.get(language, language),
        "name": LANGUAGE_NAMES.get(language, language),
    }

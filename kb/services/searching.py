"""The site's search as a reader meets it: articles in their own language first.

`kb.search` ranks for whatever language it is given; this is where that language comes from:
the reader's (their account's, or their browser's), through Flask-Babel's locale. Outside a
request (commands, workers) no language is preferred.
"""

from __future__ import annotations

from typing import Any

from flask import has_request_context
from flask_babel import get_locale

from kb.search import Hit, SearchPage
from kb.search import search as search_index
from kb.search import suggest as suggest_titles


def reader_language() -> str | None:
    """ "zh" or "en": the language of the pages this reader is shown, when there is one."""
    if not has_request_context():
        return None
    locale = get_locale()
    return locale.language if locale is not None else None


def search(query: str, **options: Any) -> SearchPage:
    """`kb.search.search`, the reader's language first unless `language` is given."""
    options.setdefault("language", reader_language())
    return search_index(query, **options)


def suggest(prefix: str, **options: Any) -> list[Hit]:
    """`kb.search.suggest`, the reader's language first unless `language` is given."""
    options.setdefault("language", reader_language())
    return suggest_titles(prefix, **options)

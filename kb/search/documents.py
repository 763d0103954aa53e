"""What goes into the search index and what comes out: documents, hits, pages, sources."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from markupsafe import Markup

from community.paging import PageNumbers


@dataclass(frozen=True)
class SearchDocument:
    """One searchable thing: an article, a solved forum topic, ...

    `key` is unique within its `kind`; `text` is plain text (see
    `community.markdown.plain_text`), never Markdown or HTML.
    """

    kind: str
    key: str
    title: str
    text: str
    url: str
    category: str | None = None
    tags: list[str] = field(default_factory=list)
    updated_at: datetime | None = None

    @property
    def uid(self) -> str:
        return f"{self.kind}:{self.key}"


@dataclass(frozen=True)
class Hit:
    """A search result, labelled by kind so pages can say "Community answer"."""

    kind: str
    key: str
    title: str
    url: str
    snippet: Markup
    score: float
    label: str = ""

    def as_json(self) -> dict[str, Any]:
        return {
            "title": self.title,
            "url": self.url,
            "snippet": str(self.snippet),
            "score": round(self.score, 4),
            "kind": self.kind,
        }


@dataclass(frozen=True)
class SearchPage(PageNumbers):
    """One page of results, with what a results page needs around them."""

    query: str
    hits: list[Hit]
    total: int
    page: int
    per_page: int
    # The query with the words no document holds corrected ("refnud" → "refund", 发漂 → 发票).
    did_you_mean: str | None = None
    # True when the query as typed found nothing and these results are for `did_you_mean`.
    corrected: bool = False
    # True when no result held every word and these hold only some of them.
    partial: bool = False
    # True when the index was unavailable and the database answered instead.
    fallback: bool = False


@dataclass(frozen=True)
class FallbackRow:
    """A database match, when the index is being rebuilt."""

    key: str
    title: str
    text: str
    url: str
    score: float


@dataclass(frozen=True)
class SearchSource:
    """A kind of document and where to find all of them again.

    `documents()` yields every document that should be searchable (for `kb reindex`), in
    batches; `count()` says how many, for the progress bar. `fallback(words, category,
    limit)` answers from the database while the index is missing; `None` means this kind is
    simply absent from results until the index is back. A kind that is not `public` (support
    requests, for agents) is found only by a search that names it in `kinds`.
    `load(keys)` reads the named documents back from the database, those that should be
    searchable now (a key it leaves out is removed): with it, index replicas follow the
    search log by reading rows; without, the log carries each document's text.
    """

    kind: str
    label: Any
    documents: Callable[[], Iterator[list[SearchDocument]]]
    count: Callable[[], int]
    fallback: Callable[[list[str], str | None, int], list[FallbackRow]] | None = None
    public: bool = True
    load: Callable[[list[str]], dict[str, SearchDocument]] | None = None

"""The index layout: which fields exist, what each stores, and how a document fills them.

Only what search needs is kept. Postings carry a weight and no positions (no phrase
queries: a quoted query is searched as its words), stored fields are what a hit shows, and
the text kept for snippets is capped and compressed.
"""

from __future__ import annotations

import zlib
from collections import Counter
from collections.abc import Iterator
from typing import Any

from whoosh.codec.whoosh3 import W3Codec
from whoosh.fields import ID, STORED, FieldType, Schema
from whoosh.formats import Format

from kb.search.analysis import spelling_words, weigh_terms
from kb.search.documents import SearchDocument
from kb.search.scoring import impact

# A title word counts three times a body word, a tag twice: one field, so one posting list
# per word, instead of a query that walks the title and body lists separately.
TITLE_WEIGHT = 3.0
TAG_WEIGHT = 2.0
# Snippets come from the start of long texts; matches further down still rank the document.
SNIPPET_SOURCE_CHARS = 6000
# Typical lengths in weighted terms, for BM25's length normalisation: a fixed yardstick
# keeps impacts stable as the collection grows (a help article is a few hundred words).
CONTENT_AVERAGE_LENGTH = 250.0
TITLE_AVERAGE_LENGTH = 6.0


class WeightOnly(Format):
    """Postings with a weight and nothing else: enough for BM25, half the bytes of counts."""

    posting_size = 0

    def __init__(self, field_boost: float = 1.0, **options: Any) -> None:
        self.field_boost = field_boost
        self.options = options

    def word_values(self, value: Any, analyzer: Any, **kwargs: Any) -> Any:
        raise NotImplementedError("WeightedTerms fields take analysed terms")

    def encode(self, value: Any) -> bytes:
        return b""

    def decode_frequency(self, valuestring: bytes) -> int:
        return 1

    def decode_weight(self, valuestring: bytes) -> float:
        return self.field_boost

    def combine(self, vs: Any) -> bytes:
        return b""


class WeightedTerms(FieldType):
    """A field that takes `{term: weighted count}` already analysed (`kb.search.analysis`).

    With `average_length`, postings store BM25 impacts (see `kb.search.scoring`); without,
    the weight is stored as given.
    """

    def __init__(self, average_length: float | None = None) -> None:
        # Not "scorable" in Whoosh's sense: impacts already hold the length normalisation,
        # so no per-document length column is written or read.
        super().__init__(WeightOnly(), analyzer=None, scorable=False, stored=False)
        self.average_length = average_length

    def index(
        self, value: dict[str, float], **kwargs: Any
    ) -> Iterator[tuple[bytes, int, float, bytes]]:
        average = self.average_length
        length = sum(value.values())
        for term, weight in value.items():
            stored = impact(weight, length, average) if average else float(weight)
            yield term.encode("utf-8"), max(1, round(weight)), stored, b""

    def separate_spelling(self) -> bool:
        return False

    def has_morph(self) -> bool:
        return False


def build_schema() -> Schema:
    return Schema(
        uid=ID(unique=True),
        kind=ID(stored=True),
        category=ID,
        content=WeightedTerms(average_length=CONTENT_AVERAGE_LENGTH),
        title_terms=WeightedTerms(average_length=TITLE_AVERAGE_LENGTH),
        spell=WeightedTerms(),
        key=STORED,
        title=STORED,
        url=STORED,
        text=STORED,
    )


def codec() -> W3Codec:
    """Uncompressed posting blocks: a few more bytes on disk, less work on every query."""
    return W3Codec(blocklimit=128, compression=0, inlinelimit=1)


def document_fields(doc: SearchDocument) -> dict[str, Any]:
    """What the writer stores for one document."""
    content: Counter[str] = Counter()
    weigh_terms(doc.title, TITLE_WEIGHT, content)
    for tag in doc.tags:
        weigh_terms(tag, TAG_WEIGHT, content)
    weigh_terms(doc.text, 1.0, content)
    fields: dict[str, Any] = {
        "uid": doc.uid,
        "kind": doc.kind,
        "content": content,
        "title_terms": weigh_terms(doc.title),
        "spell": dict.fromkeys(spelling_words([doc.title, *doc.tags]), 1.0),
        "key": doc.key,
        "title": doc.title,
        "url": doc.url,
        "text": zlib.compress(doc.text[:SNIPPET_SOURCE_CHARS].encode("utf-8"), 1),
    }
    if doc.category:
        fields["category"] = doc.category
    return fields


def stored_text(stored: dict[str, Any]) -> str:
    raw = stored.get("text") or b""
    return zlib.decompress(raw).decode("utf-8") if raw else ""

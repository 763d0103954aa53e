"""The index layout: which fields exist, what each stores, and how a document fills them.

Only what search needs is kept. Postings carry a weight and no positions (no phrase
queries: a quoted query is searched as its words), stored fields are what a hit shows, and
the text kept for snippets is capped and compressed.

- `content`: words of the title (3×), tags (2×) and text, the field every query ranks on;
- `characters`: every Han character, a lighter field for one-character queries;
- `pinyin`: full pinyin and initials of the title and tag words (tuihuo, th);
- `sound`: `pinyin<US>word` for those words, the vocabulary homophone typos are fixed from;
- `title_terms` (suggestions), `spell` (Latin "did you mean"), `lang` (zh or en).
"""

from __future__ import annotations

import zlib
from collections.abc import Iterator
from typing import Any

from whoosh.codec.whoosh3 import W3Codec
from whoosh.fields import ID, STORED, FieldType, Schema
from whoosh.formats import Format

from kb.search.analysis import analyse_document
from kb.search.documents import SearchDocument
from kb.search.scoring import impact

# Snippets come from the start of long texts; matches further down still rank the document.
SNIPPET_SOURCE_CHARS = 6000
# Typical lengths in weighted terms, for BM25's length normalisation: a fixed yardstick
# keeps impacts stable as the collection grows (a help article is a few hundred words).
CONTENT_AVERAGE_LENGTH = 250.0
TITLE_AVERAGE_LENGTH = 6.0
CHARACTERS_AVERAGE_LENGTH = 400.0
PINYIN_AVERAGE_LENGTH = 8.0


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
        lang=ID(stored=True),
        content=WeightedTerms(average_length=CONTENT_AVERAGE_LENGTH),
        characters=WeightedTerms(average_length=CHARACTERS_AVERAGE_LENGTH),
        pinyin=WeightedTerms(average_length=PINYIN_AVERAGE_LENGTH),
        title_terms=WeightedTerms(average_length=TITLE_AVERAGE_LENGTH),
        spell=WeightedTerms(),
        sound=WeightedTerms(),
        key=STORED,
        title=STORED,
        url=STORED,
        text=STORED,
    )


class ImpactCodec(W3Codec):
    """Whoosh 3's codec without document lengths.

    No field here reads a length (impacts already hold them), yet with `length_stats` on,
    Whoosh looks up the length of every posting it writes, and as no length column exists,
    asks the file system whether one does, once per posting: half of a rebuild's time.
    """

    length_stats = False


def codec() -> W3Codec:
    """Uncompressed posting blocks: a few more bytes on disk, less work on every query."""
    return ImpactCodec(blocklimit=128, compression=0, inlinelimit=1)


def document_fields(doc: SearchDocument) -> dict[str, Any]:
    """What the writer stores for one document."""
    terms = analyse_document(doc.title, doc.tags, doc.text)
    fields: dict[str, Any] = {
        "uid": doc.uid,
        "kind": doc.kind,
        "lang": terms.language,
        "content": terms.content,
        "characters": terms.characters,
        "pinyin": terms.pinyin,
        "title_terms": terms.title,
        "spell": terms.spell,
        "sound": terms.sound,
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

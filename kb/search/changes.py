"""One change to the index, and how a batch of them is written.

A `Change` adds or replaces a document, or removes one; it travels as JSON in a running
rebuild's journal (`store`), and carries its row id when it came from the search log
(`replica`). `write_changes` writes a batch in one Whoosh commit, folding the small
segments that incremental writes leave behind without ever rewriting a large one.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any

from whoosh.index import FileIndex
from whoosh.reading import SegmentReader

from kb.search.documents import SearchDocument
from kb.search.schema import codec, document_fields

SMALL_SEGMENT_DOCS = 2_000
MERGE_WHEN_SMALL_SEGMENTS = 8


@dataclass(frozen=True)
class Change:
    """Add or replace a document (`doc` set), or remove `uid` (`doc` None); `log_id` is the
    change's row in the search log, when it has one."""

    uid: str
    doc: SearchDocument | None = None
    log_id: int | None = None

    def to_json(self) -> str:
        payload: dict[str, Any] = {"uid": self.uid}
        if self.doc is not None:
            doc = asdict(self.doc)
            doc["updated_at"] = self.doc.updated_at.isoformat() if self.doc.updated_at else None
            payload["doc"] = doc
        return json.dumps(payload, ensure_ascii=False)

    @classmethod
    def from_json(cls, line: str) -> Change:
        payload = json.loads(line)
        doc = payload.get("doc")
        if doc is None:
            return cls(uid=payload["uid"])
        updated = doc.get("updated_at")
        doc["updated_at"] = datetime.fromisoformat(updated) if updated else None
        return cls(uid=payload["uid"], doc=SearchDocument(**doc))


def merge_small_segments(writer: Any, segments: list[Any]) -> list[Any]:
    """Whoosh merge policy for incremental writes: fold the small segments that saves leave
    behind into one, but never rewrite a large segment inside a request (Whoosh's default
    policy eventually merges everything, a minute's work at 50,000 articles). `kb reindex`
    compacts the whole index."""
    small = [segment for segment in segments if segment.doc_count_all() <= SMALL_SEGMENT_DOCS]
    if len(small) < MERGE_WHEN_SMALL_SEGMENTS:
        return segments
    for segment in small:
        reader = SegmentReader(writer.storage, writer.schema, segment)
        writer.add_reader(reader)
        reader.close()
    return [segment for segment in segments if segment not in small]


def write_changes(ix: FileIndex, changes: Iterable[Change]) -> None:
    writer = ix.writer(codec=codec())
    try:
        for change in changes:
            if change.doc is None:
                writer.delete_by_term("uid", change.uid)
            else:
                writer.update_document(**document_fields(change.doc))
    except BaseException:
        writer.cancel()
        raise
    writer.commit(mergetype=merge_small_segments)

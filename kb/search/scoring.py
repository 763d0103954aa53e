"""BM25 with the document-length part worked out at indexing time ("impact" scores).

Each posting's weight is already `tf·(k1+1) / (tf + k1·(1 − b + b·len/avglen))`, so a
query multiplies it by the term's idf and reads nothing else: no per-document length
lookups, and each block's maximum weight is an exact bound, which lets Whoosh skip whole
blocks that cannot reach the top results.
"""

from __future__ import annotations

from math import log
from typing import Any

from whoosh.scoring import BaseScorer, WeightingModel

K1 = 1.2
B = 0.75


def impact(weight: float, length: float, average_length: float) -> float:
    """The BM25 term-frequency part for one term of one document."""
    return weight * (K1 + 1) / (weight + K1 * (1 - B + B * length / average_length))


class ImpactScorer(BaseScorer):
    def __init__(self, idf: float, max_weight: float) -> None:
        self.idf = idf
        self._max_quality = idf * max_weight

    def supports_block_quality(self) -> bool:
        return True

    def score(self, matcher: Any) -> float:
        return self.idf * matcher.weight()

    def max_quality(self) -> float:
        return self._max_quality

    def block_quality(self, matcher: Any) -> float:
        return self.idf * matcher.block_max_weight()


class ImpactWeighting(WeightingModel):
    use_final = False

    def supports_block_quality(self) -> bool:
        return True

    def scorer(self, searcher: Any, fieldname: str, text: Any, qf: int = 1) -> ImpactScorer:
        parent = searcher.get_parent()
        documents = parent.doc_count_all()
        frequency = parent.doc_frequency(fieldname, text)
        idf = log(1 + (documents - frequency + 0.5) / (frequency + 0.5))
        term_info = searcher.term_info(fieldname, text)
        return ImpactScorer(idf, term_info.max_weight())

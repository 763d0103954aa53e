"""Page arithmetic shared by every paged list, so templates page them with one macro."""

from __future__ import annotations


class PageNumbers:
    """Mixed into a result that has `page`, `per_page` and `total` (pages count from 1)."""

    page: int
    per_page: int
    total: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))

    @property
    def has_prev(self) -> bool:
        return self.page > 1

    @property
    def has_next(self) -> bool:
        return self.page < self.pages

    @property
    def prev_num(self) -> int:
        return self.page - 1

    @property
    def next_num(self) -> int:
        return self.page + 1

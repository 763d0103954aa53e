"""Page arithmetic shared by every paged list, so templates page them with one macro."""

from __future__ import annotations

from community.numbers import query_int

# Past this a list is empty anyway, and the offset stays one the database can hold.
MAX_PAGE = 10_000


def page_arg(name: str = "page", *, high: int = MAX_PAGE) -> int:
    """The page a link asks for, from 1 to `high`: nonsense is the first page and a number
    past the end the last one allowed, which lists what is there (usually nothing)."""
    page: int = query_int(name, 1, low=1, high=high, clamp=True)
    return page


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

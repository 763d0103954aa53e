"""Business hours: when a promise of "4 business hours" falls due, as a real moment.

A department opens on some weekdays, in spans of its own local time (so 09:00–18:00 in
Shanghai stays 09:00–18:00 across a daylight-saving change elsewhere), and closes on its
holidays. `add` walks the open spans forward from a moment; `minutes_between` counts the open
minutes between two moments (how long the clock ran). Pure functions of their arguments:
the services store the results on the request, so the inbox never computes them.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

# A calendar with no open hour at all would never fall due: look this far ahead at most.
MAX_DAYS = 3 * 366
MINUTES_PER_DAY = 24 * 60


def _spans(
    raw: Mapping[str, Sequence[Sequence[int]]] | None,
) -> dict[int, tuple[tuple[int, int], ...]]:
    """`{"0": [[540, 1080]]}` as weekday to sorted, valid (start, end) minute spans."""
    spans: dict[int, tuple[tuple[int, int], ...]] = {}
    for day, items in (raw or {}).items():
        try:
            weekday = int(day)
        except (TypeError, ValueError):
            continue
        valid = sorted(
            (int(start), int(end))
            for start, end in items
            if 0 <= int(start) < int(end) <= MINUTES_PER_DAY
        )
        if 0 <= weekday <= 6 and valid:
            spans[weekday] = tuple(valid)
    return spans


def zone_named(name: str | None) -> ZoneInfo:
    try:
        return ZoneInfo(name or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


@dataclass(frozen=True)
class BusinessCalendar:
    """Open spans per weekday in `zone`, closed on `holidays`; always open if no spans at all."""

    zone: ZoneInfo
    spans: dict[int, tuple[tuple[int, int], ...]]
    holidays: frozenset[date] = field(default_factory=frozenset)

    @classmethod
    def build(
        cls,
        timezone: str | None,
        hours: Mapping[str, Sequence[Sequence[int]]] | None,
        holidays: set[date] | frozenset[date] | None = None,
    ) -> BusinessCalendar:
        return cls(zone_named(timezone), _spans(hours), frozenset(holidays or ()))

    @property
    def always_open(self) -> bool:
        return not self.spans

    def _open_spans(self, start: datetime) -> Iterator[tuple[datetime, datetime]]:
        """Open spans as UTC moments, in order, from the local day of `start` onwards."""
        day = start.astimezone(self.zone).date()
        for _ in range(MAX_DAYS):
            if day not in self.holidays:
                for begin, end in self.spans.get(day.weekday(), ()):
                    yield self._moment(day, begin), self._moment(day, end)
            day += timedelta(days=1)

    def _moment(self, day: date, minute: int) -> datetime:
        if minute >= MINUTES_PER_DAY:
            local = datetime.combine(day + timedelta(days=1), time(0), tzinfo=self.zone)
        else:
            local = datetime.combine(day, time(minute // 60, minute % 60), tzinfo=self.zone)
        return local.astimezone(UTC)

    def add(self, start: datetime, minutes: int) -> datetime:
        """The moment `minutes` open minutes after `start`; `start` itself if it is zero."""
        if self.always_open or minutes <= 0:
            return start + timedelta(minutes=max(minutes, 0))
        left = timedelta(minutes=minutes)
        for begin, end in self._open_spans(start):
            if end <= start:
                continue
            begin = max(begin, start)
            if end - begin >= left:
                return begin + left
            left -= end - begin
        return start + timedelta(days=MAX_DAYS)

    def minutes_between(self, start: datetime, end: datetime) -> int:
        """Open minutes from `start` to `end` (0 when `end` is not after `start`)."""
        if end <= start:
            return 0
        if self.always_open:
            return int((end - start).total_seconds() // 60)
        total = timedelta()
        for begin, finish in self._open_spans(start):
            if begin >= end:
                break
            overlap = min(finish, end) - max(begin, start)
            if overlap > timedelta():
                total += overlap
        return int(total.total_seconds() // 60)

    def is_open(self, moment: datetime) -> bool:
        if self.always_open:
            return True
        local = moment.astimezone(self.zone)
        if local.date() in self.holidays:
            return False
        minute = local.hour * 60 + local.minute
        return any(begin <= minute < end for begin, end in self.spans.get(local.weekday(), ()))


def describe_minutes(minutes: int) -> tuple[int, int]:
    """Business minutes as (hours, minutes), for "4 business hours" on pages."""
    return divmod(max(minutes, 0), 60)

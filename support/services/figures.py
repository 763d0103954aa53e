"""The public service figures (`/service`): every promise beside what really happened.

For each department, over the requests created in the last 30 days (merged duplicates
left out): the promised first reply (normal priority, business hours), the real median of
`first_reply_business_minutes`, the share answered within the promise (a request counts
once it was answered, or once its promise passed unanswered), and satisfaction (good
ratings among all ratings). Beside them, the forum's median time to a first answer and
each VIP tier's promise with the real median first reply in the club's conversations.

All of it comes from the rows themselves in a handful of queries, and is kept in the
shared cache for a few minutes (the page is a snapshot, and says when it was taken). Where
there are fewer than `MIN_SAMPLES` cases, the page says "not enough requests yet" instead
of a figure that would mean nothing.
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, case, func, or_, select

from community.db import utcnow
from community.extensions import cache, db
from forum.services.figures import first_answer_times
from support.models import Priority, Rating, SupportRequest
from support.services import directory
from support.services.measures import MEDIAN, grouped_percentiles
from vip.services.stats import reply_seconds_by_tier
from vip.tiers import tiers

WINDOW = timedelta(days=30)
MIN_SAMPLES = 5
CACHE_KEY = "support:service-figures"
CACHE_SECONDS = 300


@dataclass(frozen=True)
class DepartmentFigures:
    department_id: int
    name: str
    name_zh: str
    timezone: str
    hours: dict[str, list[list[int]]]
    promise_minutes: int
    requests: int
    median_minutes: float | None  # business minutes to the first reply
    replied: int
    decided: int  # answered, or past the promise unanswered
    within: int
    rated: int
    good: int

    def label(self, locale: str) -> str:
        return self.name_zh if locale.startswith("zh") and self.name_zh else self.name

    @property
    def has_median(self) -> bool:
        return self.median_minutes is not None and self.replied >= MIN_SAMPLES

    @property
    def share_within(self) -> float | None:
        return self.within / self.decided if self.decided >= MIN_SAMPLES else None

    @property
    def satisfaction(self) -> float | None:
        return self.good / self.rated if self.rated >= MIN_SAMPLES else None


@dataclass(frozen=True)
class ForumFigures:
    asked: int
    answered: int
    median_seconds: float | None

    @property
    def has_median(self) -> bool:
        return self.median_seconds is not None and self.answered >= MIN_SAMPLES


@dataclass(frozen=True)
class TierFigures:
    name: str
    promise_minutes: int
    requests: int
    replied: int
    median_minutes: float | None  # calendar minutes, as the tier's promise counts them

    @property
    def has_median(self) -> bool:
        return self.median_minutes is not None and self.replied >= MIN_SAMPLES


@dataclass(frozen=True)
class ServiceFigures:
    computed_at: datetime
    window_days: int
    departments: list[DepartmentFigures]
    forum: ForumFigures
    tiers: list[TierFigures]


def service_figures(now: datetime | None = None) -> ServiceFigures:
    """The figures, from the shared cache when they are a few minutes fresh."""
    if now is None:
        cached = cache.get(CACHE_KEY)
        if isinstance(cached, ServiceFigures):
            return cached
    figures = compute(now or utcnow())
    if now is None:
        cache.set(CACHE_KEY, figures, timeout=CACHE_SECONDS)
    return figures


def compute(now: datetime) -> ServiceFigures:
    since = now - WINDOW
    return ServiceFigures(
        computed_at=now,
        window_days=WINDOW.days,
        departments=_departments(since, now),
        forum=forum_first_answers(since, now),
        tiers=_tiers(since, now),
    )


def _window(since: datetime, now: datetime) -> list[object]:
    return [
        SupportRequest.created_at >= since,
        SupportRequest.created_at <= now,
        SupportRequest.merged_into_id.is_(None),
    ]


def _counted(condition: Any) -> Any:
    return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)


def _department_counts(since: datetime, now: datetime) -> dict[int, tuple[int, ...]]:
    """Per department: requests, answered, decided, within the promise, rated, good."""
    replied = SupportRequest.first_replied_at.is_not(None)
    within = and_(replied, SupportRequest.first_replied_at <= SupportRequest.first_reply_due_at)
    decided = or_(replied, SupportRequest.first_reply_due_at < now)
    statement = (
        select(
            SupportRequest.department_id,
            func.count(SupportRequest.id),
            _counted(replied),
            _counted(decided),
            _counted(within),
            _counted(SupportRequest.rating.is_not(None)),
            _counted(SupportRequest.rating == Rating.GOOD.value),
        )
        .where(*_window(since, now))
        .group_by(SupportRequest.department_id)
    )
    return {row[0]: tuple(int(value) for value in row[1:]) for row in db.session.execute(statement)}


def _departments(since: datetime, now: datetime) -> list[DepartmentFigures]:
    rows = _department_counts(since, now)
    medians = grouped_percentiles(
        [SupportRequest.first_reply_business_minutes],
        _window(since, now),
        group=SupportRequest.department_id,
        fractions=(MEDIAN,),
    )
    promises = directory.promises()
    figures = []
    for department in directory.departments():
        count, replied_count, decided_count, within_count, rated_count, good_count = rows.get(
            department.id, (0, 0, 0, 0, 0, 0)
        )
        promised = promises.get((department.id, Priority.NORMAL.value))
        first = promised[0] if promised else directory.promise(department.id, Priority.NORMAL)[0]
        figures.append(
            DepartmentFigures(
                department_id=department.id,
                name=department.name,
                name_zh=department.name_zh,
                timezone=department.timezone,
                hours=dict(department.hours or {}),
                promise_minutes=first,
                requests=count,
                median_minutes=medians.get(department.id, [[None]])[0][0],
                replied=replied_count,
                decided=decided_count,
                within=within_count,
                rated=rated_count,
                good=good_count,
            )
        )
    return figures


def forum_first_answers(since: datetime, now: datetime) -> ForumFigures:
    """Topics asked in the window, how many someone else answered, and the median wait."""
    found = first_answer_times(since, now)
    waits = found.waits_seconds
    median = float(statistics.median(waits)) if waits else None
    return ForumFigures(asked=found.asked, answered=len(waits), median_seconds=median)


def _tiers(since: datetime, now: datetime) -> list[TierFigures]:
    """Each tier's promise, and the real first replies in the club's conversations."""
    waits = reply_seconds_by_tier(since, now)
    return [
        TierFigures(
            tier.name,
            tier.promise_minutes,
            len(waits.get(tier.name, [])),
            len(waits.get(tier.name, [])),
            float(statistics.median(waits[tier.name])) / 60 if waits.get(tier.name) else None,
        )
        for tier in tiers()
    ]

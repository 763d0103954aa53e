"""Reports for department leads and admins: how much came in, how fast we answered and
solved it, how often within the promise, how happy customers were, and how many questions
the suggested answers settled before anyone wrote.

Per department (a lead sees the departments they lead, an admin every one) and per agent
(the assignee), over the requests created in the period, merged duplicates left out. Times
are business minutes, median and 90th percentile; a request counts toward "within target"
once it is decided (answered or solved, or past its due time without). The same figures
are offered as CSV, with every cell made safe for spreadsheets.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Hashable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import ColumnElement, and_, case, func, or_, select

from community.accounts.models import User
from community.db import utcnow
from community.extensions import db
from support.models import Department, Rating, SupportRequest
from support.services import deflection, directory
from support.services.measures import MEDIAN, P90, TOTAL, grouped_percentiles

PERIODS = (7, 30, 90)
DEFAULT_DAYS = 30
UNASSIGNED = 0


@dataclass
class Row:
    """One department, one agent, or everything."""

    key: str
    name: str
    requests: int = 0
    first_median: float | None = None
    first_p90: float | None = None
    resolution_median: float | None = None
    resolution_p90: float | None = None
    first_decided: int = 0
    first_within: int = 0
    resolved: int = 0
    resolved_within: int = 0
    rated: int = 0
    good: int = 0
    deflection: deflection.DeflectionCount | None = None

    @property
    def first_share(self) -> float | None:
        return self.first_within / self.first_decided if self.first_decided else None

    @property
    def resolution_share(self) -> float | None:
        return self.resolved_within / self.resolved if self.resolved else None

    @property
    def satisfaction(self) -> float | None:
        return self.good / self.rated if self.rated else None


@dataclass
class Report:
    days: int
    since: datetime
    until: datetime
    scope: list[Department]
    per_day: list[tuple[date, int]] = field(default_factory=list)
    total: Row = field(default_factory=lambda: Row("total", ""))
    departments: list[Row] = field(default_factory=list)
    agents: list[Row] = field(default_factory=list)

    @property
    def busiest(self) -> int:
        return max((count for _day, count in self.per_day), default=0)


def departments_for(user: Any) -> list[Department]:
    """The departments whose reports `user` reads: all for an admin, else those they lead."""
    every = directory.departments()
    if user.is_admin:
        return every
    return [department for department in every if department.lead_id == user.id]


def build(
    user: Any,
    days: int = DEFAULT_DAYS,
    department_id: int | None = None,
    *,
    locale: str = "en",
    now: datetime | None = None,
) -> Report:
    """The report for the period that ends now, limited to one department when asked."""
    until = now or utcnow()
    days = days if days in PERIODS else DEFAULT_DAYS
    scope = departments_for(user)
    if department_id is not None:
        scope = [department for department in scope if department.id == department_id]
    since = datetime.combine(until.date() - timedelta(days=days - 1), time(0), tzinfo=UTC)
    report = Report(days, since, until, scope)
    if not scope:
        return report
    ids = [department.id for department in scope]
    conditions = [
        SupportRequest.created_at >= report.since,
        SupportRequest.created_at <= until,
        SupportRequest.merged_into_id.is_(None),
        SupportRequest.department_id.in_(ids),
    ]
    report.per_day = _per_day(conditions, report.since, until)
    totals = _rows(conditions, None, {TOTAL: _("All departments")}, "total", until)
    report.total = totals[0] if totals else Row("total:total", _("All departments"))
    names: dict[Hashable, str] = {item.id: item.label(locale) for item in scope}
    report.departments = _rows(conditions, SupportRequest.department_id, names, "department", until)
    assignee = func.coalesce(SupportRequest.assignee_id, UNASSIGNED)
    report.agents = _rows(conditions, assignee, _agent_names(conditions), "agent", until)
    flows = deflection.counts(report.since, until, ids if not user.is_admin else None)
    for row in report.departments:
        row.deflection = flows.get(int(row.key.partition(":")[2]), deflection.DeflectionCount())
    report.total.deflection = deflection.total(flows)
    return report


def _per_day(
    conditions: list[ColumnElement[bool]], since: datetime, until: datetime
) -> list[tuple[date, int]]:
    if db.session.get_bind().dialect.name == "postgresql":
        day = func.date(func.timezone("UTC", SupportRequest.created_at))
    else:
        day = func.date(SupportRequest.created_at)
    counts = {
        str(value)[:10]: int(count)
        for value, count in db.session.execute(
            select(day, func.count(SupportRequest.id)).where(*conditions).group_by(day)
        )
    }
    first = since.date()
    span = (until.date() - first).days + 1
    days = [first + timedelta(days=offset) for offset in range(span)]
    return [(day_, counts.get(day_.isoformat(), 0)) for day_ in days]


def _agent_names(conditions: list[ColumnElement[bool]]) -> dict[Hashable, str]:
    assignees = select(SupportRequest.assignee_id).where(*conditions).distinct()
    rows = db.session.execute(select(User.id, User.display_name).where(User.id.in_(assignees)))
    names: dict[Hashable, str] = {row[0]: row[1] for row in rows}
    names[UNASSIGNED] = _("Unassigned")
    return names


def _counted(condition: ColumnElement[bool]) -> ColumnElement[int]:
    return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)


def _count_columns(now: datetime) -> list[ColumnElement[int]]:
    replied = SupportRequest.first_replied_at.is_not(None)
    ended = func.coalesce(SupportRequest.solved_at, SupportRequest.closed_at)
    return [
        func.count(SupportRequest.id),
        _counted(or_(replied, SupportRequest.first_reply_due_at < now)),
        _counted(
            and_(replied, SupportRequest.first_replied_at <= SupportRequest.first_reply_due_at)
        ),
        _counted(ended.is_not(None)),
        _counted(and_(ended.is_not(None), ended <= SupportRequest.resolution_due_at)),
        _counted(SupportRequest.rating.is_not(None)),
        _counted(SupportRequest.rating == Rating.GOOD.value),
    ]


def _rows(
    conditions: list[ColumnElement[bool]],
    group: ColumnElement[Any] | None,
    names: dict[Hashable, str],
    prefix: str,
    now: datetime,
) -> list[Row]:
    """Counts and percentiles per group (or `TOTAL`), in two queries, in the order of
    `names`; a group without requests keeps its row only when `prefix` is "department"."""
    statement = select(*([group] if group is not None else []), *_count_columns(now))
    statement = statement.where(*conditions)
    if group is not None:
        statement = statement.group_by(group)
    counts: dict[Hashable, list[int]] = {}
    for row in db.session.execute(statement):
        values = list(row)
        key = values.pop(0) if group is not None else TOTAL
        counts[key] = [int(value or 0) for value in values]
    times = grouped_percentiles(
        [SupportRequest.first_reply_business_minutes, SupportRequest.resolution_business_minutes],
        conditions,
        group=group,
        fractions=(MEDIAN, P90),
    )
    rows = []
    for key, name in names.items():
        if key not in counts and prefix != "department":
            continue
        number = counts.get(key, [0] * 7)
        first, resolution = times.get(key, [[None, None], [None, None]])
        rows.append(
            Row(f"{prefix}:{key}", name, number[0], first[0], first[1], resolution[0],
                resolution[1], *number[1:])
        )  # fmt: skip
    return rows


# CSV ------------------------------------------------------------------------------------------
CSV_COLUMNS = (
    "section", "name", "requests", "first_reply_median_minutes", "first_reply_p90_minutes",
    "first_reply_within_target", "resolution_median_minutes", "resolution_p90_minutes",
    "resolution_within_target", "rated", "good", "satisfaction", "suggestions_opened",
    "left_without_writing",
)  # fmt: skip


def _cell(value: Any) -> str:
    """A spreadsheet never runs a cell as a formula: text starting =, +, -, @ is quoted."""
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:.4f}".rstrip("0").rstrip(".")
    text = str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def _csv_row(section: str, row: Row) -> list[str]:
    flow = row.deflection
    values = [
        section, row.name, row.requests, row.first_median, row.first_p90, row.first_share,
        row.resolution_median, row.resolution_p90, row.resolution_share, row.rated, row.good,
        row.satisfaction, flow.opened if flow else None, flow.left if flow else None,
    ]  # fmt: skip
    return [_cell(value) for value in values]


def csv_lines(report: Report) -> Iterator[list[str]]:
    yield list(CSV_COLUMNS)
    yield _csv_row("total", report.total)
    for row in report.departments:
        yield _csv_row("department", row)
    for row in report.agents:
        yield _csv_row("agent", row)
    for day, count in report.per_day:
        yield ["day", day.isoformat(), str(count), *[""] * (len(CSV_COLUMNS) - 3)]


def as_csv(report: Report) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerows(csv_lines(report))
    return buffer.getvalue()

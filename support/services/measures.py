"""Medians and percentiles of stored times, the same on PostgreSQL and SQLite.

PostgreSQL computes them where the rows are (`percentile_cont`, grouped); SQLite has no
such aggregate, so the values come back sorted and are interpolated here exactly the way
`percentile_cont` does (linear between the two nearest ranks). A page therefore shows the
same figure on either database, from one query per grouping.
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from typing import Any

from sqlalchemy import ColumnElement, func, select

from community.extensions import db

MEDIAN = 0.5
P90 = 0.9
TOTAL = "total"


def percentile(ordered: Sequence[float], fraction: float) -> float | None:
    """`percentile_cont(fraction)` of already sorted values; None when there are none."""
    if not ordered:
        return None
    position = fraction * (len(ordered) - 1)
    lower = int(position)
    upper = min(lower + 1, len(ordered) - 1)
    weight = position - lower
    return float(ordered[lower]) + (float(ordered[upper]) - float(ordered[lower])) * weight


def grouped_percentiles(
    columns: Sequence[ColumnElement[Any]],
    conditions: Sequence[ColumnElement[bool]],
    group: ColumnElement[Any] | None = None,
    fractions: Sequence[float] = (MEDIAN, P90),
) -> dict[Hashable, list[list[float | None]]]:
    """For each group (or `TOTAL` without one): per column, the value at each fraction.

    `result[group][column_index][fraction_index]`; NULL values are left out, as SQL's
    ordered-set aggregates leave them out.
    """
    if db.session.get_bind().dialect.name == "postgresql":
        return _in_postgres(columns, conditions, group, fractions)
    return _in_python(columns, conditions, group, fractions)


def _in_postgres(
    columns: Sequence[ColumnElement[Any]],
    conditions: Sequence[ColumnElement[bool]],
    group: ColumnElement[Any] | None,
    fractions: Sequence[float],
) -> dict[Hashable, list[list[float | None]]]:
    aggregates = [
        func.percentile_cont(fraction).within_group(column)
        for column in columns
        for fraction in fractions
    ]
    statement = select(*([group] if group is not None else []), *aggregates).where(*conditions)
    if group is not None:
        statement = statement.group_by(group)
    result: dict[Hashable, list[list[float | None]]] = {}
    width = len(fractions)
    for row in db.session.execute(statement):
        values = list(row)
        key = values.pop(0) if group is not None else TOTAL
        result[key] = [
            [None if value is None else float(value) for value in values[i : i + width]]
            for i in range(0, len(values), width)
        ]
    return result


def _in_python(
    columns: Sequence[ColumnElement[Any]],
    conditions: Sequence[ColumnElement[bool]],
    group: ColumnElement[Any] | None,
    fractions: Sequence[float],
) -> dict[Hashable, list[list[float | None]]]:
    statement = select(*([group] if group is not None else []), *columns).where(*conditions)
    samples: dict[Hashable, list[list[float]]] = {}
    for row in db.session.execute(statement):
        values = list(row)
        key = values.pop(0) if group is not None else TOTAL
        lists = samples.setdefault(key, [[] for _ in columns])
        for index, value in enumerate(values):
            if value is not None:
                lists[index].append(float(value))
    return {
        key: [[percentile(sorted(values), fraction) for fraction in fractions] for values in lists]
        for key, lists in samples.items()
    }

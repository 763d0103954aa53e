"""The navigation's counts for a signed-in reader, in one round trip whatever the features."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Select, select

from community.extensions import db
from community.registry import NavBadge

# The combined statement for each set of badge statements (their own are built once per
# process), so a page builds none. Bounded, in case a feature builds its statement per call.
_COMBINED: dict[tuple[Any, ...], Select] = {}
MAX_COMBINED = 64


def _combined(statements: tuple[Any, ...]) -> Select:
    found = _COMBINED.get(statements)
    if found is None:
        if len(_COMBINED) >= MAX_COMBINED:
            _COMBINED.clear()
        found = _COMBINED[statements] = select(*(each.scalar_subquery() for each in statements))
    return found


def nav_counts(badges: list[NavBadge], user: Any) -> list[tuple[NavBadge, int]]:
    """Each badge `user` may see with its count: every feature's count in one `SELECT`."""
    if not user.is_authenticated:
        return []
    shown = [badge for badge in badges if badge.visible(user)]
    queries = [badge.count_query(user) for badge in shown]
    counted = [query for query in queries if query is not None]
    values: Any = iter(())
    if counted:
        params = {name: value for query in counted for name, value in query.params.items()}
        statement = _combined(tuple(query.statement for query in counted))
        values = iter(db.session.execute(statement, params).one())
    return [
        (badge, int(next(values) or 0) if query is not None else 0)
        for badge, query in zip(shown, queries, strict=True)
    ]

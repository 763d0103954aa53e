"""The navigation's counts for a signed-in reader, in one round trip whatever the features."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from community.extensions import db
from community.registry import NavBadge


def nav_counts(badges: list[NavBadge], user: Any) -> list[tuple[NavBadge, int]]:
    """Each badge `user` may see with its count: every feature's count in one `SELECT`."""
    if not user.is_authenticated:
        return []
    shown = [badge for badge in badges if badge.visible(user)]
    statements = [badge.count_query(user) for badge in shown]
    counted = [statement.scalar_subquery() for statement in statements if statement is not None]
    values = iter(db.session.execute(select(*counted)).one() if counted else ())
    return [
        (badge, int(next(values) or 0) if statement is not None else 0)
        for badge, statement in zip(shown, statements, strict=True)
    ]

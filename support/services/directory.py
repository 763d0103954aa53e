"""Departments, their topics, calendars and promises, and who works in which.

Small tables that change rarely and are read on every support page: read with one query
each, never written here (seeding and the admin commands write them).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from flask import g
from sqlalchemy import or_, select

from community.extensions import db
from support.calendar import BusinessCalendar
from support.models import (
    AgentMembership,
    Department,
    Holiday,
    Priority,
    ServiceLevel,
    SupportTopic,
)

# When a department has no promise for a priority: one business day, then a week.
DEFAULT_FIRST_REPLY_MINUTES = {
    Priority.URGENT: 60,
    Priority.HIGH: 4 * 60,
    Priority.NORMAL: 8 * 60,
    Priority.LOW: 16 * 60,
}
DEFAULT_RESOLUTION_MINUTES = 5 * 8 * 60


def departments() -> list[Department]:
    return list(db.session.scalars(select(Department).order_by(Department.position, Department.id)))


def department(department_id: int | None) -> Department | None:
    return db.session.get(Department, department_id) if department_id else None


def department_for_address(local_part: str) -> Department | None:
    """The department whose address is `local_part@…` (case ignored), if any."""
    return db.session.scalar(
        select(Department).where(Department.email_local == local_part.lower().strip())
    )


def topics() -> list[SupportTopic]:
    """Topics in the order the form shows them, grouped by department."""
    return list(
        db.session.scalars(
            select(SupportTopic)
            .join(Department, Department.id == SupportTopic.department_id)
            .order_by(Department.position, Department.id, SupportTopic.position, SupportTopic.id)
        )
    )


def topic(topic_id: int | None) -> SupportTopic | None:
    return db.session.get(SupportTopic, topic_id) if topic_id else None


def topic_by_key(key: str) -> SupportTopic | None:
    return db.session.scalar(select(SupportTopic).where(SupportTopic.key == key))


def department_by_key(key: str) -> Department | None:
    return db.session.scalar(select(Department).where(Department.key == key))


def department_ids_of(user: Any) -> set[int]:
    """The departments whose requests `user` works (every department for an admin); read
    once per request, as the page, the navigation badge and the checks all ask."""
    if not getattr(user, "is_authenticated", False):
        return set()
    key = (user.id, user.is_admin)
    cached = g.get("support_department_ids")
    if cached is not None and cached[0] == key:
        return set(cached[1])
    if user.is_admin:
        found = set(db.session.scalars(select(Department.id)))
    else:
        found = set(
            db.session.scalars(
                select(AgentMembership.department_id).where(AgentMembership.user_id == user.id)
            )
        )
    g.support_department_ids = (key, frozenset(found))
    return found


def agent_ids_of(department_id: int) -> list[int]:
    return list(
        db.session.scalars(
            select(AgentMembership.user_id).where(AgentMembership.department_id == department_id)
        )
    )


def calendar_of(department_row: Department, around: datetime | None = None) -> BusinessCalendar:
    """The department's hours and its holidays (its own and those of every department)."""
    holidays: set[date] = set(
        db.session.scalars(
            select(Holiday.day).where(
                or_(Holiday.department_id == department_row.id, Holiday.department_id.is_(None))
            )
        )
    )
    return BusinessCalendar.build(department_row.timezone, department_row.hours, holidays)


def promise(department_id: int, priority: str) -> tuple[int, int]:
    """(first reply, resolution) in business minutes for a department and priority."""
    row = db.session.scalar(
        select(ServiceLevel).where(
            ServiceLevel.department_id == department_id, ServiceLevel.priority == priority
        )
    )
    if row is not None:
        return row.first_reply_minutes, row.resolution_minutes
    first = DEFAULT_FIRST_REPLY_MINUTES.get(Priority(priority), 8 * 60)
    return first, DEFAULT_RESOLUTION_MINUTES


def promises() -> dict[tuple[int, str], tuple[int, int]]:
    """Every stored promise, for pages that show them all."""
    return {
        (row.department_id, row.priority): (row.first_reply_minutes, row.resolution_minutes)
        for row in db.session.scalars(select(ServiceLevel))
    }

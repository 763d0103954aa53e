"""Deflection: how often a suggested answer on the request form kept someone from writing.

Each visit to `/support/new` carries a form key (a nonce in the form). A suggestion the
customer opens goes through `/support/deflect`, which records (form key, address) once and
sends them on; sending the form marks its key submitted (`requests.open_request`). A form
with a suggestion opened and nothing submitted counts as deflected: the answer was enough,
or at least the customer left without writing. Only local addresses are followed, so the
counter is never an open redirect.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import urlsplit

from sqlalchemy import case, func, select

from community.db import utcnow
from community.extensions import db, insert_ignoring_conflicts
from support.models import Deflection
from support.services import directory

_KEY = re.compile(r"^[A-Za-z0-9_-]{16,64}$")
MAX_URL = 500


def new_form_key() -> str:
    return secrets.token_urlsafe(24)


def valid_form_key(value: str | None) -> str | None:
    """The key as sent, when it looks like one of ours; else None (nothing is counted)."""
    return value if value and _KEY.match(value) else None


def local_target(url: str | None) -> str | None:
    """A path on this site (`/kb/…`), or None for anything that could lead elsewhere."""
    if not url or len(url) > MAX_URL or not url.startswith("/") or url.startswith("//"):
        return None
    if any(char in url for char in "\\\r\n\t\x00") or not url.isprintable():
        return None
    parts = urlsplit(url)
    if parts.scheme or parts.netloc:
        return None
    return url


def record_opened(form_key: str, url: str, topic_id: int | None = None) -> None:
    """Count one suggestion opened from one form (a second click on it counts once)."""
    topic = directory.topic(topic_id) if topic_id and 0 < topic_id < 2**31 else None
    db.session.execute(
        insert_ignoring_conflicts(Deflection.__table__, ["form_key", "url"]).values(
            form_key=form_key,
            url=url,
            department_id=topic.department_id if topic else None,
            submitted=False,
            created_at=utcnow(),
        )
    )
    db.session.commit()


@dataclass(frozen=True)
class DeflectionCount:
    """Forms where a suggestion was opened, and how many of them were never sent."""

    opened: int = 0
    left: int = 0

    @property
    def share(self) -> float | None:
        return self.left / self.opened if self.opened else None


def counts(
    since: datetime, until: datetime, department_ids: Collection[int] | None = None
) -> dict[int | None, DeflectionCount]:
    """Per department (None: no topic was chosen yet), over the suggestions opened in the
    window; `department_ids` limits it to those departments."""
    per_form = (
        select(
            Deflection.form_key,
            func.max(Deflection.department_id).label("department_id"),
            func.max(case((Deflection.submitted.is_(True), 1), else_=0)).label("sent"),
        )
        .where(Deflection.created_at >= since, Deflection.created_at <= until)
        .group_by(Deflection.form_key)
        .subquery()
    )
    statement = select(
        per_form.c.department_id,
        func.count(),
        func.coalesce(func.sum(case((per_form.c.sent == 0, 1), else_=0)), 0),
    ).group_by(per_form.c.department_id)
    if department_ids is not None:
        statement = statement.where(per_form.c.department_id.in_(list(department_ids)))
    return {
        department_id: DeflectionCount(int(opened), int(left))
        for department_id, opened, left in db.session.execute(statement)
    }


def total(by_department: dict[int | None, DeflectionCount]) -> DeflectionCount:
    return DeflectionCount(
        sum(count.opened for count in by_department.values()),
        sum(count.left for count in by_department.values()),
    )

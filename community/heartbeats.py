"""Background workers' heartbeats: the last time each one finished a round of its work.

A worker may be a thread of every web process or a process of its own (`flask outbox run`,
`flask vip sweep --every 60`), on this machine or another: only the database is shared by
all of them, so a heartbeat is one row per worker name, written by whichever process did
the work last. Writes are throttled per process (one every `WRITE_EVERY` seconds at most),
so a busy loop costs one small UPDATE now and then. `/healthz` reads the rows, plus the
names this app expects to run, and says which worker has gone quiet for too long.
"""

from __future__ import annotations

import os
import socket
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from flask import Flask, current_app
from sqlalchemy import String, select, update
from sqlalchemy.orm import Mapped, mapped_column

from community.db import utcnow
from community.extensions import db, insert_ignoring_conflicts

WRITE_EVERY = 15.0
# A worker silent this long, and not expected by this app's settings, was retired on purpose.
RETIRED_AFTER = timedelta(days=7)
_EXPECTED = "portico.heartbeats.expected"
_WRITTEN = "portico.heartbeats.written"


class WorkerHeartbeat(db.Model):
    __tablename__ = "worker_heartbeats"

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    beat_at: Mapped[datetime] = mapped_column(default=utcnow)
    stale_after_seconds: Mapped[int]
    # host:pid of the process that beat last, for the operator looking for it.
    process: Mapped[str] = mapped_column(String(120))


@dataclass(frozen=True)
class Expected:
    stale_after: int
    since: float  # time.monotonic() when this app started expecting it


def stale_after(every: float) -> int:
    """How long a worker ticking every `every` seconds may stay silent before it is missed."""
    return int(max(3 * every, every + 60))


def expect(app: Flask, name: str, every: float, limit: int | None = None) -> None:
    """Say this app relies on worker `name`: `/healthz` misses it once it stays silent
    longer than `limit` (by default `stale_after(every)`)."""
    expected = Expected(limit or stale_after(every), time.monotonic())
    app.extensions.setdefault(_EXPECTED, {})[name] = expected


def process_name() -> str:
    return f"{socket.gethostname()[:100]}:{os.getpid()}"


def beat(name: str, every: float, limit: int | None = None) -> None:
    """Record that worker `name` just finished a round; throttled, commits its own write."""
    written: dict[str, float] = current_app.extensions.setdefault(_WRITTEN, {})
    now = time.monotonic()
    if now - written.get(name, -WRITE_EVERY) < WRITE_EVERY:
        return
    values = {
        "beat_at": utcnow(),
        "stale_after_seconds": limit or stale_after(every),
        "process": process_name(),
    }
    updated = db.session.execute(
        update(WorkerHeartbeat).where(WorkerHeartbeat.name == name).values(**values)
    )
    if not updated.rowcount:
        db.session.execute(
            insert_ignoring_conflicts(WorkerHeartbeat.__table__, ["name"]).values(
                name=name, **values
            )
        )
    db.session.commit()
    written[name] = now


def report() -> dict[str, dict[str, Any]]:
    """Each known worker's last beat and whether it is recent enough, by name."""
    expected: dict[str, Expected] = current_app.extensions.get(_EXPECTED, {})
    now = utcnow()
    rows = {
        row.name: row
        for row in db.session.scalars(select(WorkerHeartbeat))
        if row.name in expected or now - row.beat_at < RETIRED_AFTER
    }
    result: dict[str, dict[str, Any]] = {}
    for name in sorted(set(rows) | set(expected)):
        row = rows.get(name)
        if row is None:
            waited = time.monotonic() - expected[name].since
            limit = expected[name].stale_after
            result[name] = {"ok": waited <= limit, "last_beat": None, "stale_after": limit}
            continue
        age = (now - row.beat_at).total_seconds()
        result[name] = {
            "ok": age <= row.stale_after_seconds,
            "last_beat": row.beat_at.isoformat(),
            "seconds_ago": round(age),
            "stale_after": row.stale_after_seconds,
            "process": row.process,
        }
    return result

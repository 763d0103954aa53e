"""Live tracking pages: push a changed shipment to the browsers that watch it.

Services call `announce` inside their transaction: the pushes go out after the commit
(`community.realtime.push_after_commit`). Where they reach depends on the setup:

- with `REDIS_URL` (Socket.IO's message queue), every process, the simulator and API
  workers included, emits through Redis and every web process delivers to its browsers;
- without it (the embedded default), a process can only reach its own browsers. So each
  change is also written to `tracking_changes` in the event's transaction, and every web
  process runs a small relay that polls that table and pushes what other processes stored.

The push says only which public number changed and its new version; the page then fetches
its own fresh fragment, rendered in its reader's language and time zone.
"""

from __future__ import annotations

import logging
import os
import secrets
import socket
import threading
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from flask import Flask, current_app
from sqlalchemy import delete, func, insert, select

from community.background import FirstRequestThread
from community.db import utcnow
from community.extensions import db
from community.realtime import push_after_commit, room
from tracking.models import TrackingChange

log = logging.getLogger(__name__)

NAMESPACE = "/tracking"
EVENT_NAME = "shipment_changed"
# A row inserted by a transaction that commits later than a newer row is still seen if it
# commits within this window (PostgreSQL hands out ids before commit).
SETTLE = timedelta(seconds=10)
KEEP = timedelta(minutes=10)


@dataclass(frozen=True)
class Change:
    number: str
    version: int
    status: str

    def payload(self) -> dict[str, Any]:
        return {"number": self.number, "version": self.version, "status": self.status}


def shipment_room(number: str) -> str:
    """The Socket.IO room of one tracking number (public information, like the page)."""
    return room("tracking-shipment", number)


class _Origin:
    """This process's name in the change log; a forked child gets a fresh one."""

    def __init__(self) -> None:
        self._pid = 0
        self._name = ""

    def __call__(self) -> str:
        if self._pid != os.getpid():
            self._pid = os.getpid()
            self._name = f"{socket.gethostname()[:32]}:{self._pid}:{secrets.token_hex(4)}"
        return self._name


process_origin = _Origin()


def uses_message_queue(app: Flask | None = None) -> bool:
    return bool((app or current_app).config.get("SOCKETIO_MESSAGE_QUEUE"))


def log_changes(changes: Iterable[Change]) -> None:
    """Write changes for other processes' relays, in the caller's transaction."""
    if uses_message_queue():
        return
    rows = [
        {
            "tracking_number": change.number,
            "version": change.version,
            "status": change.status,
            "origin": process_origin(),
            "created_at": utcnow(),
        }
        for change in changes
    ]
    if rows:
        db.session.execute(insert(TrackingChange), rows)


def push_changes(changes: Iterable[Change]) -> None:
    """Push each change to its room once the open transaction commits (at once without one).

    A failed push is logged by `community.realtime`, never raised to the caller (who would
    retry a batch that succeeded).
    """
    for change in changes:
        push_after_commit(
            EVENT_NAME, change.payload(), namespace=NAMESPACE, to=shipment_room(change.number)
        )


def announce(changes: list[Change]) -> None:
    """In the caller's transaction: log the changes for relays and queue their pushes."""
    log_changes(changes)
    push_changes(changes)


class Relay:
    """Polls the change log and pushes what other processes committed."""

    def __init__(self) -> None:
        self.cursor: int | None = None
        self.seen: set[int] = set()
        self.last_poll = None
        self._last_prune = utcnow()

    def poll_once(self) -> int:
        """Push new changes from other processes; returns how many were pushed."""
        now = utcnow()
        if self.cursor is None:  # start from now: history is not news
            self.cursor = db.session.scalar(select(func.max(TrackingChange.id))) or 0
        rows = db.session.execute(
            select(
                TrackingChange.id,
                TrackingChange.tracking_number,
                TrackingChange.version,
                TrackingChange.status,
                TrackingChange.origin,
                TrackingChange.created_at,
            )
            .where(TrackingChange.id > self.cursor)
            .order_by(TrackingChange.id)
            .limit(5000)
        ).all()
        db.session.rollback()  # end the read, so SQLite's WAL can checkpoint
        pushed = []
        settled = True
        me = process_origin()
        for row in rows:
            if row.id not in self.seen:
                self.seen.add(row.id)
                if row.origin != me:
                    pushed.append(Change(row.tracking_number, row.version, row.status))
            settled = settled and row.created_at < now - SETTLE
            if settled:
                self.cursor = row.id
        self.seen = {row_id for row_id in self.seen if row_id > self.cursor}
        push_changes(pushed)  # the read has ended: no transaction to wait for, they go now
        self.last_poll = now
        if now - self._last_prune > timedelta(minutes=1):
            self.prune(now)
        return len(pushed)

    def prune(self, now=None) -> None:  # type: ignore[no-untyped-def]
        """The log is for live pages only: forget what no relay can still need."""
        now = now or utcnow()
        self._last_prune = now
        db.session.execute(delete(TrackingChange).where(TrackingChange.created_at < now - KEEP))
        db.session.commit()


def run_relay(app: Flask, relay: Relay, stop: threading.Event) -> None:
    seconds = float(app.config["TRACKING_RELAY_SECONDS"])
    while not stop.is_set():
        try:
            with app.app_context():
                relay.poll_once()
        except Exception:  # a lost database connection must not end live updates
            log.exception("tracking relay: polling failed; trying again shortly")
        stop.wait(seconds)


class RelayThread(FirstRequestThread):
    """One relay per web process, started by the first request (never by CLI commands)."""

    def __init__(self) -> None:
        self.relay = Relay()
        super().__init__("tracking-relay", lambda app, stop: run_relay(app, self.relay, stop))

    def health(self) -> dict[str, Any]:
        """Started on the first request; once started, its thread must still be alive."""
        return {
            "ok": not self.started or self.alive,
            "live_updates": "relay",
            "relay_started": self.started,
            "last_poll": self.relay.last_poll.isoformat() if self.relay.last_poll else None,
        }

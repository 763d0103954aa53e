"""Record delivery outcomes of one claimed batch in groups: one commit for many sends.

Why groups, and what they cost when a worker dies, is told in `community.outbox.delivery`.
"""

from __future__ import annotations

import logging
import time
from datetime import datetime

from sqlalchemy import bindparam, update

from community.db import utcnow
from community.extensions import db
from community.outbox.models import OutboxMessage, OutboxStatus

log = logging.getLogger(__name__)

# A group of sends is recorded after this long even when it is smaller than the setting.
GROUP_SECONDS = 0.15


class Outcomes:
    """What happened to one claimed batch, written to the database in groups.

    Sends are held until the group is full or old; anything else (failure, retry, release)
    writes the held sends first, in the same commit, so the order on disk is the real one.
    """

    def __init__(self, token: str, every: int) -> None:
        self.token = token
        self.every = max(every, 1)
        self._sent: list[dict[str, object]] = []
        self._oldest = 0.0

    def sent(self, message_id: int) -> None:
        if not self._sent:
            self._oldest = time.monotonic()
        self._sent.append({"row": message_id, "token": self.token, "at": utcnow()})
        if len(self._sent) >= self.every or time.monotonic() - self._oldest >= GROUP_SECONDS:
            self.flush()

    def flush(self) -> None:
        """Record the held sends now: at a batch's end, at a stop, before anything else."""
        if self._sent:
            self._write_sent()
            db.session.commit()

    def finish(self, message_id: int, **values: object) -> None:
        self._write_sent()
        db.session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.id == message_id, OutboxMessage.claim_token == self.token)
            .values(claim_token=None, lease_expires_at=None, **values),
            execution_options={"synchronize_session": False},
        )
        db.session.commit()

    def release(self, ids: list[int], next_attempt_at: datetime | None = None) -> None:
        """Hand back claimed rows that were never tried, without spending an attempt."""
        self._write_sent()
        if ids:
            values: dict[str, object] = {
                "status": OutboxStatus.QUEUED,
                "claim_token": None,
                "lease_expires_at": None,
                "attempts": OutboxMessage.attempts - 1,
            }
            if next_attempt_at is not None:
                values["next_attempt_at"] = next_attempt_at
            db.session.execute(
                update(OutboxMessage)
                .where(OutboxMessage.id.in_(ids), OutboxMessage.claim_token == self.token)
                .values(**values),
                execution_options={"synchronize_session": False},
            )
        db.session.commit()

    def salvage(self) -> None:
        """After an error mid-batch, still record the sends that happened, if the database can."""
        db.session.rollback()
        try:
            self.flush()
        except Exception:
            db.session.rollback()
            log.exception("outbox: could not record %d sent emails", len(self._sent))

    def _write_sent(self) -> None:
        if not self._sent:
            return
        table = OutboxMessage.__table__
        db.session.execute(
            table.update()
            .where(table.c.id == bindparam("row"), table.c.claim_token == bindparam("token"))
            .values(
                status=OutboxStatus.SENT,
                sent_at=bindparam("at"),
                claim_token=None,
                lease_expires_at=None,
                last_error=None,
            ),
            self._sent,
        )
        self._sent = []

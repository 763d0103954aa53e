"""Socket.IO's Redis message queue, made to fail fast and to say when it is away.

With `REDIS_URL`, every push goes through Redis, even to a browser held by this process.
When Redis stops answering, a push is a courtesy that cannot be delivered: it is dropped
(one log line each) and the action that caused it still succeeds. After a failure the
queue waits `RETRY_SECONDS` before it tries Redis again, so an outage costs each request
nothing and a retry at most a connect timeout. `status()` feeds `/healthz`.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import socketio

from community.config import redis_options

log = logging.getLogger(__name__)

RETRY_SECONDS = 2.0


class PushQueue(socketio.RedisManager):
    """`socketio.RedisManager` with short timeouts, a pause after a failure, and a status."""

    def __init__(self, url: str, *, channel: str, write_only: bool) -> None:
        super().__init__(
            url,
            channel=channel,
            write_only=write_only,
            redis_options=redis_options(socket_timeout=False),
        )
        self._state_lock = threading.Lock()
        self.failure: str | None = None
        self.failed_at = 0.0
        self.dropped = 0
        self._gathering = threading.local()  # greenlet-local under gevent

    @contextmanager
    def batched(self) -> Iterator[None]:
        """The block's publishes reach Redis together, in one round trip, when it ends.

        One ingested batch changes up to hundreds of shipments, each with its own room: sent
        one by one, their pushes cost one round trip each after the commit.
        """
        if getattr(self._gathering, "messages", None) is not None:
            yield  # already inside a batch: the outer one sends
            return
        self._gathering.messages = []
        try:
            yield
        finally:
            messages, self._gathering.messages = self._gathering.messages, None
            if messages:
                self._send(messages)

    def _publish(self, data: Any) -> Any:
        """Publish one message (or keep it for the batch being gathered)."""
        gathered = getattr(self._gathering, "messages", None)
        if gathered is not None:
            gathered.append(data)
            return None
        return self._send([data])

    def _send(self, messages: list[Any]) -> Any:
        """Publish in one round trip; while Redis is away, drop them and log one line."""
        if self.failure is not None and time.monotonic() - self.failed_at < RETRY_SECONDS:
            for data in messages:
                self._drop(data)
            return None
        try:
            if not self.connected:
                self._redis_connect()
            pipeline = self.redis.pipeline(transaction=False)
            for data in messages:
                pipeline.publish(self.channel, self.json.dumps(data))
            result = pipeline.execute()
        except Exception as exc:  # redis-py's errors and OSError alike: Redis is away
            self.connected = False
            self._lost(exc)
            for data in messages:
                self._drop(data)
            return None
        self._back()
        return result

    def _lost(self, exc: Exception) -> None:
        with self._state_lock:
            first = self.failure is None
            self.failure = f"{exc.__class__.__name__}: {exc}"[:300]
            self.failed_at = time.monotonic()
        if first:
            log.warning("Socket.IO message queue unreachable (%s): dropping pushes", self.failure)

    def _back(self) -> None:
        if self.failure is None:
            return
        with self._state_lock:
            dropped, self.failure, self.dropped = self.dropped, None, 0
        log.warning("Socket.IO message queue answers again; %d pushes were dropped", dropped)

    def _drop(self, data: Any) -> None:
        with self._state_lock:
            self.dropped += 1
        event = data.get("event") if isinstance(data, dict) else None
        log.info("live push %s dropped: the message queue is away", event or "message")

    def status(self) -> dict[str, Any]:
        """How the last publish went: fine, or the error and how many pushes were dropped."""
        if self.failure is None:
            return {"ok": True}
        return {"ok": False, "error": self.failure, "dropped_pushes": self.dropped}

"""Background loops of a web process: the outbox's delivery, the VIP sweep, the tracking relay.

Each is one daemon thread per process, started by the process's first request, so CLI
commands and worker processes that build the same app never spawn one. Every round a
periodic loop finishes is a heartbeat (`community.heartbeats`), and each thread is listed in
`app.extensions` under `THREADS`, so `/healthz` can tell a stopped worker from a quiet one.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

from flask import Flask

from community import heartbeats

log = logging.getLogger(__name__)

THREADS = "portico.threads"


class FirstRequestThread:
    """Runs `target(app, stop)` in a daemon thread from the first request on; `stop` ends it."""

    def __init__(self, name: str, target: Callable[[Flask, threading.Event], None]) -> None:
        self.name = name
        self.target = target
        self.stop = threading.Event()
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None

    def attach(self, app: Flask) -> None:
        app.extensions.setdefault(THREADS, {})[self.name] = self
        app.before_request(lambda: self.ensure_started(app))

    def ensure_started(self, app: Flask) -> None:
        if self._thread is not None:
            return
        with self._lock:
            if self._thread is None:
                self._thread = threading.Thread(
                    target=self.target, args=(app, self.stop), name=self.name, daemon=True
                )
                self._thread.start()

    @property
    def started(self) -> bool:
        return self._thread is not None

    @property
    def alive(self) -> bool:
        return self._thread is not None and self._thread.is_alive()


def run_periodically(
    app: Flask, stop: threading.Event, every: float, name: str, work: Callable[[], str | None]
) -> None:
    """Call `work()` in an app context every `every` seconds until `stop` is set.

    `work` returns a line worth logging, or None when it found nothing to do. A failure (a
    broken database connection) is logged and the loop goes on at the next tick; only a
    round that finished counts as a heartbeat.
    """
    while not stop.wait(every):
        try:
            with app.app_context():
                summary = work()
                heartbeats.beat(name, every)
            if summary:
                log.info("%s: %s", name, summary)
        except Exception:
            log.exception("%s failed; trying again at the next tick", name)


def start_periodic(app: Flask, name: str, every: float, work: Callable[[], str | None]) -> None:
    """A sweep as each web process's background thread, from its first request on."""
    thread = FirstRequestThread(
        name, lambda app, stop: run_periodically(app, stop, every, name, work)
    )
    app.extensions[f"portico.{name}"] = thread
    thread.attach(app)
    heartbeats.expect(app, name, every)

"""Background loops of a web process: the outbox's delivery, the VIP sweep, the tracking relay.

Each is one daemon thread per process, started by the process's first request, so CLI
commands and worker processes that build the same app never spawn one.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

from flask import Flask


class FirstRequestThread:
    """Runs `target(app, stop)` in a daemon thread from the first request on; `stop` ends it."""

    def __init__(self, name: str, target: Callable[[Flask, threading.Event], None]) -> None:
        self.name = name
        self.target = target
        self.stop = threading.Event()
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None

    def attach(self, app: Flask) -> None:
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

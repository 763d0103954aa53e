"""The sweep's embedded default: a background loop in each web process.

Like the outbox's delivery thread, it starts with the first request (so CLI commands never
spawn one) and survives a failing database. Several processes sweeping at once is safe (see
`services.sweep`). Deployments that prefer workers set `VIP_SWEEP=worker` and run
`flask vip sweep --every 60` instead; `VIP_SWEEP_SECONDS` (default 60) sets the pace.
"""

from __future__ import annotations

import logging
import threading

from flask import Flask

from community.vip.services import sweep

log = logging.getLogger(__name__)

DEFAULT_SWEEP_SECONDS = 60


def run_sweeper(app: Flask, stop: threading.Event, every: float) -> None:
    """Sweep every `every` seconds until `stop` is set."""
    while not stop.wait(every):
        try:
            with app.app_context():
                report = sweep()
            if report.emails or report.escalations:
                log.info(
                    "vip sweep: %d unread emails, %d backup alerts",
                    report.emails,
                    report.escalations,
                )
        except Exception:  # a broken database connection must not end the loop
            log.exception("vip sweep failed; trying again at the next tick")


class SweepThread:
    def __init__(self, every: float) -> None:
        self.every = every
        self.stop = threading.Event()
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None

    def ensure_started(self, app: Flask) -> None:
        if self._thread is not None:
            return
        with self._lock:
            if self._thread is None:
                self._thread = threading.Thread(
                    target=run_sweeper,
                    args=(app, self.stop, self.every),
                    name="vip-sweep",
                    daemon=True,
                )
                self._thread.start()


def init_app(app: Flask) -> None:
    every = float(app.config.get("VIP_SWEEP_SECONDS", DEFAULT_SWEEP_SECONDS))
    if app.testing or every <= 0 or app.config.get("VIP_SWEEP", "thread") != "thread":
        return
    thread = SweepThread(every)
    app.extensions["portico.vip_sweep"] = thread
    app.before_request(lambda: thread.ensure_started(app))

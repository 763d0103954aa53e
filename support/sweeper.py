"""The sweep's embedded default: a background loop in each web process.

Like the outbox's delivery thread it starts with the first request and survives a failing
database; several processes sweeping at once is safe (see `services.sweep`). Deployments
that prefer workers set `SUPPORT_SWEEP=worker` and run `flask support sweep --every 60`.
"""

from __future__ import annotations

import logging
import threading

from flask import Flask

from community.background import FirstRequestThread
from support.services.sweep import sweep

log = logging.getLogger(__name__)


def run_sweeper(app: Flask, stop: threading.Event, every: float) -> None:
    """Sweep every `every` seconds until `stop` is set."""
    while not stop.wait(every):
        try:
            with app.app_context():
                report = sweep()
            if report.warned or report.breached or report.closed:
                log.info(
                    "support sweep: %d warned, %d breached, %d closed",
                    report.warned,
                    report.breached,
                    report.closed,
                )
        except Exception:  # a broken database connection must not end the loop
            log.exception("support sweep failed; trying again at the next tick")


def init_app(app: Flask) -> None:
    every = float(app.config["SUPPORT_SWEEP_SECONDS"])
    if app.testing or every <= 0 or app.config["SUPPORT_SWEEP"] != "thread":
        return
    thread = FirstRequestThread("support-sweep", lambda app, stop: run_sweeper(app, stop, every))
    app.extensions["portico.support_sweep"] = thread
    thread.attach(app)

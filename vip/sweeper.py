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

from community.background import FirstRequestThread
from vip.services import sweep

log = logging.getLogger(__name__)


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


def init_app(app: Flask) -> None:
    every = float(app.config["VIP_SWEEP_SECONDS"])
    if app.testing or every <= 0 or app.config["VIP_SWEEP"] != "thread":
        return
    thread = FirstRequestThread("vip-sweep", lambda app, stop: run_sweeper(app, stop, every))
    app.extensions["portico.vip_sweep"] = thread
    thread.attach(app)

"""The sweep's embedded default: a background loop in each web process.

Like the outbox's delivery thread, it starts with the first request (so CLI commands never
spawn one) and survives a failing database. Several processes sweeping at once is safe (see
`services.sweep`). Deployments that prefer workers set `VIP_SWEEP=worker` and run
`flask vip sweep --every 60` instead; `VIP_SWEEP_SECONDS` (default 60) sets the pace.
"""

from __future__ import annotations

import threading

from flask import Flask

from community.background import run_periodically, start_periodic
from vip.services import sweep

NAME = "vip-sweep"


def sweep_once() -> str | None:
    """One sweep; a line for the log when it sent anything."""
    report = sweep()
    if report.emails or report.escalations:
        return f"{report.emails} unread emails, {report.escalations} backup alerts"
    return None


def run_sweeper(app: Flask, stop: threading.Event, every: float) -> None:
    """Sweep every `every` seconds until `stop` is set (`flask vip sweep --every N`)."""
    run_periodically(app, stop, every, NAME, sweep_once)


def init_app(app: Flask) -> None:
    every = float(app.config["VIP_SWEEP_SECONDS"])
    if app.testing or every <= 0 or app.config["VIP_SWEEP"] != "thread":
        return
    start_periodic(app, NAME, every, sweep_once)

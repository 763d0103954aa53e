"""The sweep's embedded default: a background loop in each web process.

Like the outbox's delivery thread it starts with the first request and survives a failing
database; several processes sweeping at once is safe (see `services.sweep`). Deployments
that prefer workers set `SUPPORT_SWEEP=worker` and run `flask support sweep --every 60`.
"""

from __future__ import annotations

from flask import Flask

from community.background import start_periodic
from support.services.sweep import sweep


def sweep_once() -> str | None:
    """One sweep; a line for the log when it changed anything."""
    report = sweep()
    if report.warned or report.breached or report.closed:
        return f"{report.warned} warned, {report.breached} breached, {report.closed} closed"
    return None


def init_app(app: Flask) -> None:
    every = float(app.config["SUPPORT_SWEEP_SECONDS"])
    if app.testing or every <= 0 or app.config["SUPPORT_SWEEP"] != "thread":
        return
    start_periodic(app, "support-sweep", every, sweep_once)

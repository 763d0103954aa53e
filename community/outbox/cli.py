"""`flask outbox run|status`: delivery worker processes for the scale-out path."""

from __future__ import annotations

import logging
import signal
import threading
from types import FrameType

import click
from flask import current_app
from flask.cli import AppGroup

from community.outbox import delivery, services

outbox_cli = AppGroup("outbox", help="Deliver and inspect queued email.")


@outbox_cli.command("run")
@click.option("--once", is_flag=True, help="Deliver what is due now, then exit.")
@click.option("--poll", type=float, default=None, help="Seconds between polls when idle.")
def run(once: bool, poll: float | None) -> None:
    """Deliver queued email until stopped (SIGTERM or Ctrl-C finish the current message)."""
    if once:
        report = delivery.deliver_pending()
        click.echo(f"sent {report.sent}, retrying {report.retried}, failed {report.failed}")
        return
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s")
    stop = threading.Event()

    def request_stop(signum: int, frame: FrameType | None) -> None:
        stop.set()
        delivery.wake()

    signal.signal(signal.SIGTERM, request_stop)
    signal.signal(signal.SIGINT, request_stop)
    click.echo("outbox worker started; press Ctrl-C to stop")
    delivery.run_worker(current_app._get_current_object(), stop, poll)  # type: ignore[attr-defined]


@outbox_cli.command("status")
def status() -> None:
    """Print how many messages are queued, sending, sent and failed."""
    counts = services.outbox_counts()
    click.echo(" ".join(f"{name}={count}" for name, count in counts.items()))
    age = services.oldest_queued_age_seconds()
    if age is not None:
        click.echo(f"oldest waiting message: {age:.0f} s")

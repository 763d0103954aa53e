"""`flask outbox run|status`: delivery worker processes for the scale-out path."""

from __future__ import annotations

import gc
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
@click.option("--once", is_flag=True, help="Deliver everything due now, then exit.")
@click.option("--poll", type=float, default=None, help="Seconds between polls when idle.")
def run(once: bool, poll: float | None) -> None:
    """Deliver queued email until stopped (SIGTERM or Ctrl-C finish the current message)."""
    stop = threading.Event()

    def request_stop(signum: int, frame: FrameType | None) -> None:
        stop.set()
        delivery.wake()

    signal.signal(signal.SIGTERM, request_stop)
    signal.signal(signal.SIGINT, request_stop)
    if once:
        report = delivery.deliver_pending(stop=stop)
        click.echo(f"sent {report.sent}, retrying {report.retried}, failed {report.failed}")
        if stop.is_set():
            click.echo("stopped before the end: what was left is still queued")
    else:
        logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s")
        click.echo("outbox worker started; press Ctrl-C to stop")
        delivery.run_worker(current_app._get_current_object(), stop, poll)  # type: ignore[attr-defined]
    _skip_collection_at_exit()


def _skip_collection_at_exit() -> None:
    """Let the process end at once: a service manager is waiting on it.

    The interpreter's last garbage collection over the whole app took 1-2 s on a busy host,
    freeing memory of a process about to end; exit handlers and stream flushes still run.
    """
    gc.disable()
    gc.freeze()


@outbox_cli.command("status")
def status() -> None:
    """Print how many messages are queued, sending, sent and failed."""
    counts = services.outbox_counts()
    click.echo(" ".join(f"{name}={count}" for name, count in counts.items()))
    age = services.oldest_queued_age_seconds()
    if age is not None:
        click.echo(f"oldest waiting message: {age:.0f} s")

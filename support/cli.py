"""`flask support …`: the sweep (and, as a worker, `--every N`), mail in (`receive`, `fetch`).

`receive` is made for an MTA's pipe (`support: "|flask --app wsgi support receive"`): it
reads one message on stdin and prints one line saying what became of it. Its exit status
follows sendmail's conventions, which MTAs act on: 0 for every message it could parse,
whatever became of it (a request, a reply, a recorded bounce or automatic reply, a refusal
kept with its reason); 65 (EX_DATAERR) for input that is not a message at all, which the MTA
returns to the sender; 75 (EX_TEMPFAIL) when the database cannot be reached, so the MTA keeps
the message and tries again. It never prints a traceback.

`fetch` polls the IMAP mailbox in SUPPORT_IMAP_URL, once or (`--every N`) as a worker that
stops after the message in hand on SIGTERM or SIGINT.
"""

from __future__ import annotations

import hashlib
import signal
import sys
import threading
from typing import BinaryIO

import click
from flask import current_app
from flask.cli import AppGroup
from sqlalchemy.exc import InterfaceError, OperationalError

from community import heartbeats
from community.background import run_periodically
from support.mail import imap, inbound
from support.services.sweep import sweep as run_sweep
from support.sweeper import sweep_once

EX_DATAERR = 65
EX_TEMPFAIL = 75
READ_CHUNK = 1024 * 1024
STOP_SIGNALS = (signal.SIGTERM, signal.SIGINT)

support_cli = AppGroup("support", help="Support requests: the sweep and mail in.")


@support_cli.command("sweep")
@click.option("--every", type=click.IntRange(min=1), default=None, help="Repeat every N seconds.")
def sweep_command(every: int | None) -> None:
    """Warn before promises break, tell leads when they break, close old solved requests.

    Safe in several processes at once, and beside the web processes' own sweep.
    """
    if every is None:
        report = run_sweep()
        click.echo(f"warned {report.warned}, breached {report.breached}, closed {report.closed}")
        return
    click.echo(f"sweeping every {every} s; Ctrl+C stops")
    stop = threading.Event()
    try:
        run_periodically(
            current_app._get_current_object(),  # type: ignore[attr-defined]
            stop, every, "support-sweep", sweep_once,
        )  # fmt: skip
    except KeyboardInterrupt:
        stop.set()


@support_cli.command("receive")
def receive_command() -> None:
    """Read one RFC 822 message on stdin (an MTA's pipe) and say what became of it."""
    stream = sys.stdin.buffer
    limit = int(current_app.config["SUPPORT_MAX_MESSAGE_BYTES"])
    raw = stream.read(limit + 1)
    try:
        if len(raw) > limit:
            size, digest = _drain(stream, raw)
            received = inbound.receive_oversized(
                raw[: inbound.HEAD_BYTES], size=size, digest_of=digest
            )
        else:
            received = inbound.receive(raw)
    except inbound.NotAMessage as error:
        click.echo(f"not a message: {error}", err=True)
        sys.exit(EX_DATAERR)
    except (OperationalError, InterfaceError) as error:
        click.echo(f"database unavailable, try again later: {type(error).__name__}", err=True)
        sys.exit(EX_TEMPFAIL)
    except Exception as error:  # recorded with its bytes; the MTA must not bounce it
        current_app.logger.error("support receive: %r", error)
        received = _record_failure(raw[:limit], f"could not be processed: {type(error).__name__}")
    click.echo(received.describe())


def _drain(stream: BinaryIO, head: bytes) -> tuple[int, bytes]:
    """Read the rest of a message too large to keep: its size and a digest of all of it."""
    digest = hashlib.sha256(head)
    size = len(head)
    while chunk := stream.read(READ_CHUNK):
        digest.update(chunk)
        size += len(chunk)
    return size, digest.digest()


def _record_failure(raw: bytes, reason: str) -> inbound.Received:
    try:
        return inbound.record_failure(raw, reason)
    except Exception as error:  # the MTA will try again
        click.echo(f"could not record the message, try again later: {error!r}", err=True)
        sys.exit(EX_TEMPFAIL)


@support_cli.command("fetch")
@click.option("--every", type=click.IntRange(min=1), default=None, help="Poll every N seconds.")
def fetch_command(every: int | None) -> None:
    """Receive the unseen messages of the IMAP mailbox in SUPPORT_IMAP_URL."""
    url = current_app.config.get("SUPPORT_IMAP_URL")
    if not url:
        raise click.ClickException("SUPPORT_IMAP_URL is not set.")
    try:
        settings = imap.ImapSettings.from_url(url)
    except ValueError as error:
        raise click.ClickException(str(error)) from None
    stop = imap.Stop()
    previous = {number: signal.signal(number, stop.set) for number in STOP_SIGNALS}
    try:
        _fetch_until_stopped(settings, every, stop)
    finally:
        for number, handler in previous.items():
            signal.signal(number, handler)


def _fetch_until_stopped(settings: imap.ImapSettings, every: int | None, stop: imap.Stop) -> None:
    """Poll once, or every N seconds until stopped; a failed poll is reported, and a worker
    tries again at its next poll."""
    while True:
        try:
            click.echo(imap.fetch(settings, stop).describe())
            if every is not None:
                heartbeats.beat("support-fetch", every)
        except Exception as error:  # mailbox or database away, or a fault: one line, no trace
            problem = _problem(error)
            if every is None:
                raise click.ClickException(problem) from None
            click.echo(f"{problem}; trying again in {every} s", err=True)
        if every is None or stop.requested:
            return
        stop.sleep(every)
        if stop.requested:
            return


def _problem(error: Exception) -> str:
    if isinstance(error, imap.MailboxError):
        return f"mailbox unavailable: {error}"
    if isinstance(error, OperationalError | InterfaceError):
        return f"database unavailable: {type(error.orig or error).__name__}"
    current_app.logger.exception("support fetch failed")
    return f"fetch failed: {error!r}"

"""`flask vip …`: run the sweep (once, or as a worker), assign a client, make bulk pairs."""

from __future__ import annotations

import threading

import click
from flask import current_app
from flask.cli import AppGroup
from flask_babel import force_locale

from community.accounts.services import find_user_by_email
from community.errors import DomainError
from vip.seeding import seed_pairs
from vip.services import assign_client, sweep
from vip.sweeper import run_sweeper

vip_cli = AppGroup("vip", help="The VIP club: the unread-email sweep, assignments, bulk data.")


@vip_cli.command("sweep")
@click.option(
    "--every",
    type=click.FloatRange(min=1),
    default=None,
    help="Keep sweeping every N seconds (a worker) instead of once.",
)
def sweep_command(every: float | None) -> None:
    """Email unread message bursts and alert backups of overdue clients.

    Safe to run in several processes at once, and beside the web processes' own sweep.
    """
    if every is None:
        report = sweep()
        click.echo(f"{report.emails} unread emails queued, {report.escalations} backup alerts")
        return
    click.echo(f"sweeping every {every:g} s; Ctrl+C stops")
    stop = threading.Event()
    try:
        run_sweeper(current_app._get_current_object(), stop, every)  # type: ignore[attr-defined]
    except KeyboardInterrupt:
        stop.set()


@vip_cli.command("assign")
@click.argument("client_email")
@click.option("--tier", required=True, help="A tier from VIP_TIERS, or 'none' to end it.")
@click.option("--manager", "manager_email", help="The account manager's email.")
@click.option("--backup", "backup_email", help="The backup manager's email.")
def assign_command(
    client_email: str, tier: str, manager_email: str | None, backup_email: str | None
) -> None:
    """Make CLIENT_EMAIL a VIP of TIER with a manager (emails the client and the manager)."""
    people = {}
    for label, email in (
        ("client", client_email),
        ("manager", manager_email),
        ("backup", backup_email),
    ):
        if email is None:
            people[label] = None
            continue
        person = find_user_by_email(email)
        if person is None:
            raise click.BadParameter(f"no account uses {email}", param_hint=label)
        people[label] = person
    # Messages in the default language: a command has no request to take one from.
    with force_locale(current_app.config["BABEL_DEFAULT_LOCALE"]):
        try:
            assign_client(
                people["client"],
                tier=None if tier.lower() == "none" else tier,
                manager=people["manager"],
                backup=people["backup"],
                by=None,
            )
        except DomainError as error:
            raise click.BadParameter(error.message, param_hint=error.field or "tier") from error
    click.echo(f"{client_email}: tier {tier}, manager {manager_email or '-'}")


@vip_cli.command("seed-pairs")
@click.option("--pairs", type=click.IntRange(min=1), default=500, show_default=True)
def seed_pairs_command(pairs: int) -> None:
    """Make N gold clients, each assigned to a manager of their own (for benchmarks)."""
    with click.progressbar(length=pairs, label="client–manager pairs") as bar:
        for added in seed_pairs(pairs):
            bar.update(added)
    click.echo(f"{pairs} pairs exist (password: bulk-password)")

"""`flask tracking simulate`: play the carrier for the demo, through the API's service."""

from __future__ import annotations

import random
import time

import click
from flask.cli import AppGroup
from sqlalchemy import select

from community.accounts.models import User
from community.extensions import db
from community.urls import external_url
from tracking.codes import FINAL
from tracking.models import Shipment
from tracking.numbers import normalise_number
from tracking.seeding import DEMO_OWNERS, new_demo_shipment
from tracking.seeding.simulation import next_event
from tracking.services import record_events

tracking_cli = AppGroup("tracking", help="Order and shipment tracking.")


def _candidates(numbers: tuple[str, ...]) -> list[Shipment]:
    statement = select(Shipment).where(Shipment.status.not_in(list(FINAL))).order_by(Shipment.id)
    if numbers:
        statement = statement.where(
            Shipment.tracking_number.in_([normalise_number(n) for n in numbers])
        )
    else:
        statement = statement.join(User, User.id == Shipment.owner_id).where(
            User.email.in_(DEMO_OWNERS)
        )
    return list(db.session.scalars(statement))


@tracking_cli.command("simulate")
@click.option(
    "--interval",
    type=click.FloatRange(min=0),
    default=3.0,
    show_default=True,
    help="Seconds between events.",
)
@click.option(
    "--events",
    "limit",
    type=click.IntRange(min=1),
    default=None,
    help="Stop after this many events (default: when every shipment has arrived).",
)
@click.option(
    "--number",
    "numbers",
    multiple=True,
    help="Move only this shipment (repeatable; default: the demo accounts' shipments).",
)
@click.option("--seed", type=int, default=None, help="Make the surprises repeatable.")
def simulate(
    interval: float, limit: int | None, numbers: tuple[str, ...], seed: int | None
) -> None:
    """Move shipments along one event at a time, with alerts and live updates, as a carrier."""
    rng = random.Random(seed)
    sent = 0
    if not numbers and not _candidates(numbers):
        shipment = new_demo_shipment()
        if shipment is None:
            raise click.ClickException("no demo customer: run `flask --app wsgi seed-demo` first")
        click.echo(
            f"every demo shipment has arrived; registered a new one: {shipment.tracking_number}"
        )
    try:
        while limit is None or sent < limit:
            candidates = _candidates(numbers)
            if not candidates:
                click.echo("every shipment has arrived")
                return
            for shipment in candidates:
                event = next_event(shipment, rng)
                if event is None:
                    continue
                result = record_events([event])
                sent += 1
                click.echo(
                    f"{sent:>4}  {event.tracking_number}  {event.code.value:<17} "
                    f"{event.location:<18} {result.alerts_queued} alert(s) queued  "
                    f"{external_url('tracking.shipment_page', number=event.tracking_number)}"
                )
                db.session.expire_all()
                if limit is not None and sent >= limit:
                    return
                time.sleep(interval)
    except KeyboardInterrupt:
        click.echo(f"stopped after {sent} event(s)")

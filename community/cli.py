"""Core commands: `seed-demo`, `seed-bulk`, `api-token create`."""

from __future__ import annotations

import time

import click
from flask import Flask
from flask.cli import AppGroup, with_appcontext

from community.api import services as api_tokens
from community.registry import registry
from community.seeding import DEMO_PASSWORD, bulk_users, has_users, seed_demo_accounts


@click.command("seed-demo")
@with_appcontext
@click.option(
    "--first-start",
    is_flag=True,
    help="Do nothing when the database already has users (what `make run` uses).",
)
def seed_demo(first_start: bool) -> None:
    """Create the demo accounts and each feature's demo data; running it twice changes nothing."""
    if first_start and has_users():
        click.echo("demo data: the database already has users; nothing to do")
        return
    created = seed_demo_accounts()
    for _order, seeder in sorted(registry().demo_seeders, key=lambda item: item[0]):
        seeder()
    if created:
        click.echo(f"created demo accounts ({DEMO_PASSWORD}): " + ", ".join(created))
    else:
        click.echo("demo accounts already exist")


@click.command("seed-bulk")
@with_appcontext
@click.option("--users", type=click.IntRange(min=0), default=0, help="Customers to create.")
@click.option("--articles", type=click.IntRange(min=0), default=0, help="Knowledge-base articles.")
@click.option("--topics", type=click.IntRange(min=0), default=0, help="Forum topics.")
@click.option(
    "--posts-per-topic", type=click.IntRange(min=0), default=0, help="Replies in each topic."
)
@click.option("--shipments", type=click.IntRange(min=0), default=0, help="Shipments.")
@click.option(
    "--events-per-shipment", type=click.IntRange(min=0), default=0, help="Events per shipment."
)
@click.option(
    "--vip-pairs", type=click.IntRange(min=0), default=0, help="VIP clients, each with a manager."
)
def seed_bulk(**sizes: int) -> None:
    """Generate large amounts of data for benchmarks, with a progress bar for each part."""
    started = time.perf_counter()
    if sizes["users"]:
        with click.progressbar(length=sizes["users"], label="users") as bar:
            for added in bulk_users(sizes["users"]):
                bar.update(added)
    for _order, seeder in sorted(registry().bulk_seeders, key=lambda item: item[0]):
        seeder(**sizes)
    click.echo(f"done in {time.perf_counter() - started:.1f} s")


api_token_cli = AppGroup("api-token", help="Manage bearer tokens for the JSON API.")


@api_token_cli.command("create")
@click.argument("name")
def create_api_token(name: str) -> None:
    """Create a token called NAME and print it once (only its digest is stored)."""
    try:
        token, secret = api_tokens.create_token(name)
    except api_tokens.TokenNameError as error:
        raise click.BadParameter(str(error), param_hint="NAME") from error
    click.echo(secret)
    click.echo(f"token {token.id} ({token.name}) created; it will not be shown again", err=True)


def init_app(app: Flask) -> None:
    app.cli.add_command(seed_demo)
    app.cli.add_command(seed_bulk)
    app.cli.add_command(api_token_cli)

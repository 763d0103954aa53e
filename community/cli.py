"""Core commands: `seed-demo`, `seed-bulk`, `api-token create`.

`init_app` runs after the features registered, so `seed-bulk` carries their size options.
"""

from __future__ import annotations

import time

import click
from flask import Flask
from flask.cli import AppGroup, with_appcontext

from community.api import services as api_tokens
from community.registry import BulkOption, registry
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


def seed_bulk_command(app: Flask) -> click.Command:
    """`seed-bulk`, with a size option for each part a feature registered (`--topics N`)."""
    options = [BulkOption("users", "Customers to create."), *registry(app).bulk_options]

    @with_appcontext
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

    params: list[click.Parameter] = [
        click.Option(
            ["--" + option.name.replace("_", "-"), option.name],
            type=click.IntRange(min=0),
            default=0,
            help=str(option.help),
        )
        for option in options
    ]
    return click.Command("seed-bulk", callback=seed_bulk, params=params, help=seed_bulk.__doc__)


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
    app.cli.add_command(seed_bulk_command(app))
    app.cli.add_command(api_token_cli)

"""`flask --app wsgi kb import PATH` and `flask --app wsgi kb reindex`."""

from __future__ import annotations

import sys
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup
from flask_babel import force_locale

from community.accounts.services import find_user_by_email
from kb.policy import can_edit
from kb.search import document_total, index_is_usable, rebuild
from kb.services.importer import import_folder, markdown_files

kb_cli = AppGroup("kb", help="Knowledge base: import articles, rebuild the search index.")


@contextmanager
def default_locale() -> Iterator[None]:
    """Messages of a command (outside any request) in the portal's default language."""
    with force_locale(current_app.config["BABEL_DEFAULT_LOCALE"]):
        yield


@kb_cli.command("import")
@click.argument("path", type=click.Path(exists=True, path_type=Path))
@click.option("--author", metavar="EMAIL", help="An editor to record as the author.")
def import_command(path: Path, author: str | None) -> None:
    """Import Markdown files with front matter (title, category, tags, status).

    Prints what was created, updated or refused (with the reason); a refused file changes
    nothing. Exits with status 1 when any file was refused.
    """
    user = None
    if author:
        user = find_user_by_email(author)
        if user is None or not can_edit(user):
            raise click.BadParameter("no editor has this email", param_hint="--author")
    files = markdown_files(path)
    if not files:
        click.echo(f"no Markdown files (*.md, *.markdown) under {path}")
        return
    results = []
    with (
        default_locale(),
        click.progressbar(length=len(files), label="importing", file=sys.stderr) as bar,
    ):
        for result in import_folder(path, by=user):
            results.append(result)
            bar.update(1)
    for result in results:
        where = result.path.relative_to(path) if path.is_dir() else result.path.name
        if result.action == "refused":
            click.echo(f"refused    {where}: {result.reason}")
        else:
            click.echo(f"{result.action:<10} {where} -> {result.slug}")
    counts = Counter(result.action for result in results)
    click.echo(
        f"{counts['created']} created, {counts['updated']} updated, "
        f"{counts['unchanged']} unchanged, {counts['refused']} refused"
    )
    if counts["refused"]:
        sys.exit(1)


@kb_cli.command("reindex")
@click.option(
    "--if-missing",
    is_flag=True,
    help="Only when the index is missing or broken, and no other rebuild is running "
    "(what a web process starts at need).",
)
def reindex_command(if_missing: bool) -> None:
    """Rebuild the search index into a fresh folder and swap it in.

    Searches keep using the current index until the new one is ready; changes saved
    meanwhile are carried over.
    """
    if if_missing and index_is_usable():
        click.echo("the search index is fine; nothing to do")
        return
    started = time.perf_counter()
    with click.progressbar(length=document_total(), label="indexing", file=sys.stderr) as bar:
        count = rebuild(progress=bar.update, wait=not if_missing)
    if count < 0:
        click.echo("another process is rebuilding the index; nothing to do")
        return
    click.echo(f"indexed {count} documents in {time.perf_counter() - started:.1f} s")

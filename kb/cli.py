"""`flask --app wsgi kb import PATH` and `flask --app wsgi kb reindex`."""

from __future__ import annotations

import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup
from flask_babel import force_locale

from community.accounts.services import find_user_by_email
from community.errors import InvalidInput
from kb.models import ArticleStatus
from kb.policy import can_edit
from kb.search import document_total, index_is_usable, rebuild
from kb.services.importer import (
    FORMATS,
    ImportOptions,
    ImportReport,
    Source,
    import_source,
    read_source,
)

kb_cli = AppGroup("kb", help="Knowledge base: import articles, rebuild the search index.")


@contextmanager
def default_locale() -> Iterator[None]:
    """Messages of a command (outside any request) in the portal's default language."""
    with force_locale(current_app.config["BABEL_DEFAULT_LOCALE"]):
        yield


@kb_cli.command("import")
@click.argument("path", type=click.Path(exists=True, path_type=Path))
@click.option("--author", metavar="EMAIL", help="An editor to record as the author.")
@click.option(
    "--status",
    type=click.Choice([item.value for item in ArticleStatus]),
    default=ArticleStatus.DRAFT.value,
    show_default=True,
    help="For files whose front matter names no status (and no `draft: true`).",
)
@click.option("--category", metavar="NAME", help="For files that name no category.")
@click.option(
    "--category-from-folders",
    is_flag=True,
    help="A file that names no category goes in the category of its top folder.",
)
@click.option("--dry-run", is_flag=True, help="Read and report everything; save nothing.")
@click.option(
    "--format",
    "source_format",
    type=click.Choice(FORMATS),
    default="auto",
    show_default=True,
    help="What PATH holds; auto: a Zendesk export for a .json file or a folder with "
    "articles.json, Markdown files otherwise.",
)
def import_command(
    path: Path,
    author: str | None,
    status: str,
    category: str | None,
    category_from_folders: bool,
    dry_run: bool,
    source_format: str,
) -> None:
    """Import a help centre as it is: a documentation folder (Hugo, MkDocs, Docusaurus,
    VitePress, Jekyll, plain Markdown) or a Zendesk Guide export.

    Prints every document's outcome with all its problems and warnings, the fields kept as
    metadata, and the links that could not be resolved. Exits with status 1 when any
    document was refused; a refused document changes nothing.
    """
    user = None
    if author:
        user = find_user_by_email(author)
        if user is None or not can_edit(user):
            raise click.BadParameter("no editor has this email", param_hint="--author")
    options = ImportOptions(
        status=ArticleStatus(status),
        category=category,
        category_from_folders=category_from_folders,
        dry_run=dry_run,
    )
    started = time.perf_counter()
    with default_locale():
        source = _read(path, options, source_format)
        if not source.documents:
            click.echo(f"nothing to import under {path} (Markdown: *.md, *.markdown, *.mdx)")
            return
        length = len(source.documents)
        with click.progressbar(length=length, label="importing", file=sys.stderr) as bar:
            report = import_source(source, options, by=user, progress=lambda _r: bar.update(1))
        _print_report(report, time.perf_counter() - started)
    if report.counts()["refused"]:
        sys.exit(1)


def _read(path: Path, options: ImportOptions, source_format: str) -> Source:
    try:
        return read_source(path, options, source_format)
    except InvalidInput as error:
        raise click.ClickException(error.message) from error


def _print_report(report: ImportReport, seconds: float) -> None:
    """One line per file, its problems and warnings under it, then the totals."""
    for result in report.results:
        if result.action == "refused":
            click.echo(f"refused    {result.path}: {'; '.join(result.problems)}")
        else:
            click.echo(f"{result.action:<10} {result.path} -> {result.slug}")
        for warning in result.warnings:
            click.echo(f"  warning: {warning}")
        for link in result.unresolved:
            click.echo(f"  unresolved link: {link}")
    if report.unknown_fields:
        kept = ", ".join(
            f"{name} ({count})" for name, count in sorted(report.unknown_fields.items())
        )
        click.echo(f"fields kept as metadata (files): {kept}")
    counts = report.counts()
    unresolved = sum(len(result.unresolved) for result in report.results)
    click.echo(
        f"{counts['created']} created, {counts['updated']} updated, "
        f"{counts['unchanged']} unchanged, {counts['refused']} refused, "
        f"{unresolved} unresolved links in {seconds:.1f} s"
    )
    if report.dry_run:
        click.echo("dry run: nothing was saved")


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

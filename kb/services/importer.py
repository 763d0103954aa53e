"""`kb import PATH`: bring a help centre in as it is: a documentation folder (Hugo, MkDocs,
Docusaurus, VitePress, Jekyll, or plain Markdown files) or a Zendesk Guide export.

An article's identity is where it came from: the file's path inside the imported folder (or
an explicit `import_key` that survives a move, or an old address in its `aliases`), or the
Zendesk article's id (`zendesk:123`). Importing again updates the same articles, and a
document whose bytes (and options) have not changed is skipped without being parsed into a
revision. Every document is read and planned first, so links between documents can be
rewritten to the articles' addresses before anything is saved; then documents are saved a
batch at a time, each in a SAVEPOINT of its own (a refused one changes nothing), and the
search index is written once for the whole import.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from community.errors import InvalidInput
from community.extensions import db
from kb.models import Article, ArticleAlias, ImportSource
from kb.search import deferred
from kb.services.articles import MAX_NOTE, NOTE_IMPORTED, ArticleInput, slugify
from kb.services.import_documents import Document, ImportOptions, Source, read_document
from kb.services.import_files import file_url
from kb.services.import_links import LinkResolver
from kb.services.import_saving import category_id, recorder, stage_article
from kb.services.import_zendesk import is_zendesk_export, read_zendesk
from kb.services.indexing import article_url

SUFFIXES = {".md", ".markdown", ".mdx"}
FORMATS = ("auto", "markdown", "zendesk")
BATCH = 100  # documents per commit

__all__ = [
    "FORMATS",
    "FileResult",
    "ImportOptions",
    "ImportReport",
    "Source",
    "import_path",
    "import_source",
    "markdown_files",
    "read_source",
]


@dataclass
class FileResult:
    path: str
    action: str  # "created", "updated", "unchanged" or "refused"
    slug: str = ""
    problems: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    unresolved: list[str] = field(default_factory=list)


@dataclass
class ImportReport:
    results: list[FileResult] = field(default_factory=list)
    unknown_fields: Counter[str] = field(default_factory=Counter)
    dry_run: bool = False

    def counts(self) -> Counter[str]:
        return Counter(result.action for result in self.results)


@dataclass
class _Known:
    """What the database already knows, loaded once per import (values, not rows: a row
    would be expired by every commit and read again)."""

    by_path: dict[str, tuple[int, str]]  # source path -> (article id, content hash)
    by_key: dict[str, int]
    by_alias: dict[str, int]
    slugs: dict[int, str]


def markdown_files(path: Path) -> list[Path]:
    if path.is_file():
        return [path]
    return sorted(
        item for item in path.rglob("*") if item.is_file() and item.suffix.lower() in SUFFIXES
    )


def read_source(path: Path, options: ImportOptions, source_format: str = "auto") -> Source:
    """The documents under `path`: a Zendesk export when `format` says so, or, with "auto",
    when `path` is a `.json` file or a folder holding `articles.json`; Markdown otherwise.
    InvalidInput when an export cannot be read at all."""
    if source_format == "zendesk" or (source_format == "auto" and is_zendesk_export(path)):
        return read_zendesk(path, options)
    root = path if path.is_dir() else path.parent
    documents = [read_document(root, file, options) for file in markdown_files(path)]
    return Source(root, documents, lambda slugs: LinkResolver(root, slugs, article_url))


def _known() -> _Known:
    columns = (ImportSource.path, ImportSource.key, ImportSource.article_id)
    rows = db.session.execute(select(*columns, ImportSource.content_hash)).all()
    return _Known(
        by_path={path: (article_id, digest) for path, _key, article_id, digest in rows},
        by_key={key: article_id for _path, key, article_id, _digest in rows if key},
        by_alias=dict(db.session.execute(select(ArticleAlias.path, ArticleAlias.article_id)).all()),
        slugs=dict(db.session.execute(select(Article.id, Article.slug)).all()),
    )


def _article_of(document: Document, known: _Known, sourced: set[int], by_slug: dict) -> int | None:
    """The article this document already is: by key, by path, by an old address, by slug."""
    if document.key and document.key in known.by_key:
        return known.by_key[document.key]
    if document.path in known.by_path:
        return known.by_path[document.path][0]
    for alias in [*document.aliases, document.source_alias]:
        if alias in known.by_alias:
            return known.by_alias[alias]
    found = by_slug.get(document.slug) if document.slug else None
    return found if found is not None and found not in sourced else None


def _new_slug(document: Document, taken: set[str]) -> str:
    base = document.slug if document.slug and document.slug not in taken else None
    base = base or slugify(document.title)
    candidate, number = base, 1
    while candidate in taken:
        number += 1
        candidate = f"{base}-{number}"
    taken.add(candidate)
    return candidate


def _plan(documents: list[Document], known: _Known) -> dict[str, tuple[int | None, str]]:
    """Each good document's article (None for a new one) and slug; two documents for one
    article refuse the second."""
    taken = set(known.slugs.values())
    by_slug = {slug: article_id for article_id, slug in known.slugs.items()}
    sourced = {article_id for article_id, _digest in known.by_path.values()}
    claimed: set[int] = set()
    plan: dict[str, tuple[int | None, str]] = {}
    for document in documents:
        if document.problems:
            continue
        article_id = _article_of(document, known, sourced, by_slug)
        if article_id is not None and article_id in claimed:
            document.problems.append(
                _("another file in this import is the same article ('%(slug)s')",
                  slug=known.slugs[article_id])
            )  # fmt: skip
            continue
        if article_id is not None:
            claimed.add(article_id)
            plan[document.path] = (article_id, known.slugs[article_id])
        else:
            plan[document.path] = (None, _new_slug(document, taken))
    return plan


def _save(document: Document, planned: tuple[int | None, str], context: dict) -> FileResult:
    article_id, slug = planned
    result = FileResult(document.path, "updated" if article_id else "created", slug)
    result.warnings = list(document.warnings)
    rewritten = context["resolver"].rewrite(
        document.path, document.body, lambda name: file_url(slug, name)
    )
    result.unresolved = list(dict.fromkeys(rewritten.unresolved))
    result.warnings += rewritten.warnings
    if context["options"].dry_run:
        return result
    try:
        with db.session.begin_nested():
            data = ArticleInput(
                title=document.title,
                body=rewritten.body,
                category_id=category_id(
                    document.category, context["categories"], document.category_position
                ),
                tags=document.tags,
                note=f"{NOTE_IMPORTED}:{document.path}"[:MAX_NOTE],
                language=document.language,
            )
            existing = db.session.get(Article, article_id) if article_id else None
            record = recorder(document, rewritten, context["root"], result.warnings)
            stage_article(
                existing, data, by=context["by"], status=document.status, slug=slug,
                with_article=record,
            )  # fmt: skip
    except InvalidInput as refusal:
        result.action, result.problems = "refused", [refusal.message]
    except IntegrityError as error:  # another writer took its address a moment ago
        reason = str(error.orig).splitlines()[0][:200]
        result.action = "refused"
        result.problems = [_("the database refused it: %(reason)s", reason=reason)]
    return result


def _begin_batch() -> None:
    """Open the batch's transaction. SQLite's Python driver begins one only before a write,
    so the first SAVEPOINT would begin (and its RELEASE commit) it: one commit per file."""
    connection = db.session.connection()
    if connection.dialect.name == "sqlite":
        driver = connection.connection.dbapi_connection
        if driver is not None and not driver.in_transaction:
            connection.exec_driver_sql("BEGIN IMMEDIATE")


def import_source(
    source: Source,
    options: ImportOptions,
    *,
    by: Any = None,
    progress: Callable[[FileResult], None] | None = None,
) -> ImportReport:
    """Import every document of `source`; one result per document."""
    report = ImportReport(dry_run=options.dry_run)
    for document in source.documents:
        report.unknown_fields.update(document.extra.keys())
    known = _known()
    plan = _plan(source.documents, known)
    slugs = {path: known.slugs[article_id] for path, (article_id, _h) in known.by_path.items()}
    slugs.update({name: slug for name, (_id, slug) in plan.items()})
    context = {
        "options": options, "by": by, "root": source.root, "categories": {},
        "resolver": source.links(slugs),
    }  # fmt: skip
    with deferred():
        for start in range(0, len(source.documents), BATCH):
            if not options.dry_run:
                _begin_batch()
            for document in source.documents[start : start + BATCH]:
                result = _one(document, plan, known, context)
                report.results.append(result)
                if progress:
                    progress(result)
            db.session.commit()
    return report


def import_path(
    path: Path,
    options: ImportOptions,
    *,
    by: Any = None,
    progress: Callable[[FileResult], None] | None = None,
    source_format: str = "auto",
) -> ImportReport:
    """Import the documents under `path` (see `read_source`)."""
    source = read_source(path, options, source_format)
    return import_source(source, options, by=by, progress=progress)


def _one(document: Document, plan: dict, known: _Known, context: dict) -> FileResult:
    if document.problems:
        return FileResult(
            document.path, "refused", problems=document.problems, warnings=document.warnings
        )
    article_id, slug = plan[document.path]
    if known.by_path.get(document.path) == (article_id, document.digest):
        return FileResult(document.path, "unchanged", slug)
    return _save(document, plan[document.path], context)

"""`kb import PATH`: bring a documentation folder in as it is (Hugo, MkDocs, Docusaurus,
VitePress, Jekyll, or plain Markdown files).

An article's identity is its source file: the path inside the imported folder, or an
explicit `import_key` that survives a move, or an old address in its `aliases`. Importing the
folder again updates the same articles, and a file whose bytes (and options) have not changed
is skipped without being parsed into a revision. Every file is read and planned first, so
links between documents can be rewritten to the articles' addresses before anything is
saved; then each file is saved in its own transaction (a refused file changes nothing), and
the search index is written once for the whole import.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import func, select

from community.errors import InvalidInput
from community.extensions import db
from community.markdown import shorten
from kb.models import Article, ArticleAlias, ArticleStatus, Category, ImportSource
from kb.search import deferred
from kb.services import cache_keys
from kb.services.articles import MAX_NOTE, NOTE_IMPORTED, ArticleInput, save_article, slugify
from kb.services.import_documents import Document, ImportOptions, read_document
from kb.services.import_files import attach_files, file_url
from kb.services.import_links import LinkResolver, Rewritten
from kb.services.indexing import article_url

SUFFIXES = {".md", ".markdown", ".mdx"}

__all__ = ["FileResult", "ImportOptions", "ImportReport", "import_path", "markdown_files"]


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
    """What the database already knows, loaded once per import."""

    by_path: dict[str, ImportSource]
    by_key: dict[str, ImportSource]
    by_alias: dict[str, int]
    slugs: dict[int, str]
    sourced: set[int]


def markdown_files(path: Path) -> list[Path]:
    if path.is_file():
        return [path]
    return sorted(
        item for item in path.rglob("*") if item.is_file() and item.suffix.lower() in SUFFIXES
    )


def _known() -> _Known:
    sources = list(db.session.scalars(select(ImportSource)))
    return _Known(
        by_path={source.path: source for source in sources},
        by_key={source.key: source for source in sources if source.key},
        by_alias=dict(db.session.execute(select(ArticleAlias.path, ArticleAlias.article_id)).all()),
        slugs=dict(db.session.execute(select(Article.id, Article.slug)).all()),
        sourced={source.article_id for source in sources},
    )


def _article_of(document: Document, known: _Known) -> int | None:
    """The article this file already is: by key, by path, by an old address, by its slug."""
    for source in (known.by_key.get(document.key or ""), known.by_path.get(document.path)):
        if source is not None:
            return source.article_id
    stem = document.path.rsplit(".", 1)[0]
    for alias in [*document.aliases, stem]:
        if alias in known.by_alias:
            return known.by_alias[alias]
    if document.slug:
        found = next((i for i, s in known.slugs.items() if s == document.slug), None)
        if found is not None and found not in known.sourced:
            return found
    return None


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
    """Each good file's article (None for a new one) and slug; two files for one article
    refuse the second."""
    taken = set(known.slugs.values())
    claimed: set[int] = set()
    plan: dict[str, tuple[int | None, str]] = {}
    for document in documents:
        if document.problems:
            continue
        article_id = _article_of(document, known)
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


def _category_id(name: str | None, cache: dict[str, int]) -> int | None:
    """The category with this slug or name, created when there is none."""
    if not name:
        return None
    slug = slugify(name, fallback="category")
    if slug not in cache:
        found = db.session.scalar(
            select(Category).where(
                (Category.slug == slug) | (func.lower(Category.name) == name.lower())
            )
        )
        if found is None:  # flushed, not cached: a refused file leaves no category behind
            found = Category(slug=slug, name=name.strip()[:120], description="")
            db.session.add(found)
            db.session.flush()
            cache_keys.forget_categories()
            return found.id
        cache[slug] = found.id
    return cache[slug]


def _record(
    document: Document, rewritten: Rewritten, root: Path, warnings: list[str]
) -> Callable[[Article], None]:
    """What the import keeps beside the article, in the article's own transaction."""

    def with_article(article: Article) -> None:
        source = db.session.scalar(
            select(ImportSource).where(ImportSource.article_id == article.id)
        )
        if source is None:
            source = ImportSource(article_id=article.id)
            db.session.add(source)
        source.path, source.key, source.content_hash = document.path, document.key, document.digest
        source.extra, source.position = document.extra, document.position
        if document.summary:
            article.summary = shorten(document.summary, 300)
        if document.created:
            article.created_at = document.created
            if article.status == ArticleStatus.PUBLISHED:
                article.published_at = document.created
        if document.modified:
            article.updated_at = document.modified
        _add_aliases(article, document, warnings)
        attach_files(article, root, rewritten.files, warnings)

    return with_article


def _add_aliases(article: Article, document: Document, warnings: list[str]) -> None:
    stem = document.path.rsplit(".", 1)[0]
    wanted = list(dict.fromkeys([*document.aliases, stem]))
    owners = dict(
        db.session.execute(
            select(ArticleAlias.path, ArticleAlias.article_id).where(ArticleAlias.path.in_(wanted))
        ).all()
    )
    for alias in wanted:
        if alias in owners and owners[alias] != article.id and alias != stem:
            warnings.append(
                _("the old address '%(alias)s' belongs to another article", alias=alias)
            )
        elif alias not in owners and len(alias) <= 500:
            db.session.add(ArticleAlias(article_id=article.id, path=alias))


def _save(
    document: Document, planned: tuple[int | None, str], resolver: LinkResolver, context: dict
) -> FileResult:
    article_id, slug = planned
    result = FileResult(document.path, "updated" if article_id else "created", slug)
    result.warnings = list(document.warnings)
    rewritten = resolver.rewrite(document.path, document.body, lambda name: file_url(slug, name))
    result.unresolved = rewritten.unresolved
    if context["options"].dry_run:
        return result
    try:
        data = ArticleInput(
            title=document.title,
            body=rewritten.body,
            category_id=_category_id(document.category, context["categories"]),
            tags=document.tags,
            note=f"{NOTE_IMPORTED}:{document.path}"[:MAX_NOTE],
        )
        existing = db.session.get(Article, article_id) if article_id else None
        record = _record(document, rewritten, context["root"], result.warnings)
        article = save_article(
            existing, data, by=context["by"], status=document.status, slug=slug,
            check_editor=False, with_article=record,
        )  # fmt: skip
        result.slug = article.slug
    except InvalidInput as refusal:
        db.session.rollback()
        result.action, result.problems = "refused", [refusal.message]
    return result


def import_path(
    path: Path,
    options: ImportOptions,
    *,
    by: Any = None,
    progress: Callable[[FileResult], None] | None = None,
) -> ImportReport:
    """Import every Markdown file under `path` (or `path` itself); one result per file."""
    root = path if path.is_dir() else path.parent
    report = ImportReport(dry_run=options.dry_run)
    documents = [read_document(root, file, options) for file in markdown_files(path)]
    for document in documents:
        report.unknown_fields.update(document.extra.keys())
    known = _known()
    plan = _plan(documents, known)
    linked = {source.path: known.slugs[source.article_id] for source in known.by_path.values()}
    linked.update({name: slug for name, (_id, slug) in plan.items()})
    resolver = LinkResolver(root, linked, article_url)
    context = {"options": options, "by": by, "root": root, "categories": {}}
    with deferred():
        for document in documents:
            result = _one(document, plan, known, resolver, context)
            report.results.append(result)
            if progress:
                progress(result)
    return report


def _one(
    document: Document, plan: dict, known: _Known, resolver: LinkResolver, context: dict
) -> FileResult:
    if document.problems:
        return FileResult(document.path, "refused", problems=document.problems)
    article_id, slug = plan[document.path]
    source = known.by_path.get(document.path)
    if source is not None and (article_id, document.digest) == (
        source.article_id,
        source.content_hash,
    ):
        return FileResult(document.path, "unchanged", slug)
    return _save(document, plan[document.path], resolver, context)

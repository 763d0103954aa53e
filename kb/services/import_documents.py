"""One documentation file read as an article: its fields mapped, its problems all listed.

Known front-matter fields are mapped (see the README's table); any other field is kept as
metadata and named once in the import's report, never a reason to refuse the file. A file
without front matter takes its title from its first `#` heading. A file is refused only
for what would make a wrong article: not text, too large, empty, broken front matter, an
unknown status, a title too long.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path, PurePosixPath
from typing import Any, Protocol

from flask_babel import gettext as _

from kb.languages import CONTENT_LANGUAGES
from kb.models import ArticleStatus
from kb.services.articles import MAX_TAG_LENGTH, MAX_TAGS, MAX_TITLE, slugify
from kb.services.frontmatter import parse_front_matter
from kb.services.import_dialects import normalise
from kb.services.import_links import Rewritten

MAX_FILE_BYTES = 1024 * 1024
KNOWN_FIELDS = {
    "title", "description", "summary", "tags", "keywords", "category", "categories", "slug",
    "draft", "status", "date", "lastmod", "last_modified_at", "weight", "sidebar_position",
    "nav_order", "aliases", "redirect_from", "import_key", "lang", "language",
}  # fmt: skip


@dataclass(frozen=True)
class ImportOptions:
    """What the operator chose for the files that do not say."""

    status: ArticleStatus = ArticleStatus.DRAFT
    category: str | None = None
    category_from_folders: bool = False
    dry_run: bool = False


@dataclass
class Document:
    path: str  # inside the imported folder, with forward slashes
    digest: str = ""
    title: str = ""
    body: str = ""
    summary: str = ""
    tags: list[str] = field(default_factory=list)
    category: str | None = None
    status: ArticleStatus = ArticleStatus.DRAFT
    slug: str | None = None
    language: str | None = None  # None: told from the text when saved
    key: str | None = None
    aliases: list[str] = field(default_factory=list)
    position: int | None = None
    created: datetime | None = None
    modified: datetime | None = None
    extra: dict[str, Any] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    category_position: int = 0  # for a category the import creates
    from_file: bool = True  # False for an article of an export (`zendesk:123`)

    @property
    def source_alias(self) -> str | None:
        """The old address a file had at its source: its path without `.md`. An article of
        an export has its old addresses in `aliases` instead."""
        return self.path.rsplit(".", 1)[0] if self.from_file else None


class Resolver(Protocol):
    def rewrite(self, source: str, body: str, file_url: Callable[[str], str]) -> Rewritten:
        """`body` with its links resolved; `file_url(name)` addresses an attachment."""


@dataclass
class Source:
    """Documents read from one place, and how the links in their bodies are resolved:
    `links(slugs)` gets the slug of every document path the import knows."""

    root: Path
    documents: list[Document]
    links: Callable[[dict[str, str]], Resolver]


def _text(raw: bytes, problems: list[str]) -> str | None:
    if not raw.strip():
        problems.append(_("the file is empty"))
        return None
    if b"\x00" in raw[:8192]:
        problems.append(_("the file is not text"))
        return None
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        problems.append(_("the file is not UTF-8 text"))
        return None


def _strings(value: Any) -> list[str]:
    if value is None or value == "":
        return []
    if isinstance(value, str):
        return [item.strip() for item in value.split(",") if item.strip()]
    if isinstance(value, list | tuple):
        return [str(item).strip() for item in value if str(item).strip()]
    return [str(value)]


def parse_when(value: Any, name: str, warnings: list[str]) -> datetime | None:
    if value in (None, ""):
        return None
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    if isinstance(value, date):
        return datetime(value.year, value.month, value.day, tzinfo=UTC)
    try:
        parsed = datetime.fromisoformat(str(value).strip().replace(" ", "T", 1))
    except ValueError:
        warnings.append(_("the date in '%(key)s' is not a date; it was ignored", key=name))
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def import_tags(fields: dict[str, Any], warnings: list[str]) -> list[str]:
    tags: list[str] = []
    for name in _strings(fields.get("tags")) + _strings(fields.get("keywords")):
        tag = " ".join(name.lower().split())
        if len(tag) > MAX_TAG_LENGTH:
            warnings.append(_("the tag '%(tag)s…' is too long; it was left out", tag=tag[:20]))
        elif tag not in tags:
            tags.append(tag)
    if len(tags) > MAX_TAGS:
        warnings.append(_("only the first %(count)d tags were kept", count=MAX_TAGS))
    return tags[:MAX_TAGS]


def _status(fields: dict[str, Any], options: ImportOptions, problems: list[str]) -> ArticleStatus:
    status = str(fields.get("status") or "").strip().lower()
    if status:
        if status in {item.value for item in ArticleStatus}:
            return ArticleStatus(status)
        problems.append(
            _("status must be draft, published or archived, not '%(status)s'", status=status)
        )
    if fields.get("draft") is True or str(fields.get("draft")).lower() == "true":
        return ArticleStatus.DRAFT
    return options.status


def _category(fields: dict[str, Any], path: str, options: ImportOptions) -> str | None:
    named = _strings(fields.get("category")) or _strings(fields.get("categories"))
    if named:
        return named[0]
    folders = PurePosixPath(path).parts[:-1]
    if options.category_from_folders and folders:
        return folders[0]
    return options.category


def import_language(value: Any, name: str, warnings: list[str]) -> str | None:
    """The article's language from a tag (`zh`, `zh-CN`, `zh_Hans`, `en-US`); None, with a
    warning for one the site does not offer, leaves it to the text."""
    if value in (None, ""):
        return None
    tag = str(value).strip().lower().replace("_", "-")
    primary = tag.split("-", 1)[0]
    if primary in CONTENT_LANGUAGES:
        return primary
    warnings.append(
        _(
            "the language '%(language)s' in '%(key)s' is not one the site offers; "
            "it was told from the text",
            language=str(value)[:20],
            key=name,
        )
    )
    return None


def _position(fields: dict[str, Any]) -> int | None:
    for name in ("weight", "sidebar_position", "nav_order"):
        value = fields.get(name)
        if isinstance(value, int | float) and not isinstance(value, bool):
            return int(value)
    return None


def _alias(value: str) -> str:
    """An old address as `catalog.slug_for_alias` looks it up."""
    path = value.strip().strip("/")
    for suffix in ("/index.html", ".html", "/index"):
        path = path.removesuffix(suffix)
    return path


def _apply_fields(document: Document, fields: dict[str, Any], options: ImportOptions) -> None:
    document.summary = str(fields.get("description") or fields.get("summary") or "").strip()
    document.tags = import_tags(fields, document.warnings)
    document.category = _category(fields, document.path, options)
    document.status = _status(fields, options, document.problems)
    document.slug = slugify(str(fields["slug"])) if fields.get("slug") else None
    named = "lang" if fields.get("lang") not in (None, "") else "language"
    document.language = import_language(fields.get(named), named, document.warnings)
    document.key = str(fields["import_key"]).strip()[:200] if fields.get("import_key") else None
    aliases = _strings(fields.get("aliases")) + _strings(fields.get("redirect_from"))
    document.aliases = [alias for alias in map(_alias, aliases) if alias]
    document.position = _position(fields)
    document.created = parse_when(fields.get("date"), "date", document.warnings)
    modified = fields.get("lastmod") or fields.get("last_modified_at")
    document.modified = parse_when(modified, "lastmod", document.warnings)
    document.extra = {key: value for key, value in fields.items() if key not in KNOWN_FIELDS}


def _title(document: Document, fields: dict[str, Any], heading: str) -> None:
    document.title = str(fields.get("title") or "").strip() or heading
    if not document.title:
        document.title = PurePosixPath(document.path).stem.replace("-", " ").replace("_", " ")
        document.warnings.append(_("no title or '#' heading: the file name is the title"))
    if len(document.title) > MAX_TITLE:
        document.problems.append(_("Keep the title under %(count)d characters.", count=MAX_TITLE))


def read_document(root: Path, file: Path, options: ImportOptions) -> Document:
    """The file as an article to save, or with the problems that refuse it."""
    document = Document(path=file.relative_to(root).as_posix())
    try:
        if file.stat().st_size > MAX_FILE_BYTES:
            document.problems.append(_("the file is larger than 1 MB"))
            return document
        raw = file.read_bytes()
    except OSError as error:
        document.problems.append(error.strerror or str(error))
        return document
    document.digest = hashlib.sha256(raw + repr(options).encode()).hexdigest()
    text = _text(raw, document.problems)
    if text is None:
        return document
    parsed = parse_front_matter(text)
    document.problems += parsed.problems
    normalised = normalise(parsed.body)
    document.body = normalised.body
    document.warnings += normalised.warnings
    _title(document, parsed.fields, normalised.heading)
    _apply_fields(document, parsed.fields, options)
    if not document.body.strip():
        document.problems.append(_("the body is empty"))
    return document

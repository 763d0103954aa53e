"""`kb import PATH`: bring an existing FAQ in from Markdown files with front matter.

    ---
    title: How do I return an item?
    category: returns            # a category slug or name; created when missing
    tags: [returns, refund]      # or "returns, refund", or one "- tag" per line
    status: published            # draft (the default), published or archived
    slug: return-an-item         # optional: which article this file is
    ---
    The body, in Markdown.

Each file is one transaction: it is created, updated (matched by slug, or by the slug of
its title), left unchanged, or refused with the reason, and a refused file changes nothing.
A refusal is the core's `InvalidInput`, raised by the checks here and by the article
service alike; its message is the reason the report prints.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import func, select

from community.errors import InvalidInput
from community.extensions import db
from kb.models import ArticleStatus, Category
from kb.services import cache_keys
from kb.services.articles import (
    MAX_BODY,
    MAX_NOTE,
    NOTE_IMPORTED,
    ArticleInput,
    clean_tags,
    save_article,
    slugify,
)
from kb.services.catalog import find_article

KNOWN_KEYS = {"title", "category", "tags", "status", "slug"}
MAX_FILE_BYTES = MAX_BODY * 4
SUFFIXES = {".md", ".markdown"}


@dataclass(frozen=True)
class ImportResult:
    path: Path
    action: str  # "created", "updated", "unchanged" or "refused"
    reason: str = ""
    slug: str = ""


@dataclass
class FrontMatter:
    title: str = ""
    category: str | None = None
    tags: list[str] = field(default_factory=list)
    status: ArticleStatus = ArticleStatus.DRAFT
    slug: str | None = None


def markdown_files(path: Path) -> list[Path]:
    if path.is_file():
        return [path]
    return sorted(
        item for item in path.rglob("*") if item.is_file() and item.suffix.lower() in SUFFIXES
    )


def _unquote(value: str) -> str:
    value = value.strip()
    if len(value) >= 2 and value[0] == value[-1] and value[0] in "\"'":
        return value[1:-1]
    return value


def _strip_comment(value: str) -> str:
    # A "#" after a space starts a comment, as in YAML; inside quotes it is text.
    if value.lstrip()[:1] in "\"'":
        return value
    return re.split(r"\s#", value, maxsplit=1)[0]


def _list(value: str) -> list[str]:
    value = value.strip()
    if value.startswith("[") and value.endswith("]"):
        value = value[1:-1]
    return [_unquote(item) for item in value.split(",") if item.strip()]


def _front_matter(lines: list[str]) -> tuple[dict[str, Any], int]:
    """The front matter's fields as given, and the index of its closing line."""
    if not lines or lines[0].strip() != "---":
        raise InvalidInput(_("no front matter: the file must start with a line of three dashes"))
    try:
        end = next(index for index, line in enumerate(lines[1:], start=1) if line.strip() == "---")
    except StopIteration:
        raise InvalidInput(
            _("the front matter is not closed with a line of three dashes")
        ) from None
    values: dict[str, Any] = {}
    current_list: str | None = None
    for number, raw in enumerate(lines[1:end], start=2):
        line = _strip_comment(raw).rstrip()
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        if line.lstrip().startswith("- ") and current_list:
            values[current_list].append(_unquote(line.lstrip()[2:]))
            continue
        key, colon, value = line.partition(":")
        key = key.strip().lower()
        if not colon or not key:
            raise InvalidInput(
                _("line %(line)d of the front matter is not 'name: value'", line=number)
            )
        if key not in KNOWN_KEYS:
            raise InvalidInput(_("unknown front matter field '%(key)s'", key=key))
        if key in values:
            raise InvalidInput(_("the field '%(key)s' is given twice", key=key))
        if key == "tags":
            values[key] = _list(value) if value.strip() else []
            current_list = key if not value.strip() else None
        else:
            values[key] = _unquote(value)
            current_list = None
    return values, end


def _matter(values: dict[str, Any]) -> FrontMatter:
    """The fields checked: a title, tags within limits, a known status."""
    matter = FrontMatter()
    matter.title = values.get("title", "").strip()
    if not matter.title:
        raise InvalidInput(_("the front matter has no title"))
    matter.category = values.get("category") or None
    matter.tags = clean_tags(values.get("tags", []))
    status = (values.get("status") or "draft").strip().lower()
    if status not in {item.value for item in ArticleStatus}:
        raise InvalidInput(
            _("status must be draft, published or archived, not '%(status)s'", status=status)
        )
    matter.status = ArticleStatus(status)
    matter.slug = slugify(values["slug"]) if values.get("slug") else None
    return matter


def parse(text: str) -> tuple[FrontMatter, str]:
    """Front matter and body of one file; InvalidInput says what is wrong with it."""
    lines = text.splitlines()
    values, end = _front_matter(lines)
    matter = _matter(values)
    body = "\n".join(lines[end + 1 :]).strip("\n")
    if not body.strip():
        raise InvalidInput(_("the body is empty"))
    return matter, body


def _category_for(name: str) -> Category:
    """The category with this slug or name, created when there is none."""
    slug = slugify(name, fallback="category")
    found = db.session.scalar(
        select(Category).where(
            (Category.slug == slug) | (func.lower(Category.name) == name.lower())
        )
    )
    if found is None:
        found = Category(slug=slug, name=name.strip()[:120], description="")
        db.session.add(found)
        db.session.flush()
        cache_keys.forget_categories()
    return found


def _read(path: Path) -> str:
    if path.stat().st_size > MAX_FILE_BYTES:
        raise InvalidInput(_("the file is too large"))
    try:
        return path.read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError:
        raise InvalidInput(_("the file is not UTF-8 text")) from None


def import_file(path: Path, *, by: Any, seen_slugs: set[str]) -> ImportResult:
    """Import one file in its own transaction."""
    try:
        matter, body = parse(_read(path))
        slug = matter.slug or slugify(matter.title)
        if slug in seen_slugs:
            raise InvalidInput(
                _("another file in this import is the same article ('%(slug)s')", slug=slug)
            )
        existing = find_article(slug)
        category_id = _category_for(matter.category).id if matter.category else None
        data = ArticleInput(
            title=matter.title,
            body=body,
            category_id=category_id,
            tags=matter.tags,
            note=f"{NOTE_IMPORTED}:{path.name}"[:MAX_NOTE],
        )
        if existing is not None and (
            existing.title == data.title
            and existing.body == data.body
            and existing.category_id == category_id
            and existing.tag_names == sorted(matter.tags)
            and existing.status == matter.status
        ):
            db.session.rollback()
            seen_slugs.add(slug)
            return ImportResult(path, "unchanged", slug=slug)
        article = save_article(
            existing, data, by=by, status=matter.status, slug=slug, check_editor=False
        )
        seen_slugs.add(article.slug)
        return ImportResult(path, "updated" if existing else "created", slug=article.slug)
    except InvalidInput as refusal:
        db.session.rollback()
        return ImportResult(path, "refused", refusal.message)
    except OSError as error:
        db.session.rollback()
        return ImportResult(path, "refused", error.strerror or str(error))


def import_folder(
    path: Path, *, by: Any = None, progress: Callable[[ImportResult], None] | None = None
) -> Iterator[ImportResult]:
    """Import every Markdown file under `path` (or `path` itself), one result per file."""
    seen: set[str] = set()
    for item in markdown_files(path):
        result = import_file(item, by=by, seen_slugs=seen)
        if progress:
            progress(result)
        yield result

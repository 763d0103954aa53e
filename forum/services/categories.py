"""Categories: staff create and edit them, can make one announcement-only, and say which
language it is in (lists put the reader's first)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import select

from community.errors import InvalidInput, NotAllowed
from community.extensions import db
from community.forms import (
    CATEGORY_DESCRIPTION_MAX,
    CATEGORY_POSITION_MAX,
    clean_text,
    has_visible_text,
)
from forum import policy
from forum.content import slugify
from forum.models import MAX_CATEGORY_NAME, ForumCategory
from forum.services.reading import CategoryRow, category_rows
from kb.languages import chosen_language, is_readers, reader_language


@dataclass(frozen=True)
class CategoryInput:
    name: str
    description: str = ""
    position: int = 0
    announcement_only: bool = False
    language: str | None = None  # None (or "", "Detect from the text"): the text's


def categories() -> list[ForumCategory]:
    """Every category, in the order staff chose."""
    return list(
        db.session.scalars(
            select(ForumCategory).order_by(ForumCategory.position, ForumCategory.name)
        )
    )


def index_rows(language: str | None = None) -> list[CategoryRow]:
    """The forum home's categories with their latest topic: those in the reader's language
    (or `language`) first, the others after, each group in the order staff chose."""
    wanted = language or reader_language()
    return sorted(category_rows(), key=lambda row: not is_readers(row.category.language, wanted))


def find_category(slug: str) -> ForumCategory | None:
    """The category at this address, if any."""
    return db.session.scalar(select(ForumCategory).where(ForumCategory.slug == slug))


def category_by_id(category_id: int) -> ForumCategory:
    """A category known to exist (a topic's own)."""
    return db.session.get_one(ForumCategory, category_id)


def _unique_slug(name: str, exclude_id: int | None) -> str:
    base = slugify(name)[:70].strip("-") or "category"
    candidate, number = base, 1
    while True:
        query = select(ForumCategory.id).where(ForumCategory.slug == candidate)
        if exclude_id is not None:
            query = query.where(ForumCategory.id != exclude_id)
        if db.session.scalar(query) is None:
            return candidate
        number += 1
        candidate = f"{base}-{number}"


def save_category(category: ForumCategory | None, data: CategoryInput, *, by: Any) -> ForumCategory:
    """Create a category, or change one (its address stays the same)."""
    if not policy.can_manage_categories(by):
        raise NotAllowed()
    name = " ".join(clean_text(data.name).split())
    if not has_visible_text(name):
        raise InvalidInput(_("Give the category a name."), field="name")
    if len(name) > MAX_CATEGORY_NAME:
        raise InvalidInput(
            _("Keep the name under %(count)d characters.", count=MAX_CATEGORY_NAME), field="name"
        )
    description = clean_text(data.description)[:CATEGORY_DESCRIPTION_MAX]
    language = chosen_language(data.language, name, description)
    if category is None:
        category = ForumCategory(slug=_unique_slug(name, None))
        db.session.add(category)
    category.name = name
    category.description = description
    category.language = language
    category.position = max(0, min(int(data.position), CATEGORY_POSITION_MAX))
    category.announcement_only = bool(data.announcement_only)
    category.version = (category.version or 0) + 1
    db.session.commit()
    return category

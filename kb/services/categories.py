"""Categories: editors name them, describe them and put them in order."""

from __future__ import annotations

from typing import Any

from flask_babel import gettext as _
from sqlalchemy import select

from community.extensions import db
from kb.errors import ArticleNotFound, KbError
from kb.models import Category
from kb.policy import require_editor
from kb.services import cache_keys
from kb.services.articles import slugify

MAX_NAME = 120
MAX_DESCRIPTION = 1000


def _check(name: str, description: str) -> tuple[str, str]:
    name = name.strip()
    if not name:
        raise KbError(_("Give the category a name."), field="name")
    if len(name) > MAX_NAME:
        raise KbError(_("Keep the name under %(count)d characters.", count=MAX_NAME), "name")
    if len(description) > MAX_DESCRIPTION:
        raise KbError(
            _("Keep the description under %(count)d characters.", count=MAX_DESCRIPTION),
            "description",
        )
    return name, description.strip()


def create_category(*, name: str, description: str, position: int, by: Any) -> Category:
    """Add a category; its slug comes from the name and never changes (links keep working)."""
    require_editor(by)
    name, description = _check(name, description)
    base = slugify(name, fallback="category")
    slug, number = base, 1
    while db.session.scalar(select(Category.id).where(Category.slug == slug)) is not None:
        number += 1
        slug = f"{base}-{number}"
    category = Category(slug=slug, name=name, description=description, position=position)
    db.session.add(category)
    cache_keys.forget_categories()
    db.session.commit()
    return category


def update_category(
    category_id: int, *, name: str, description: str, position: int, by: Any
) -> Category:
    """Rename, describe or move a category."""
    require_editor(by)
    category = db.session.get(Category, category_id)
    if category is None:
        raise ArticleNotFound()
    category.name, category.description = _check(name, description)
    category.position = position
    cache_keys.forget_categories()
    db.session.commit()
    return category

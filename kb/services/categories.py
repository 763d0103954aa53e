"""Categories: editors name them, describe them and put them in order."""

from __future__ import annotations

from typing import Any

from flask_babel import gettext as _

from community.errors import InvalidInput, NotFound
from community.extensions import db
from kb.models import Category
from kb.policy import require_editor
from kb.services import cache_keys
from kb.services.articles import unique_slug

MAX_NAME = 120
MAX_DESCRIPTION = 1000


def _check(name: str, description: str) -> tuple[str, str]:
    name = name.strip()
    if not name:
        raise InvalidInput(_("Give the category a name."), field="name")
    if len(name) > MAX_NAME:
        raise InvalidInput(_("Keep the name under %(count)d characters.", count=MAX_NAME), "name")
    if len(description) > MAX_DESCRIPTION:
        raise InvalidInput(
            _("Keep the description under %(count)d characters.", count=MAX_DESCRIPTION),
            "description",
        )
    return name, description.strip()


def create_category(*, name: str, description: str, position: int, by: Any) -> Category:
    """Add a category; its slug comes from the name and never changes (links keep working)."""
    require_editor(by)
    name, description = _check(name, description)
    slug = unique_slug(name, fallback="category", model=Category)
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
        raise NotFound()
    category.name, category.description = _check(name, description)
    category.position = position
    cache_keys.forget_categories()
    db.session.commit()
    return category

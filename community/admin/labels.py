"""Words for stored values on staff pages: a role, a VIP tier, shown in the reader's language
rather than as the key the database keeps (`admin`, `gold`)."""

from __future__ import annotations

from collections.abc import Iterable

from flask_babel import gettext

from community.accounts.models import Role
from community.admin import bp
from community.admin.forms import ROLE_LABELS


@bp.app_template_filter("role_labels")
def role_labels(roles: Iterable[Role | str]) -> str:
    """The person's roles, translated and sorted, or "customer" for someone with none."""
    names = sorted(str(ROLE_LABELS.get(role, role)) for role in roles)  # type: ignore[call-overload]
    return ", ".join(names) or gettext("customer")


@bp.app_template_filter("tier_label")
def tier_label(name: str | None) -> str:
    """A VIP tier's name in the reader's language.

    The VIP club names its tiers with gettext (`Silver`, `Gold`, `Platinum`), so their words
    are in the catalogue; the core looks them up by that English name rather than importing
    the feature. A tier the catalogue does not know shows as it is written, title-cased.
    """
    if not name:
        return ""
    return gettext(name.replace("_", " ").title())

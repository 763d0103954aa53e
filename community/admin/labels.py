"""Words for stored values on staff pages: a role, a VIP tier, shown in the reader's language
rather than as the key the database keeps (`admin`, `gold`)."""

from __future__ import annotations

from collections.abc import Iterable

from flask_babel import gettext
from flask_babel import lazy_gettext as _l

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


# What each kind of email is about, from the first word of its stored key (`forum_reply`,
# `tracking_alert`, `vip_unread`, `password_reset`…), in the reader's language.
MAIL_KIND_LABELS = {
    "account": _l("Your account"),
    "password": _l("Your account"),
    "forum": _l("Forum"),
    "tracking": _l("Shipment alerts"),
    "vip": _l("VIP club"),
    "support": _l("Support"),
}


@bp.app_template_filter("mail_kind_label")
def mail_kind_label(category: str | None) -> str:
    """An outbox message's kind as staff read it; a kind no feature names shows as stored."""
    if not category:
        return ""
    label = MAIL_KIND_LABELS.get(category.partition("_")[0])
    return str(label) if label is not None else category

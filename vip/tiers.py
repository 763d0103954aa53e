"""VIP tiers and the first-reply time each one is promised, read from settings.

`VIP_TIERS` maps a tier name to the minutes within which a client of that tier is promised a
first reply, in the order tiers are offered (lowest first). Promises count calendar minutes,
not business hours: that is what the client's card says, so that is what is measured.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from flask import current_app
from flask_babel import lazy_gettext as _l

_LABELS = {"silver": _l("Silver"), "gold": _l("Gold"), "platinum": _l("Platinum")}


@dataclass(frozen=True)
class Tier:
    name: str
    promise_minutes: int

    @property
    def label(self) -> Any:
        return _LABELS.get(self.name, self.name.replace("_", " ").title())

    @property
    def promise(self) -> timedelta:
        return timedelta(minutes=self.promise_minutes)


def tiers() -> list[Tier]:
    """The configured tiers, lowest first."""
    configured = current_app.config["VIP_TIERS"]
    return [Tier(str(name), int(minutes)) for name, minutes in configured.items()]


def tier_names() -> list[str]:
    return [tier.name for tier in tiers()]


def tier_named(name: str | None) -> Tier | None:
    """The tier called `name`; None for a customer without a tier or an unknown one."""
    if not name:
        return None
    return next((tier for tier in tiers() if tier.name == name), None)


def promise_for(name: str | None) -> timedelta:
    """The promised first-reply time; an unknown tier gets the slowest promise, never none."""
    tier = tier_named(name)
    if tier is not None:
        return tier.promise
    return max((tier.promise for tier in tiers()), default=timedelta(hours=4))


def unread_email_delay() -> timedelta:
    minutes = current_app.config["VIP_UNREAD_EMAIL_MINUTES"]
    return timedelta(minutes=float(minutes))

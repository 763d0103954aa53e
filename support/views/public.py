"""The public service page: every department's promise beside what really happened.

Anonymous visitors get the page from the shared page cache (one copy per language, a few
minutes old at most); everyone gets the figures from the shared cache (`figures`), so the
page costs a handful of queries every few minutes, whatever the traffic.
"""

from __future__ import annotations

from flask import render_template
from flask_babel import get_locale

from community.caching import anonymous_page_key, is_personal_request
from community.extensions import cache
from support import bp
from support.services import figures
from support.views import wording
from vip.tiers import tier_named


@bp.get("/service")
@cache.cached(
    timeout=figures.CACHE_SECONDS,
    unless=is_personal_request,
    key_prefix=lambda: anonymous_page_key("support.service"),
)
def service():
    data = figures.service_figures()
    tier_labels = {tier.name: _tier_label(tier.name) for tier in data.tiers}
    return render_template(
        "support/service.html",
        data=data,
        locale=str(get_locale() or "en"),
        tier_labels=tier_labels,
        min_samples=figures.MIN_SAMPLES,
        **wording.helpers(),
    )


def _tier_label(name: str) -> str:
    tier = tier_named(name)
    return str(tier.label) if tier is not None else name

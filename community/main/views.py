"""Home page and health check."""

from __future__ import annotations

from typing import Any

from flask import jsonify, render_template

from community import health
from community.caching import anonymous_page_key, is_personal_request
from community.extensions import cache, limiter
from community.main import bp
from community.registry import registry


@bp.get("/")
@cache.cached(unless=is_personal_request, key_prefix=lambda: anonymous_page_key("home"))
def home():
    reg = registry()
    panels = [
        (template, context()) for _order, template, context in sorted(reg.home_panels, key=_first)
    ]
    return render_template("main/home.html", doors=reg.doors, panels=panels)


def _first(item: tuple[Any, ...]) -> Any:
    return item[0]


@bp.get("/healthz")
@limiter.exempt
def healthz():
    """Every dependency, worker and feature as JSON; 503 only when the database is down."""
    report, database_ok = health.report()
    # Only a dead database takes this process out of a load balancer; the rest is reported.
    return jsonify(report), 200 if database_ok else 503

"""Home page and health check."""

from __future__ import annotations

from typing import Any

from flask import jsonify, render_template
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from community.caching import anonymous_page_key, is_personal_request
from community.extensions import cache, db, limiter
from community.main import bp
from community.outbox.services import oldest_queued_age_seconds, outbox_counts
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
    """Database, outbox and feature state as JSON; 503 when the database does not answer."""
    report: dict[str, Any] = {}
    database_ok = True
    try:
        db.session.execute(text("SELECT 1"))
        report["database"] = {"ok": True, "dialect": db.engine.dialect.name}
        report["outbox"] = {
            "ok": True,
            **outbox_counts(),
            "oldest_waiting_seconds": oldest_queued_age_seconds(),
        }
    except SQLAlchemyError as exc:
        database_ok = False
        report["database"] = {"ok": False, "error": exc.__class__.__name__}
    for name, check in registry().health_checks.items():
        try:
            report[name] = check()
        except Exception as exc:  # a broken feature is reported, not raised
            report[name] = {"ok": False, "error": exc.__class__.__name__}
    healthy = database_ok and all(part.get("ok", False) for part in report.values())
    report["status"] = "ok" if healthy else "degraded"
    # Only a dead database takes this process out of a load balancer; the rest is reported.
    return jsonify(report), 200 if database_ok else 503

"""Home page and health check."""

from __future__ import annotations

from typing import Any

from flask import current_app, jsonify, render_template
from flask_babel import lazy_gettext as _l
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from community.caching import anonymous_page_key, is_personal_request
from community.extensions import cache, db, limiter
from community.main import bp
from community.outbox.services import oldest_queued_age_seconds, outbox_counts
from community.registry import registry

# The four doors of the portal. A door whose feature is not installed says "coming soon".
DOORS = [
    {
        "endpoint": "kb.index",
        "icon": "book",
        "title": _l("Knowledge base"),
        "text": _l("Step-by-step answers and manuals, in English and Chinese."),
    },
    {
        "endpoint": "forum.index",
        "icon": "chat",
        "title": _l("Community forum"),
        "text": _l("Ask other customers, share what worked, and get help from our staff."),
    },
    {
        "endpoint": "tracking.track",
        "icon": "truck",
        "title": _l("Track a shipment"),
        "text": _l("Where is my order? Paste up to 30 tracking numbers."),
    },
    {
        "endpoint": "vip.index",
        "icon": "star",
        "title": _l("VIP club"),
        "text": _l("A named account manager who answers you in real time."),
    },
]


@bp.get("/")
@cache.cached(unless=is_personal_request, key_prefix=lambda: anonymous_page_key("home"))
def home():
    available = current_app.view_functions
    doors = [{**door, "available": door["endpoint"] in available} for door in DOORS]
    panels = [
        (template, context())
        for _order, template, context in sorted(registry().home_panels, key=lambda p: p[0])
    ]
    return render_template(
        "main/home.html",
        doors=doors,
        panels=panels,
        search_available="kb.search" in available,
    )


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

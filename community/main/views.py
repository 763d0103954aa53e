"""Home page and health check."""

from __future__ import annotations

from flask import jsonify, render_template, request
from flask_babel import get_locale
from markupsafe import Markup

from community import health
from community.caching import anonymous_page_key, is_personal_request
from community.extensions import cache, limiter
from community.fragments import fragment_cache
from community.main import bp
from community.registry import HomePanel, registry


@bp.get("/")
@cache.cached(unless=is_personal_request, key_prefix=lambda: anonymous_page_key("home"))
def home():
    reg = registry()
    panels = [_panel_html(panel) for panel in reg.home_panels]
    return render_template("main/home.html", doors=reg.doors, panels=panels)


def _panel_html(panel: HomePanel) -> Markup:
    """A panel's HTML; a shared one is rendered once per language for as long as a page."""

    def render(_panel: HomePanel) -> str:
        return render_template(panel.template, context=panel.context())

    if not panel.shared:
        return Markup(render(panel))  # noqa: S704 (an autoescaping template's output)
    cache = fragment_cache("home.panels", size=100, max_age=30.0)
    key = (panel.template, str(get_locale()), request.script_root)
    (html,) = cache.render_all([panel], key=lambda _panel: key, render=render)
    return Markup(html)  # noqa: S704 (an autoescaping template's output)


@bp.get("/healthz")
@limiter.exempt
def healthz():
    """Every dependency, worker and feature as JSON; 503 only when the database is down."""
    report, database_ok = health.report()
    # Only a dead database takes this process out of a load balancer; the rest is reported.
    return jsonify(report), 200 if database_ok else 503

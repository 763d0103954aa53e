"""Portico's knowledge base: Markdown articles with revisions, and search for the whole site.

`init_app` registers the reader and editor pages, the search API, the `kb` commands, the
search index (`kb.search`) and the registry entries: navigation, demo and bulk data, the
home-page panel, the health check and the OpenAPI description.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Flask
from flask_babel import lazy_gettext as _l
from sqlalchemy.exc import SQLAlchemyError

from community.api import register_api_blueprint
from community.registry import (
    Door,
    NavLink,
    SiteSearch,
    add_bulk_seeder,
    add_demo_seeder,
    add_door,
    add_health_check,
    add_home_panel,
    add_nav_link,
    add_openapi,
    add_settings,
    set_site_search,
)

bp = Blueprint("kb", __name__, url_prefix="/kb")

from kb import api, cli, models, search, seeding, settings, views  # noqa: E402,F401
from kb.policy import can_edit  # noqa: E402
from kb.services import cache_keys, catalog, counters, indexing  # noqa: E402


def home_panel() -> dict[str, Any]:
    return {"kb_popular": catalog.popular_links(5)}


def health() -> dict[str, Any]:
    report = search.status()
    try:
        report["articles"] = catalog.status_counts()
    except SQLAlchemyError as exc:
        report = {**report, "ok": False, "error": exc.__class__.__name__}
    return report


def init_app(app: Flask) -> None:
    """Register the feature's blueprints, CLI, search index and registry entries."""
    add_settings(app, settings.SETTINGS)
    _register_search(app)
    counters.init_app(app)
    cache_keys.init_app(app)
    app.register_blueprint(bp)
    app.add_url_rule("/hc/<path:old_path>", "kb_zendesk_address", views.reading.zendesk_address)
    register_api_blueprint(app, api.bp)
    app.cli.add_command(cli.kb_cli)
    _register_navigation(app)
    _register_site_entries(app)


def _register_search(app: Flask) -> None:
    """The site's search index: its source of articles, started by a process's first request."""
    search.init_app(app)
    search.register_source(app, indexing.SOURCE)
    set_site_search(app, SiteSearch("kb.search", "kb.suggest"))

    @app.before_request
    def start_search_index() -> None:
        """The first request of a process checks the index (and rebuilds it if needed)."""
        search.engine(app).ensure_started()


def _register_navigation(app: Flask) -> None:
    add_nav_link(app, NavLink("kb.index", _l("Knowledge base"), order=10))
    add_nav_link(app, NavLink("kb.manage", _l("Articles"), order=11, visible=can_edit))
    add_nav_link(
        app,
        NavLink("kb.insights_page", _l("Search insights"), order=12, visible=can_edit),
        account_menu=True,
    )
    add_door(
        app,
        Door(
            "kb.index",
            "book",
            _l("Knowledge base"),
            _l("Step-by-step answers and manuals, in English and Chinese."),
            order=10,
        ),
    )


def _register_site_entries(app: Flask) -> None:
    """Demo and bulk data, the home-page panel, the health check and the OpenAPI description."""
    add_demo_seeder(app, seeding.seed_demo, order=10)
    add_bulk_seeder(app, seeding.seed_bulk, {"articles": "Knowledge-base articles."}, order=10)
    add_openapi(app, api.OPENAPI_PATHS, api.OPENAPI_SCHEMAS)
    add_health_check(app, "kb", health)
    add_home_panel(app, "kb/_home_panel.html", home_panel, order=10, shared=True)

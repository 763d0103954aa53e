"""Support requests: when self-service is not enough, a person answers within a promised time.

Customers open requests on the web (`/support/new`, or from their own forum topic or a
shipment with a problem), by email, or through the API; each topic belongs to a department,
whose business hours and holidays turn its promise into a real due time. Agents work an
inbox sorted by what is due first (`/support/`); leads read the reports; `/service` shows
every promise beside the real figures.

Two blueprints: `support` (pages) and `support_api` (`/api/v1/requests`); a Socket.IO
namespace (`/support`); the `flask support` commands (receive, fetch, sweep); and the
registry entries: settings, navigation, the inbox badge, the footer link, the home-page door,
demo and bulk data, the health check and the OpenAPI description.
"""

from __future__ import annotations

from flask import Blueprint, Flask
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from community.api import register_api_blueprint
from community.registry import (
    Door,
    NavBadge,
    NavLink,
    add_bulk_seeder,
    add_demo_seeder,
    add_door,
    add_footer_link,
    add_health_check,
    add_nav_badge,
    add_nav_link,
    add_openapi,
    add_settings,
)

bp = Blueprint("support", __name__)

from support import (  # noqa: E402,F401  (routes attach to the blueprint above)
    api,
    cli,
    events,
    models,
    policy,
    seeding,
    settings,
    sweeper,
    views,
)
from support.services import inbox, origins, search  # noqa: E402


def init_app(app: Flask) -> None:
    """Register the feature's blueprints, socket events, CLI and registry entries."""
    add_settings(app, settings.SETTINGS)
    _register_offers(app)
    app.register_blueprint(bp)
    register_api_blueprint(app, api.bp)
    events.register()
    app.cli.add_command(cli.support_cli)
    search.init_app(app)
    sweeper.init_app(app)
    _register_navigation(app)
    _register_registry_entries(app)


def _register_offers(app: Flask) -> None:
    """Template functions other features' pages call to offer a request where a customer is
    (the rule stays here): `support_topic_offer(topic)`, `support_shipment_offer(shipment)`
    return the form's address, or None when nothing is offered."""
    app.add_template_global(
        lambda topic: origins.topic_offer(topic, current_user), "support_topic_offer"
    )
    app.add_template_global(
        lambda shipment: origins.shipment_offer(shipment, current_user), "support_shipment_offer"
    )


def _register_navigation(app: Flask) -> None:
    """ "Contact support" for everyone, the inbox and its live count for agents, reports."""
    add_nav_link(app, NavLink("support.new", _l("Contact support"), order=50))
    add_nav_link(
        app, NavLink("support.inbox", _l("Support inbox"), order=55, visible=policy.is_agent)
    )
    add_nav_link(
        app,
        NavLink(
            "support.my_requests", _l("Your support requests"), order=50, visible=policy.signed_in
        ),
        account_menu=True,
    )
    add_nav_link(
        app,
        NavLink("support.reports", _l("Support reports"), order=56, visible=policy.may_see_reports),
        account_menu=True,
    )
    add_nav_badge(
        app,
        NavBadge(
            key="support",
            endpoint="support.inbox",
            label=_l("Requests"),
            count_query=inbox.badge_count_query,
            order=50,
            visible=policy.is_agent,
        ),
    )
    add_footer_link(app, NavLink("support.new", _l("Contact support"), order=10))
    add_footer_link(app, NavLink("support.service", _l("Our response times"), order=20))


def _register_registry_entries(app: Flask) -> None:
    add_demo_seeder(app, seeding.seed_demo, order=90)
    add_bulk_seeder(
        app,
        seeding.seed_bulk,
        {"requests": "Support requests.", "messages_per_request": "Messages in each request."},
        order=90,
    )
    add_door(
        app,
        Door(
            "support.new",
            "help",
            _l("Contact support"),
            _l("Not found your answer? Write to us: we reply within a promised time."),
            order=50,
        ),
    )
    add_health_check(app, "support", inbox.health)
    add_openapi(app, api.OPENAPI_PATHS, api.OPENAPI_SCHEMAS)

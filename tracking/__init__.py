"""Order and shipment tracking: public lookups, owners' pages, email alerts, live updates.

`init_app` registers the pages and the JSON API, the Socket.IO handlers, the `tracking`
CLI group, and the feature's entries in the core's registry.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Flask
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from community.api import register_api_blueprint
from community.registry import (
    Door,
    EmailList,
    NavLink,
    add_bulk_seeder,
    add_demo_seeder,
    add_door,
    add_email_list,
    add_health_check,
    add_home_panel,
    add_nav_link,
    add_openapi,
    add_settings,
)

bp = Blueprint("tracking", __name__)

from tracking import (  # noqa: E402,F401
    api,
    events,
    live,
    models,
    policy,
    seeding,
    services,
    settings,
    templating,
    views,
)
from tracking.cli import tracking_cli  # noqa: E402
from tracking.models import ALERTS_LIST  # noqa: E402


def _home_panel() -> dict[str, Any]:
    """The signed-in customer's shipments still on their way (nothing for visitors)."""
    if not policy.sees_own_shipments(current_user):
        return {"tracking_on_the_way": []}
    return {"tracking_on_the_way": services.shipments_on_the_way(current_user)}


def init_app(app: Flask) -> None:
    """Register the feature's blueprints, socket events, CLI and registry entries."""
    add_settings(app, settings.SETTINGS)
    app.register_blueprint(bp)
    register_api_blueprint(app, api.bp)
    app.cli.add_command(tracking_cli)
    _register_navigation(app)
    _register_site_entries(app)
    _start_live_updates(app)


def _register_navigation(app: Flask) -> None:
    add_nav_link(app, NavLink("tracking.track", _l("Track"), order=30))
    for endpoint, label, order in (
        ("tracking.orders", _l("Your orders"), 30),
        ("tracking.shipments", _l("Your shipments"), 31),
    ):
        add_nav_link(
            app,
            NavLink(endpoint, label, order=order, visible=policy.is_signed_in),
            account_menu=True,
        )
    add_door(
        app,
        Door(
            "tracking.track",
            "truck",
            _l("Track a shipment"),
            _l("Where is my order? Paste up to 30 tracking numbers."),
            order=30,
        ),
    )


def _register_site_entries(app: Flask) -> None:
    """The alerts' email list, demo and bulk data, the home-page panel and the OpenAPI paths."""
    add_email_list(
        app,
        EmailList(
            ALERTS_LIST,
            _l("Shipment alerts"),
            _l(
                "When your shipments are picked up, run into a problem, change their delivery "
                "date, go out for delivery and arrive (as you choose on each shipment)."
            ),
        ),
    )
    add_demo_seeder(app, seeding.seed_demo, order=60)
    add_bulk_seeder(
        app,
        seeding.seed_bulk,
        {"shipments": "Shipments.", "events_per_shipment": "Events per shipment."},
        order=60,
    )
    add_home_panel(app, "tracking/_home_panel.html", _home_panel, order=40)
    add_openapi(app, api.OPENAPI_PATHS, api.OPENAPI_SCHEMAS)


def _start_live_updates(app: Flask) -> None:
    """Without a message queue, each web process relays what other processes stored."""
    if live.uses_message_queue(app):
        add_health_check(app, "tracking", lambda: {"ok": True, "live_updates": "message queue"})
        return
    relay = live.RelayThread()
    app.extensions["tracking.relay"] = relay
    add_health_check(app, "tracking", relay.health)
    if not app.testing:
        relay.attach(app)

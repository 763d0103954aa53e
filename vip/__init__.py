"""The VIP club: key clients, the account manager assigned to each, and real-time messages.

Three blueprints: `vip` (the club page at `/vip/`, for clients), `manager` (the dashboard
at `/manager/`) and `vip_admin` (assignments at `/admin/vip`); a Socket.IO namespace
(`/vip`); the `flask vip` commands; and the registry entries that put the club in the
navigation, the demo data, the email preferences and `/healthz`.

The package has the shape of every feature: `models`, `policy` (who may read and write which
conversation), `services/` (every write, commit, email and push), `views/` (one module per
blueprint), `api`, `forms`, `events` (the namespace), `settings`, `cli` and `seeding`; plus
`tiers` (the promised reply times), `formatting` (template filters) and `sweeper` (the
sweep's background thread).
"""

from __future__ import annotations

from flask import Blueprint, Flask
from flask_babel import lazy_gettext as _l

from community.extensions import socketio
from community.registry import (
    Door,
    EmailList,
    NavBadge,
    NavLink,
    add_admin_link,
    add_bulk_seeder,
    add_demo_seeder,
    add_door,
    add_email_list,
    add_health_check,
    add_home_panel,
    add_nav_badge,
    add_nav_link,
    add_openapi,
    add_settings,
)

bp = Blueprint("vip", __name__, url_prefix="/vip")
manager_bp = Blueprint("manager", __name__, url_prefix="/manager")
admin_bp = Blueprint("vip_admin", __name__, url_prefix="/admin/vip")

from vip import (  # noqa: E402  (routes attach to the blueprints above)
    api,
    cli,
    events,
    formatting,
    policy,
    seeding,
    services,
    settings,
    sweeper,
    views,
)


def init_app(app: Flask) -> None:
    """Register the feature's blueprints, socket events, CLI and registry entries."""
    add_settings(app, settings.SETTINGS)
    _register_parts(app)
    _register_navigation(app)
    _register_registry_entries(app)


def _register_parts(app: Flask) -> None:
    """The pages, the Socket.IO namespace, the commands, the sweep and the template filters."""
    app.register_blueprint(bp)
    app.register_blueprint(manager_bp)
    app.register_blueprint(admin_bp)
    events.register(socketio)
    app.cli.add_command(cli.vip_cli)
    sweeper.init_app(app)
    formatting.init_app(app)


def _register_navigation(app: Flask) -> None:
    """The club in the navigation, the account menu, the admin area and the Messages badge."""
    add_nav_link(app, NavLink("vip.index", _l("VIP club"), order=40))
    add_nav_link(
        app, NavLink("manager.dashboard", _l("Manager"), order=45, visible=policy.is_manager)
    )
    add_nav_link(
        app,
        NavLink("vip.index", _l("Your VIP club and manager"), order=40, visible=policy.is_client),
        account_menu=True,
    )
    add_nav_link(
        app,
        NavLink(
            "manager.card", _l("Your card for VIP clients"), order=45, visible=policy.is_manager
        ),
        account_menu=True,
    )
    add_admin_link(app, NavLink("vip_admin.assignments", _l("VIP clients"), order=40))
    add_nav_badge(
        app,
        NavBadge(
            key="vip",
            endpoint="vip.inbox",
            label=_l("Messages"),
            count_query=services.unread_count_query,
            order=40,
            visible=policy.is_club_member,
        ),
    )


def _register_registry_entries(app: Flask) -> None:
    """Email preferences, demo and bulk data, the home page's door and panel, `/healthz`, API."""
    add_email_list(
        app,
        EmailList(
            key=services.UNREAD_LIST,
            label=_l("Unread VIP messages"),
            description=_l(
                "An email when a message in your VIP conversation has waited unread for a while."
            ),
        ),
    )
    add_demo_seeder(app, seeding.seed_demo, order=80)
    add_bulk_seeder(
        app, seeding.seed_bulk, {"vip_pairs": "VIP clients, each with a manager."}, order=80
    )
    add_door(
        app,
        Door(
            "vip.index",
            "star",
            _l("VIP club"),
            _l("A named account manager who answers you in real time."),
            order=80,
        ),
    )
    add_home_panel(app, "vip/_home_panel.html", views.club.home_panel_context, order=80)
    add_health_check(app, "vip", services.health)
    add_openapi(app, api.OPENAPI_PATHS, api.OPENAPI_SCHEMAS)

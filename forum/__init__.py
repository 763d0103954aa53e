"""Portico's community forum: questions and answers, solved topics, moderation, live replies.

`init_app` registers the pages, the Socket.IO namespace (`/forum`), the `forum` commands,
the solved topics' search source (through the knowledge base's search service), and the
feature's registry entries: navigation, the notification badge, email lists, demo and bulk
data, the home-page panel and the health check.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Flask
from flask_babel import lazy_gettext as _l

from community.registry import (
    Door,
    EmailList,
    NavBadge,
    NavLink,
    add_bulk_seeder,
    add_demo_seeder,
    add_door,
    add_email_list,
    add_health_check,
    add_home_panel,
    add_nav_badge,
    add_nav_link,
    add_settings,
)

bp = Blueprint("forum", __name__, url_prefix="/forum")

from forum import events, models, policy, seeding, settings, views  # noqa: E402,F401
from forum.cli import forum_cli  # noqa: E402
from forum.services import indexing, moderation, notifications, reading  # noqa: E402
from kb.search import register_source  # noqa: E402


def _home_panel() -> dict[str, Any]:
    return {"forum_latest": reading.latest_topics(5)}


def _health() -> dict[str, Any]:
    """The moderation backlog: posts with open flags."""
    return {"ok": True, "flagged_posts": moderation.open_flag_total()}


def init_app(app: Flask) -> None:
    """Register the feature's blueprints, socket events, CLI and registry entries."""
    add_settings(app, settings.SETTINGS)
    app.register_blueprint(bp)
    events.register()
    app.cli.add_command(forum_cli)
    register_source(app, indexing.SOURCE)
    _add_navigation(app)
    _add_email_lists(app)
    _add_seeders(app)
    _add_home(app)


def _add_navigation(app: Flask) -> None:
    """The Forum link, the account menu's entries and the notification badge."""
    add_nav_link(app, NavLink("forum.index", _l("Forum"), order=20))
    add_nav_link(
        app,
        NavLink("forum.my_profile", _l("Your forum profile"), order=20, visible=policy.signed_in),
        account_menu=True,
    )
    add_nav_link(
        app,
        NavLink("forum.moderation", _l("Forum moderation"), order=21, visible=policy.is_moderator),
        account_menu=True,
    )
    add_nav_badge(
        app,
        NavBadge(
            key="forum",
            endpoint="forum.notifications",
            label=_l("Notifications"),
            count_query=notifications.unread_count_query,
            order=20,
        ),
    )


def _add_email_lists(app: Flask) -> None:
    """The emails a person can stop from the preferences page."""
    add_email_list(
        app,
        EmailList(
            notifications.REPLIES_LIST,
            _l("Forum replies"),
            _l(
                "New replies in topics you watch: at most one email per topic until you "
                "visit it again."
            ),
        ),
    )
    add_email_list(
        app,
        EmailList(
            notifications.MENTIONS_LIST,
            _l("Forum mentions"),
            _l("When someone mentions you with your @name in the forum."),
        ),
    )


def _add_seeders(app: Flask) -> None:
    add_demo_seeder(app, seeding.seed_demo, order=20)
    add_bulk_seeder(
        app,
        seeding.seed_bulk,
        {"topics": "Forum topics.", "posts_per_topic": "Replies in each topic."},
        order=20,
    )


def _add_home(app: Flask) -> None:
    """The home page's door and panel, and the health check's moderation backlog."""
    add_door(
        app,
        Door(
            "forum.index",
            "chat",
            _l("Community forum"),
            _l("Ask other customers, share what worked, and get help from our staff."),
            order=20,
        ),
    )
    add_home_panel(app, "forum/_home_panel.html", _home_panel, order=20, shared=True)
    add_health_check(app, "forum", _health)

"""The email outbox: queue in the caller's transaction, deliver with retries and leases."""

from __future__ import annotations

from flask import Blueprint, Flask

bp = Blueprint("outbox", __name__)

from community import heartbeats  # noqa: E402
from community.background import FirstRequestThread  # noqa: E402
from community.outbox import cli, views  # noqa: E402,F401  (routes and commands attach to bp)
from community.outbox.delivery import HEARTBEAT, heartbeat_limit, run_worker  # noqa: E402


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
    app.cli.add_command(cli.outbox_cli)
    # Whether a thread here or `flask outbox run` elsewhere delivers, someone must.
    heartbeats.expect(
        app, HEARTBEAT, app.config["OUTBOX_POLL_SECONDS"], heartbeat_limit(app.config)
    )
    if app.config["OUTBOX_DELIVERY"] == "thread" and not app.testing:
        delivery = FirstRequestThread(HEARTBEAT, run_worker)
        app.extensions["portico.delivery"] = delivery
        delivery.attach(app)

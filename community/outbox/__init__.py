"""The email outbox: queue in the caller's transaction, deliver with retries and leases."""

from __future__ import annotations

from flask import Blueprint, Flask

bp = Blueprint("outbox", __name__)

from community.outbox import cli, views  # noqa: E402,F401  (routes and commands attach to bp)
from community.outbox.delivery import DeliveryThread  # noqa: E402


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
    app.cli.add_command(cli.outbox_cli)
    if app.config["OUTBOX_DELIVERY"] == "thread" and not app.testing:
        delivery = DeliveryThread()
        app.extensions["portico.delivery"] = delivery
        # Started by the first request, so CLI commands never spawn a delivery thread.
        app.before_request(lambda: delivery.ensure_started(app))

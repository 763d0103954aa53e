"""Accounts: registration, sign-in, confirmation, password reset, profile and roles."""

from __future__ import annotations

from flask import Blueprint, Flask
from flask_babel import lazy_gettext as _l

from community.extensions import login_manager

bp = Blueprint("accounts", __name__)

from community.accounts import language, services, sessions, views  # noqa: E402,F401  (routes attach to bp)


def init_app(app: Flask) -> None:
    login_manager.init_app(app)
    login_manager.login_view = "accounts.login"
    login_manager.login_message = _l("Please log in to see this page.")
    login_manager.login_message_category = "info"
    login_manager.session_protection = "basic"
    login_manager.user_loader(sessions.load_user)
    app.jinja_env.filters["device_name"] = sessions.device_name
    app.register_blueprint(bp)

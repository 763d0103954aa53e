"""Admin area: users and roles, API tokens, the outbox. Every route needs the admin role."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("admin", __name__, url_prefix="/admin")

from community.admin import labels, views  # noqa: E402,F401  (routes and filters attach to bp)

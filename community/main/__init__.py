"""The front door (`/`) and the health check (`/healthz`)."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("main", __name__)

from community.main import views  # noqa: E402,F401  (routes attach to bp)

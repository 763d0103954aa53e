"""Rate-limit keys and limits read from settings, so operators tune them without code."""

from __future__ import annotations

from collections.abc import Callable

from flask import current_app, request


def client_address() -> str:
    """The client's address; ProxyFix has already applied the trusted proxy count."""
    return request.remote_addr or "unknown"


def configured_limit(setting: str) -> Callable[[], str]:
    """A limit string taken from the app's config when the request is checked."""

    def limit() -> str:
        return current_app.config[setting]

    return limit

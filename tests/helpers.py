"""Small helpers the tests of every feature share."""

from __future__ import annotations

from typing import Any

from flask import Flask


def logged_in(app: Flask, person: Any) -> Any:
    """A test client (CSRF-aware `PortalClient`) logged in as `person` through the real form."""
    client = app.test_client()
    client.login(person.email)  # type: ignore[attr-defined]
    return client

"""Small helpers the tests of every feature share."""

from __future__ import annotations

from typing import Any

from flask import Flask


def logged_in(app: Flask, person: Any) -> Any:
    """A test client (CSRF-aware `PortalClient`) logged in as `person` through the real form."""
    client = app.test_client()
    client.login(person.email)  # type: ignore[attr-defined]
    return client


def badge_counts(app: Flask, person: Any) -> dict[str, int]:
    """What `person`'s navigation badges say now, read as their open pages read it."""
    response = logged_in(app, person).get("/me/badges")
    assert response.status_code == 200, response.text
    return response.get_json()["badges"]  # type: ignore[no-any-return]


def badge_socket(app: Flask, client: Any) -> Any:
    """A Socket.IO test client on `/me` for the member `client` is logged in as."""
    from community.extensions import socketio  # the app's own server

    return socketio.test_client(app, namespace="/me", flask_test_client=client)


def badge_pushes(socket: Any) -> int:
    """How many "refresh your badges" pushes `socket` heard since the last call."""
    return sum(1 for item in socket.get_received("/me") if item["name"] == "badges")

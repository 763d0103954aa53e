"""Paths of forum pages, with or without a request (emails, search documents, mentions)."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from flask import current_app, has_request_context, url_for


def path_for(endpoint: str, **values: Any) -> str:
    if has_request_context():
        return url_for(endpoint, **values)
    base = urlsplit(current_app.config["BASE_URL"])
    adapter = current_app.url_map.bind(base.netloc or "localhost", script_name=base.path or "/")
    return adapter.build(endpoint, values)


def topic_path(topic_id: int, slug: str, **values: Any) -> str:
    return path_for("forum.topic", topic_id=topic_id, slug=slug, **values)


def member_path(user_id: int | str) -> str:
    return path_for("forum.member", user_id=int(user_id))

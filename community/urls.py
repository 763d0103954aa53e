"""URLs built for templates and emails: absolute ones for emails and CLI output (which
have no request to take a host from), and the pages of a paged list."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any
from urllib.parse import urlsplit

from flask import current_app, request, url_for


def external_url(endpoint: str, **values: Any) -> str:
    """Build `BASE_URL` + the endpoint's path, with or without a request in progress."""
    base = urlsplit(current_app.config["BASE_URL"])
    adapter = current_app.url_map.bind(
        base.netloc, script_name=base.path or "/", url_scheme=base.scheme
    )
    return adapter.build(endpoint, values, force_external=True)


def page_url(endpoint: str, page: int, keep: Iterable[str] | None = None) -> str:
    """The current list at another page.

    It keeps the route's values and the list's own query arguments (only those in `keep`,
    when given), never `url_for`'s control arguments (`_external`, `_scheme`, `_anchor`)
    or a route value someone typed into the query string: those would let one visitor's
    address decide where a cached page's links lead.
    """
    route_values = request.view_args or {}
    wanted = None if keep is None else set(keep)
    query = {
        name: value
        for name, value in request.args.items()
        if not name.startswith("_")
        and name not in route_values
        and name not in ("page", "endpoint")
        and (wanted is None or name in wanted)
    }
    return url_for(endpoint, **route_values, **query, page=page)

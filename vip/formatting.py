"""Template filters of the VIP club: durations in words, times in a given person's zone, and
each message's HTML from the fragment cache.

`vip_local(person)` is for emails: they are rendered outside the recipient's requests, so
the reader's time zone has to be named rather than taken from the request.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from babel.dates import format_datetime
from flask import Flask, render_template
from flask_babel import format_timedelta, get_locale
from markupsafe import Markup

from community.caching import reader_variant
from community.fragments import fragment_cache


def duration(value: timedelta | float | int | None) -> str:
    """'12 minutes', '4 hours' in the reader's language; seconds count as a minute."""
    if value is None:
        return ""
    if not isinstance(value, timedelta):
        value = timedelta(seconds=float(value))
    return format_timedelta(max(value, timedelta(minutes=1)), granularity="minute")


def local_time(value: datetime | None, person: object) -> str:
    """A short date and time in `person`'s time zone, with the zone's name."""
    if value is None:
        return ""
    name = getattr(person, "timezone", None) or "UTC"
    try:
        zone = ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        name, zone = "UTC", ZoneInfo("UTC")
    stamp = format_datetime(value, "short", tzinfo=zone, locale=get_locale() or "en")
    return f"{stamp} ({name.replace('_', ' ')})"


def message_html(message: Any, staff_view: bool) -> Markup:
    """One message of a conversation, rendered once per process for each way it looks.

    A message never changes but for being read and its author's name, so its fragment is
    kept under those, the side reading it, the language and the reader's zone
    (`community.fragments`); a conversation page renders only what arrived since.
    """
    author = message.author
    key = (
        message.id,
        message.read_at is not None,
        message.from_staff,
        message.by_backup,
        message.created_at,
        hash(message.body_html),
        author.display_name if author else None,
        author.initials if author else None,
        bool(staff_view),
        reader_variant(),
    )
    (html,) = fragment_cache("vip.messages").render_all(
        [key],
        key=lambda item: item,
        render=lambda _key: render_template("vip/_message.html", m=message, staff_view=staff_view),
    )
    return Markup(html)  # noqa: S704 (rendered by an autoescaping template)


def init_app(app: Flask) -> None:
    app.add_template_global(message_html, "vip_message_html")
    app.add_template_filter(duration, "vip_duration")
    app.add_template_filter(local_time, "vip_local")

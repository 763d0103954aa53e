"""Template filters of the VIP club: durations in words, and times in a given person's zone.

`vip_local(person)` is for emails: they are rendered outside the recipient's requests, so
the reader's time zone has to be named rather than taken from the request.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from babel.dates import format_datetime
from flask import Flask
from flask_babel import format_timedelta, get_locale


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


def init_app(app: Flask) -> None:
    app.add_template_filter(duration, "vip_duration")
    app.add_template_filter(local_time, "vip_local")

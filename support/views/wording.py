"""How support pages put states and figures into words, in the reader's language.

Passed to the customer's and the public templates as plain functions (`**wording.helpers()`),
so the templates hold no rules and no arithmetic beyond choosing which words to show.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from babel.dates import get_day_names
from flask_babel import format_datetime, format_timedelta, get_locale, ngettext
from flask_babel import gettext as _

from support.calendar import BusinessCalendar, describe_minutes


def status_label(status: str) -> str:
    labels = {
        "new": _("Received"),
        "open": _("In progress"),
        "waiting": _("Waiting for your answer"),
        "solved": _("Solved"),
        "closed": _("Closed"),
    }
    return labels.get(status, status)


def status_tone(status: str) -> str:
    """The badge colour of a status, as the customer should read it."""
    return {"waiting": "badge-warn", "solved": "badge-ok", "closed": ""}.get(status, "badge-staff")


def business_time(minutes: float | None) -> str:
    """ "3 business hours 20 minutes"; the clock only runs in the department's hours."""
    if minutes is None:
        return ""
    hours, rest = describe_minutes(round(minutes))
    if hours and rest:
        return _("%(hours)s and %(minutes)s", hours=_hours(hours), minutes=_minutes(rest))
    if hours:
        return _hours(hours)
    return _minutes(rest)


def _hours(count: int) -> str:
    return ngettext("%(num)d business hour", "%(num)d business hours", count)


def _minutes(count: int) -> str:
    return ngettext("%(num)d minute", "%(num)d minutes", count)


def clock_time(minutes: float | None) -> str:
    """Calendar time, for promises that count every minute (VIP tiers)."""
    if minutes is None:
        return ""
    if minutes < 60:
        return _minutes(round(minutes))
    return format_timedelta(timedelta(minutes=minutes), threshold=1.5)


def duration(seconds: float | None) -> str:
    if seconds is None:
        return ""
    return format_timedelta(timedelta(seconds=seconds), threshold=1.5)


def percent(share: float | None) -> str:
    return "" if share is None else f"{round(share * 100)}%"


def opening_hours(hours: dict[str, Any], timezone: str) -> str:
    """ "Mon 09:00–18:00; Sat 10:00–16:00 (Asia/Shanghai time)"; spans that make no sense
    are left out, and a department without any is open round the clock."""
    names = get_day_names("abbreviated", locale=str(get_locale() or "en"))
    calendar = BusinessCalendar.build(timezone, hours)
    parts = [
        f"{names[day]} " + ", ".join(f"{_clock(start)}–{_clock(end)}" for start, end in spans)
        for day, spans in sorted(calendar.spans.items())
    ]
    if not parts:
        return _("Every day, around the clock")
    return _("%(hours)s (%(zone)s time)", hours="; ".join(parts), zone=timezone)


def _clock(minute: int) -> str:
    return f"{minute // 60:02d}:{minute % 60:02d}"


def iso_time(value: str | None) -> str:
    """A moment stored as ISO text (in a request's context), in the reader's zone."""
    try:
        moment = datetime.fromisoformat(value) if value else None
    except (TypeError, ValueError):
        return ""
    return format_datetime(moment, "medium") if moment else ""


def helpers() -> dict[str, Callable[..., Any]]:
    return {
        "iso_time": iso_time,
        "status_label": status_label,
        "status_tone": status_tone,
        "business_time": business_time,
        "clock_time": clock_time,
        "duration": duration,
        "percent": percent,
        "opening_hours": opening_hours,
    }

"""Language and time zone per person: strings through gettext, times stored in UTC and shown
in the reader's zone and locale."""

from __future__ import annotations

from datetime import datetime, timedelta
from functools import cache
from urllib.parse import unquote
from zoneinfo import available_timezones

import pytz
from babel import Locale
from babel.support import Translations
from flask import Flask, current_app, g, has_request_context, request
from flask_babel import (
    format_datetime,
    format_timedelta,
    get_locale,
    get_timezone,
    get_translations,
)
from flask_babel import gettext as _
from flask_login import current_user
from wtforms import SelectChoice
from wtforms.i18n import messages_path

from community.db import utcnow
from community.extensions import babel

# Each offered language, named in itself: a reader who cannot read the page still finds theirs.
LANGUAGE_NAMES = {"en": "English", "zh_Hans_CN": "简体中文"}
# The cookie that keeps a visitor's chosen language (`POST /language`); a year, like a setting.
LANGUAGE_COOKIE = "portico_lang"
LANGUAGE_COOKIE_MAX_AGE = 365 * 24 * 3600
JUST_NOW = timedelta(minutes=1)
# The zone a visitor's browser reports, remembered for server-rendered times (portico.js).
TIMEZONE_COOKIE = "portico_tz"
MAX_ZONE_LENGTH = 64
# Where most customers live, first in the zone list: typing a city's first letters finds it.
COMMON_ZONES = (
    "Asia/Shanghai",
    "Asia/Hong_Kong",
    "Asia/Taipei",
    "Asia/Singapore",
    "Asia/Tokyo",
    "Asia/Seoul",
    "Asia/Kolkata",
    "Asia/Dubai",
    "Europe/London",
    "Europe/Paris",
    "Europe/Berlin",
    "America/New_York",
    "America/Chicago",
    "America/Los_Angeles",
    "Australia/Sydney",
    "UTC",
)


def chosen_locale() -> str | None:
    """The language a visitor picked with the language switch, when it is one we offer."""
    chosen = request.cookies.get(LANGUAGE_COOKIE)
    return chosen if chosen in current_app.config["PORTAL_LOCALES"] else None


def browser_locale() -> str | None:
    """The offered language the browser asks for (Accept-Language), if any."""
    best = request.accept_languages.best_match(["en", "zh", "zh_CN", "zh_Hans_CN"])
    if best and best.startswith("zh") and "zh_Hans_CN" in current_app.config["PORTAL_LOCALES"]:
        return "zh_Hans_CN"
    return "en" if best else None


def visitor_locale() -> str:
    """What a signed-out visitor reads: their choice, else their browser's, else the default.

    Registration saves this, so the new member keeps reading the language they signed up in.
    """
    return chosen_locale() or browser_locale() or current_app.config["BABEL_DEFAULT_LOCALE"]


def select_locale() -> str:
    if not has_request_context():  # CLI commands and workers speak the default language
        return current_app.config["BABEL_DEFAULT_LOCALE"]
    supported = current_app.config["PORTAL_LOCALES"]
    if current_user and current_user.is_authenticated and current_user.locale in supported:
        return current_user.locale
    return visitor_locale()


def language_names() -> dict[str, str]:
    """The offered languages (`PORTAL_LOCALES`), each named in itself, for the switch."""
    offered = current_app.config["PORTAL_LOCALES"]
    return {code: LANGUAGE_NAMES.get(code, code) for code in offered}


def language_tag(locale: Locale | str | None) -> str:
    """The BCP 47 tag of a locale, for `lang` attributes: `en`, or `zh-Hans` for Simplified
    Chinese (the script, not the territory, decides fonts and line breaking)."""
    if locale is None:
        return "en"
    parsed = Locale.parse(locale) if isinstance(locale, str) else locale
    return "-".join(part for part in (parsed.language, parsed.script) if part)


def html_lang() -> str:
    """The tag of the language being rendered (the page's, or an email's forced one)."""
    return language_tag(get_locale())


def visitor_timezone() -> str | None:
    """The zone a visitor's browser reported (`portico_tz`, set by portico.js), if valid."""
    zone = unquote(request.cookies.get(TIMEZONE_COOKIE, ""))
    return zone if len(zone) <= MAX_ZONE_LENGTH and is_valid_timezone(zone) else None


def select_timezone() -> str:
    """A member's own zone; a visitor's browser zone once known; else the site's default."""
    if has_request_context():
        if current_user and current_user.is_authenticated:
            return current_user.timezone
        if zone := visitor_timezone():
            return zone
    return current_app.config["BABEL_DEFAULT_TIMEZONE"]


def zone_is_guessed() -> bool:
    """True when times are shown in the default zone because the reader's is not known: a
    visitor whose browser has not told us (no JavaScript, or the first page): the zone is
    then named next to each time."""
    if not has_request_context():
        return False
    if current_user and current_user.is_authenticated:
        return False
    return visitor_timezone() is None


@cache
def _timezone_names() -> tuple[str, ...]:
    """Zones both the system's database and Flask-Babel (which loads zones through pytz) know:
    `localtime` or `Factory` from the first would fail every page that shows a time."""
    return tuple(sorted(available_timezones() & pytz.all_timezones_set))


@cache
def _timezone_set() -> frozenset[str]:
    return frozenset(_timezone_names())


def is_valid_timezone(name: str) -> bool:
    return name in _timezone_set()


def _zone_choice(name: str) -> SelectChoice:
    return SelectChoice(name, name.replace("_", " "))


def timezone_choices() -> dict[str, list[SelectChoice]]:
    """The zones most readers live in first (typing a city jumps to it), then all of them."""
    return {
        _("Common time zones"): [_zone_choice(name) for name in COMMON_ZONES],
        _("All time zones"): [_zone_choice(name) for name in _timezone_names()],
    }


@cache
def _pattern(locale: str, style: str) -> str:
    """The locale's date in `style` with its short time: one style per language, no seconds."""
    parsed = Locale.parse(locale)
    date = parsed.date_formats[style].pattern
    time = parsed.time_formats["short"].pattern
    combined = str(parsed.datetime_formats.get(style, "{1} {0}"))
    return combined.replace("{1}", date).replace("{0}", time)


def datetime_filter(value: datetime | None, style: str = "medium") -> str:
    """A date and time in the reader's zone and language, without seconds; for a visitor
    whose zone is not known yet, followed by the zone's name (`UTC`)."""
    if not value:
        return ""
    text = format_datetime(value, _pattern(str(get_locale() or "en"), style))
    if zone_is_guessed():
        text = f"{text} {format_datetime(value, 'z')}"
    return text


def ago_filter(value: datetime | None) -> str:
    """'3 hours ago' in the reader's language; under a minute, 'just now' (刚刚), which is
    what people say, where Babel would count seconds ("1 秒钟前")."""
    if value is None:
        return ""
    delta = value - utcnow()
    if abs(delta) < JUST_NOW:
        return _("just now")
    return format_timedelta(delta, add_direction=True)


def iso_filter(value: datetime | None) -> str:
    return value.isoformat() if value else ""


@cache
def wtforms_catalogue(locale: str) -> Translations:
    """WTForms' built-in messages in `locale`, read from disk once per process."""
    return Translations.load(messages_path(), [locale], domain="wtforms")


def _request_translations() -> Translations:
    """The request's catalogue, found once per request (and again under force_locale).

    Flask-Babel looks it up on every call, about 20 µs each; a page has dozens of strings.
    """
    babel_state = g.get("_flask_babel")  # where Flask-Babel keeps the request's locale
    locale = getattr(babel_state, "babel_locale", None)
    memo = g.get("_portico_translations")
    if memo is not None and locale is not None and memo[0] is locale:
        return memo[1]
    translations = get_translations()
    g._portico_translations = (getattr(g.get("_flask_babel"), "babel_locale", None), translations)
    return translations


def init_app(app: Flask) -> None:
    babel.init_app(app, locale_selector=select_locale, timezone_selector=select_timezone)
    app.jinja_env.install_gettext_callables(  # type: ignore[attr-defined]
        gettext=lambda string: _request_translations().ugettext(string),
        ngettext=lambda singular, plural, n: _request_translations().ungettext(singular, plural, n),
        pgettext=lambda context, string: _request_translations().upgettext(context, string),
        npgettext=lambda context, singular, plural, n: _request_translations().unpgettext(
            context, singular, plural, n
        ),
        newstyle=True,
    )
    app.jinja_env.globals["reader_timezone"] = lambda: str(get_timezone())
    app.jinja_env.filters["datetime"] = datetime_filter
    app.jinja_env.filters["ago"] = ago_filter
    app.jinja_env.filters["iso"] = iso_filter
    app.jinja_env.globals["html_lang"] = html_lang
    app.jinja_env.globals["language_names"] = language_names
    app.jinja_env.globals["language_tag"] = language_tag

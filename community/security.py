"""Response headers every page carries, and the check that keeps redirects on this site."""

from __future__ import annotations

from urllib.parse import urlsplit

from babel.support import Translations
from flask import Flask, Request, Response, abort, request
from flask_babel import get_locale
from werkzeug.datastructures import ImmutableMultiDict, MultiDict
from werkzeug.utils import cached_property

from community.i18n import wtforms_catalogue

# No inline script anywhere: pages load /static/js files, and templates pass data to them
# through data-* attributes. The connect-src allows the Socket.IO WebSocket on this host.
CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data: https:",
        "font-src 'self'",
        "connect-src 'self' ws: wss:",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)

_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=(), interest-cohort=()",
    "Cross-Origin-Opener-Policy": "same-origin",
}


def is_safe_redirect(target: str | None) -> bool:
    """Only a path on this site: no scheme, no host, no `//evil`, no backslash tricks."""
    if not target or not target.startswith("/") or target.startswith("//"):
        return False
    if "\\" in target or any(ord(char) < 32 for char in target):
        return False
    parts = urlsplit(target)
    return not parts.scheme and not parts.netloc


def safe_next(default: str) -> str:
    """The `next` parameter when it stays on this site, otherwise `default`."""
    target = request.values.get("next")
    return target if is_safe_redirect(target) else default


def _without_nul(values: MultiDict[str, str]) -> MultiDict[str, str]:
    """The same values, NUL bytes removed (the same object when there are none)."""
    if not any("\x00" in key or "\x00" in value for key, value in values.items(multi=True)):
        return values
    return ImmutableMultiDict(
        (key.replace("\x00", ""), value.replace("\x00", ""))
        for key, value in values.items(multi=True)
    )


class PorticoRequest(Request):
    """Query and form values never carry a NUL byte into the app.

    No search, name or text a person means holds one, PostgreSQL refuses one in text, and
    every view would otherwise need its own guard (a search for `a%00b` failed with a 500
    on PostgreSQL). Removing it keeps the rest of what was sent.
    """

    @cached_property
    def args(self) -> MultiDict[str, str]:  # type: ignore[override]
        return _without_nul(super().args)

    def _load_form_data(self) -> None:
        super()._load_form_data()
        form = self.__dict__.get("form")
        if form is not None:
            self.__dict__["form"] = _without_nul(form)

    # Flask-WTF looks for WTForms' own messages ("This field is required.") here first and,
    # when it finds none, reads and parses the catalogue from disk, once per request that
    # builds a form: about half a millisecond of every signed-in topic page. Served from the
    # process's copy for the request's language instead.
    @property
    def wtforms_translations(self) -> Translations:
        return wtforms_catalogue(str(get_locale()))

    @wtforms_translations.setter
    def wtforms_translations(self, _value: Translations) -> None:
        """Flask-WTF keeps what it loaded here; the process's copy already serves it."""


def init_app(app: Flask) -> None:
    https = app.config["BASE_URL"].startswith("https://")
    app.request_class = PorticoRequest

    @app.before_request
    def no_nul_in_requests() -> None:
        """No slug, tag or number holds a NUL byte, and PostgreSQL refuses one in text: an
        address with one names nothing (404) instead of failing the lookup with a 500. Query
        and form values lose theirs on the way in (`PorticoRequest`)."""
        if "\x00" in request.path:
            abort(404)

    @app.after_request
    def set_security_headers(response: Response) -> Response:
        for name, value in _HEADERS.items():
            response.headers.setdefault(name, value)
        if https:
            response.headers.setdefault(
                "Strict-Transport-Security", "max-age=31536000; includeSubDomains"
            )
        return response

"""Response headers every page carries, and the check that keeps redirects on this site."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Flask, Response, abort, request

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


def init_app(app: Flask) -> None:
    https = app.config["BASE_URL"].startswith("https://")

    @app.before_request
    def no_nul_in_paths() -> None:
        """No slug, tag or number holds a NUL byte, and PostgreSQL refuses one in text: an
        address with one names nothing (404) instead of failing the lookup with a 500.
        Query strings are left alone (a search for odd characters still answers)."""
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

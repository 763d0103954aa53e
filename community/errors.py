"""Friendly error pages for people, JSON errors for programs under `/api/`."""

from __future__ import annotations

import logging

from flask import Flask, jsonify, render_template, request
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException, InternalServerError

log = logging.getLogger(__name__)


def wants_json() -> bool:
    return request.path.startswith("/api/") or request.path == "/healthz"


def _titles() -> dict[int, tuple[str, str]]:
    return {
        400: (_("Bad request"), _("The request could not be understood. Please try again.")),
        401: (_("Please log in"), _("You need to log in to see this page.")),
        403: (_("Not allowed"), _("Your account is not allowed to do this.")),
        404: (_("Page not found"), _("We could not find that page. It may have moved.")),
        405: (_("Not allowed"), _("That action is not available here.")),
        413: (_("Too large"), _("What you sent is larger than we accept.")),
        422: (_("Check your input"), _("Some of what you sent could not be used.")),
        429: (
            _("Slow down"),
            _("Too many attempts in a short time. Please wait a minute and try again."),
        ),
        500: (_("Something went wrong"), _("We are sorry: an error occurred on our side.")),
        503: (_("Unavailable"), _("This service is unavailable right now. Please try later.")),
    }


def render_error(status: int, detail: str | None = None):  # type: ignore[no-untyped-def]
    title, message = _titles().get(status, (_("Error"), _("Something went wrong.")))
    if wants_json():
        return jsonify(error={"code": status, "message": detail or message}), status
    return (
        render_template("errors/error.html", status=status, title=title, message=detail or message),
        status,
    )


def init_app(app: Flask) -> None:
    @app.errorhandler(CSRFError)
    def csrf_error(error: CSRFError):  # type: ignore[no-untyped-def]
        return render_error(
            400,
            _("This form has expired or was sent from another site. Reload the page and retry."),
        )

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException):  # type: ignore[no-untyped-def]
        status = error.code or 500
        # A message given to abort() is shown; the generic English default is not.
        custom = error.description if error.description != type(error).description else None
        if status == 429:  # the limiter describes the limit ("3 per 1 minute"), not the remedy
            custom = None
        body, status = render_error(status, custom)
        response = app.make_response((body, status))
        for name, value in error.get_headers():
            if name.lower() != "content-type":
                response.headers[name] = value
        return response

    @app.errorhandler(Exception)
    def unexpected_error(error: Exception):  # type: ignore[no-untyped-def]
        log.exception("unhandled error on %s %s", request.method, request.path)
        return render_error(InternalServerError.code)

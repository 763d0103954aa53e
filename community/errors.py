"""What a rule says when it says no, and how every page and API answer shows it.

Services raise `NotAllowed`, `NotFound` or `InvalidInput`: the one family of domain errors
for the core and every feature. They are HTTP exceptions, so one a view lets through becomes
the app's error page (or a JSON error under `/api/`) with the right status; a view that owns a
form catches `InvalidInput` and shows it beside its field (`community.forms.show_error`).
"""

from __future__ import annotations

import logging
from typing import Any

from flask import Flask, jsonify, render_template, request
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import DBAPIError
from werkzeug.exceptions import HTTPException, InternalServerError

from community.extensions import db

log = logging.getLogger(__name__)


class DomainError(HTTPException):
    """A rule said no. `message` is shown to the person; `field` names the input it concerns."""

    code = 422

    def __init__(self, message: str | None = None, field: str | None = None) -> None:
        super().__init__(description=message)
        self.message = message or ""
        self.field = field

    def as_dict(self) -> dict[str, Any]:
        """The JSON error body every API route and socket event answers with."""
        body: dict[str, Any] = {"code": self.code, "message": self.message}
        if self.field:
            body["field"] = self.field
            body["fields"] = [{"field": self.field, "message": self.message}]
        return body


class InvalidInput(DomainError):
    """The input breaks a rule (a fourth contact, a title taken, a file too large): 422."""

    code = 422


class NotAllowed(DomainError):
    """This person may not do this here: 403."""

    code = 403


class NotFound(DomainError):
    """No such thing, or not one this person may see (hidden looks missing): 404."""

    code = 404


class Conflict(DomainError):
    """The thing changed under the request (already answered, already claimed): 409."""

    code = 409


class RateLimited(DomainError):
    """Too many actions in a short time, counted by a service rather than a route: 429."""

    code = 429


class Busy(DomainError):
    """Other writers held the rows too long, even after retries: 503, with `Retry-After`.

    Nothing was stored, so sending the same request again is safe; the header says when.
    """

    code = 503

    def __init__(self, message: str | None = None, retry_after: int = 1) -> None:
        super().__init__(
            message
            or _(
                "The service is busy with other changes to the same records. Nothing was "
                "stored: send the same request again in a moment."
            )
        )
        self.retry_after = retry_after

    def get_headers(self, *args: Any, **kwargs: Any) -> list[tuple[str, str]]:
        return [*super().get_headers(*args, **kwargs), ("Retry-After", str(self.retry_after))]


CONFLICT_SQLSTATES = frozenset({"40001", "40P01"})  # serialization failure, deadlock


def is_write_conflict(error: BaseException) -> bool:
    """A deadlock or serialization failure: nothing was stored and the work can run again."""
    return isinstance(error, DBAPIError) and (
        getattr(error.orig, "sqlstate", None) in CONFLICT_SQLSTATES
    )


def wants_json() -> bool:
    """The API, `/healthz`, and a page's own `fetch()` that asks for JSON get errors as JSON."""
    if request.path.startswith("/api/") or request.path == "/healthz":
        return True
    return request.accept_mimetypes.best_match(("text/html", "application/json")) == (
        "application/json"
    )


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


def render_error(  # type: ignore[no-untyped-def]
    status: int, detail: str | None = None, field: str | None = None
):
    title, message = _titles().get(status, (_("Error"), _("Something went wrong.")))
    if wants_json():
        body: dict[str, Any] = {"code": status, "message": detail or message}
        if field:
            body["fields"] = [{"field": field, "message": detail or message}]
        return jsonify(error=body), status
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
        if status == 429 and not isinstance(error, DomainError):
            custom = None  # the limiter describes the limit ("3 per 1 minute"), not the remedy
        body, status = render_error(status, custom, getattr(error, "field", None))
        response = app.make_response((body, status))
        for name, value in error.get_headers():
            if name.lower() != "content-type":
                response.headers[name] = value
        return response

    @app.errorhandler(Exception)
    def unexpected_error(error: Exception):  # type: ignore[no-untyped-def]
        log.exception("unhandled error on %s %s", request.method, request.path)
        # A failed statement leaves the transaction aborted (PostgreSQL refuses every later
        # query in it); the error page reads the signed-in user, so start clean first.
        try:
            db.session.rollback()
        except Exception:
            log.exception("rolling back after an unhandled error failed")
        if is_write_conflict(error):  # a deadlock in a path without retries: safe to resend
            response = app.make_response(render_error(503, Busy().message))
            response.headers["Retry-After"] = "1"
            return response
        return render_error(InternalServerError.code)

"""What knowledge-base rules say when they say no.

Refusals subclass werkzeug's HTTP errors, so a service can refuse and every page and API
route answers 403/404 through the app's error pages without translating anything.
"""

from __future__ import annotations

from werkzeug.exceptions import Forbidden, NotFound


class NotAllowed(Forbidden):
    """Only editors may do this."""


class ArticleNotFound(NotFound):
    """No such article, or not one this person may see (drafts look missing)."""


class KbError(Exception):
    """Input a rule refused; `field` names the form field the message belongs to."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field

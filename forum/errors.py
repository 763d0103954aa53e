"""What the forum's rules say when they say no.

Refusals subclass werkzeug's HTTP errors, so a service can refuse and every page answers
403/404 through the app's error pages; `ForumError` is refused input (a 422 on the form).
"""

from __future__ import annotations

from werkzeug.exceptions import Forbidden, NotFound


class NotAllowed(Forbidden):
    """This person may not do this here."""


class TopicNotFound(NotFound):
    """No such topic or post, or not one this person may see (hidden looks missing)."""


class ForumError(Exception):
    """Input a rule refused; `field` names the form field the message belongs to."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field

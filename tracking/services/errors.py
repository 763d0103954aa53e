"""The ways a tracking rule says no, with what a form or an API answer needs to show it."""

from __future__ import annotations

from typing import Any


class TrackingError(Exception):
    """A rule said no; `field` names the form or JSON field the message belongs to."""

    def __init__(self, message: str, field: str | None = None, status: int = 422) -> None:
        super().__init__(message)
        self.message = message
        self.field = field
        self.status = status


class IngestRejected(Exception):
    """Some events of a batch cannot be stored, so none are; each problem names its item."""

    def __init__(self, problems: list[dict[str, Any]]) -> None:
        super().__init__(f"{len(problems)} rejected event(s)")
        self.problems = problems

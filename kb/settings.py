"""The knowledge base's settings: read from the environment by the core into the config."""

from __future__ import annotations

from community.config import Setting, integer


def days(raw: str, name: str) -> int:
    """A whole number of days, at least one: a log kept for no time could not be followed."""
    value = integer(raw, name)
    if value < 1:
        raise RuntimeError(f"{name} must be at least 1 (days), got {raw!r}")
    return value


SETTINGS: tuple[Setting, ...] = (
    Setting("KB_ATTACHMENT_MAX_BYTES", 10 * 1024 * 1024, integer, example="1048576"),
    # Read and search counts are gathered in memory and written this often.
    Setting("KB_COUNTER_FLUSH_SECONDS", 10, integer, example="60"),
    # Search change log rows are kept this long; an index stopped for longer is rebuilt.
    Setting("KB_SEARCH_LOG_DAYS", 7, days, example="14"),
    Setting("KB_RATE_LIMIT_FEEDBACK", "10 per minute;100 per day", example="3 per minute"),
)

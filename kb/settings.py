"""The knowledge base's settings: read from the environment by the core into the config."""

from __future__ import annotations

from community.config import Setting, integer

SETTINGS: tuple[Setting, ...] = (
    Setting("KB_ATTACHMENT_MAX_BYTES", 10 * 1024 * 1024, integer, example="1048576"),
    # Read and search counts are gathered in memory and written this often.
    Setting("KB_COUNTER_FLUSH_SECONDS", 10, integer, example="60"),
    Setting("KB_RATE_LIMIT_FEEDBACK", "10 per minute;100 per day", example="3 per minute"),
)

"""Tracking's settings: read from the environment by the core into the config."""

from __future__ import annotations

from community.config import Setting, decimal

SETTINGS: tuple[Setting, ...] = (
    # Per address, on look-ups and tracking pages.
    Setting("RATE_LIMIT_TRACKING", "120 per minute;3000 per hour", example="30 per minute"),
    # How often each web process relays changes other processes stored (without Redis).
    Setting("TRACKING_RELAY_SECONDS", 1.0, decimal, example="2.5"),
)

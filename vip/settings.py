"""The VIP club's settings: read from the environment by the core into the config."""

from __future__ import annotations

from community.config import Setting, choice, integer, minutes_by_name

SETTINGS: tuple[Setting, ...] = (
    # Tier names with the promised first reply in minutes, lowest tier first.
    Setting(
        "VIP_TIERS",
        {"silver": 240, "gold": 60, "platinum": 15},
        minutes_by_name,
        example="gold:30,platinum:10",
    ),
    # How long a message stays unread before it is emailed.
    Setting("VIP_UNREAD_EMAIL_MINUTES", 10, integer, example="30"),
    # "thread": each web process sweeps; "worker": only `flask vip sweep --every N`.
    Setting("VIP_SWEEP", "thread", choice("thread", "worker"), example="worker"),
    Setting("VIP_SWEEP_SECONDS", 60, integer, example="15"),
    Setting("VIP_MESSAGE_RATE_LIMIT", "20 per minute;300 per hour", example="5 per minute"),
    Setting("VIP_EVENT_RATE_LIMIT", "120 per minute", example="30 per minute"),
)

"""The forum's settings and their defaults; an operator overrides any of them in the config.

The sandbox limits follow Discourse's defaults for new members.
"""

from __future__ import annotations

from flask import current_app

DEFAULTS: dict[str, int] = {
    # How long a member counts as new after signing up.
    "FORUM_SANDBOX_HOURS": 24,
    "FORUM_SANDBOX_TOPICS_PER_DAY": 3,
    "FORUM_SANDBOX_REPLIES_PER_DAY": 10,
    # Links and images in one post, for new members.
    "FORUM_SANDBOX_MAX_LINKS": 2,
    "FORUM_SANDBOX_MAX_MENTIONS": 2,
    "FORUM_MAX_MENTIONS": 10,
    "FORUM_SANDBOX_SECONDS_BETWEEN_POSTS": 30,
    "FORUM_SECONDS_BETWEEN_POSTS": 5,
    # The same text twice from one person within this time is refused.
    "FORUM_DUPLICATE_MINUTES": 5,
    "FORUM_MAX_POST_LENGTH": 32_000,
    # Open flags from this many people hide a post until a moderator looks.
    "FORUM_FLAGS_TO_HIDE": 3,
    "FORUM_TOPICS_PER_PAGE": 30,
    "FORUM_POSTS_PER_PAGE": 20,
}

RATE_LIMIT_DEFAULTS: dict[str, str] = {
    # Per address, on every form that writes (the sandbox limits people, this limits bots).
    "FORUM_RATE_LIMIT_POST": "20 per minute;300 per hour",
    "FORUM_RATE_LIMIT_SUGGEST": "120 per minute",
}


def setting(name: str) -> int:
    return int(current_app.config.get(name, DEFAULTS[name]))


def rate_limit(name: str) -> str:
    return str(current_app.config.get(name, RATE_LIMIT_DEFAULTS[name]))

"""The forum's settings: read from the environment by the core (`add_settings`) into the config.

The sandbox limits follow Discourse's defaults for new members.
"""

from __future__ import annotations

from flask import current_app

from community.config import Setting, integer

SETTINGS: tuple[Setting, ...] = (
    # How long a member counts as new after signing up.
    Setting("FORUM_SANDBOX_HOURS", 24, integer, example="1"),
    Setting("FORUM_SANDBOX_TOPICS_PER_DAY", 3, integer, example="1"),
    Setting("FORUM_SANDBOX_REPLIES_PER_DAY", 10, integer, example="4"),
    # Links and images in one post, for new members.
    Setting("FORUM_SANDBOX_MAX_LINKS", 2, integer, example="0"),
    Setting("FORUM_SANDBOX_MAX_MENTIONS", 2, integer, example="1"),
    Setting("FORUM_MAX_MENTIONS", 10, integer, example="5"),
    Setting("FORUM_SANDBOX_SECONDS_BETWEEN_POSTS", 30, integer, example="60"),
    Setting("FORUM_SECONDS_BETWEEN_POSTS", 5, integer, example="0"),
    # The same text twice from one person within this time is refused.
    Setting("FORUM_DUPLICATE_MINUTES", 5, integer, example="1"),
    Setting("FORUM_MAX_POST_LENGTH", 32_000, integer, example="8000"),
    # Reply and mention emails wait this long, and are withdrawn if the reader saw the post
    # on an open page meanwhile.
    Setting("FORUM_EMAIL_DELAY_SECONDS", 120, integer, example="0"),
    # Open flags from this many people hide a post until a moderator looks.
    Setting("FORUM_FLAGS_TO_HIDE", 3, integer, example="2"),
    Setting("FORUM_TOPICS_PER_PAGE", 30, integer, example="10"),
    Setting("FORUM_POSTS_PER_PAGE", 20, integer, example="10"),
    # Per address, on every form that writes (the sandbox limits people, this limits bots).
    Setting("FORUM_RATE_LIMIT_POST", "20 per minute;300 per hour", example="5 per minute"),
    Setting("FORUM_RATE_LIMIT_SUGGEST", "120 per minute", example="30 per minute"),
)


def setting(name: str) -> int:
    return int(current_app.config[name])


def rate_limit(name: str) -> str:
    return str(current_app.config[name])

"""Support's settings: read from the environment by the core (`add_settings`) into the config."""

from __future__ import annotations

from community.config import Setting, choice, integer

SETTINGS: tuple[Setting, ...] = (
    # A solved request reopens when the customer writes within this many days; after, it closes.
    Setting("SUPPORT_REOPEN_DAYS", 7, integer, example="3"),
    # The assignee is warned this many minutes before a promise would be broken.
    Setting("SUPPORT_WARN_MINUTES", 60, integer, example="30"),
    # How long the "Did we solve it?" links work.
    Setting("SUPPORT_RATING_DAYS", 14, integer, example="7"),
    # imaps://user:password@host:993/INBOX (or imap://…?starttls=1) for `support fetch`.
    Setting("SUPPORT_IMAP_URL", None, example="imaps://support:secret@mail.example.com/INBOX"),
    # Mail larger than this is refused (recorded with its reason, never half-read).
    Setting("SUPPORT_MAX_MESSAGE_BYTES", 25 * 1024 * 1024, integer, example="10485760"),
    Setting("SUPPORT_ATTACHMENT_MAX_BYTES", 10 * 1024 * 1024, integer, example="1048576"),
    # "thread": each web process runs the sweep; "worker": only `flask support sweep --every N`.
    Setting("SUPPORT_SWEEP", "thread", choice("thread", "worker"), example="worker"),
    Setting("SUPPORT_SWEEP_SECONDS", 60, integer, example="15"),
    # Per address: new requests and replies from the web.
    Setting("SUPPORT_RATE_LIMIT_POST", "10 per minute;60 per hour", example="3 per minute"),
)

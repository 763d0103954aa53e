"""The club's emails: each to one person, in their language, filed under its template.

Assignments, backup alerts and unread bursts all queue through `email_person`, in the
transaction of the change they report, so an email leaves only for a change that was stored.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from community.accounts.models import User
from community.outbox.services import enqueue_email


def email_person(
    person: User,
    *,
    template: str,
    subject: Any,
    context: Mapping[str, Any],
    dedupe_key: str,
    list_key: str | None = None,
) -> int | None:
    """Queue `templates/email/<template>` to `person`; its id, or None when deduplicated."""
    return enqueue_email(
        to=person.email,
        subject=subject,
        template=template,
        context=context,
        dedupe_key=dedupe_key,
        category=template,
        list_key=list_key,
        locale=person.locale,
    )

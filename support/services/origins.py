"""Requests that start where the customer already is: their own forum topic nobody has
answered ("ask support privately"), or their shipment that ran into a problem ("get help
with this shipment").

The request then carries what an agent would otherwise have to ask: the topic (its id and
title), or the tracking number with the last event and the people alerted about it. What
is offered is decided by `support.policy` from the forum's and the tracking feature's own
services, and checked again when the form is sent.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from flask import url_for
from flask_babel import gettext as _

from community.errors import NotAllowed, NotFound
from community.numbers import MAX_ID
from forum.paths import topic_path
from forum.services import reading as forum_reading
from support import policy
from tracking import services as tracking
from tracking.codes import TROUBLE


@dataclass(frozen=True)
class Origin:
    """Where a new request starts, and what it carries from there."""

    forum_topic_id: int | None = None
    tracking_number: str | None = None
    subject: str = ""
    context: dict[str, Any] = field(default_factory=dict)


def from_forum_topic(topic_id: int, user: Any) -> Origin:
    """The customer's own unsolved, visible forum topic; 404 for one they cannot see, 403
    for anyone else's or one already solved."""
    if not 0 < topic_id <= MAX_ID or not policy.signed_in(user):
        raise NotFound()
    topic, _category = forum_reading.readable_topic(topic_id, user)
    solved = topic.accepted_post_id is not None or topic.solved_at is not None
    hidden = topic.is_hidden or topic.deleted_at is not None
    if topic.author_id != user.id:
        raise NotAllowed(_("You can ask support privately about your own forum topics only."))
    if not policy.may_ask_about_topic(user, topic.author_id, solved, hidden):
        raise NotAllowed(_("This topic has an accepted answer already, or it is hidden."))
    return Origin(
        forum_topic_id=topic.id,
        subject=topic.title,
        context={
            "forum_topic": {
                "id": topic.id,
                "title": topic.title,
                "url": topic_path(topic.id, topic.slug),
            }
        },
    )


def from_shipment(number: str, user: Any) -> Origin:
    """The customer's own shipment with a problem; someone else's is a 404 (as tracking
    answers), one without a problem a 403."""
    if not policy.signed_in(user):
        raise NotFound()
    shipment = tracking.own_shipment_or_404(user, number)
    events = tracking.timeline(shipment)
    last = events[0] if events else None
    has_problem = shipment.status in TROUBLE or (last is not None and last.code in TROUBLE)
    if not policy.may_ask_about_shipment(user, shipment.owner_id, has_problem):
        raise NotAllowed(
            _("This shipment has no problem we know of. You can still write to us from the form.")
        )
    return Origin(
        tracking_number=shipment.tracking_number,
        subject=_("Help with shipment %(number)s", number=shipment.tracking_number),
        context={"shipment": _shipment_context(shipment, last)},
    )


def _shipment_context(shipment: Any, last: Any) -> dict[str, Any]:
    return {
        "tracking_number": shipment.tracking_number,
        "carrier": shipment.carrier,
        "status": shipment.status,
        "last_event": (
            {
                "code": last.code,
                "description": last.description,
                "place": last.location,
                "time": last.occurred_at.isoformat(),
            }
            if last is not None
            else None
        ),
        "contacts": [
            {"name": contact.name, "email": contact.email} for contact in shipment.contacts
        ],
    }


def topic_offer(topic: Any, user: Any) -> str | None:
    """Where "Ask support privately" leads on a forum topic page, when it is offered."""
    solved = topic.accepted_post_id is not None or topic.solved_at is not None
    hidden = topic.is_hidden or topic.deleted_at is not None
    if not policy.may_ask_about_topic(user, topic.author_id, solved, hidden):
        return None
    return url_for("support.new", topic=topic.id)


def shipment_offer(shipment: Any, user: Any) -> str | None:
    """Where "Get help with this shipment" leads on a shipment with a problem, for its owner."""
    has_problem = shipment.status in TROUBLE or shipment.last_event_code in TROUBLE
    if not policy.may_ask_about_shipment(user, shipment.owner_id, has_problem):
        return None
    return url_for("support.new", shipment=shipment.tracking_number)

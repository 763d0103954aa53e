"""Live support pages: what a change tells the browsers that watch, after its commit.

Pushes carry numbers and versions, never text: a request page that hears `request_changed`
fetches its new messages through the same permission checks as a page load, so an internal
note never reaches a customer's socket. Agents' inboxes and navigation counts hear
`inbox_changed` in each agent's own room.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select

from community.badges import badges_changed
from community.extensions import db
from community.realtime import push_after_commit, room
from support.models import AgentMembership, SupportRequest

NAMESPACE = "/support"


def request_room(request_id: int) -> str:
    """Everyone with the request open: its requester and the staff who may work it."""
    return room("support-request", request_id)


def staff_room(request_id: int) -> str:
    """Only the staff with the request open: presence and typing."""
    return room("support-request-staff", request_id)


def agent_room(user_id: int) -> str:
    return room("support-agent", user_id)


def request_changed(request: SupportRequest) -> None:
    """Open pages of the request fetch what is new (queued until the commit)."""
    push_after_commit(
        "request_changed",
        {"number": request.number, "version": request.version, "status": request.status},
        namespace=NAMESPACE,
        to=request_room(request.id),
    )


def inbox_changed(request: SupportRequest, extra_people: Iterable[int | None] = ()) -> None:
    """The department's agents, the assignee and anyone else named refresh their counts."""
    people = set(
        db.session.scalars(
            select(AgentMembership.user_id).where(
                AgentMembership.department_id == request.department_id
            )
        )
    )
    people.update(person for person in (request.assignee_id, *extra_people) if person)
    if people:
        push_after_commit(
            "inbox_changed",
            {"number": request.number, "status": request.status},
            namespace=NAMESPACE,
            to=[agent_room(person) for person in sorted(people)],
        )
        badges_changed(people)

"""Who may do what with support requests: pure functions of the people and the request.

A customer reaches only the requests they opened (anyone else's number is a 404). An agent
works the requests of their departments; the lead of a department, and admins, also read its
reports. A VIP client's request is assigned to their account manager, who may work that one
request wherever it sits. Internal notes are for staff who may work the request, never for
the customer. The services call these before every read and write; views only use them to
choose what to show.
"""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

from community.accounts.models import Role


def signed_in(user: Any) -> bool:
    return bool(getattr(user, "is_authenticated", False) and getattr(user, "is_active", False))


def is_agent(user: Any) -> bool:
    """Works the support inbox (admins and leads too)."""
    return signed_in(user) and (user.has_role(Role.AGENT) or user.has_role(Role.LEAD))


def is_lead(user: Any) -> bool:
    return signed_in(user) and user.has_role(Role.LEAD)


def may_see_reports(user: Any) -> bool:
    return is_lead(user)


def may_work(user: Any, request: Any, department_ids: Collection[int]) -> bool:
    """An agent of the request's department, its assignee (a VIP's manager), or an admin."""
    if not signed_in(user):
        return False
    if user.is_admin or request.assignee_id == user.id:
        return True
    return is_agent(user) and request.department_id in department_ids


def is_requester(user: Any, request: Any) -> bool:
    return signed_in(user) and request.requester_id is not None and request.requester_id == user.id


def may_read(user: Any, request: Any, department_ids: Collection[int]) -> bool:
    return is_requester(user, request) or may_work(user, request, department_ids)


def may_reply_as_customer(user: Any, request: Any) -> bool:
    """The requester writes on any request but a closed or merged one (a new one then)."""
    return is_requester(user, request) and request.status != "closed" and not request.merged_into_id


def may_assign_to(assignee: Any, department_id: int, department_ids: Collection[int]) -> bool:
    """A request is assigned to an agent of its department (or an admin)."""
    if not signed_in(assignee):
        return False
    return assignee.is_admin or (is_agent(assignee) and department_id in department_ids)


def may_ask_about_topic(user: Any, author_id: int, solved: bool, hidden: bool) -> bool:
    """ "Ask support privately" is offered on one's own forum topic that nobody has solved."""
    return signed_in(user) and author_id == user.id and not solved and not hidden


def may_ask_about_shipment(user: Any, owner_id: int, has_problem: bool) -> bool:
    """ "Get help with this shipment" is offered to its owner when something went wrong."""
    return signed_in(user) and owner_id == user.id and has_problem

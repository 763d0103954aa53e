"""Finding a request for the person asking, or refusing: the one place reads are checked.

A number that is not the customer's own is a 404, exactly like one that does not exist, so
request numbers cannot be probed. An agent outside the request's department is told 403:
staff know requests exist. Every view and API route reads requests through here.
"""

from __future__ import annotations

from typing import Any

from flask_babel import gettext as _
from sqlalchemy import select

from community.errors import NotAllowed, NotFound
from community.extensions import db
from support import policy
from support.models import SupportRequest
from support.services import directory

MAX_NUMBER_LENGTH = 20


def by_number(number: str) -> SupportRequest | None:
    if not number or len(number) > MAX_NUMBER_LENGTH or not number.isdigit():
        return None
    return db.session.scalar(select(SupportRequest).where(SupportRequest.number == number))


def for_customer(number: str, user: Any) -> SupportRequest:
    """The signed-in requester's own request, else 404."""
    request = by_number(number)
    if request is None or not policy.is_requester(user, request):
        raise NotFound()
    return request


def for_follower(request_id: int, email: str) -> SupportRequest:
    """The request a signed follow link names, while it still belongs to that address."""
    request = db.session.get(SupportRequest, request_id)
    if request is None or request.requester_email.lower() != email.lower():
        raise NotFound()
    return request


def for_staff(number: str, user: Any) -> SupportRequest:
    """A request this person may work: 404 if there is none, 403 for an agent outside its
    department; anyone else (a customer, a manager not assigned to it) gets 404, so numbers
    cannot be probed."""
    request = by_number(number) if policy.signed_in(user) else None
    if request is None:
        raise NotFound()
    if not policy.may_work(user, request, directory.department_ids_of(user)):
        if not policy.is_agent(user):
            raise NotFound()
        raise NotAllowed(_("This request belongs to a department you do not work in."))
    return request


def require_agent(user: Any) -> None:
    if not policy.is_agent(user):
        raise NotAllowed(_("Only support agents can do this."))


def require_lead(user: Any) -> None:
    if not policy.may_see_reports(user):
        raise NotAllowed(_("Only department leads and admins can see support reports."))

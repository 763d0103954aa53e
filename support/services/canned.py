"""Canned replies: ready answers an agent inserts into the answer box and edits before sending.

A reply belongs to one department or to all. Its placeholders, `{customer_name}`,
`{request_number}` and `{agent_name}`, are filled here on the server from the request and
the signed-in agent, never from what a browser sends. Anything else in braces stays as
written: a body is text, never a format string, so `{0.__class__}` is just characters.
"""

from __future__ import annotations

import re
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import or_, select

from community.errors import InvalidInput, NotAllowed
from community.extensions import db
from community.numbers import MAX_ID
from support import policy
from support.models import CannedReply, SupportRequest
from support.services import directory

PLACEHOLDERS = ("customer_name", "request_number", "agent_name")
_PLACEHOLDER = re.compile(r"\{(" + "|".join(PLACEHOLDERS) + r")\}")


def replies_for(request: SupportRequest) -> list[CannedReply]:
    """The replies of the request's department and those for every department, by title."""
    return list(
        db.session.scalars(
            select(CannedReply)
            .where(
                or_(
                    CannedReply.department_id.is_(None),
                    CannedReply.department_id == request.department_id,
                )
            )
            .order_by(CannedReply.title, CannedReply.id)
        )
    )


def fill(body: str, request: SupportRequest, agent: Any) -> str:
    """The body with its placeholders replaced by this request's and this agent's values."""
    values = {
        "customer_name": request.requester_name or request.requester_email,
        "request_number": request.number,
        "agent_name": agent.display_name,
    }
    return _PLACEHOLDER.sub(lambda match: values[match.group(1)], body)


def canned_text(request: SupportRequest, canned_id: int | None, *, by: Any) -> str:
    """The filled text of one canned reply for this request, for the agent working it."""
    if not policy.may_work(by, request, directory.department_ids_of(by)):
        raise NotAllowed(_("This request belongs to a department you do not work in."))
    reply = (
        db.session.get(CannedReply, canned_id) if canned_id and 0 < canned_id <= MAX_ID else None
    )
    if reply is None or reply.department_id not in (None, request.department_id):
        raise InvalidInput(_("Choose a canned reply from the list."), "canned")
    return fill(reply.body, request, by)


def insert_into(text: str, addition: str) -> str:
    """The answer so far with a canned reply added after it (a blank line between)."""
    text = text.rstrip()
    return f"{text}\n\n{addition}" if text else addition

"""The staff's side of a request: answers, internal notes, status, assignment, priority,
department, and merging a duplicate into another.

Every action checks that the person may work the request (`support.policy.may_work`) and
keeps the due times right in the same transaction; an answer is emailed to the customer, a
note never is.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from flask_babel import gettext as _
from sqlalchemy import select, update

from community.accounts.models import User
from community.db import utcnow
from community.errors import InvalidInput, NotAllowed
from community.extensions import db
from support import policy
from support.models import (
    MessageKind,
    Priority,
    Status,
    SupportAttachment,
    SupportMessage,
    SupportRequest,
    ThreadId,
)
from support.services import directory, mailer, realtime, search, sla
from support.services.access import by_number
from support.services.conversation import Author, Upload, add_message, record_event, writing


def _require_work(request: SupportRequest, by: User) -> None:
    if not policy.may_work(by, request, directory.department_ids_of(by)):
        raise NotAllowed(_("This request belongs to a department you do not work in."))


def agent_reply(
    request: SupportRequest,
    body: str,
    *,
    by: User,
    then: str = Status.OPEN,
    files: Sequence[Upload] = (),
    now: datetime | None = None,
) -> SupportMessage:
    """An answer, emailed to the customer; `then` is the status it leaves behind (open,
    waiting on the customer, or solved)."""
    now = now or utcnow()
    _require_work(request, by)
    if then not in {Status.OPEN, Status.WAITING, Status.SOLVED}:
        raise InvalidInput(_("Choose what happens next from the list."), "then")
    if request.status == Status.CLOSED or request.merged_into_id:
        raise InvalidInput(_("This request is closed; the customer can open a new one."), "body")
    with writing() as stored:
        message = add_message(
            request, MessageKind.AGENT, body, Author.staff(by), stored=stored, now=now, files=files
        )
        if request.assignee_id is None:
            request.assignee_id = by.id
            record_event(request, "assigned", by, {"to": by.id}, now)
        sla.first_reply(request, now)
        message.email_message_id = mailer.reply(request, message)
        _set_status(request, Status(then), by, now)
        _pushed(request)
        db.session.commit()
    return message


def add_note(
    request: SupportRequest, body: str, *, by: User, files: Sequence[Upload] = ()
) -> SupportMessage:
    """An internal note: for staff only, never shown or emailed to the customer."""
    now = utcnow()
    _require_work(request, by)
    with writing() as stored:
        message = add_message(
            request, MessageKind.NOTE, body, Author.staff(by), stored=stored, now=now, files=files
        )
        realtime.request_changed(request)
        db.session.commit()
    return message


def set_status(request: SupportRequest, status: str, *, by: User) -> None:
    _require_work(request, by)
    if status not in {item.value for item in Status}:
        raise InvalidInput(_("Choose a status from the list."), "status")
    _set_status(request, Status(status), by, utcnow())
    _pushed(request)
    db.session.commit()


def _set_status(request: SupportRequest, status: Status, by: User | None, now: datetime) -> None:
    """Move to `status`, keeping the clock right; the caller commits."""
    if status == request.status:
        return
    previous = request.status
    if status == Status.NEW:
        raise InvalidInput(_("A request cannot go back to new."), "status")
    request.status = status
    request.version += 1
    if status == Status.WAITING:
        sla.stop_clock(request, now)
    elif status == Status.OPEN and previous in (Status.SOLVED, Status.CLOSED):
        request.solved_at = request.closed_at = None
        sla.reopened(request, now)
    elif status == Status.OPEN:
        sla.restart_clock(request, now)
    elif status == Status.SOLVED:
        request.solved_at = now
        sla.solved(request, now)
        mailer.ask_rating(request)
    elif status == Status.CLOSED:
        request.closed_at = now
        if request.solved_at is None:
            sla.solved(request, now)
    record_event(request, "status", by, {"from": previous, "to": status.value}, now)


def assign(request: SupportRequest, assignee_id: int | None, *, by: User) -> None:
    """Give the request to an agent of its department (None: back to the unassigned)."""
    _require_work(request, by)
    previous = request.assignee_id
    if assignee_id == previous:
        return
    assignee = db.session.get(User, assignee_id) if assignee_id else None
    if assignee_id and (
        assignee is None
        or not policy.may_assign_to(
            assignee, request.department_id, directory.department_ids_of(assignee)
        )
    ):
        raise InvalidInput(_("Choose an agent of this request's department."), "assignee")
    now = utcnow()
    request.assignee_id = assignee_id
    request.version += 1
    if request.status == Status.NEW and assignee_id:
        request.status = Status.OPEN
    record_event(request, "assigned", by, {"to": assignee_id, "from": previous}, now)
    if assignee is not None and assignee.id != by.id:
        mailer.to_staff(
            assignee,
            request=request,
            template="support_assigned",
            subject=_("[#%(number)s] A request was assigned to you", number=request.number),
            dedupe=f"assigned:{request.id}:{request.version}",
            context={"by": by.display_name},
        )
    _pushed(request, previous)
    db.session.commit()


def claim(request: SupportRequest, *, by: User) -> None:
    assign(request, by.id, by=by)


def set_priority(request: SupportRequest, priority: str, *, by: User) -> None:
    _require_work(request, by)
    if priority not in {item.value for item in Priority}:
        raise InvalidInput(_("Choose a priority from the list."), "priority")
    if priority == request.priority:
        return
    now = utcnow()
    record_event(request, "priority", by, {"from": request.priority, "to": priority}, now)
    request.priority = priority
    request.version += 1
    sla.replan(request, now)
    _pushed(request)
    db.session.commit()


def move(request: SupportRequest, department_id: int, *, by: User) -> None:
    """Hand the request to another department: its promise and agents change with it."""
    _require_work(request, by)
    target = directory.department(department_id)
    if target is None:
        raise InvalidInput(_("Choose a department from the list."), "department")
    if target.id == request.department_id:
        return
    now = utcnow()
    previous_agents = directory.agent_ids_of(request.department_id)
    record_event(request, "moved", by, {"from": request.department_id, "to": target.id}, now)
    request.department = target
    request.department_id = target.id
    if request.assignee_id and request.vip_tier is None:
        assignee = db.session.get(User, request.assignee_id)
        if assignee is None or not policy.may_assign_to(
            assignee, target.id, directory.department_ids_of(assignee)
        ):
            request.assignee_id = None
    request.version += 1
    sla.replan(request, now)
    _pushed(request, *previous_agents)
    db.session.commit()


def merge(source: SupportRequest, target_number: str, *, by: User) -> SupportRequest:
    """Fold a duplicate into another request of the same customer: its messages, files and
    email threads move over, and the duplicate closes pointing at the other."""
    _require_work(source, by)
    target = by_number(target_number.strip().lstrip("#"))
    if target is None or target.id == source.id or target.merged_into_id:
        raise InvalidInput(_("Enter the number of another open request."), "target")
    _require_work(target, by)
    if target.requester_email.lower() != source.requester_email.lower():
        raise InvalidInput(_("Only requests from the same customer can be merged."), "target")
    now = utcnow()
    for model in (SupportMessage, SupportAttachment, ThreadId):
        db.session.execute(
            update(model)
            .where(model.request_id == source.id)
            .values(request_id=target.id)
            .execution_options(synchronize_session=False)
        )
    target.message_count = db.session.scalar(
        select(db.func.count(SupportMessage.id)).where(SupportMessage.request_id == target.id)
    )
    target.version += 1
    source.message_count = 0
    source.merged_into_id = target.id
    source.status = Status.CLOSED
    source.closed_at = now
    source.next_due_at = None
    source.version += 1
    record_event(source, "merged_into", by, {"number": target.number}, now)
    search.unindex_request(source)
    record_event(target, "merged_from", by, {"number": source.number}, now)
    _pushed(source)
    realtime.request_changed(target)
    db.session.commit()
    return target


def _pushed(request: SupportRequest, *extra_people: int | None) -> None:
    realtime.request_changed(request)
    realtime.inbox_changed(request, extra_people)

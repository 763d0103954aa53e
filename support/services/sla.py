"""Service levels: the due times of a request, kept on its row in each change's transaction.

A request is promised a first reply and a resolution within its department's business
minutes for its priority (a VIP's first reply within their tier's promise, in plain
minutes, as their club card says). `next_due_at` is what the inbox sorts by: the first
reply's due time until someone answers, then the resolution's; empty while the request waits
on the customer (the clock stops) or once it is solved. Stopping and restarting the clock
moves the resolution's due time by the business minutes it stood still.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from support.calendar import BusinessCalendar
from support.models import Status, SupportRequest
from support.services import directory


def calendar_for(request: SupportRequest) -> BusinessCalendar:
    return directory.calendar_of(request.department)


def start(request: SupportRequest, now: datetime, vip_promise: timedelta | None = None) -> None:
    """A new request: both promises start now."""
    calendar = calendar_for(request)
    first, resolution = directory.promise(request.department_id, request.priority)
    if vip_promise is not None:
        request.first_reply_due_at = now + vip_promise
    else:
        request.first_reply_due_at = calendar.add(now, first)
    request.resolution_due_at = calendar.add(now, resolution)
    request.next_due_at = request.first_reply_due_at
    request.clock_stopped_at = None
    request.warned_at = request.breached_at = None


def replan(request: SupportRequest, now: datetime) -> None:
    """The priority or the department changed: due times follow the new promise, counted
    from when the request came in (a VIP's first reply keeps its tier's time)."""
    calendar = calendar_for(request)
    first, resolution = directory.promise(request.department_id, request.priority)
    if request.first_replied_at is None and request.vip_tier is None:
        request.first_reply_due_at = calendar.add(request.created_at, first)
    request.resolution_due_at = calendar.add(
        request.created_at, resolution + request.paused_minutes
    )
    _point_next(request, now)


def first_reply(request: SupportRequest, now: datetime) -> None:
    """Someone on our side answered for the first time: the resolution is what is due next."""
    if request.first_replied_at is not None:
        return
    request.first_replied_at = now
    request.first_reply_business_minutes = calendar_for(request).minutes_between(
        request.created_at, now
    )
    _point_next(request, now)


def stop_clock(request: SupportRequest, now: datetime) -> None:
    """Waiting on the customer: nothing is due until they answer."""
    if request.clock_stopped_at is None:
        request.clock_stopped_at = now
    request.next_due_at = None


def restart_clock(request: SupportRequest, now: datetime) -> None:
    """The customer answered: the resolution's due time moves by the time the clock stood."""
    stopped = request.clock_stopped_at
    if stopped is None:
        _point_next(request, now)
        return
    calendar = calendar_for(request)
    paused = calendar.minutes_between(stopped, now)
    request.paused_minutes += paused
    if request.resolution_due_at is not None:
        left = calendar.minutes_between(stopped, request.resolution_due_at)
        request.resolution_due_at = calendar.add(now, left)
    request.clock_stopped_at = None
    _point_next(request, now)


def solved(request: SupportRequest, now: datetime) -> None:
    """Solved: the resolution time is recorded, nothing more is due."""
    calendar = calendar_for(request)
    if request.clock_stopped_at is not None:
        request.paused_minutes += calendar.minutes_between(request.clock_stopped_at, now)
        request.clock_stopped_at = None
    spent = calendar.minutes_between(request.created_at, now) - request.paused_minutes
    request.resolution_business_minutes = max(spent, 0)
    request.next_due_at = None


def reopened(request: SupportRequest, now: datetime) -> None:
    """The customer wrote again after "solved": a fresh resolution promise from now."""
    _first, resolution = directory.promise(request.department_id, request.priority)
    request.resolution_due_at = calendar_for(request).add(now, resolution)
    request.resolution_business_minutes = None
    request.clock_stopped_at = None
    _point_next(request, now)


def _point_next(request: SupportRequest, now: datetime) -> None:
    """Aim `next_due_at` at what is due now; a new due time gets fresh warning marks."""
    if request.status in (Status.SOLVED, Status.CLOSED) or request.clock_stopped_at:
        request.next_due_at = None
        return
    due = request.first_reply_due_at if request.first_replied_at is None else None
    due = due or request.resolution_due_at
    if due != request.next_due_at:
        request.next_due_at = due
        request.warned_at = None
        request.breached_at = None if due is None or due > now else request.breached_at

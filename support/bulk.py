"""Generated support requests for the benchmarks: `seed-bulk --requests N
--messages-per-request M`, inserted in batches with a progress bar.

Most requests are solved or closed, as in a help desk that has run for a while; one in ten
is still new, open or waiting, spread over the departments and agents, with due times
that put some overdue and some due soon, so every inbox view has rows to show.
"""

from __future__ import annotations

import random
import secrets
from datetime import datetime, timedelta
from typing import Any

import click
from sqlalchemy import cast, func, insert, select, update
from sqlalchemy.types import String

from community.accounts.models import User
from community.db import utcnow
from community.extensions import db
from support.models import (
    AgentMembership,
    Channel,
    Department,
    MessageKind,
    Priority,
    Status,
    SupportMessage,
    SupportRequest,
)

BATCH = 1000
SUBJECTS = [
    "Where is my refund?", "The app does not log in", "Invoice needs our tax number",
    "退货申请", "发票抬头错误", "空调安装预约", "Wrong size delivered", "快递一直没有更新",
]  # fmt: skip
BODY = (
    "Hello, I ordered last week and would like to know what happens next. "
    "The order number is PO-{n}. Thank you! 谢谢！"
)
# One request in ten still waits for someone: a busy desk's backlog, not its history.
STATUSES = [Status.CLOSED] * 20 + [Status.SOLVED] * 7 + [Status.OPEN, Status.NEW, Status.WAITING]


def insert_requests(count: int, messages_per_request: int) -> None:
    departments = list(db.session.scalars(select(Department.id)))
    if not departments:
        click.echo("support: no departments; run seed-demo first")
        return
    # Generated customers only (seed-bulk --users): the demo accounts keep their own few.
    customers = list(
        db.session.scalars(
            select(User.id)
            .where(User.email.not_like("%@example.com"))
            .order_by(User.id)
            .limit(5000)
        )
    )
    agents = list(db.session.scalars(select(AgentMembership.user_id).distinct()))
    rng = random.Random(11)
    now = utcnow()
    with click.progressbar(length=count, label="support requests") as bar:
        for start in range(0, count, BATCH):
            size = min(BATCH, count - start)
            rows = [
                _request_row(start + index, departments, customers, agents, rng, now)
                for index in range(size)
            ]
            ids = list(
                db.session.scalars(insert(SupportRequest).returning(SupportRequest.id), rows)
            )
            db.session.execute(
                update(SupportRequest)
                .where(SupportRequest.id.in_(ids))
                .values(number=cast(SupportRequest.id + 100_000, String))
            )
            if messages_per_request:
                _insert_messages(ids, rows, messages_per_request, now)
            db.session.commit()
            bar.update(size)


def _request_row(
    n: int,
    departments: list[int],
    customers: list[int],
    agents: list[int],
    rng: random.Random,
    now: datetime,
) -> dict[str, Any]:
    status = rng.choice(STATUSES)
    created = now - timedelta(minutes=rng.randint(30, 60 * 24 * 90))
    replied = created + timedelta(minutes=rng.randint(5, 600))
    first_due = created + timedelta(hours=8)
    open_ = status in (Status.NEW, Status.OPEN)
    customer = rng.choice(customers) if customers else None
    return {
        "number": "n" + secrets.token_hex(8),
        "subject": rng.choice(SUBJECTS),
        "status": status,
        "priority": rng.choice(list(Priority)).value,
        "channel": rng.choice(list(Channel)).value,
        "locale": rng.choice(["en", "zh_Hans_CN"]),
        "department_id": rng.choice(departments),
        "requester_id": customer,
        "requester_email": f"bulk-customer-{n % 5000}@bench.example.net",
        "requester_name": f"Customer {n % 5000}",
        "assignee_id": rng.choice(agents) if agents and status != Status.NEW else None,
        "context": {},
        "created_at": created,
        "updated_at": replied,
        "first_replied_at": None if status == Status.NEW else replied,
        "solved_at": replied if status in (Status.SOLVED, Status.CLOSED) else None,
        "closed_at": replied if status == Status.CLOSED else None,
        "first_reply_due_at": first_due,
        "resolution_due_at": created + timedelta(days=3),
        # Open ones due from two hours ago to two days ahead: some overdue, some due soon.
        "next_due_at": now + timedelta(minutes=rng.randint(-120, 2880)) if open_ else None,
        "first_reply_business_minutes": None if status == Status.NEW else rng.randint(5, 600),
        "resolution_business_minutes": rng.randint(60, 3000)
        if status in (Status.SOLVED, Status.CLOSED)
        else None,
        "paused_minutes": 0,
        "rating": rng.choice([None, None, "good", "good", "bad"])
        if status in (Status.SOLVED, Status.CLOSED)
        else None,
        "message_count": 0,
        "version": 1,
    }


def _insert_messages(
    ids: list[int], rows: list[dict[str, Any]], per_request: int, now: datetime
) -> None:
    messages = []
    for request_id, row in zip(ids, rows, strict=True):
        for index in range(per_request):
            from_customer = index % 2 == 0
            text = BODY.format(n=request_id)
            messages.append(
                {
                    "request_id": request_id,
                    "kind": MessageKind.CUSTOMER if from_customer else MessageKind.AGENT,
                    "author_id": row["requester_id"] if from_customer else row["assignee_id"],
                    "author_email": row["requester_email"] if from_customer else "",
                    "author_name": row["requester_name"] if from_customer else "Agent",
                    "channel": row["channel"],
                    "body_text": text,
                    "body_html": f"<p>{text}</p>",
                    "created_at": row["created_at"] + timedelta(minutes=index * 17),
                }
            )
    db.session.execute(insert(SupportMessage), messages)
    db.session.execute(
        update(SupportRequest)
        .where(SupportRequest.id.in_(ids))
        .values(message_count=per_request, updated_at=func.coalesce(SupportRequest.updated_at, now))
    )

"""Support fixtures: departments open every hour (so due times are plain arithmetic unless a
test sets hours), an agent, a lead, a customer, and requests opened through the services."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select

from community.accounts.models import Role, User
from community.extensions import db
from kb.search import engine
from support.models import (
    AgentMembership,
    Department,
    Priority,
    ServiceLevel,
    SupportRequest,
    SupportTopic,
)
from support.services import requests
from support.services.requests import Draft
from tests.conftest import UserRecord


@dataclass(frozen=True)
class Desk:
    """The support set-up of a test: two departments and their people."""

    returns_id: int
    billing_id: int
    return_topic_id: int
    invoice_topic_id: int
    agent: UserRecord  # works in returns only
    lead: UserRecord  # lead of both, agent in both
    customer: UserRecord
    outsider: UserRecord  # an agent of billing only


@dataclass(frozen=True)
class RequestRecord:
    id: int
    number: str

    @property
    def staff_path(self) -> str:
        return f"/support/requests/{self.number}"

    @property
    def customer_path(self) -> str:
        return f"/account/requests/{self.number}"


@pytest.fixture
def app(make_app: Callable[..., Flask]) -> Flask:
    """The test app with an empty, started search index."""
    support_app = make_app()
    with support_app.app_context():
        engine(support_app).ensure_started()
    return support_app


def make_department(key: str, *, hours: dict[str, Any] | None = None, lead_id: int | None = None,
                    timezone: str = "UTC") -> int:  # fmt: skip
    """A department (always open unless `hours`), promising 4 h / 24 h at normal priority."""
    department = Department(
        key=key, name=key.title(), name_zh=key, email_local=key, timezone=timezone,
        hours=hours or {}, lead_id=lead_id,
    )  # fmt: skip
    db.session.add(department)
    db.session.flush()
    for priority, (first, resolution) in {
        Priority.NORMAL: (240, 1440),
        Priority.URGENT: (60, 480),
    }.items():
        db.session.add(
            ServiceLevel(department_id=department.id, priority=priority,
                         first_reply_minutes=first, resolution_minutes=resolution)
        )  # fmt: skip
    return department.id


@pytest.fixture
def desk(app: Flask, make_user: Callable[..., UserRecord]) -> Desk:
    agent = make_user("ada.agent@example.com", display_name="Ada Agent", roles=[Role.AGENT])
    lead = make_user("leo.lead@example.com", display_name="Leo Lead", roles=[Role.AGENT, Role.LEAD])
    outsider = make_user("bea.billing@example.com", display_name="Bea Billing", roles=[Role.AGENT])
    customer = make_user("casey@example.com", display_name="Casey Customer")
    with app.app_context():
        returns_id = make_department("returns", lead_id=lead.id)
        billing_id = make_department("billing", lead_id=lead.id)
        topics = [
            SupportTopic(key="return-item", department_id=returns_id, name="Return an item",
                         name_zh="退货"),
            SupportTopic(key="invoice", department_id=billing_id, name="Invoice", name_zh="发票"),
        ]  # fmt: skip
        db.session.add_all(topics)
        for user_id, department_id in [
            (agent.id, returns_id),
            (lead.id, returns_id),
            (lead.id, billing_id),
            (outsider.id, billing_id),
        ]:
            db.session.add(AgentMembership(user_id=user_id, department_id=department_id))
        db.session.commit()
        return Desk(returns_id, billing_id, topics[0].id, topics[1].id, agent, lead, customer,
                    outsider)  # fmt: skip


@pytest.fixture
def open_request(app: Flask, desk: Desk) -> Callable[..., RequestRecord]:
    """Open a request through the service: `open_request(subject=..., by=desk.customer)`;
    `by=None` opens one by email from `email`."""

    def factory(
        subject: str = "The kettle arrived broken",
        body: str = "The lid is cracked. Can I send it back?",
        *,
        by: UserRecord | None = None,
        email: str = "someone@mail.test",
        topic_id: int | None = None,
        now: datetime | None = None,
        **extra: Any,
    ) -> RequestRecord:
        with app.app_context():
            requester = db.session.get(User, by.id) if by is not None else None
            request = requests.open_request(
                Draft(
                    subject=subject,
                    body=body,
                    requester=requester,
                    requester_email=requester.email if requester else email,
                    requester_name=requester.display_name if requester else "",
                    topic_id=topic_id or desk.return_topic_id,
                    **extra,
                ),
                now=now,
            )
            return RequestRecord(request.id, request.number)

    return factory


def load(app: Flask, record: RequestRecord) -> SupportRequest:
    """The request as stored now, detached from the session."""
    with app.app_context():
        request = db.session.scalar(select(SupportRequest).where(SupportRequest.id == record.id))
        assert request is not None
        db.session.expunge(request)
        return request

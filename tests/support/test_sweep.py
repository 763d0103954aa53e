"""The sweep warns before a promise breaks, tells the lead when it breaks, closes old ones."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from community.accounts.models import User
from community.extensions import db
from community.outbox.models import OutboxMessage
from support.models import RequestEvent, Status, SupportRequest
from support.services import mailer, requests, working
from support.services.sweep import sweep
from tests.support.conftest import load

START = datetime(2026, 12, 7, 9, 0, tzinfo=UTC)


def subjects_to(app, address: str) -> list[str]:  # type: ignore[no-untyped-def]
    with app.app_context():
        return list(
            db.session.scalars(
                select(OutboxMessage.subject).where(OutboxMessage.to_address == address)
            )
        )


def run_sweep(app, now: datetime):  # type: ignore[no-untyped-def]
    with app.app_context():
        return sweep(now)


def test_the_assignee_is_warned_once_before_the_promise_breaks(app, desk, open_request):
    """An hour before the first reply is due, the assignee hears of it, once."""
    record = open_request(by=desk.customer, now=START)
    with app.app_context():
        request = db.session.get(SupportRequest, record.id)
        working.claim(request, by=db.session.get(User, desk.agent.id))
    assert run_sweep(app, START + timedelta(hours=2)).warned == 0
    assert run_sweep(app, START + timedelta(hours=3, minutes=30)).warned == 1
    assert run_sweep(app, START + timedelta(hours=3, minutes=40)).warned == 0
    warnings = [s for s in subjects_to(app, desk.agent.email) if "Due soon" in s]
    assert len(warnings) == 1
    assert load(app, record).warned_at is not None


def test_at_the_breach_the_lead_is_emailed_and_the_request_marked(app, desk, open_request):
    """Past the due time: the lead's email, a breach mark and an event, whatever reruns."""
    record = open_request(by=desk.customer, now=START)
    report = run_sweep(app, START + timedelta(hours=5))
    assert report.breached == 1
    assert run_sweep(app, START + timedelta(hours=6)).breached == 0
    breaches = [s for s in subjects_to(app, desk.lead.email) if "Past its promised time" in s]
    assert len(breaches) == 1
    assert load(app, record).breached_at == START + timedelta(hours=5)
    with app.app_context():
        kinds = list(
            db.session.scalars(
                select(RequestEvent.kind).where(RequestEvent.request_id == record.id)
            )
        )
    assert "breached" in kinds


def test_waiting_on_the_customer_never_breaches(app, desk, open_request):
    """A request waiting on the customer has nothing due, so the sweep leaves it alone."""
    record = open_request(by=desk.customer, now=START)
    with app.app_context():
        request = db.session.get(SupportRequest, record.id)
        working.agent_reply(request, "Which colour?", by=db.session.get(User, desk.agent.id),
                            then=Status.WAITING, now=START + timedelta(minutes=10))  # fmt: skip
    report = run_sweep(app, START + timedelta(days=5))
    assert report.breached == 0 and report.warned == 0


def test_after_the_first_reply_the_resolution_gets_its_own_warning(app, desk, open_request):
    """A breached first reply, once answered, is warned again before the resolution is due."""
    record = open_request(by=desk.customer, now=START)
    run_sweep(app, START + timedelta(hours=5))  # first reply breached
    with app.app_context():
        request = db.session.get(SupportRequest, record.id)
        working.agent_reply(request, "Sorry for the wait.", by=db.session.get(User, desk.agent.id),
                            now=START + timedelta(hours=6))  # fmt: skip
        assert request.breached_at is None and request.warned_at is None
    assert run_sweep(app, START + timedelta(hours=23, minutes=30)).warned == 1


def test_solved_requests_close_after_the_reopen_window(app, desk, open_request):
    """Solved more than SUPPORT_REOPEN_DAYS ago: closed, and the customer's message is refused."""
    record = open_request(by=desk.customer, now=START)
    with app.app_context():
        request = db.session.get(SupportRequest, record.id)
        working.agent_reply(request, "Done.", by=db.session.get(User, desk.agent.id),
                            then=Status.SOLVED, now=START + timedelta(hours=1))  # fmt: skip
        solved_at = request.solved_at
    assert run_sweep(app, solved_at + timedelta(days=6)).closed == 0
    assert run_sweep(app, solved_at + timedelta(days=8)).closed == 1
    closed = load(app, record)
    assert closed.status == Status.CLOSED
    with app.app_context():
        assert not requests.may_reopen(db.session.get(SupportRequest, record.id), solved_at)


def test_one_request_whose_breach_email_fails_holds_up_no_other(
    app, desk, open_request, monkeypatch, caplog
):
    """A fault while telling of one breach fails that request alone, once, and is logged."""
    records = [open_request(f"Broken kettle {n}", by=desk.customer, now=START) for n in range(3)]
    poisoned = records[1].number
    real_to_staff = mailer.to_staff

    def failing_for_one(person, *, request, **kwargs):
        if request.number == poisoned:
            raise RuntimeError("a template met a value it did not expect")
        return real_to_staff(person, request=request, **kwargs)

    monkeypatch.setattr(mailer, "to_staff", failing_for_one)

    assert run_sweep(app, START + timedelta(hours=5)).breached == 2
    breaches = [s for s in subjects_to(app, desk.lead.email) if "Past its promised time" in s]
    assert sorted(breaches) == sorted(
        f"[#{record.number}] Past its promised time: Broken kettle {n}"
        for n, record in enumerate(records)
        if record.number != poisoned
    )
    assert "support breach for request" in caplog.text
    # Set aside: marked, so the next sweep neither retries it nor stumbles on it again.
    assert load(app, records[1]).breached_at is not None
    monkeypatch.setattr(mailer, "to_staff", real_to_staff)
    assert run_sweep(app, START + timedelta(hours=6)).breached == 0

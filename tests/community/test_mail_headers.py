"""Headers that carry a URL or a Message-ID reach the mail server raw, in every kind of email.

Python's default email policy turns a long header without spaces into RFC 2047 encoded words
(`=?utf-8?q?=3Chttps…`), which breaks one-click unsubscribe (RFC 8058) and threading. These
tests read the header lines as the real SMTP server received them.
"""

from __future__ import annotations

import re
from datetime import timedelta
from email.headerregistry import Address

import pytest

from community.accounts.models import Role, User
from community.db import utcnow
from community.extensions import db
from community.outbox import delivery
from community.outbox.services import enqueue_email
from forum.models import ForumCategory
from forum.services import posting
from kb.search import engine
from support.mail import inbound
from tests.forum.conftest import FAST, age_account
from tests.support.conftest import make_department
from tracking import services as tracking
from tracking.schemas import EventIn, ShipmentIn
from vip.services.assignments import assign_client
from vip.services.messages import post_message
from vip.services.sweep import sweep

pytestmark = pytest.mark.smtp

SENDER_NAME = "门户客服中心 Portico 支持"
# Long mailboxes make long signed unsubscribe tokens, the case that used to be encoded.
ASKER = "customer.with.a.rather.long.mailbox.name@subsidiary.large-company.example.com"
HELPER = "helper.with.another.long.mailbox.name@subsidiary.large-company.example.com"
OWNER = "shipment.owner.with.a.long.mailbox.name@subsidiary.large-company.example.com"
CLIENT = "vip.client.with.a.long.mailbox.name@subsidiary.large-company.example.com"
MANAGER = "account.manager.with.a.long.mailbox.name@portal.test"
NEWCOMER = "newcomer.registering.with.a.long.mailbox.name@subsidiary.example.com"
WRITER = "writes.to.support.with.a.long.mailbox.name@subsidiary.example.com"
FIRST_MESSAGE = f"<first-message-{'y' * 70}@mail.customer.example.com>"
# Headers people read: these may be RFC 2047 encoded; no other header ever is.
TEXT_HEADERS = {"from", "to", "subject", "reply-to"}


@pytest.fixture
def mail_app(make_app, smtp_server):
    app = make_app(
        **FAST,
        MAIL_URL=smtp_server.url,
        MAIL_FROM=str(Address(SENDER_NAME, "noreply", "portal.test")),
    )
    with app.app_context():
        engine(app).ensure_started()
    return app


def _forum_reply(app, make_user) -> None:
    asker, helper = make_user(ASKER), make_user(HELPER)
    for person in (asker, helper):
        age_account(app, person.id)
    with app.test_request_context():
        category = ForumCategory(slug="devices", name="Devices", position=1)
        db.session.add(category)
        db.session.commit()
        topic = posting.create_topic(
            posting.TopicInput(
                category_id=category.id,
                title="The printer prints blank pages",
                body="Every page comes out blank since yesterday.",
                tags=[],
            ),
            by=db.session.get_one(User, asker.id),
        )
        posting.create_reply(
            topic, "Check the toner cartridge seal.", by=db.session.get_one(User, helper.id)
        )


def _tracking_alert(app, make_user) -> None:
    make_user(OWNER)
    with app.app_context():
        shipment = ShipmentIn.model_validate(
            {
                "tracking_number": "PT90000001",
                "carrier": "Portico Express",
                "owner_email": OWNER,
                "origin": "Shenzhen, CN",
                "destination": "Tacoma, US",
            }
        )
        tracking.register_shipment(shipment)
        tracking.record_events(
            [
                EventIn.model_validate(
                    {
                        "tracking_number": "PT90000001",
                        "event_id": "delivered-1",
                        "code": "delivered",
                        "occurred_at": "2026-03-02T08:00:00+00:00",
                        "location": "Tacoma, US",
                        "description": "Delivered",
                    }
                )
            ]
        )


def _vip_assignment_and_unread_message(app, make_user) -> None:
    """The assignment emails both people; a message left unread is emailed to the client."""
    client = make_user(CLIENT)
    manager = make_user(MANAGER, roles=[Role.MANAGER])
    with app.test_request_context():
        manager_user = db.session.get_one(User, manager.id)
        conversation = assign_client(
            db.session.get_one(User, client.id),
            tier="gold",
            manager=manager_user,
            backup=None,
            by=None,
        )
        post_message(manager_user, conversation, "Your replacement ships today.")
        sweep(now=utcnow() + timedelta(hours=1))


def _support_request_by_email(app) -> None:
    """A customer writes to support: the acknowledgement answers their Message-ID."""
    raw = "\r\n".join(
        [
            f"From: Wei Zhang <{WRITER}>",
            "To: support@portal.test",
            "Subject: The kettle arrived broken",
            f"Message-ID: {FIRST_MESSAGE}",
            "Content-Type: text/plain; charset=utf-8",
            "",
            "The lid is cracked. Can I send it back?",
            "",
        ]
    )
    with app.app_context():
        make_department("returns")
        db.session.commit()
        inbound.receive(raw.encode())


def _register(app) -> None:
    registered = app.test_client().post_form(
        "/register",
        {
            "display_name": "Newcomer",
            "email": NEWCOMER,
            "password": "a long enough password",
            "confirm": "a long enough password",
            "timezone": "Asia/Shanghai",
        },
    )
    assert registered.status_code == 302


def _raw_headers(message) -> dict[str, str]:
    """Each header's text as it arrived on the wire (continuation lines kept)."""
    return {name.lower(): value for name, value in message.raw_items()}


def _unfolded(value: str) -> str:
    return re.sub(r"\r?\n[ \t]", " ", value).strip()


def _check_wire_form(mail) -> dict[str, str]:
    """The rules every email follows on the wire; its raw headers."""
    headers = _raw_headers(mail.message)
    assert _unfolded(headers["from"]).startswith("=?utf-8?"), "a Chinese name is encoded"
    assert mail.message["From"].addresses[0].display_name == SENDER_NAME
    for name, value in headers.items():
        assert value.isascii()
        assert all(len(line) < 998 for line in value.splitlines())
        if name not in TEXT_HEADERS:
            assert "=?" not in value, f"{name} is encoded: {value!r}"
    assert re.fullmatch(r"<[!-~]+@[!-~]+>", headers["message-id"])
    return headers


def test_url_and_message_id_headers_stay_raw_in_every_kind_of_email(
    mail_app, smtp_server, make_user
):
    """Forum, tracking, VIP, support and account emails: no encoded word in a URL or id header,
    the long unsubscribe URL whole on one line and working, while the Chinese sender name is
    encoded."""
    app = mail_app
    _forum_reply(app, make_user)
    _tracking_alert(app, make_user)
    _vip_assignment_and_unread_message(app, make_user)
    _support_request_by_email(app)
    _register(app)
    with app.app_context():
        delivery.deliver_pending()

    received: dict[str, list[dict[str, str]]] = {}
    for mail in smtp_server.received:
        received.setdefault(mail.recipients[0], []).append(_check_wire_form(mail))
    assert set(received) == {ASKER, OWNER, CLIENT, MANAGER, WRITER, NEWCOMER}

    for address in (ASKER, OWNER, CLIENT):  # forum reply, tracking alert, VIP unread message
        headers = received[address][-1]
        unsubscribe = headers["list-unsubscribe"]
        assert re.fullmatch(r"<http://portal\.test/email/unsubscribe/[\w.-]{80,}>", unsubscribe)
        assert headers["list-unsubscribe-post"] == "List-Unsubscribe=One-Click"
        one_click = app.test_client().post(unsubscribe.strip("<>"))
        assert one_click.status_code == 200, "the header's URL unsubscribes in one click"

    [acknowledgement] = received[WRITER]
    assert acknowledgement["in-reply-to"] == acknowledgement["references"] == FIRST_MESSAGE


def test_long_reference_chains_and_archive_links_fold_only_between_ids(mail_app, smtp_server):
    """Ten Message-IDs in References fold at spaces, each id whole; an address with
    Chinese in its path is percent-encoded, not encoded as a word; the Subject still is."""
    app = mail_app
    ids = [f"<reply-{number}-{'z' * 30}@mail.customer.example.com>" for number in range(10)]
    with app.test_request_context():
        enqueue_email(
            to="reader@example.com",
            subject="回复：包裹没有送到",
            template="password_reset",
            context={
                "reset_url": "http://portal.test/r/x",
                "user": {"display_name": "Li"},
                "valid_minutes": 30,
            },
            dedupe_key="headers:1",
            category="test",
            headers={
                "In-Reply-To": ids[-1],
                "References": " ".join(ids),
                "Archived-At": "<http://portal.test/forum/t/7/包裹没有送到>",
            },
        )
        db.session.commit()
        delivery.deliver_pending()

    [mail] = smtp_server.received
    headers = _check_wire_form(mail)
    assert _unfolded(headers["references"]).split() == ids
    lines = headers["references"].splitlines()
    assert [line.strip() for line in lines] == ids, "one whole id per line: two exceed 78"
    assert len("References: " + lines[0]) <= 78
    assert headers["archived-at"] == (
        "<http://portal.test/forum/t/7/%E5%8C%85%E8%A3%B9%E6%B2%A1%E6%9C%89%E9%80%81%E5%88%B0>"
    )
    assert headers["subject"].startswith("=?utf-8?")
    assert mail.message["Subject"] == "回复：包裹没有送到"

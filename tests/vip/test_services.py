"""VIP rules in the service layer: who may do what, waits, response times, reassignment."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from community.accounts.models import Role, User
from community.db import utcnow
from community.errors import DomainError
from community.extensions import db
from tests.community.outbox_helpers import queued_to
from tests.vip.conftest import assign, conversation_row, make_overdue, messages_in, post
from vip import policy, services
from vip.models import MESSAGE_MAX_LENGTH, VipConversation
from vip.policy import Side


def _side(app, user_id, conversation_id, now=None):
    with app.test_request_context():
        return policy.side_of(
            db.session.get(User, user_id),
            db.session.get(VipConversation, conversation_id),
            now or utcnow(),
        )


def _refusal(app, user_id, conversation_id, now=None) -> int:
    with pytest.raises(DomainError) as refused:
        _side(app, user_id, conversation_id, now)
    return refused.value.code


def test_a_client_message_starts_the_wait_and_the_first_reply_ends_it(app, pair):
    """The wait starts at the first unanswered message; the reply stores how long it was."""
    start = utcnow() - timedelta(hours=2)
    post(app, pair.client, pair.conversation_id, "Hello", at=start)
    post(app, pair.client, pair.conversation_id, "Anyone?", at=start + timedelta(minutes=5))
    waiting = conversation_row(app, pair.conversation_id)
    assert waiting.waiting_since == start
    assert waiting.reply_due_at == start + timedelta(minutes=60)  # gold promise

    post(app, pair.manager, pair.conversation_id, "Here!", at=start + timedelta(minutes=12))
    answered = conversation_row(app, pair.conversation_id)
    assert answered.waiting_since is None and answered.reply_due_at is None
    stored = messages_in(app, pair.conversation_id)
    assert [m.reply_seconds for m in stored] == [None, None, 12 * 60]
    assert all(m.read_at is not None for m in stored[:2]), "answering reads the client's messages"


def test_typical_response_time_is_the_median_first_reply_of_the_last_30_days(
    app, make_pair, make_user
):
    """Median over first replies only, this manager's, within 30 days: from known times."""
    first = make_pair()
    now = utcnow()
    waits = [6, 20, 9]  # minutes until the first reply
    for index, minutes in enumerate(waits):
        start = now - timedelta(days=index + 1)
        post(app, first.client, first.conversation_id, "question", at=start)
        post(app, first.client, first.conversation_id, "more", at=start + timedelta(minutes=1))
        reply_at = start + timedelta(minutes=minutes)
        post(app, first.manager, first.conversation_id, "answer", at=reply_at)
        # A second staff message answers no wait and is not a sample.
        post(app, first.manager, first.conversation_id, "also", at=reply_at + timedelta(hours=1))
    # Older than 30 days: ignored.
    old = now - timedelta(days=40)
    post(app, first.client, first.conversation_id, "old", at=old)
    post(app, first.manager, first.conversation_id, "old reply", at=old + timedelta(hours=5))
    # Another manager's replies do not count for this one.
    other = make_pair()
    post(app, other.client, other.conversation_id, "hi", at=now - timedelta(hours=3))
    post(app, other.manager, other.conversation_id, "hi", at=now - timedelta(hours=1))

    with app.test_request_context():
        assert services.typical_response_seconds(first.manager.id, now) == 9 * 60
        assert services.typical_response_seconds(other.manager.id, now) == 2 * 3600
        assert services.typical_response_seconds(first.backup.id, now) is None


@pytest.mark.parametrize(
    "body",
    ["", "   \n\t ", "\u200b\u200b", "\u202e", "x" * (MESSAGE_MAX_LENGTH + 1)],
    ids=["empty", "blank", "zero-width", "bidi-only", "too-long"],
)
def test_an_empty_or_too_long_message_is_refused_and_nothing_is_written(app, pair, body):
    """422 naming the body; the conversation's state does not move."""
    with app.test_request_context(), pytest.raises(DomainError) as refused:
        services.post_message(
            db.session.get(User, pair.client.id),
            db.session.get(VipConversation, pair.conversation_id),
            body,
        )
    assert refused.value.code == 422 and refused.value.field == "body"
    assert messages_in(app, pair.conversation_id) == []
    assert conversation_row(app, pair.conversation_id).waiting_since is None


def test_hostile_markdown_is_stored_sanitised(app, pair):
    """Script tags, javascript: links and event handlers never reach the stored HTML."""
    body = (
        "<script>alert(1)</script> [click](javascript:alert(2)) "
        '<img src=x onerror="alert(3)"> [ok](https://example.com) **bold**'
    )
    post(app, pair.client, pair.conversation_id, body)
    (stored,) = messages_in(app, pair.conversation_id)
    html = stored.body_html.lower()
    assert "<script" not in html and "javascript:" not in html and "onerror" not in html
    assert '<a href="https://example.com"' in html and "<strong>bold</strong>" in html
    assert stored.body.startswith("<script>"), "the source is kept as written"


def test_read_receipts_and_unread_counts_follow_who_has_read_what(app, pair):
    """Each side counts the other's unread messages; reading clears them up to a point."""
    first = post(app, pair.client, pair.conversation_id, "one")
    post(app, pair.client, pair.conversation_id, "two")
    with app.test_request_context():
        manager = db.session.get(User, pair.manager.id)
        client = db.session.get(User, pair.client.id)
        conversation = db.session.get(VipConversation, pair.conversation_id)
        assert services.unread_count(manager) == 2
        assert services.unread_count(client) == 0
        assert services.mark_read(manager, conversation, up_to=first) == 1
        assert services.unread_count(manager) == 1
        assert services.mark_read(manager, conversation) == 1
        assert services.mark_read(manager, conversation) == 0
        assert services.unread_count(manager) == 0
    assert all(m.read_at is not None for m in messages_in(app, pair.conversation_id))
    post(app, pair.manager, pair.conversation_id, "reply")
    with app.test_request_context():
        assert services.unread_count(db.session.get(User, pair.client.id)) == 1


def test_unread_count_of_someone_outside_the_club_is_zero(app, make_user):
    """A customer's badge is 0 without asking the database about conversations."""
    customer = make_user()
    with app.test_request_context():
        assert services.unread_count(db.session.get(User, customer.id)) == 0


def test_vip_a_cannot_reach_vip_b_conversation(app, make_pair):
    """Another client's conversation does not exist for you (404)."""
    a, b = make_pair(), make_pair()
    assert _side(app, a.client.id, a.conversation_id) is Side.CLIENT
    assert _refusal(app, a.client.id, b.conversation_id) == 404


def test_a_manager_reaches_only_their_own_clients(app, make_pair):
    """Manager of A: 404 on B's conversation."""
    a, b = make_pair(), make_pair()
    assert _side(app, a.manager.id, a.conversation_id) is Side.MANAGER
    assert _refusal(app, a.manager.id, b.conversation_id) == 404


def test_a_customer_and_an_admin_who_is_not_assigned_are_refused(app, pair, make_user):
    """Neither a customer nor an unassigned admin reaches a conversation."""
    customer = make_user()
    admin = make_user(roles=[Role.ADMIN])
    assert _refusal(app, customer.id, pair.conversation_id) == 404
    assert _refusal(app, admin.id, pair.conversation_id) == 404


def test_a_non_vip_gets_no_conversation(app, make_user):
    """Asking for your own conversation without a tier is 403, and creates nothing."""
    customer = make_user()
    with app.test_request_context(), pytest.raises(DomainError) as refused:
        services.own_conversation(db.session.get(User, customer.id))
    assert refused.value.code == 403
    with app.test_request_context():
        assert db.session.scalar(select(func.count()).select_from(VipConversation)) == 0


def test_the_backup_steps_in_only_after_the_promise_and_out_when_the_manager_replies(app, pair):
    """403 before the promise passes; afterwards the backup answers (marked); the manager
    replying ends the backup's access."""
    post(app, pair.client, pair.conversation_id, "Urgent!")
    assert _refusal(app, pair.backup.id, pair.conversation_id) == 403
    make_overdue(app, pair.conversation_id)
    assert _side(app, pair.backup.id, pair.conversation_id) is Side.BACKUP

    post(app, pair.backup, pair.conversation_id, "I am covering for your manager.")
    reply = messages_in(app, pair.conversation_id)[-1]
    assert reply.from_staff and reply.by_backup and reply.author_id == pair.backup.id
    # Answered, but the backup keeps the thread until the manager is back.
    assert _side(app, pair.backup.id, pair.conversation_id) is Side.BACKUP

    post(app, pair.manager, pair.conversation_id, "I am back, thank you.")
    assert not messages_in(app, pair.conversation_id)[-1].by_backup
    assert _refusal(app, pair.backup.id, pair.conversation_id) == 403


def test_reassignment_keeps_the_history_and_tells_client_and_new_manager(app, pair, make_user):
    """The new manager reads every old message; the old one is out; both are emailed."""
    post(app, pair.client, pair.conversation_id, "Before the change")
    post(app, pair.manager, pair.conversation_id, "Answer from the first manager")
    newcomer = make_user(roles=[Role.MANAGER])
    client_mail_before = len(queued_to(app, pair.client.email))

    same_id = assign(app, pair.client, newcomer, pair.backup)
    assert same_id == pair.conversation_id
    assert [m.body for m in messages_in(app, pair.conversation_id)] == [
        "Before the change",
        "Answer from the first manager",
    ]
    assert _side(app, newcomer.id, pair.conversation_id) is Side.MANAGER
    assert _refusal(app, pair.manager.id, pair.conversation_id) == 404

    client_mail = queued_to(app, pair.client.email)[client_mail_before:]
    assert len(client_mail) == 1 and newcomer.display_name in client_mail[0].subject
    assert "history" in client_mail[0].body_text
    manager_mail = queued_to(app, newcomer.email)
    assert len(manager_mail) == 1 and pair.client.display_name in manager_mail[0].subject
    assert f"/manager/conversations/{pair.conversation_id}" in manager_mail[0].body_text


def test_saving_the_same_assignment_again_sends_no_email(app, pair):
    """Only a change is news."""
    before = len(queued_to(app, pair.manager.email))
    assign(app, pair.client, pair.manager, pair.backup)
    assert len(queued_to(app, pair.manager.email)) == before


@pytest.mark.parametrize(
    ("tier", "manager_kind", "backup_kind", "field"),
    [
        ("diamond", "manager", None, "tier"),
        ("gold", None, None, "manager"),
        ("gold", "customer", None, "manager"),
        ("gold", "manager", "same", "backup"),
        ("gold", "client", None, "manager"),
    ],
    ids=["unknown-tier", "no-manager", "customer-as-manager", "backup-is-manager", "self"],
)
def test_bad_assignments_are_refused_naming_the_field(
    app, make_user, tier, manager_kind, backup_kind, field
):
    """Nothing is saved when the tier or a manager cannot be used."""
    client = make_user(roles=[Role.MANAGER] if manager_kind == "client" else [])
    manager = {
        "manager": make_user(roles=[Role.MANAGER]),
        "customer": make_user(),
        "client": client,
        None: None,
    }[manager_kind]
    with app.test_request_context():
        with pytest.raises(DomainError) as refused:
            services.assign_client(
                db.session.get(User, client.id),
                tier=tier,
                manager=db.session.get(User, manager.id) if manager else None,
                backup=db.session.get(User, manager.id) if backup_kind == "same" else None,
                by=None,
            )
        assert refused.value.field == field and refused.value.code == 422
        db.session.rollback()
        assert db.session.get(User, client.id).vip_tier is None


def test_ending_a_membership_keeps_the_history_but_closes_the_club(app, pair):
    """Without a tier the client has no access and no manager; the messages remain."""
    post(app, pair.client, pair.conversation_id, "Thanks for everything")
    assign(app, pair.client, None, None, tier=None)
    row = conversation_row(app, pair.conversation_id)
    assert row.manager_id is None and row.backup_manager_id is None
    assert _refusal(app, pair.client.id, pair.conversation_id) == 403
    assert len(messages_in(app, pair.conversation_id)) == 1


def test_a_tier_change_moves_the_promise_of_the_current_wait(app, pair):
    """Upgrading to platinum while waiting brings the due time forward."""
    start = utcnow() - timedelta(minutes=3)
    post(app, pair.client, pair.conversation_id, "hello", at=start)
    assign(app, pair.client, pair.manager, pair.backup, tier="platinum")
    assert conversation_row(app, pair.conversation_id).reply_due_at == start + timedelta(minutes=15)


def test_the_dashboard_puts_the_longest_wait_first_and_marks_past_the_promise(
    app, make_user, make_pair
):
    """Waiting clients by wait, past-promise marked; the backup sees only overdue ones."""
    manager = make_user(roles=[Role.MANAGER])
    backup = make_user(roles=[Role.MANAGER])
    clients = [make_user(vip_tier="gold", display_name=f"Client {n}") for n in range(4)]
    ids = [assign(app, client, manager, backup) for client in clients]
    now = utcnow()
    post(app, clients[0], ids[0], "10 minutes ago", at=now - timedelta(minutes=10))
    post(app, clients[1], ids[1], "2 hours ago", at=now - timedelta(hours=2))
    post(app, clients[2], ids[2], "answered", at=now - timedelta(hours=3))
    post(app, manager, ids[2], "reply", at=now - timedelta(hours=2, minutes=50))
    # clients[3] never wrote.

    with app.test_request_context():
        board = services.dashboard(db.session.get(User, manager.id), now)
        assert [row.client.id for row in board.clients] == [
            clients[1].id,
            clients[0].id,
            clients[2].id,
            clients[3].id,
        ]
        assert [row.overdue for row in board.clients] == [True, False, False, False]
        assert board.clients[0].overdue_by == timedelta(hours=1)
        assert board.clients[0].unread == 1 and board.clients[2].unread == 0
        assert board.overdue_count == 1 and board.typical_seconds == 10 * 60
        assert board.escalated == []

        backup_board = services.dashboard(db.session.get(User, backup.id), now)
        assert backup_board.clients == []
        assert [row.client.id for row in backup_board.escalated] == [clients[1].id]


def test_only_managers_write_announcements_and_markdown_is_sanitised(app, make_user):
    """A customer is refused; a manager's announcement is stored as safe HTML."""
    customer = make_user()
    manager = make_user(roles=[Role.MANAGER])
    with app.test_request_context():
        with pytest.raises(DomainError) as refused:
            services.create_announcement(db.session.get(User, customer.id), title="x", body="y")
        assert refused.value.code == 403
        item = services.create_announcement(
            db.session.get(User, manager.id),
            title="News",
            body="# Big news\n<script>alert(1)</script>",
        )
        assert "<script" not in item.body_html and "Big news" in item.body_html

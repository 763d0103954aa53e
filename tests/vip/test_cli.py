"""`flask vip …` and the demo data."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from community.accounts.models import Role, User
from community.db import utcnow
from community.extensions import db
from tests.vip.conftest import post
from vip.models import VipAnnouncement, VipConversation, VipMessage
from vip.seeding import bulk_pair_emails


def test_seed_demo_assigns_the_demo_vip_and_is_idempotent(app):
    """vip@example.com (gold) with manager@example.com, messages, an announcement in each
    language; twice = once."""
    runner = app.test_cli_runner()
    for _ in range(2):
        with app.app_context():  # the `flask` command pushes one for core commands
            result = runner.invoke(args=["seed-demo"])
        assert result.exit_code == 0, result.output
    with app.app_context():
        vip = db.session.scalar(select(User).where(User.email == "vip@example.com"))
        manager = db.session.scalar(select(User).where(User.email == "manager@example.com"))
        conversation = db.session.scalar(
            select(VipConversation).where(VipConversation.client_id == vip.id)
        )
        assert vip.vip_tier == "gold" and conversation.manager_id == manager.id
        assert db.session.scalar(select(func.count()).select_from(VipMessage)) == 5
        languages = db.session.scalars(select(VipAnnouncement.language)).all()
        assert sorted(languages) == ["en", "zh"]
        last = db.session.scalar(select(VipMessage).order_by(VipMessage.id.desc()))
        assert last.read_at is None and last.emailed_at is not None


def test_the_sweep_command_queues_unread_email(app, pair):
    """`flask vip sweep` runs one sweep and says what it did."""
    post(app, pair.client, pair.conversation_id, "old", at=utcnow() - timedelta(minutes=30))
    result = app.test_cli_runner().invoke(args=["vip", "sweep"])
    assert result.exit_code == 0 and "1 unread emails queued" in result.output


def test_the_assign_command_makes_a_vip_and_reports_bad_input(app, make_user):
    """Assign by email; a tier that does not exist is a usage error naming the option."""
    client = make_user()
    manager = make_user(roles=[Role.MANAGER])
    runner = app.test_cli_runner()
    bad = runner.invoke(args=["vip", "assign", client.email, "--tier", "diamond",
                              "--manager", manager.email])  # fmt: skip
    assert bad.exit_code == 2 and "Choose one of the tiers" in bad.output
    good = runner.invoke(args=["vip", "assign", client.email, "--tier", "platinum",
                               "--manager", manager.email])  # fmt: skip
    assert good.exit_code == 0, good.output
    with app.app_context():
        assert db.session.get(User, client.id).vip_tier == "platinum"


def test_seed_pairs_makes_clients_with_managers_of_their_own(app):
    """N pairs, each client gold and assigned; running again adds nothing."""
    runner = app.test_cli_runner()
    assert runner.invoke(args=["vip", "seed-pairs", "--pairs", "7"]).exit_code == 0
    assert runner.invoke(args=["vip", "seed-pairs", "--pairs", "7"]).exit_code == 0
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(VipConversation)) == 7
        client_email, manager_email = bulk_pair_emails(7)
        client = db.session.scalar(select(User).where(User.email == client_email))
        manager = db.session.scalar(select(User).where(User.email == manager_email))
        assert client.vip_tier == "gold" and manager.has_role(Role.MANAGER)
        conversation = db.session.scalar(
            select(VipConversation).where(VipConversation.client_id == client.id)
        )
        assert conversation.manager_id == manager.id

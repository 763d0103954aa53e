"""Demo and bulk data for the VIP club.

The demo: vip@example.com (gold) assigned to manager@example.com with admin@example.com as
backup, a short conversation and two announcements (English and Chinese). The bulk: N
client–manager pairs, for the real-time benchmark (`flask vip seed-pairs`, or `seed-bulk`
given `vip_pairs`).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, insert, select

from community.accounts.models import Role, User, UserRole
from community.accounts.services import find_user_by_email, hash_password
from community.db import utcnow
from community.extensions import db
from community.markdown import render_markdown
from vip.models import ManagerProfile, VipAnnouncement, VipConversation, VipMessage
from vip.services import conversation_for_client, post_message
from vip.services.cards import saved_profile

DEMO_CONVERSATION = [
    # (minutes before now, from the manager?, text)
    (3 * 24 * 60, False, "Hello Morgan! Could you check whether order **PO-1042** can ship "
     "before Friday? We open the new shop on Saturday."),
    (3 * 24 * 60 - 14, True, "Hi Vivian, yes: PO-1042 leaves our warehouse on Thursday "
     "morning and arrives on Friday before noon. I have flagged it as a priority delivery."),
    (26 * 60, False, "Thank you! One more thing: can we add 20 units of the blue model?"),
    (26 * 60 - 9, True, "Done: 20 blue units are added to PO-1042, same delivery date. "
     "The updated invoice follows."),
    (2 * 60, True, "Your updated invoice is ready under *Your account → Orders*. "
     "Good luck with the opening on Saturday!"),
]  # fmt: skip

# (title, Markdown, language, days before now): one each in English and Chinese, so each
# reader sees theirs first and the other labelled.
DEMO_ANNOUNCEMENTS = [
    (
        "Priority shipping for VIP clients this season",
        "From **1 December**, every VIP order placed before 14:00 ships the same day.\n\n"
        "- Free express delivery on orders over 500 units\n"
        "- Your account manager can reserve stock for you for up to two weeks\n\n"
        "Ask your manager for details.",
        "en",
        0,
    ),
    (
        "春节期间 VIP 订单照常发货",
        "春节期间仓库不休息：每天 **14:00** 前下的 VIP 订单当天发出。\n\n"
        "- 节前的加急订单请提前告诉您的客户经理\n"
        "- 节后第一周的退换货优先处理\n\n"
        "祝您新春快乐！",
        "zh",
        2,
    ),
]


def seed_demo() -> None:
    """Assign the demo VIP to the demo manager, with a conversation and announcements."""
    client = find_user_by_email("vip@example.com")
    manager = find_user_by_email("manager@example.com")
    if client is None or manager is None:
        return
    _demo_card(manager)
    conversation = _demo_assignment(client, manager, find_user_by_email("admin@example.com"))
    db.session.commit()
    _demo_conversation(conversation, client, manager)
    _demo_announcement(manager)


def _demo_card(manager: User) -> None:
    if saved_profile(manager.id) is None:
        db.session.add(
            ManagerProfile(
                user_id=manager.id,
                title="Senior account manager",
                working_hours="Monday to Friday, 9:00–17:30",
            )
        )


def _demo_assignment(client: User, manager: User, backup: User | None) -> VipConversation:
    conversation = conversation_for_client(client)
    if conversation.manager_id is None:
        client.vip_tier = client.vip_tier or "gold"
        conversation.manager_id = manager.id
        conversation.backup_manager_id = backup.id if backup else None
        conversation.assigned_at = utcnow() - timedelta(days=30)
    return conversation


def _demo_conversation(conversation: VipConversation, client: User, manager: User) -> None:
    has_messages = db.session.scalar(
        select(VipMessage.id).where(VipMessage.conversation_id == conversation.id).limit(1)
    )
    if has_messages is not None:
        return
    now = utcnow()
    for minutes_ago, from_manager, text in DEMO_CONVERSATION:
        author = manager if from_manager else client
        post_message(author, conversation, text, now=now - timedelta(minutes=minutes_ago))
    # The last note stays unread (the badge shows it) but is not emailed on first start.
    last = db.session.scalar(
        select(VipMessage)
        .where(VipMessage.conversation_id == conversation.id)
        .order_by(VipMessage.id.desc())
    )
    if last is not None:
        last.emailed_at = last.created_at
    db.session.commit()


def _demo_announcement(manager: User) -> None:
    if db.session.scalar(select(VipAnnouncement.id).limit(1)) is not None:
        return
    now = utcnow()
    for title, body, language, days in DEMO_ANNOUNCEMENTS:
        db.session.add(
            VipAnnouncement(
                title=title,
                body=body,
                body_html=render_markdown(body),
                language=language,
                author_id=manager.id,
                created_at=now - timedelta(days=days),
                updated_at=now - timedelta(days=days),
            )
        )
    db.session.commit()


BULK_DOMAIN = "bench.example.net"
BULK_PASSWORD = "bulk-password"  # noqa: S105  (the documented password of benchmark accounts)


def bulk_pair_emails(number: int) -> tuple[str, str]:
    """The (client, manager) addresses of bulk pair `number`, counted from 1."""
    return f"vip-client-{number}@{BULK_DOMAIN}", f"vip-manager-{number}@{BULK_DOMAIN}"


def seed_pairs(count: int, batch_size: int = 250) -> Iterator[int]:
    """Make pairs 1..`count` (a gold client assigned to a manager of their own) that are
    missing, in batches, yielding how many each batch added. Password: `bulk-password`."""
    password_hash = hash_password(BULK_PASSWORD)
    now = utcnow()
    for start in range(_existing_pairs() + 1, count + 1, batch_size):
        numbers = range(start, min(start + batch_size, count + 1))
        _insert_pairs(numbers, password_hash, now)
        db.session.commit()
        yield len(numbers)


def _existing_pairs() -> int:
    return (
        db.session.scalar(
            select(func.count())
            .select_from(User)
            .where(User.email.like(f"vip-client-%@{BULK_DOMAIN}"))
        )
        or 0
    )


def _insert_pairs(numbers: range, password_hash: str, now: datetime) -> None:
    """The clients, the managers with their duty, and each client's assigned conversation."""
    rows = []
    for number in numbers:
        client_email, manager_email = bulk_pair_emails(number)
        rows.append(_bulk_user_row(client_email, f"Client {number}", "gold", password_hash, now))
        rows.append(_bulk_user_row(manager_email, f"Manager {number}", None, password_hash, now))
    ids = dict(db.session.execute(insert(User).returning(User.email, User.id), rows).all())
    db.session.execute(
        insert(UserRole),
        [
            {"user_id": ids[bulk_pair_emails(number)[1]], "role": Role.MANAGER.value}
            for number in numbers
        ],
    )
    db.session.execute(
        insert(VipConversation),
        [
            {
                "client_id": ids[bulk_pair_emails(number)[0]],
                "manager_id": ids[bulk_pair_emails(number)[1]],
                "assigned_at": now,
                "created_at": now,
            }
            for number in numbers
        ],
    )


def _bulk_user_row(
    email: str, name: str, tier: str | None, password_hash: str, now: datetime
) -> dict[str, Any]:
    return {
        "email": email,
        "display_name": name,
        "password_hash": password_hash,
        "email_confirmed_at": now,
        "vip_tier": tier,
        "timezone": "UTC",
        "locale": "en",
        "is_active_account": True,
        "created_at": now,
    }


def seed_bulk(**sizes: int) -> None:
    """`seed-bulk` hook: makes `vip_pairs` pairs when that size is given."""
    count = sizes.get("vip_pairs") or 0
    for _added in seed_pairs(count):
        pass

"""Demo and bulk data for support.

The demo: an agent (`agent@example.com`, in every department) and a lead
(`lead@example.com`, lead of every department); three departments in English and Chinese
with Shanghai business hours, promises per priority and a holiday; topics; canned replies;
and requests in every state in both languages, written through the services (so their due
times, replies and ratings are what a real customer would get), with their emails silenced:
a fresh start never mails the demo addresses. The bulk:
`seed-bulk --requests N --messages-per-request M`, inserted in batches for the benchmarks.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import select

from community.accounts.models import Role, User
from community.accounts.services import create_user, find_user_by_email
from community.db import utcnow
from community.extensions import db
from support.bulk import insert_requests
from support.models import (
    AgentMembership,
    CannedReply,
    Channel,
    Department,
    Holiday,
    Priority,
    ServiceLevel,
    Status,
    SupportTopic,
)
from support.services import mailer, ratings, requests, working
from support.services.requests import Draft

DEMO_PASSWORD = "demo-password"  # noqa: S105  (documented demo accounts)
WEEKDAYS_9_TO_18 = {str(day): [[9 * 60, 18 * 60]] for day in range(5)}

DEPARTMENTS = [
    # key, name, Chinese name, address, hours
    ("returns", "Returns and refunds", "退货与退款", "returns",
     {**WEEKDAYS_9_TO_18, "5": [[10 * 60, 16 * 60]]}),
    ("technical", "Technical support", "技术支持", "tech", WEEKDAYS_9_TO_18),
    ("billing", "Billing and invoices", "账单与发票", "billing", WEEKDAYS_9_TO_18),
]  # fmt: skip

# Business minutes: (first reply, resolution) per priority.
PROMISES = {
    Priority.URGENT: (60, 8 * 60),
    Priority.HIGH: (2 * 60, 16 * 60),
    Priority.NORMAL: (4 * 60, 24 * 60),
    Priority.LOW: (8 * 60, 40 * 60),
}

TOPICS = [
    # key, department, name, Chinese name
    ("return-item", "returns", "Return an item", "退货"),
    ("refund-status", "returns", "Where is my refund?", "退款进度"),
    ("damaged-item", "returns", "Damaged or wrong item", "商品损坏或发错货"),
    ("installation", "technical", "Installation", "安装"),
    ("not-working", "technical", "A product does not work", "产品故障"),
    ("account-app", "technical", "App and account", "应用与账户"),
    ("invoice", "billing", "Invoice (fapiao)", "发票"),
    ("payment", "billing", "Payment problem", "付款问题"),
]

CANNED = [
    (None, "Greeting", "Hello {customer_name},\n\nThank you for writing to us about request "
     "{request_number}. "),
    ("returns", "Return label sent", "Hello {customer_name},\n\nWe have emailed you a prepaid "
     "return label. Drop the parcel at any courier point within 14 days; the refund follows "
     "within 3 business days of its arrival.\n\n{agent_name}"),
    ("billing", "发票已开具", "{customer_name}您好：\n\n您的电子发票已开具，请在“我的订单”中下载。"
     "如需修改抬头，请回复本邮件。\n\n{agent_name}"),
]  # fmt: skip


def seed_demo() -> None:
    """Departments, people, topics, canned replies and demo requests; idempotent."""
    if db.session.scalar(select(Department.id).limit(1)) is not None:
        return
    agent, lead = _demo_people()
    departments = _demo_departments(lead)
    for department in departments.values():
        db.session.add(AgentMembership(user_id=agent.id, department_id=department.id))
        db.session.add(AgentMembership(user_id=lead.id, department_id=department.id))
    for key, department_key, name, name_zh in TOPICS:
        position = len([topic for topic in TOPICS if topic[1] == department_key])
        db.session.add(
            SupportTopic(key=key, department_id=departments[department_key].id, name=name,
                  name_zh=name_zh, position=position)
        )  # fmt: skip
    for department_key, title, body in CANNED:
        department_id = departments[department_key].id if department_key else None
        db.session.add(CannedReply(department_id=department_id, title=title, body=body))
    db.session.commit()
    with mailer.silenced():
        _demo_requests(agent)


def _demo_people() -> tuple[User, User]:
    agent = find_user_by_email("agent@example.com") or create_user(
        email="agent@example.com", password=DEMO_PASSWORD, display_name="Sam Zhou",
        roles=(Role.AGENT,), timezone="Asia/Shanghai", confirmed=True,
    )  # fmt: skip
    lead = find_user_by_email("lead@example.com") or create_user(
        email="lead@example.com", password=DEMO_PASSWORD, display_name="Lena Park",
        roles=(Role.AGENT, Role.LEAD), timezone="Asia/Shanghai", confirmed=True,
    )  # fmt: skip
    db.session.flush()
    return agent, lead


def _demo_departments(lead: User) -> dict[str, Department]:
    departments: dict[str, Department] = {}
    for position, (key, name, name_zh, local, hours) in enumerate(DEPARTMENTS):
        department = Department(
            key=key, name=name, name_zh=name_zh, email_local=local, timezone="Asia/Shanghai",
            hours=hours, lead_id=lead.id, position=position,
        )  # fmt: skip
        db.session.add(department)
        db.session.flush()
        for priority, (first, resolution) in PROMISES.items():
            db.session.add(
                ServiceLevel(department_id=department.id, priority=priority,
                             first_reply_minutes=first, resolution_minutes=resolution)
            )  # fmt: skip
        departments[key] = department
    # New Year's Day, closed in every department.
    next_year = utcnow().year + 1
    db.session.add(Holiday(department_id=None, day=date(next_year, 1, 1), name="New Year's Day"))
    return departments


def _topic_id(key: str) -> int:
    return db.session.scalar(select(SupportTopic.id).where(SupportTopic.key == key))  # type: ignore[return-value]


def _demo_requests(agent: User) -> None:
    """One request in each state, in English and Chinese, from accounts and by email."""
    now = utcnow()
    customer = find_user_by_email("customer@example.com")
    vip = find_user_by_email("vip@example.com")

    def ago(hours: float) -> datetime:
        return now - timedelta(hours=hours)

    def draft(who: User | None, topic: str, subject: str, body: str, **extra: Any) -> Draft:
        return Draft(
            subject=subject, body=body, requester=who, topic_id=_topic_id(topic),
            requester_email=who.email if who else extra.pop("email"),
            requester_name=who.display_name if who else extra.pop("name"), **extra,
        )  # fmt: skip

    if customer is not None:
        requests.open_request(draft(customer, "installation", "The washing machine leaks at the "
            "first wash", "Hello, the new washing machine leaks from the bottom during the first "
            "wash. It was installed yesterday. What should I do?"), now=ago(1))  # fmt: skip
        waiting = requests.open_request(draft(customer, "return-item", "Return the blue kettle",
            "I would like to return the blue kettle from order PO-1042: it is the wrong colour."),
            now=ago(30))  # fmt: skip
        working.agent_reply(waiting, "Hello Casey, of course. Could you tell us whether the box "
            "is still sealed? Then we send the right label.", by=agent, then=Status.WAITING,
            now=ago(28))  # fmt: skip
        solved = requests.open_request(draft(customer, "invoice", "Company name on my invoice",
            "Please put our company name, Chen Trading Ltd., on the invoice for PO-0990."),
            now=ago(80))  # fmt: skip
        working.agent_reply(
            solved,
            "Done: the corrected invoice is in your account under "
            "Orders. Anything else, just reply.",
            by=agent,
            then=Status.SOLVED,
            now=ago(76),
        )
        ratings.rate(solved, ratings.Rating.GOOD, "Quick and friendly, thank you!", now=ago(70))
    if vip is not None:
        requests.open_request(draft(vip, "payment", "付款显示失败但已扣款",
            "你好，我昨天付款时页面显示失败，但银行卡已经扣款了。订单号 PO-2088。请帮忙查一下。",
            locale="zh_Hans_CN", priority=Priority.HIGH), now=ago(3))  # fmt: skip
    chinese = requests.open_request(draft(None, "refund-status", "退款什么时候到账？",
        "您好，我上周退回的空调已经签收了，但是退款还没有到账，请问需要多久？",
        email="wang.fang@example.cn", name="王芳", channel=Channel.EMAIL, markdown=False,
        locale="zh_Hans_CN"), now=ago(50))  # fmt: skip
    working.agent_reply(chinese, "王女士您好，退款已于今天提交，通常1–3个工作日到账。",
                        by=agent, now=ago(47))  # fmt: skip
    requests.open_request(draft(None, "not-working", "Router keeps restarting",
        "Since the last update our router restarts every ten minutes. Model PX-300.",
        email="it@example.org", name="Jordan Blake", channel=Channel.EMAIL, markdown=False,
        priority=Priority.URGENT), now=ago(26))  # fmt: skip


# Bulk ----------------------------------------------------------------------------------------
def seed_bulk(requests: int = 0, messages_per_request: int = 0, **_sizes: int) -> None:
    """`seed-bulk --requests N --messages-per-request M`: generated requests in batches."""
    if requests:
        insert_requests(requests, messages_per_request)

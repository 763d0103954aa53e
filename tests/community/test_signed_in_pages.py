"""Every page people use most, signed in, costs a handful of SQL statements, whatever the
data: the demo data, each page opened twice as its reader. The first visit may write (a VIP's
messages become read); the second is what every later page view costs."""

from __future__ import annotations

from typing import Any

from flask import Flask
from sqlalchemy import event, select

from community.accounts.models import User
from community.extensions import db
from community.seeding import DEMO_PASSWORD
from forum.models import Topic
from kb.models import Article, ArticleStatus
from tracking.models import Shipment

MAX_STATEMENTS = 8


def _statements(app: Flask, client: Any, path: str) -> int:
    counted: list[str] = []

    def count(*_args: Any) -> None:
        counted.append("")

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", count)
    try:
        response = client.get(path)
    finally:
        event.remove(engine, "before_cursor_execute", count)
    assert response.status_code == 200, (path, response.status_code)
    return len(counted)


def _demo_paths(app: Flask) -> dict[str, str]:
    with app.app_context():
        topic = db.session.execute(
            select(Topic.id, Topic.slug, Topic.category_id).order_by(Topic.post_count.desc())
        ).first()
        article = db.session.scalar(
            select(Article.slug).where(Article.status == ArticleStatus.PUBLISHED).limit(1)
        )
        shipment = db.session.scalar(
            select(Shipment.tracking_number)
            .join(User, User.id == Shipment.owner_id)
            .where(User.email == "customer@example.com")
            .limit(1)
        )
    return {
        "topic": f"/forum/t/{topic.id}/{topic.slug}",
        "article": f"/kb/articles/{article}",
        "shipment": f"/account/shipments/{shipment}",
    }


def test_signed_in_pages_stay_within_eight_statements(app):
    result = app.test_cli_runner().invoke(args=["seed-demo"])
    assert result.exit_code == 0, result.output
    paths = _demo_paths(app)
    pages = [
        ("customer@example.com", "/"),
        ("customer@example.com", "/forum/"),
        ("customer@example.com", paths["topic"]),
        ("customer@example.com", paths["article"]),
        ("customer@example.com", paths["shipment"]),
        ("vip@example.com", "/vip/"),
        ("vip@example.com", paths["topic"]),
        ("manager@example.com", "/manager/"),
        ("agent@example.com", "/support/"),
        ("admin@example.com", paths["topic"]),
    ]
    clients: dict[str, Any] = {}
    costs = {}
    for email, path in pages:
        if email not in clients:
            clients[email] = app.test_client()
            clients[email].login(email, DEMO_PASSWORD)
        client = clients[email]
        _statements(app, client, path)
        costs[(email, path)] = _statements(app, client, path)
    over = {page: cost for page, cost in costs.items() if cost > MAX_STATEMENTS}
    assert not over, over

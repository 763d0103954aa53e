"""Forum benchmarks: page rates through wrk, and what wrk cannot measure: the SQL queries
each page makes (counted with a `before_cursor_execute` listener, for a topic of 2 posts and
one of 20, so growth with the page would show), and how long a reply takes to reach an open
topic page over Socket.IO.

`make bench` runs it with the others; alone: `python -m bench.run --only forum [--quick]`.
"""

from __future__ import annotations

import re
import statistics
import threading
import time
import urllib.parse
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import socketio
from sqlalchemy import select

from bench.database import rows
from bench.harness import Server, count_statements, session_cookie
from community.app import create_app
from community.extensions import cache, db
from forum.models import Topic

SEED = {"users": 2_000, "topics": 10_000, "posts-per-topic": 19}
QUICK_SEED = {"users": 200, "topics": 1_000, "posts-per-topic": 19}

CUSTOMER = "customer@example.com"
STAFF = "admin@example.com"  # staff are exempt from the new-member sandbox
LIVE_REPLIES = 20


def _topic(env: dict[str, str], posts: int) -> tuple[int, str]:
    """A listed topic with exactly `posts` posts, from the middle of the table."""
    listed = "FROM forum_topics WHERE post_count = :posts AND is_hidden = :hidden"
    count = rows(env, f"SELECT count(*) {listed}", posts=posts, hidden=False)[0][0]
    found = rows(
        env,
        f"SELECT id, slug {listed} ORDER BY id LIMIT 1 OFFSET :middle",
        posts=posts,
        hidden=False,
        middle=count // 2,
    )
    if not found:
        raise RuntimeError(f"no topic with {posts} posts: seed with --posts-per-topic")
    return found[0][0], urllib.parse.quote(found[0][1])


def _busiest_category(env: dict[str, str]) -> str:
    return rows(env, "SELECT slug FROM forum_categories ORDER BY topic_count DESC LIMIT 1")[0][0]


def pages(portico: Server, instance: Path) -> list[tuple[str, str, str | None]]:
    topic_id, slug = _topic(portico.env, 20)
    category = _busiest_category(portico.env)
    topic = f"/forum/t/{topic_id}/{slug}"
    return [
        ("forum index `/forum/` (anonymous)", "/forum/", None),
        ("category page, latest (anonymous)", f"/forum/c/{category}", None),
        (
            "category page, solved, page 3 (anonymous)",
            f"/forum/c/{category}?filter=solved&page=3",
            None,
        ),
        ("topic page, 20 posts (anonymous)", topic, None),
        ("forum index `/forum/` (logged in)", "/forum/", CUSTOMER),
        ("category page, latest (logged in)", f"/forum/c/{category}", CUSTOMER),
        ("topic page, 20 posts (logged in)", topic, CUSTOMER),
    ]


# Query counts --------------------------------------------------------------------------------
@contextmanager
def _app(instance: Path, env: dict[str, str]) -> Iterator[Any]:
    app = create_app(
        {
            "INSTANCE_PATH": str(instance),
            "SQLALCHEMY_DATABASE_URI": env["DATABASE_URL"],
            "WTF_CSRF_ENABLED": False,
            "RATELIMIT_ENABLED": False,
            "OUTBOX_DELIVERY": "worker",
        }
    )
    yield app


def query_counts(instance: Path, env: dict[str, str]) -> list[str]:
    big_id, big_slug = _topic(env, 20)
    category = _busiest_category(env)
    lines = [
        "| page | anonymous, first view | anonymous, cached | logged in |",
        "| --- | ---: | ---: | ---: |",
    ]
    with _app(instance, env) as app:
        anonymous = app.test_client()
        member = app.test_client()
        member.post("/login", data={"email": CUSTOMER, "password": "demo-password"})
        small_topic = _small_topic(app)
        targets = [
            ("forum index", "/forum/"),
            ("category page", f"/forum/c/{category}"),
            ("topic page, 20 posts", f"/forum/t/{big_id}/{big_slug}"),
            (f"topic page, {small_topic[2]} posts", f"/forum/t/{small_topic[0]}/{small_topic[1]}"),
        ]
        anonymous.get("/healthz")
        member.get("/forum/")
        for label, path in targets:
            with app.app_context():
                cache.clear()
            first = count_statements(app, anonymous, path)
            cached = count_statements(app, anonymous, path)
            logged_in = count_statements(app, member, path)
            lines.append(f"| {label} | {first} | {cached} | {logged_in} |")
    return lines


def _small_topic(app: Any) -> tuple[int, str, int]:
    with app.app_context():
        row = db.session.execute(
            select(Topic.id, Topic.slug, Topic.post_count)
            .where(Topic.post_count < 5, Topic.is_hidden.is_(False), Topic.deleted_at.is_(None))
            .order_by(Topic.id)
            .limit(1)
        ).one()
    return row[0], urllib.parse.quote(row[1]), row[2]


# Live replies --------------------------------------------------------------------------------
def _form_fields(html: str) -> dict[str, str]:
    action = re.search(r'<form method="post" action="([^"]+/reply)"', html)
    token = re.search(r'id="csrf_token" name="csrf_token" type="hidden" value="([^"]+)"', html)
    token = token or re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html)
    nonce = re.search(r'id="nonce" name="nonce" type="hidden" value="([^"]+)"', html)
    if not (action and token and nonce):
        raise RuntimeError("no reply form on the topic page")
    return {"action": action.group(1), "csrf_token": token.group(1), "nonce": nonce.group(1)}


def live_reply_latency(portico: Server, instance: Path) -> list[str]:
    """Post replies over HTTP; time until an open page's Socket.IO connection hears of each."""
    topic_id, slug = _topic(portico.env, 20)
    topic_path = f"/forum/t/{topic_id}/{slug}"
    cookie = session_cookie(portico, STAFF)
    heard: dict[int, float] = {}
    arrived = threading.Condition()
    reader = socketio.Client(reconnection=False)

    @reader.on("post_created", namespace="/forum")
    def on_post(event: dict[str, Any]) -> None:
        with arrived:
            heard[event["number"]] = time.perf_counter()
            arrived.notify_all()

    reader.connect(
        portico.url, namespaces=["/forum"], auth={"topic": topic_id}, transports=["websocket"]
    )
    delays = []
    try:
        for index in range(LIVE_REPLIES):
            request = urllib.request.Request(portico.url + topic_path, headers={"Cookie": cookie})
            fields = _form_fields(urllib.request.urlopen(request, timeout=30).read().decode())
            body = urllib.parse.urlencode(
                {
                    "csrf_token": fields["csrf_token"],
                    "nonce": fields["nonce"],
                    "body": f"Benchmark reply {index} at {time.time()}",
                }
            ).encode()
            started = time.perf_counter()
            post = urllib.request.Request(
                portico.url + fields["action"], data=body, headers={"Cookie": cookie}
            )
            opener = urllib.request.build_opener(_NoRedirect())
            location = opener.open(post, timeout=30).headers.get("Location", "")
            number = int(location.rsplit("#post-", 1)[1])
            with arrived:
                arrived.wait_for(lambda number=number: number in heard, timeout=10)
            if number in heard:
                delays.append((heard[number] - started) * 1000)
    finally:
        reader.disconnect()
    if not delays:
        return ["live replies: none arrived"]
    delays.sort()
    p95 = delays[min(len(delays) - 1, round(0.95 * (len(delays) - 1)))]
    return [
        f"live reply, from the POST to the push on an open page ({len(delays)} replies): "
        f"p50 {statistics.median(delays):.1f} ms, p95 {p95:.1f} ms"
    ]


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None

    def http_error_302(self, request: Any, response: Any, code: int, message: str, headers: Any):  # type: ignore[no-untyped-def]
        return response


def extra(instance: Path, env: dict[str, str], portico: Server, args: Any) -> list[str]:
    topics, posts = rows(
        env, "SELECT (SELECT count(*) FROM forum_topics), (SELECT count(*) FROM forum_posts)"
    )[0]
    lines = [f"data: {topics:,} topics, {posts:,} posts", "", "SQL queries per page:", ""]
    lines += query_counts(instance, env)
    lines += ["", *live_reply_latency(portico, instance)]
    return lines

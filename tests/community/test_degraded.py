"""A lost dependency degrades the site, never breaks it, and `/healthz` names what is missing.

Redis is tested twice: at an address nothing answers, and as a real `redis-server` of the
test's own that is killed mid-run and started again. Mail is tested with an SMTP address
nothing answers. Workers are tested through their heartbeats.
"""

from __future__ import annotations

import logging
import shutil
import subprocess
import threading
from collections.abc import Callable, Iterator
from datetime import timedelta

import pytest
import redis
from flask import Flask
from limits import parse

from community.accounts.models import Role
from community.api.services import create_token
from community.background import FirstRequestThread, run_periodically
from community.db import utcnow
from community.extensions import FALLING_BACK, db, limiter
from community.heartbeats import WorkerHeartbeat
from community.outbox import delivery
from tests.community.outbox_helpers import queued_to
from tests.conftest import UserRecord
from tests.helpers import logged_in
from tests.services import free_port, require_service, wait_for
from tests.tracking.conftest import event
from tests.vip.conftest import assign, messages_in
from tracking import services as tracking_services
from tracking.schemas import ShipmentIn

WRONG = {"password": "not the password"}


def redis_settings(url: str, **extra: object) -> dict[str, object]:
    """An app whose rate limits and live pushes both go through the Redis at `url`."""
    return {
        "REDIS_URL": url,
        "RATELIMIT_STORAGE_URI": url,
        "SOCKETIO_MESSAGE_QUEUE": url,
        "RATELIMIT_ENABLED": True,
        "HEALTH_PROBE_SECONDS": 0,
        **extra,
    }


@pytest.fixture
def dead_redis_app(app: Flask, make_app: Callable[..., Flask]) -> Flask:
    """An app pointed at a Redis port nothing listens on.

    Built after the default `app` (which `make_user` uses): the limiter is one instance,
    bound to the app built last.
    """
    return make_app(**redis_settings(f"redis://127.0.0.1:{free_port()}/0"))


class RedisProcess:
    """A `redis-server` of this test's own, on a free port, that the test stops and restarts."""

    def __init__(self) -> None:
        self.port = free_port()
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def client(self) -> redis.Redis:
        return redis.Redis.from_url(self.url, socket_connect_timeout=0.5)

    def start(self) -> None:
        self.process = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--save", "", "--appendonly", "no"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        wait_for(self._answers)

    def _answers(self) -> bool:
        try:
            return bool(self.client().ping())
        except redis.RedisError:
            return False

    def stop(self) -> None:
        if self.process is not None:
            self.process.kill()
            self.process.wait(timeout=10)
            self.process = None


@pytest.fixture
def redis_process() -> Iterator[RedisProcess]:
    require_service("redis-server", shutil.which("redis-server") is not None)
    server = RedisProcess()
    server.start()
    yield server
    server.stop()


def health(app: Flask) -> tuple[int, dict]:
    response = app.test_client().get("/healthz")
    return response.status_code, response.get_json()


def vip_client(app: Flask, make_user: Callable[..., UserRecord]) -> tuple[UserRecord, int]:
    """A gold client with a manager: sending them a message pushes to a Socket.IO room."""
    client = make_user(vip_tier="gold")
    manager = make_user(roles=[Role.MANAGER])
    return client, assign(app, client, manager)


def falling_back_lines(caplog: pytest.LogCaptureFixture) -> int:
    return sum(1 for record in caplog.records if record.getMessage() == FALLING_BACK)


def test_without_redis_login_reset_and_pages_work_and_limits_count_in_memory(
    dead_redis_app, make_user, caplog
):
    """Login, the reset request and pages answer as usual; the login limit still bites,
    counted in memory, and the fallback is logged once, not once per request."""
    app = dead_redis_app
    app.config["RATE_LIMIT_LOGIN"] = "3 per minute"
    user = make_user("reset@example.com")
    caplog.set_level(logging.INFO)
    client = app.test_client()

    assert client.get("/").status_code == 200
    assert client.post_form("/password/forgot", {"email": user.email}).status_code == 302
    assert len(queued_to(app, user.email)) == 1
    assert (
        client.post_form("/login", {"email": user.email, "password": user.password}).status_code
        == 302
    )
    statuses = [
        app.test_client().post_form("/login", {"email": user.email, **WRONG}).status_code
        for _ in range(3)
    ]
    assert statuses == [422, 422, 429]
    assert limiter.storage_dead is True
    assert falling_back_lines(caplog) == 1


def test_without_redis_the_tracking_api_stores_events_within_its_limit(dead_redis_app, make_user):
    """The carrier's events are stored; past RATE_LIMIT_API the API says 429, not 500."""
    app = dead_redis_app
    app.config["RATE_LIMIT_API"] = "2 per minute"
    owner = make_user()
    with app.app_context():
        _token, secret = create_token("warehouse")
        tracking_services.register_shipment(
            ShipmentIn.model_validate(
                {
                    "tracking_number": "PT90000001",
                    "carrier": "Portico Express",
                    "owner_email": owner.email,
                    "origin": "Shenzhen, CN",
                    "destination": "Tacoma, US",
                }
            )
        )
    client = app.test_client()
    headers = {"Authorization": f"Bearer {secret}"}
    batch = {"events": [event("PT90000001", "picked_up", 1)]}
    sent = [client.post("/api/v1/tracking/events", json=batch, headers=headers) for _ in range(3)]
    assert [response.status_code for response in sent] == [200, 200, 429]
    assert sent[0].json["stored"] == 1 and sent[1].json["stored"] == 0
    assert sent[2].json["error"]["code"] == 429


def test_without_redis_a_message_that_pushes_live_is_still_sent(dead_redis_app, make_user, caplog):
    """The VIP message is stored and the page goes on; the live push is logged and dropped."""
    app = dead_redis_app
    client, conversation_id = vip_client(app, make_user)
    caplog.set_level(logging.INFO)
    http = logged_in(app, client)
    response = http.post_form("/vip/messages", {"body": "Is my order on its way?"})
    assert response.status_code == 303
    assert [m.body for m in messages_in(app, conversation_id)] == ["Is my order on its way?"]
    assert any("dropped" in record.getMessage() for record in caplog.records)
    assert http.get("/vip/").status_code == 200


def test_a_direct_count_falls_back_to_memory_and_still_limits(dead_redis_app):
    """Code that counts through `limiter.limiter` (the VIP throttle) gets memory, not an error."""
    with dead_redis_app.test_request_context():
        item = parse("2 per minute")
        hits = [limiter.limiter.hit(item, "portico", "test", "someone") for _ in range(3)]
    assert hits == [True, True, False]
    assert limiter.storage_dead is True


def test_healthz_without_redis_is_degraded_and_names_redis(dead_redis_app):
    """200 (the database answers), "degraded", and the reasons name Redis and its users."""
    app = dead_redis_app
    app.test_client().post_form("/login", {"email": "a@example.com", **WRONG})
    status, body = health(app)
    assert status == 200
    assert body["status"] == "degraded"
    assert body["redis"]["ok"] is False and body["redis"]["error"] == "ConnectionError"
    assert body["redis"]["rate_limits"] == "memory (Redis unreachable)"
    assert "redis: ConnectionError" in body["reasons"]
    assert body["database"]["ok"] is True


@pytest.mark.redis
def test_redis_stopped_mid_run_degrades_then_recovers(make_app, make_user, redis_process, caplog):
    """Kill Redis under a running app: pages, logins and messages go on and /healthz flips
    to degraded; start it again: /healthz is ok and limits are counted in Redis again."""
    app = make_app(**redis_settings(redis_process.url, RATE_LIMIT_LOGIN="100 per minute"))
    client, conversation_id = vip_client(app, make_user)
    caplog.set_level(logging.INFO)
    status, body = health(app)
    assert status == 200 and body["redis"]["ok"] is True and "latency_ms" in body["redis"]
    http = logged_in(app, client)
    assert redis_process.client().keys("*portico*")

    redis_process.stop()
    assert http.get("/").status_code == 200
    assert http.post_form("/vip/messages", {"body": "during the outage"}).status_code == 303
    assert (
        app.test_client().post_form("/login", {"email": client.email, **WRONG}).status_code == 422
    )
    status, body = health(app)
    assert status == 200 and body["status"] == "degraded" and body["redis"]["ok"] is False
    assert any(reason.startswith("redis:") for reason in body["reasons"])

    redis_process.start()
    wait_for(lambda: health(app)[1]["redis"]["ok"], timeout=20)

    def counted_in_redis() -> bool:
        app.test_client().post_form("/login", {"email": client.email, **WRONG})
        return not limiter.storage_dead and bool(redis_process.client().keys("*portico*"))

    wait_for(counted_in_redis, timeout=60, interval=0.5)
    assert http.post_form("/vip/messages", {"body": "after the outage"}).status_code == 303
    assert len(messages_in(app, conversation_id)) == 2
    assert falling_back_lines(caplog) == 1


def test_healthz_reports_the_mail_server_that_does_not_answer(make_app, make_user):
    """An SMTP address nothing answers makes /healthz degraded; the reset still queues mail."""
    app = make_app(MAIL_URL=f"smtp://127.0.0.1:{free_port()}", HEALTH_PROBE_SECONDS=0)
    user = make_user()
    response = app.test_client().post_form("/password/forgot", {"email": user.email})
    assert response.status_code == 302 and len(queued_to(app, user.email)) == 1
    status, body = health(app)
    assert status == 200 and body["status"] == "degraded"
    assert body["mail"] == {"ok": False, "transport": "smtp", "error": "ConnectionRefusedError"}
    assert "mail: ConnectionRefusedError" in body["reasons"]


def test_healthz_says_the_mail_server_answers(make_app, smtp_server):
    """A reachable SMTP server is ok, with its round trip."""
    status, body = health(make_app(MAIL_URL=smtp_server.url))
    assert status == 200 and body["status"] == "ok"
    assert body["mail"]["ok"] is True and body["mail"]["latency_ms"] >= 0


def test_a_mail_url_that_is_not_smtp_is_reported(make_app):
    """A MAIL_URL of another scheme is named in /healthz rather than failing it."""
    status, body = health(make_app(MAIL_URL="ftp://mail.example.com"))
    assert status == 200 and body["mail"]["ok"] is False
    assert "smtp://" in body["mail"]["error"]


def test_healthz_is_ok_with_files_for_mail_and_no_redis(app):
    """The embedded default: mail as files, no Redis entry, every worker within its grace."""
    status, body = health(app)
    assert status == 200 and body["status"] == "ok" and "reasons" not in body
    assert body["mail"] == {"ok": True, "transport": "files"}
    assert "redis" not in body
    assert body["workers"]["outbox-delivery"]["ok"] is True


def test_a_worker_that_went_quiet_makes_healthz_degraded(app):
    """A heartbeat older than its limit names the worker and how long ago it last beat."""
    with app.app_context():
        db.session.add(
            WorkerHeartbeat(
                name="vip-sweep",
                beat_at=utcnow() - timedelta(minutes=10),
                stale_after_seconds=180,
                process="worker-1:42",
            )
        )
        db.session.commit()
    status, body = health(app)
    assert status == 200 and body["status"] == "degraded"
    assert body["workers"]["vip-sweep"]["ok"] is False
    assert body["workers"]["vip-sweep"]["process"] == "worker-1:42"
    assert "worker vip-sweep: last heartbeat 600 s ago" in body["reasons"]


def test_a_periodic_worker_beats_after_each_finished_round(app):
    """A loop that finishes rounds is reported with its last heartbeat; one that fails is not."""
    stop = threading.Event()
    loops = [
        threading.Thread(target=run_periodically, args=(app, stop, 0.02, name, work))
        for name, work in (("good-sweep", lambda: None), ("bad-sweep", _fail))
    ]
    for loop in loops:
        loop.start()
    try:
        wait_for(lambda: "good-sweep" in health(app)[1]["workers"])
    finally:
        stop.set()
        for loop in loops:
            loop.join()
    workers = health(app)[1]["workers"]
    assert workers["good-sweep"]["ok"] is True and workers["good-sweep"]["seconds_ago"] <= 5
    assert "bad-sweep" not in workers


def _fail() -> None:
    raise RuntimeError("the sweep broke")


def test_the_outbox_worker_beats(app):
    """`flask outbox run`'s loop records the outbox heartbeat that every web process reads."""
    stop = threading.Event()
    worker = threading.Thread(target=delivery.run_worker, args=(app, stop, 0.02))
    worker.start()
    try:
        wait_for(lambda: health(app)[1]["workers"]["outbox-delivery"]["last_beat"])
    finally:
        stop.set()
        delivery.wake()
        worker.join()
    assert health(app)[1]["workers"]["outbox-delivery"]["ok"] is True


def test_a_stopped_worker_thread_is_named(make_app):
    """A background thread of this process that ended shows as stopped, and degrades."""
    app = make_app()
    FirstRequestThread("doomed-relay", lambda app, stop: None).attach(app)
    app.test_client().get("/")
    thread = app.extensions["portico.threads"]["doomed-relay"]
    wait_for(lambda: not thread.alive)
    status, body = health(app)
    assert status == 200 and body["workers"]["doomed-relay"]["thread"] == "stopped"
    assert "worker doomed-relay: its thread in this process stopped" in body["reasons"]

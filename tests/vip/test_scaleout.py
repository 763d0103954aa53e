"""Two real server processes sharing Flask-SocketIO's Redis message queue.

The VIP is connected to process A, the manager to process B, each logged in through the real
login form; messages, typing and read receipts must cross in both directions. Each run uses
a secret key of its own: room names derive from it, so test runs sharing one Redis never
deliver into each other's rooms.
"""

from __future__ import annotations

import os
import queue
import re
import subprocess
import sys
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
import requests
import socketio

from community.accounts.models import Role
from tests.conftest import PASSWORD
from tests.services import (
    ROOT,
    free_port,
    redis_available,
    redis_test_url,
    require_service,
    wait_for,
)
from tests.vip.conftest import assign, messages_in

pytestmark = [pytest.mark.redis, pytest.mark.slow]

NAMESPACE = "/vip"


def _answers(url: str) -> bool:
    try:
        return requests.get(url + "/healthz", timeout=1).status_code == 200
    except requests.RequestException:
        return False


@contextmanager
def gunicorn(env: dict[str, str], instance: Path) -> Iterator[str]:
    """One Portico process, served as `make run` serves it (one gevent worker)."""
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py",
         "--bind", f"127.0.0.1:{port}", "--access-logfile", "/dev/null", "wsgi:app"],
        cwd=ROOT,
        env={**os.environ, **env, "PORTAL_INSTANCE": str(instance)},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    try:
        wait_for(lambda: process.poll() is not None or _answers(url), timeout=30)
        if process.poll() is not None:
            pytest.fail("the server did not start:\n" + process.stderr.read().decode())
        yield url
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()


def session_cookie(url: str, email: str) -> str:
    """Log in through the real form, as a browser would; return the Cookie header."""
    http = requests.Session()
    page = http.get(url + "/login", timeout=10).text
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    response = http.post(
        url + "/login",
        data={"csrf_token": token, "email": email, "password": PASSWORD},
        allow_redirects=False,
        timeout=10,
    )
    assert response.status_code == 302, f"login as {email} failed"
    return "; ".join(f"{cookie.name}={cookie.value}" for cookie in http.cookies)


class Listener:
    """A python-socketio client that files every event it hears into one queue."""

    def __init__(self, url: str, cookie: str) -> None:
        self.events: queue.Queue[tuple[str, dict]] = queue.Queue()
        self.client = socketio.Client(reconnection=False)
        for name in ("new_message", "typing", "seen", "vip_error"):
            self.client.on(name, self._recorder(name), namespace=NAMESPACE)
        self.client.connect(
            url, headers={"Cookie": cookie}, namespaces=[NAMESPACE], wait_timeout=10
        )

    def _recorder(self, name: str):
        return lambda data: self.events.put((name, data))

    def call(self, event: str, data: dict) -> dict:
        return self.client.call(event, data, namespace=NAMESPACE, timeout=10)

    def next(self, name: str, where=lambda data: True, timeout: float = 10) -> dict:
        """The next `name` event that matches, skipping others."""
        while True:
            got, data = self.events.get(timeout=timeout)
            if got == name and where(data):
                return data

    def heard(self, name: str) -> list[dict]:
        found = []
        while not self.events.empty():
            got, data = self.events.get_nowait()
            if got == name:
                found.append(data)
        return found


def test_messages_cross_between_two_processes_over_redis(app, make_user, database_url, tmp_path):
    """VIP on process A, manager on process B: both directions, typing and "seen" too."""
    require_service("Redis", redis_available())
    client = make_user(vip_tier="gold", display_name="Vivian Li")
    manager = make_user(roles=[Role.MANAGER], display_name="Morgan Price")
    conversation_id = assign(app, client, manager)
    env = {
        "DATABASE_URL": database_url,
        "REDIS_URL": redis_test_url(),
        "SECRET_KEY": f"scale-out-{uuid.uuid4().hex}",
        "RATE_LIMIT_LOGIN": "1000 per minute",
        "OUTBOX_DELIVERY": "worker",
    }
    with gunicorn(env, tmp_path / "a") as process_a, gunicorn(env, tmp_path / "b") as process_b:
        anonymous = socketio.Client(reconnection=False)
        with pytest.raises(socketio.exceptions.ConnectionError):
            anonymous.connect(process_b, namespaces=[NAMESPACE], wait_timeout=5)

        vip = Listener(process_a, session_cookie(process_a, client.email))
        staff = Listener(process_b, session_cookie(process_b, manager.email))
        try:
            sent = vip.call("send", {"body": "Hello from **A**", "nonce": "a-1"})
            assert sent["ok"], sent
            arrived = staff.next("new_message")
            assert arrived["id"] == sent["message"]["id"]
            assert arrived["html"] == "<p>Hello from <strong>A</strong></p>"

            assert staff.call("typing", {"conversation": conversation_id, "typing": True})["ok"]
            assert vip.next("typing")["name"] == "Morgan Price"

            reply = staff.call("send", {"conversation": conversation_id, "body": "Hi from B"})
            assert reply["ok"], reply
            back = vip.next("new_message")
            assert back["id"] == reply["message"]["id"] and back["from_staff"] is True

            assert vip.call("read", {"up_to": back["id"]})["ok"]
            seen = staff.next("seen", where=lambda data: not data["by_staff"])
            assert seen["up_to"] == back["id"]

            # Each message arrived once on each side: nothing lost, nothing doubled.
            for number in range(5):
                vip.call("send", {"body": f"burst {number}"})
            bursts = [staff.next("new_message")["html"] for _ in range(5)]
            assert bursts == [f"<p>burst {number}</p>" for number in range(5)]
            vip.client.sleep(0.5)
            assert staff.heard("new_message") == []
        finally:
            vip.client.disconnect()
            staff.client.disconnect()
    assert len(messages_in(app, conversation_id)) == 7

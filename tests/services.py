"""Real services for tests: PostgreSQL, Redis, an SMTP server, Chromium, live processes.

Tests read their service addresses here (never from the app's settings), so a developer's
own DATABASE_URL or REDIS_URL cannot point the suite at real data.
"""

from __future__ import annotations

import email
import email.policy
import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller

ROOT = Path(__file__).resolve().parent.parent
SERVICES_REQUIRED = os.environ.get("PORTAL_REQUIRE_SERVICES") == "1"


def require_service(name: str, available: bool) -> None:
    """Skip when a service is missing, or fail when CI said every service must be there."""
    if available:
        return
    if SERVICES_REQUIRED:
        pytest.fail(f"{name} is required (PORTAL_REQUIRE_SERVICES=1) but not reachable")
    pytest.skip(f"{name} is not reachable")


def postgres_admin_url() -> str:
    return os.environ.get(
        "PORTAL_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
    )


def redis_test_url() -> str:
    return os.environ.get("PORTAL_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")


def _port_open(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=1):
            return True
    except OSError:
        return False


def postgres_available() -> bool:
    return _port_open("127.0.0.1", 5432)


def redis_available() -> bool:
    return _port_open("127.0.0.1", 6379)


def chromium_path() -> str | None:
    return shutil.which("chromium") or shutil.which("chromium-browser")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_for(condition: Callable[[], Any], timeout: float = 10, interval: float = 0.05) -> Any:
    """Poll until `condition()` is truthy; fail the test with a clear message otherwise."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = condition()
        if result:
            return result
        time.sleep(interval)
    pytest.fail(f"condition not met within {timeout} s")


@dataclass
class ReceivedMail:
    envelope_from: str
    recipients: list[str]
    message: EmailMessage


@dataclass
class SmtpServer:
    """aiosmtpd on loopback. `delay` slows each message, to catch a worker mid-batch."""

    port: int
    delay: float = 0.0
    received: list[ReceivedMail] = field(default_factory=list)
    _controller: Controller | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def url(self) -> str:
        return f"smtp://127.0.0.1:{self.port}"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        if self.delay:
            time.sleep(self.delay)  # blocks the server loop on purpose: one message at a time
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        with self._lock:
            self.received.append(
                ReceivedMail(envelope.mail_from, list(envelope.rcpt_tos), message)  # type: ignore[arg-type]
            )
        return "250 Message accepted"

    def start(self) -> None:
        self._controller = Controller(self, hostname="127.0.0.1", port=self.port)
        self._controller.start()

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None

    def messages_to(self, address: str) -> list[EmailMessage]:
        with self._lock:
            return [mail.message for mail in self.received if address in mail.recipients]


def run_flask(instance: Path, env: dict[str, str], *args: str, timeout: float = 120) -> str:
    """Run `flask --app wsgi ...` in a child process; return its output or fail the test."""
    result = subprocess.run(
        [sys.executable, "-m", "flask", "--app", "wsgi", *args],
        cwd=ROOT,
        env={**os.environ, **env, "PORTAL_INSTANCE": str(instance)},
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    if result.returncode != 0:
        pytest.fail(f"flask {' '.join(args)} failed:\n{result.stdout}\n{result.stderr}")
    return result.stdout


@contextmanager
def gunicorn(
    env: dict[str, str], *, app: str = "wsgi:app", probe: str = "/", port: int | None = None
) -> Iterator[tuple[str, subprocess.Popen]]:
    """Serve `app` with gunicorn.conf.py (one gevent worker) as `make run` does.

    Yields the base URL and the process once `probe` answers; stops it with SIGTERM (then
    SIGKILL) afterwards. The browser suite, the scale-out tests and `make bench` all serve
    Portico through here.
    """
    port = port or free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py",
         "--bind", f"127.0.0.1:{port}", "--access-logfile", "/dev/null", app],
        cwd=ROOT,
        env={**os.environ, **env},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while not _answers(url + probe):
            if process.poll() is not None:
                raise RuntimeError(f"{app} did not start:\n" + process.stderr.read().decode())
            if time.monotonic() > deadline:
                raise RuntimeError(f"{url}{probe} did not answer within 30 s")
            time.sleep(0.2)
        yield url, process
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=1) as response:
            return response.status == 200
    except OSError:
        return False

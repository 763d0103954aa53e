"""A live Portico (gunicorn, gevent, as `make run` serves it) and headless Chromium."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.conftest import TEST_SECRET
from tests.services import chromium_path, free_port, gunicorn, require_service, run_flask

pytestmark = pytest.mark.browser

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@dataclass(frozen=True)
class LiveServer:
    url: str
    instance: Path
    env: dict[str, str]

    def flask(self, *args: str) -> str:
        """Run a CLI command against the live server's database."""
        return run_flask(self.instance, self.env, *args)


@pytest.fixture(scope="session")
def live_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    instance = tmp_path_factory.mktemp("live")
    port = free_port()
    env = {
        "DATABASE_URL": f"sqlite:///{instance / 'portico.db'}",
        "SECRET_KEY": TEST_SECRET,
        "PORT": str(port),
        "RATE_LIMIT_LOGIN": "1000 per minute",
        "RATE_LIMIT_REGISTER": "1000 per minute",
        "OUTBOX_POLL_SECONDS": "1",
    }
    run_flask(instance, env, "db", "upgrade")
    run_flask(instance, env, "seed-demo")
    served = gunicorn({**env, "PORTAL_INSTANCE": str(instance)}, probe="/healthz", port=port)
    with served as (url, _process):
        yield LiveServer(url=url, instance=instance, env=env)


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    executable = chromium_path()
    require_service("Chromium (Debian package chromium)", executable is not None)
    from playwright.sync_api import sync_playwright  # heavy import only when a browser runs

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def new_page(browser, live_server):
    """Open pages in fresh browser contexts (separate cookies), closed after the test."""
    contexts = []

    def factory():
        context = browser.new_context(base_url=live_server.url, locale="en-GB")
        context.set_default_timeout(10_000)
        contexts.append(context)
        return context.new_page()

    yield factory
    for context in contexts:
        context.close()


def log_in(page, email: str, password: str = "demo-password") -> None:
    page.goto("/login")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password", exact=True).fill(password)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(lambda url: "/login" not in url)

"""A demo-seeded app on each database for the generated-input suites, and who calls it."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from flask import Flask
from hypothesis import HealthCheck, settings

from community.api.services import create_token
from community.cli import seed_demo
from community.extensions import db
from community.seeding import DEMO_PASSWORD

# Few examples per operation, many operations: the whole suite stays within CI's budget.
FUZZ_PROFILE = settings(
    max_examples=25,
    deadline=None,
    derandomize=True,
    suppress_health_check=list(HealthCheck),
    database=None,
)


@pytest.fixture
def seeded_app(make_app) -> Iterator[Flask]:
    """The demo data (every feature's), so generated ids and numbers can meet real rows."""
    app = make_app()
    app.test_cli_runner().invoke(seed_demo, [])
    yield app
    with app.app_context():
        db.session.remove()


@pytest.fixture
def credentials(seeded_app: Flask) -> dict[str, Any]:
    """An API token, and the demo VIP's session for the operations a browser calls."""
    with seeded_app.app_context():
        _token, secret = create_token("fuzzing")
    browser = seeded_app.test_client()
    browser.login("vip@example.com", DEMO_PASSWORD)
    session = browser.get_cookie(seeded_app.config["SESSION_COOKIE_NAME"], domain="localhost")
    assert session is not None
    return {"Authorization": f"Bearer {secret}", "Cookie": f"{session.key}={session.value}"}

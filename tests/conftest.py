"""Shared fixtures: an app on each real database, a CSRF-aware client, users, an SMTP server.

Every test that takes `app` runs on SQLite and on PostgreSQL. A missing PostgreSQL skips
those runs, unless PORTAL_REQUIRE_SERVICES=1 (CI), where it fails instead.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from flask import Flask
from flask.testing import FlaskClient
from itsdangerous import URLSafeTimedSerializer
from sqlalchemy import create_engine, text

from community.accounts.models import Role
from community.accounts.services import create_user
from community.app import create_app
from community.config import normalise_database_url
from community.extensions import db
from tests.services import (
    SERVICES_REQUIRED,
    SmtpServer,
    free_port,
    postgres_admin_url,
    postgres_available,
    require_service,
)

PASSWORD = "correct horse battery"
TEST_SECRET = "test-secret-key-not-for-production"
TRANSLATIONS = Path(__file__).resolve().parent.parent / "translations"


@pytest.fixture(scope="session", autouse=True)
def compiled_catalogues() -> None:
    """Compile each catalogue as `make test` does, so `pytest` alone serves translated pages."""
    for po_path in TRANSLATIONS.glob("*/LC_MESSAGES/messages.po"):
        mo_path = po_path.with_suffix(".mo")
        if mo_path.exists() and mo_path.stat().st_mtime >= po_path.stat().st_mtime:
            continue
        with po_path.open("rb") as source:
            catalog = read_po(source)
        # Written aside, then put in place: another test process may be reading it.
        partial = mo_path.with_suffix(f".mo.{os.getpid()}")
        with partial.open("wb") as target:
            write_mo(target, catalog)
        os.replace(partial, mo_path)


def create_postgres_database(purpose: str) -> str:
    """A new, empty database of this test run's own: parallel runs never share one."""
    name = f"portico_{purpose}_{os.getpid()}"
    admin = create_engine(postgres_admin_url(), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return postgres_admin_url().rsplit("/", 1)[0] + "/" + name


def drop_postgres_database(url: str) -> None:
    name = url.rsplit("/", 1)[1]
    admin = create_engine(postgres_admin_url(), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def base_overrides(database_url: str, instance: Path) -> dict[str, Any]:
    """Settings for a test app: real database, fast hashing, no limits unless asked."""
    return {
        "TESTING": True,
        "INSTANCE_PATH": str(instance),
        "SECRET_KEY": TEST_SECRET,
        "SQLALCHEMY_DATABASE_URI": database_url,
        "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000",
        "RATELIMIT_ENABLED": False,
        "RATELIMIT_STORAGE_URI": "memory://",
        "REDIS_URL": None,
        "SOCKETIO_MESSAGE_QUEUE": None,
        "SOCKETIO_ASYNC_MODE": "threading",
        "MAIL_URL": None,
        "MAIL_DIR": str(instance / "mail"),
        "BASE_URL": "http://portal.test",
        "SERVER_NAME": None,
        "OUTBOX_BACKOFF_SECONDS": 1,
        # Forum emails go at once; tests/forum/test_seen_live.py holds them back as deployed.
        "FORUM_EMAIL_DELAY_SECONDS": 0,
        "CACHE_TYPE": "NullCache",
    }


@pytest.fixture(scope="session", params=["sqlite", "postgresql"])
def database_url(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    """A database with the current schema, created once per session and kind."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path_factory.mktemp('sqlite') / 'portico.db'}"
    else:
        require_service("PostgreSQL", postgres_available())
        url = create_postgres_database("test")
    app = create_app(base_overrides(url, tmp_path_factory.mktemp("schema")))
    with app.app_context():
        db.create_all()
        db.engine.dispose()
    yield url
    if request.param == "postgresql":
        drop_postgres_database(url)


def _wipe(database_url: str) -> None:
    """Empty every table, so each test starts from nothing on a schema made once."""
    engine = create_engine(normalise_database_url(database_url))
    with engine.begin() as connection:
        for table in reversed(db.metadata.sorted_tables):
            connection.execute(table.delete())
    engine.dispose()


class PortalClient(FlaskClient):
    """A test client that fills in CSRF tokens the way a browser form would."""

    def csrf_token(self) -> str:
        with self.session_transaction() as session:
            raw = session.setdefault("csrf_token", os.urandom(20).hex())
        return URLSafeTimedSerializer(TEST_SECRET, salt="wtf-csrf-token").dumps(raw)

    def post_form(self, url: str, data: dict[str, Any] | None = None, **kwargs: Any) -> Any:
        payload = {"csrf_token": self.csrf_token(), **(data or {})}
        return self.post(url, data=payload, **kwargs)

    def login(self, email: str, password: str = PASSWORD) -> Any:
        response = self.post_form("/login", {"email": email, "password": password})
        assert response.status_code == 302, f"login as {email} failed"
        return response


@pytest.fixture
def make_app(database_url: str, tmp_path: Path) -> Iterator[Callable[..., Flask]]:
    """Build apps on the test database with extra settings; rows are wiped afterwards."""
    apps: list[Flask] = []

    def factory(**overrides: Any) -> Flask:
        app = create_app({**base_overrides(database_url, tmp_path / "instance"), **overrides})
        app.test_client_class = PortalClient
        apps.append(app)
        return app

    yield factory
    for app in apps:
        with app.app_context():
            db.session.remove()
            db.engine.dispose()
    _wipe(database_url)


@pytest.fixture
def app(make_app: Callable[..., Flask]) -> Flask:
    return make_app()


@pytest.fixture
def client(app: Flask) -> PortalClient:
    return app.test_client()  # type: ignore[return-value]


@dataclass(frozen=True)
class UserRecord:
    """What a test needs of a user, usable outside an app context."""

    id: int
    email: str
    display_name: str
    password: str = PASSWORD


@pytest.fixture
def make_user(app: Flask) -> Callable[..., UserRecord]:
    """Create and commit a user: `make_user(roles=[Role.EDITOR], vip_tier="gold")`."""
    counter = iter(range(1, 10_000))

    def factory(
        email: str | None = None,
        *,
        display_name: str | None = None,
        confirmed: bool = True,
        roles: list[Role] | tuple[Role, ...] = (),
        vip_tier: str | None = None,
        password: str = PASSWORD,
    ) -> UserRecord:
        number = next(counter)
        email = email or f"user{number}@example.com"
        with app.app_context():
            user = create_user(
                email=email,
                password=password,
                display_name=display_name or f"User {number}",
                confirmed=confirmed,
                roles=roles,
                vip_tier=vip_tier,
            )
            db.session.commit()
            return UserRecord(user.id, user.email, user.display_name, password)

    return factory


@pytest.fixture
def smtp_server() -> Iterator[SmtpServer]:
    """A real SMTP server (aiosmtpd) on a loopback port, collecting what it receives."""
    server = SmtpServer(port=free_port())
    server.start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def services_required() -> bool:
    return SERVICES_REQUIRED


# Under pytest-xdist (`make test`), tests that share one outside resource run on one worker:
# the Redis test database (flushed by some tests, its channels heard by others), and the live
# server and Chromium of the browser suite (started once, not once per worker).
XDIST_GROUPS = ("redis", "browser")


# First: pytest-xdist reads the groups in a hook of its own, which must see these marks.
@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        for group in XDIST_GROUPS:
            if item.get_closest_marker(group):
                item.add_marker(pytest.mark.xdist_group(group))

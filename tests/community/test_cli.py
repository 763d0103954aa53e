"""The command line as an operator uses it: migrate, seed twice, bulk users, API tokens."""

from __future__ import annotations

import hashlib

import pytest
from sqlalchemy import create_engine, func, select

from community.accounts.models import User
from community.api.models import ApiToken
from tests.conftest import TEST_SECRET
from tests.services import run_flask

pytestmark = pytest.mark.slow


def test_seed_demo_is_idempotent_and_tokens_print_once(tmp_path):
    """seed-demo twice creates the demo accounts once; api-token create prints a working token."""
    database = f"sqlite:///{tmp_path / 'cli.db'}"
    env = {"DATABASE_URL": database, "SECRET_KEY": TEST_SECRET}
    instance = tmp_path / "instance"
    run_flask(instance, env, "db", "upgrade")
    first = run_flask(instance, env, "seed-demo")
    second = run_flask(instance, env, "seed-demo")
    assert "customer@example.com" in first and "vip@example.com" in first
    assert "already exist" in second
    assert "nothing to do" in run_flask(instance, env, "seed-demo", "--first-start")

    secret = run_flask(instance, env, "api-token", "create", "Warehouse WMS").strip()
    assert secret.startswith("pt_")
    run_flask(instance, env, "seed-bulk", "--users", "1500")

    engine = create_engine(database)
    with engine.connect() as connection:
        emails = set(connection.scalars(select(User.email).where(User.email.like("%@example.com"))))
        assert {
            "customer@example.com",
            "vip@example.com",
            "manager@example.com",
            "admin@example.com",
            "agent@example.com",
            "lead@example.com",
        } <= emails
        assert connection.scalar(select(func.count()).select_from(User)) == 6 + 1500
        token_hash = connection.scalar(select(ApiToken.token_hash))
        assert token_hash == hashlib.sha256(secret.encode()).hexdigest()
    engine.dispose()

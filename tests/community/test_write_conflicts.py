"""Deadlocks and serialization failures are run again, then answered 503, never 500.

PostgreSQL itself raises the errors here (a `DO` block with the SQLSTATE a real deadlock or
serialization failure carries), so the driver and SQLAlchemy wrap them exactly as they would.
"""

from __future__ import annotations

import pytest
from flask import jsonify
from sqlalchemy import text

from community.errors import Busy
from community.extensions import db
from community.transactions import retry_on_conflict


def raise_sqlstate(code: str) -> None:
    db.session.execute(
        text(f"DO $$ BEGIN RAISE EXCEPTION 'simulated' USING ERRCODE = '{code}'; END $$")
    )


@pytest.fixture
def pg_app(app):
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        pytest.skip("SQLite has one writer: these conflicts are PostgreSQL's")
    with app.app_context():
        db.session.execute(text("CREATE TABLE IF NOT EXISTS conflict_probe (label text)"))
        db.session.execute(text("DELETE FROM conflict_probe"))
        db.session.commit()
    return app


def write(label: str) -> None:
    db.session.execute(text("INSERT INTO conflict_probe VALUES (:label)"), {"label": label})


def written() -> list[str]:
    return list(db.session.scalars(text("SELECT label FROM conflict_probe")))


@pytest.mark.parametrize("sqlstate", ["40P01", "40001"])
def test_a_conflicted_service_runs_again_and_keeps_only_the_last_run(pg_app, sqlstate):
    calls = []

    @retry_on_conflict
    def service() -> str:
        calls.append(len(calls))
        write(f"attempt {len(calls)}")  # then rolled back by the conflict
        if len(calls) < 3:
            raise_sqlstate(sqlstate)
        db.session.commit()
        return "done"

    with pg_app.test_request_context():
        assert service() == "done"
        rows = written()
    assert len(calls) == 3
    assert rows == ["attempt 3"]  # nothing of the failed runs was kept


def test_past_its_attempts_the_service_says_busy_and_stores_nothing(pg_app):
    @retry_on_conflict
    def always_deadlocked() -> None:
        write("never")
        raise_sqlstate("40P01")

    with pg_app.test_request_context():
        with pytest.raises(Busy) as raised:
            always_deadlocked()
        rows = written()
    assert raised.value.code == 503 and raised.value.retry_after >= 1
    assert rows == []


def test_other_database_errors_are_not_retried(pg_app):
    calls = []

    @retry_on_conflict
    def broken() -> None:
        calls.append(1)
        raise_sqlstate("23505")  # a unique violation is a bug or a rule, not a race

    with pg_app.test_request_context(), pytest.raises(Exception) as raised:
        broken()
    assert not isinstance(raised.value, Busy)
    assert calls == [1]


def test_the_api_answers_busy_with_retry_after(pg_app):
    @retry_on_conflict
    def always_deadlocked() -> None:
        raise_sqlstate("40P01")

    @pg_app.get("/api/v1/test-only/deadlocked")
    def deadlocked():
        always_deadlocked()
        return jsonify(ok=True)

    response = pg_app.test_client().get("/api/v1/test-only/deadlocked")
    assert response.status_code == 503
    assert response.headers["Retry-After"] == "1"
    assert "send the same request again" in response.get_json()["error"]["message"]


@pytest.mark.parametrize("path", ["/api/v1/test-only/conflict", "/test-only/conflict"])
def test_a_conflict_that_escapes_any_service_is_a_503_not_a_500(pg_app, path):
    """A write path without retries still tells the client a resend is safe."""

    @pg_app.get(path)
    def conflicted():
        raise_sqlstate("40001")
        return jsonify(ok=True)

    response = pg_app.test_client().get(path)
    assert response.status_code == 503
    assert response.headers["Retry-After"] == "1"

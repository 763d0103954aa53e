"""PostgreSQL connections: a fixed pool per process, kept open under load, shown in /healthz."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import event

from community.extensions import db

CLIENTS = 30
REQUESTS_EACH = 15


@pytest.fixture
def pg_app(app):
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        pytest.skip("SQLite has no connection pool to size")
    return app


def test_sqlite_keeps_sqlalchemys_own_pool(app):
    if not app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        pytest.skip("the PostgreSQL pool is tested below")
    assert app.config["SQLALCHEMY_ENGINE_OPTIONS"] == {}


def test_many_requests_at_once_reuse_the_pools_connections(pg_app):
    """30 clients at once open at most the pool's connections, not one per request."""
    opened = []

    def count_connection(*args: object) -> None:
        opened.append(1)

    with pg_app.app_context():
        engine = db.engine
    event.listen(engine, "connect", count_connection)
    failures: list[int] = []

    def visitor() -> None:
        client = pg_app.test_client()
        for _ in range(REQUESTS_EACH):
            response = client.get("/healthz")
            if response.status_code != 200:
                failures.append(response.status_code)

    threads = [threading.Thread(target=visitor) for _ in range(CLIENTS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    event.remove(engine, "connect", count_connection)

    assert failures == []
    assert len(opened) <= pg_app.config["DB_POOL_SIZE"]  # then reused, never churned


def test_the_pool_is_sized_from_the_settings(make_app):
    app = make_app(DB_POOL_SIZE=7, DB_POOL_OVERFLOW=2, DB_POOL_TIMEOUT=3)
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        pytest.skip("SQLite has no connection pool to size")
    with app.app_context():
        pool = db.engine.pool
        assert (pool.size(), pool._max_overflow, pool._timeout) == (7, 2, 3)


def test_healthz_shows_the_pool_against_the_servers_limit(pg_app):
    report = pg_app.test_client().get("/healthz").get_json()
    pool = report["database"]["pool"]
    assert pool["process_limit"] == pg_app.config["DB_POOL_SIZE"]
    assert pool["server_max_connections"] >= 20
    assert pool["processes_that_fit"] == pool["server_max_connections"] // pool["process_limit"]
    assert 0 <= pool["checked_out"] <= pool["open"] <= pool["process_limit"]

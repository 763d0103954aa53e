"""Where a bench run keeps its data, and the few reads the bench modules make of it.

SQLite is the file in the instance folder, as `make run` has it. PostgreSQL is a database of
the run's own (`portico_bench_<pid>`) on the server the tests use, with a Redis db of its own
(flushed at the start) beside it, as the scale-out setup runs. A reused instance folder
(`--instance`) remembers its PostgreSQL database's name in `postgres-database`, and keeps it.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import redis
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from tests.services import postgres_admin_url

BACKENDS = ("sqlite", "postgresql")
NAME_FILE = "postgres-database"
# db 14 is the VIP bench's message queue, db 15 the tests'.
REDIS_URL = os.environ.get("BENCH_PG_REDIS_URL", "redis://127.0.0.1:6379/13")


def rows(env: dict[str, str], sql: str, **params: Any) -> list[Any]:
    """Every row of one read against the run's database, SQLite or PostgreSQL alike."""
    engine = create_engine(env["DATABASE_URL"])
    try:
        with engine.connect() as connection:
            return list(connection.execute(text(sql), params).all())
    finally:
        engine.dispose()


def scalar(env: dict[str, str], sql: str, **params: Any) -> Any:
    found = rows(env, sql, **params)
    return found[0][0] if found else None


@contextmanager
def backend(kind: str, instance: Path, *, keep: bool) -> Iterator[dict[str, str]]:
    """The environment that points Portico at `kind`; a fresh PostgreSQL database is dropped
    afterwards unless `keep` (the instance folder is reused next time)."""
    if kind == "sqlite":
        yield {"DATABASE_URL": f"sqlite:///{instance / 'portico.db'}"}
        return
    if kind != "postgresql":
        raise ValueError(f"unknown database {kind!r}: choose from {', '.join(BACKENDS)}")
    name_file = instance / NAME_FILE
    name = name_file.read_text().strip() if name_file.exists() else f"portico_bench_{os.getpid()}"
    if not name_file.exists():
        admin_statement(f'CREATE DATABASE "{name}"')
        if keep:
            name_file.write_text(name + "\n")
    flush_redis(REDIS_URL)
    url = make_url(postgres_admin_url()).set(database=name)
    try:
        yield {
            "DATABASE_URL": url.render_as_string(hide_password=False),
            "REDIS_URL": REDIS_URL,
        }
    finally:
        if not keep:
            admin_statement(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def admin_statement(statement: str) -> None:
    """One statement on the PostgreSQL server as its admin (CREATE or DROP DATABASE)."""
    engine = create_engine(postgres_admin_url(), isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as connection:
            connection.execute(text(statement))
    finally:
        engine.dispose()


def flush_redis(url: str) -> None:
    """FLUSHDB on the run's own Redis db, so no key from an earlier run is read back."""
    client = redis.Redis.from_url(url, socket_timeout=5)
    try:
        client.flushdb()
    finally:
        client.close()

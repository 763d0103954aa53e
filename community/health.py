"""What `/healthz` reports: every dependency, each background worker, each feature.

One entry per part, each with an `ok` flag: the database (and the outbox it holds), Redis
when one is configured (rate limits and live pushes), the mail transport, the workers'
heartbeats, then every feature's own check. `status` is "degraded" with a `reasons` list
when any part is not ok; only a database that does not answer makes the caller answer 503.
Probes that cross the network (Redis, SMTP) use short timeouts and are cached per process
for `HEALTH_PROBE_SECONDS`, so a load balancer polling `/healthz` costs almost nothing.
"""

from __future__ import annotations

import os
import smtplib
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import redis
from flask import Flask, current_app
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from community import heartbeats
from community.background import THREADS
from community.config import redis_options
from community.extensions import db, limiter, socketio
from community.outbox.services import oldest_queued_age_seconds, outbox_counts
from community.outbox.transports import SmtpSettings
from community.registry import registry

MAIL_PROBE_TIMEOUT = 2.0
_CACHE = "portico.health.cache"


def report() -> tuple[dict[str, Any], bool]:
    """The whole report, and whether the database answered."""
    result: dict[str, Any] = {"database": database_status()}
    database_ok = result["database"]["ok"]
    if database_ok:
        result["outbox"] = {
            "ok": True,
            **outbox_counts(),
            "oldest_waiting_seconds": oldest_queued_age_seconds(),
        }
    url = redis_url(current_app.config)
    if url:
        result["redis"] = {**cached("redis", lambda: probe_redis(url)), **redis_users()}
    result["mail"] = cached("mail", lambda: probe_mail(current_app.config))
    result["workers"] = workers_status()
    for name, check in registry().health_checks.items():
        try:
            result[name] = check()
        except Exception as exc:  # a broken feature is reported, not raised
            db.session.rollback()
            result[name] = {"ok": False, "error": exc.__class__.__name__}
    reasons = [reason for name, part in result.items() for reason in reasons_of(name, part)]
    result["status"] = "degraded" if reasons else "ok"
    if reasons:
        result["reasons"] = reasons
    return result, database_ok


def database_status() -> dict[str, Any]:
    try:
        db.session.execute(text("SELECT 1"))
    except SQLAlchemyError as exc:
        db.session.rollback()
        return {"ok": False, "error": exc.__class__.__name__}
    status: dict[str, Any] = {"ok": True, "dialect": db.engine.dialect.name}
    if db.engine.dialect.name == "postgresql":
        status["pool"] = cached("pool-limit", pool_limit) | pool_use()
    return status


def pool_use() -> dict[str, Any]:
    """This process's connections: open in the pool, lent to requests, the most it may hold."""
    pool = db.engine.pool
    lent, idle = pool.checkedout(), pool.checkedin()  # type: ignore[attr-defined]
    return {"checked_out": lent, "open": lent + idle, "process_limit": _per_process()}


def pool_limit() -> dict[str, Any]:
    """The server's connection limit, and how many processes of this size fit under it."""
    limit = int(db.session.scalar(text("SHOW max_connections")) or 0)
    return {"server_max_connections": limit, "processes_that_fit": limit // _per_process()}


def _per_process() -> int:
    config = current_app.config
    return max(1, config["DB_POOL_SIZE"] + max(0, config["DB_POOL_OVERFLOW"]))


def cached(name: str, probe: Callable[[], dict[str, Any]]) -> dict[str, Any]:
    """`probe()`'s answer, asked again only once `HEALTH_PROBE_SECONDS` have passed."""
    store: dict[str, tuple[float, dict[str, Any]]] = current_app.extensions.setdefault(_CACHE, {})
    now = time.monotonic()
    hit = store.get(name)
    if hit is not None and hit[0] > now:
        return hit[1]
    answer = probe()
    store[name] = (now + float(current_app.config["HEALTH_PROBE_SECONDS"]), answer)
    return answer


def redis_url(config: Any) -> str | None:
    """The Redis this app uses (for rate limits or live pushes), if any."""
    candidates = (
        config.get("REDIS_URL"),
        config.get("SOCKETIO_MESSAGE_QUEUE"),
        config.get("RATELIMIT_STORAGE_URI"),
    )
    return next((url for url in candidates if url and url.startswith("redis")), None)


def probe_redis(url: str) -> dict[str, Any]:
    """PING with the app's short timeouts: the round trip, or why it failed."""
    client = redis.Redis.from_url(url, **redis_options())
    started = time.perf_counter()
    try:
        client.ping()
    except (redis.RedisError, OSError) as exc:
        return {"ok": False, "error": exc.__class__.__name__}
    finally:
        client.close()
    return {"ok": True, "latency_ms": round((time.perf_counter() - started) * 1000, 1)}


def redis_users() -> dict[str, Any]:
    """Where rate limits are counted now, and how live pushes fare (never cached)."""
    config = current_app.config
    users: dict[str, Any] = {}
    if str(config.get("RATELIMIT_STORAGE_URI", "")).startswith("redis"):
        users["rate_limits"] = "memory (Redis unreachable)" if limiter.storage_dead else "redis"
    queue = socketio.queue_status()
    if queue is not None:
        users["live_pushes"] = "redis" if queue["ok"] else f"dropped ({queue['error']})"
    return users


def probe_mail(config: Any) -> dict[str, Any]:
    """Can mail leave: the SMTP server answers a NOOP, or the mail folder is writable."""
    if not config.get("MAIL_URL"):
        folder = Path(config["MAIL_DIR"])
        # The folder is made on the first delivery: until then, its nearest parent counts.
        nearest = next(path for path in (folder, *folder.parents) if path.exists())
        if nearest.is_dir() and os.access(nearest, os.W_OK):
            return {"ok": True, "transport": "files"}
        return {"ok": False, "transport": "files", "error": "the mail folder is not writable"}
    try:
        settings = SmtpSettings.from_url(config["MAIL_URL"])
    except ValueError as exc:
        return {"ok": False, "transport": "smtp", "error": str(exc)}
    timeout = min(float(config["SMTP_TIMEOUT_SECONDS"]), MAIL_PROBE_TIMEOUT)
    kind = smtplib.SMTP_SSL if settings.implicit_tls else smtplib.SMTP
    started = time.perf_counter()
    try:
        with kind(settings.host, settings.port, timeout=timeout) as server:
            server.noop()
    except (smtplib.SMTPException, OSError) as exc:
        return {"ok": False, "transport": "smtp", "error": exc.__class__.__name__}
    latency = round((time.perf_counter() - started) * 1000, 1)
    return {"ok": True, "transport": "smtp", "latency_ms": latency}


def workers_status(app: Flask | None = None) -> dict[str, Any]:
    """Each worker's last heartbeat (any process), and this process's threads."""
    app = app or current_app
    try:
        workers: dict[str, Any] = heartbeats.report()
    except SQLAlchemyError as exc:
        db.session.rollback()
        return {"ok": False, "error": exc.__class__.__name__}
    for name, thread in app.extensions.get(THREADS, {}).items():
        entry = workers.setdefault(name, {"ok": True})
        if thread.started:
            entry["thread"] = "running" if thread.alive else "stopped"
            entry["ok"] = entry["ok"] and thread.alive
    return {"ok": all(entry["ok"] for entry in workers.values()), **workers}


def reasons_of(name: str, part: Any) -> list[str]:
    """Why a part is not ok, in words an operator reads in a monitoring alert."""
    if not isinstance(part, dict) or part.get("ok", False):
        return []
    if name == "workers" and "error" not in part:
        return [
            f"worker {worker}: {_worker_problem(entry)}"
            for worker, entry in part.items()
            if isinstance(entry, dict) and not entry["ok"]
        ]
    return [f"{name}: {part.get('error') or 'not ok'}"]


def _worker_problem(entry: dict[str, Any]) -> str:
    if entry.get("thread") == "stopped":
        return "its thread in this process stopped"
    if entry.get("last_beat") is None:
        return f"no heartbeat in {entry['stale_after']} s since start"
    return f"last heartbeat {entry['seconds_ago']} s ago"

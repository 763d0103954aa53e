"""The Portico under test: which features it has, its seeded data, its settings, its pages."""

from __future__ import annotations

import importlib
import importlib.util
import json
import time
import urllib.request
from pathlib import Path

from bench.harness import Measurement, Server, flask, session_cookie, wrk

FEATURES = ("kb", "forum", "tracking", "vip", "support")
CORE_PAGES = [
    ("home page `/` (anonymous)", "/", None),
    ("home page `/` (logged in)", "/", "customer@example.com"),
    ("login form `/login`", "/login", None),
]


def feature_modules(only: set[str] | None) -> list:
    modules = []
    for name in FEATURES:
        if only and name not in only:
            continue
        if importlib.util.find_spec(f"bench.{name}") is not None:
            modules.append(importlib.import_module(f"bench.{name}"))
    return modules


def seed_sizes(modules: list, quick: bool, fraction: float = 1.0) -> dict[str, int]:
    """`seed-bulk` options of every module; `fraction` scales the counts of things (users,
    topics…), never the per-item counts (`posts-per-topic`) that pages are chosen by."""
    sizes: dict[str, int] = {}
    for module in modules:
        sizes.update(getattr(module, "QUICK_SEED" if quick else "SEED", {}))
    return {
        key: value if "-per-" in key else max(1, round(value * fraction))
        for key, value in sizes.items()
    }


def prepare_instance(instance: Path, env: dict[str, str], sizes: dict[str, int]) -> None:
    marker = instance / "bench-seeded"
    if marker.exists():
        print(f"reusing seeded data in {instance}")
        return
    flask(instance, env, "db", "upgrade")
    flask(instance, env, "seed-demo")
    if sizes:
        options = [part for key, value in sizes.items() for part in (f"--{key}", str(value))]
        started = time.perf_counter()
        flask(instance, env, "seed-bulk", *options)
        print(f"seed-bulk {' '.join(options)}: {time.perf_counter() - started:.0f} s")
    marker.write_text("seeded\n")


def portico_env(instance: Path, database: dict[str, str]) -> dict[str, str]:
    """Settings of the served Portico: `database` holds DATABASE_URL (and REDIS_URL)."""
    return {
        "PORTAL_INSTANCE": str(instance),
        **database,
        # Load generators come from one address: lift the per-address limits for the run.
        "RATELIMIT_ENABLED": "0",
        "OUTBOX_DELIVERY": "thread",
    }


def measure_pages(
    portico: Server, pages: list[tuple[str, str, str | None]], seconds: int, cookies: dict
) -> list[Measurement]:
    """wrk on each page; `cookies` keeps one login per account for the whole run."""
    measured = []
    for label, path, login in pages:
        cookie = None
        if login:
            cookie = cookies.get(login) or session_cookie(portico, login)
            cookies[login] = cookie
        measured.append(wrk(label, portico.url + path, seconds=seconds, cookie=cookie))
    return measured


def pool_settings(portico: Server) -> str:
    """The PostgreSQL pool as `/healthz` reports it (`database.pool`)."""
    try:
        with urllib.request.urlopen(portico.url + "/healthz", timeout=10) as response:
            report = json.loads(response.read())
    except (OSError, ValueError):
        report = {}
    pool = report.get("database", {}).get("pool")
    if not pool:
        return "pool: not reported (SQLite, or /healthz did not answer)"
    return "pool (/healthz): " + ", ".join(f"{key}={value}" for key, value in pool.items())

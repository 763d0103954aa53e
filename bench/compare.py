"""SQLite and PostgreSQL side by side (`python -m bench.run --compare`), then PostgreSQL with
two server processes against one.

Each database gets an instance folder of its own (`<instance>/sqlite`, `<instance>/postgresql`)
seeded with the same sizes, Portico served the same way (one gevent worker, gunicorn.conf.py)
and every page driven by wrk for the same time; the bare Flask "hello" is measured beside each,
so a difference the machine made shows there. Ingestion posts the carrier scans of
`bench/tracking.py` (batches of 100, half of the events alert) to a server whose alerts are
left to a delivery worker, as the scale-out setup runs it.

Two processes against one (PostgreSQL only): two Portico servers on two ports, same database
and same Redis. The topic page: one wrk (16 connections) on one server, then one wrk per
server at the same time. Ingestion: two clients posting at once, both to one server, then
each to a server of its own; the rate is all events stored over the wall time.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from bench.database import BACKENDS, backend
from bench.harness import Measurement, Server, gunicorn, save, wrk
from bench.portico import (
    CORE_PAGES,
    measure_pages,
    pool_settings,
    portico_env,
    prepare_instance,
    seed_sizes,
)
from bench.tracking import JOURNEY, api_token, event_batches, on_their_way, p99, post_batches

TOPIC = "topic page, 20 posts (anonymous)"
WARM_UP = 25  # shipments per server, so templates and caches are filled before timing


@dataclass
class Rate:
    """One measured rate: requests/s for a page, events/s for ingestion."""

    per_second: float
    p99_ms: float


@dataclass
class Side:
    pages: list[Measurement] = field(default_factory=list)
    ingestion: Rate | None = None
    pool: str = ""
    scaling: dict[str, tuple[Rate, Rate]] = field(default_factory=dict)


def compare(args: argparse.Namespace, modules: list, instance: Path) -> None:
    """Seed both databases alike, measure each, print one table (and save it)."""
    sizes = seed_sizes(modules, args.quick, args.fraction)
    keep = args.instance is not None
    per_phase = 100 if args.quick else 1500
    sides: dict[str, Side] = {}
    for kind in BACKENDS:
        folder = instance / kind
        folder.mkdir(parents=True, exist_ok=True)
        with backend(kind, folder, keep=keep) as database:
            env = portico_env(folder, database)
            prepare_instance(folder, env, sizes)
            sides[kind] = measure_side(kind, args, modules, folder, env, per_phase)
    lines = report(sides, sizes, args, per_phase)
    print("\n" + "\n".join(lines))
    path = save("compare", {"sizes": sizes, "seconds": args.seconds, "lines": lines})
    print(f"\nresults saved to {path}")
    if not keep:
        shutil.rmtree(instance, ignore_errors=True)


def measure_side(
    kind: str,
    args: argparse.Namespace,
    modules: list,
    instance: Path,
    env: dict[str, str],
    per_phase: int,
) -> Side:
    side = Side()
    with (
        gunicorn("bare", "bench.bare_app:app", {}) as bare,
        gunicorn("portico", "wsgi:app", env, "/healthz") as portico,
    ):
        side.pool = pool_settings(portico)
        print(f"{kind}: {side.pool}", flush=True)
        pages = list(CORE_PAGES)
        for module in modules:
            if hasattr(module, "pages"):
                pages += module.pages(portico, instance)
        side.pages = [wrk("bare Flask `hello`", bare.url + "/", seconds=args.seconds)]
        side.pages += measure_pages(portico, pages, args.seconds, {})
    if not any(module.__name__ == "bench.tracking" for module in modules):
        return side
    token = api_token(instance, env)
    shipments = on_their_way(env, 3 * per_phase + 4 * WARM_UP)
    worker_env = {**env, "OUTBOX_DELIVERY": "worker"}
    with gunicorn("ingest", "wsgi:app", worker_env, "/healthz") as api:
        _ingest_together([api], token, [shipments[:WARM_UP]])
        side.ingestion = _ingest_together([api], token, [shipments[WARM_UP : WARM_UP + per_phase]])
    print(f"{kind}: ingestion {side.ingestion.per_second:,.0f} events/s", flush=True)
    if kind == "postgresql":
        rest = shipments[WARM_UP + per_phase :]
        topic = next((path for label, path, _ in pages if label == TOPIC), None)
        side.scaling = two_against_one(worker_env, token, rest, topic, args.seconds, per_phase)
    return side


def _ingest_together(servers: list[Server], token: str, groups: list[list[str]]) -> Rate:
    """One client per group of shipments, all posting at once; `servers` are used in turn."""
    with ThreadPoolExecutor(len(groups)) as pool:
        started = time.perf_counter()
        results = list(
            pool.map(
                lambda index: post_batches(
                    servers[index % len(servers)], token, event_batches(groups[index], JOURNEY)
                ),
                range(len(groups)),
            )
        )
        elapsed = time.perf_counter() - started
    stored = sum(result.stored for result in results)
    latencies = [latency for result in results for latency in result.latencies_ms]
    return Rate(stored / elapsed, p99(latencies))


def _wrk_together(label: str, urls: list[str], seconds: int) -> Rate:
    with ThreadPoolExecutor(len(urls)) as pool:
        measured = list(pool.map(lambda url: wrk(label, url, seconds=seconds), urls))
    errors = sum(item.errors for item in measured)
    if errors:
        print(f"{label}: {errors} errors while driving {len(urls)} servers", flush=True)
    return Rate(
        sum(item.requests_per_second for item in measured),
        max(item.p99_ms for item in measured),
    )


def two_against_one(
    env: dict[str, str],
    token: str,
    shipments: list[str],
    topic: str | None,
    seconds: int,
    per_phase: int,
) -> dict[str, tuple[Rate, Rate]]:
    """The topic page and ingestion on one PostgreSQL-backed process, then on two."""
    scaling: dict[str, tuple[Rate, Rate]] = {}
    warm, one, two = (
        shipments[: 2 * WARM_UP],
        shipments[2 * WARM_UP : 2 * WARM_UP + per_phase],
        shipments[2 * WARM_UP + per_phase : 2 * WARM_UP + 2 * per_phase],
    )
    with (
        gunicorn("pg-a", "wsgi:app", env, "/healthz") as first,
        gunicorn("pg-b", "wsgi:app", env, "/healthz") as second,
    ):
        servers = [first, second]
        _ingest_together(servers, token, [warm[:WARM_UP], warm[WARM_UP:]])
        if topic:
            urls = [server.url + topic for server in servers]
            _wrk_together("warm-up", urls, 1)
            scaling[f"{TOPIC}, req/s"] = (
                _wrk_together(TOPIC, urls[:1], seconds),
                _wrk_together(TOPIC, urls, seconds),
            )
        halves = [one[: per_phase // 2], one[per_phase // 2 :]]
        alone = _ingest_together(servers[:1], token, halves)
        halves = [two[: per_phase // 2], two[per_phase // 2 :]]
        scaling["ingestion, two clients, events/s"] = (
            alone,
            _ingest_together(servers, token, halves),
        )
    return scaling


def report(
    sides: dict[str, Side], sizes: dict[str, int], args: argparse.Namespace, per_phase: int
) -> list[str]:
    """The side-by-side table, two processes against one, and the aims they are held to."""
    lite, pg = sides["sqlite"], sides["postgresql"]
    seeded = ", ".join(f"{key} {value:,}" for key, value in sizes.items()) or "demo data only"
    lines = [
        f"Seed: {seeded}; wrk -t1 -c16 -d{args.seconds}s per page; one gevent worker.",
        f"PostgreSQL {pg.pool}.",
        "",
        "| page | SQLite req/s | PostgreSQL req/s | PostgreSQL / SQLite | SQLite p99 ms | "
        "PostgreSQL p99 ms | errors |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for a, b in zip(lite.pages, pg.pages, strict=True):
        lines.append(
            _row(
                a.label,
                Rate(a.requests_per_second, a.p99_ms),
                Rate(b.requests_per_second, b.p99_ms),
            )
            + f" {a.errors} / {b.errors} |"
        )
    if lite.ingestion and pg.ingestion:
        label = f"ingestion, events/s ({4 * per_phase:,} events, batches of 100; p99 per batch)"
        lines.append(_row(label, lite.ingestion, pg.ingestion) + " — |")
    lines += _scaling_lines(pg)
    lines += ["", *_aims(lite, pg)]
    return lines


def _row(label: str, first: Rate, second: Rate) -> str:
    ratio = second.per_second / first.per_second if first.per_second else float("nan")
    return (
        f"| {label} | {first.per_second:,.0f} | {second.per_second:,.0f} | {ratio:.0%} | "
        f"{first.p99_ms:.1f} | {second.p99_ms:.1f} |"
    )


def _scaling_lines(pg: Side) -> list[str]:
    if not pg.scaling:
        return []
    lines = [
        "",
        "| PostgreSQL + Redis | one process | two processes | two / one | p99 ms, one | "
        "p99 ms, two |",
        "| --- | ---: | ---: | ---: | ---: | ---: |",
    ]
    for label, (one, two) in pg.scaling.items():
        ratio = two.per_second / one.per_second if one.per_second else float("nan")
        lines.append(
            f"| {label} | {one.per_second:,.0f} | {two.per_second:,.0f} | {ratio:.2f}× | "
            f"{one.p99_ms:.1f} | {two.p99_ms:.1f} |"
        )
    return lines


def _aims(lite: Side, pg: Side) -> list[str]:
    """Each aim of the scale-out path, met or not, with the numbers behind it."""
    portico = [(a, b) for a, b in zip(lite.pages, pg.pages, strict=True) if "bare" not in a.label]
    slow = [
        f"{a.label} ({b.requests_per_second / a.requests_per_second:.0%})"
        for a, b in portico
        if a.requests_per_second and b.requests_per_second < 0.8 * a.requests_per_second
    ]
    ratios = [
        b.requests_per_second / a.requests_per_second for a, b in portico if a.requests_per_second
    ]
    lines = [
        f"- pages on PostgreSQL within 20% of SQLite: {len(portico) - len(slow)} of "
        f"{len(portico)} (median ratio {statistics.median(ratios):.0%})"
        + (f"; below: {'; '.join(slow)}" if slow else ""),
    ]
    if pg.ingestion:
        met = "met" if pg.ingestion.per_second >= 2000 else "not met"
        lines.append(
            f"- ingestion on PostgreSQL ≥ 2,000 events/s: {met} "
            f"({pg.ingestion.per_second:,.0f} events/s)"
        )
    for label, (one, two) in pg.scaling.items():
        factor = two.per_second / one.per_second if one.per_second else float("nan")
        met = "met" if factor >= 1.7 else "not met"
        lines.append(f"- two processes ≥ 1.7× one, {label}: {met} ({factor:.2f}×)")
    return lines

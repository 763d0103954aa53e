"""Tracking under load: the public pages with wrk, and event ingestion through the API.

Ingestion posts batches of 100 events (one per shipment still on its way) from one
client, one batch at a time, and reports events per second with the batch latency: a
carrier's day of scans (half of them alert the owner and contacts), the worst case where
every event alerts, and plain in-transit scans that alert nobody.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bench.database import rows, scalar
from bench.harness import ROOT, Server, gunicorn

SEED = {"users": 10_000, "shipments": 100_000, "events-per-shipment": 10}
QUICK_SEED = {"shipments": 2_000, "events-per-shipment": 10}

BATCH = 100
# Rounds of events, one per shipment per round, in the order a carrier would send them.
JOURNEY = ("in_transit", "in_transit", "out_for_delivery", "delivered")  # 2 of 4 alert
ALL_ALERT = ("out_for_delivery", "attempt_failed", "out_for_delivery", "delivered")
SCANS = ("in_transit", "in_transit")


def bulk_number(index: int) -> str:
    return f"BK{index:010d}"


def on_their_way(env: dict[str, str], limit: int) -> list[str]:
    """Bulk shipments not delivered yet (so a rerun on reused data still moves some)."""
    found = rows(
        env,
        "SELECT tracking_number FROM shipments WHERE tracking_number LIKE 'BK%' "
        "AND status IN ('label_created', 'picked_up', 'in_transit') "
        "ORDER BY id LIMIT :limit",
        limit=limit,
    )
    return [row[0] for row in found]


def pages(portico: Server, instance: Path) -> list[tuple[str, str, str | None]]:
    numbers = [bulk_number(index) for index in range(0, 3000, 100)][:30]
    return [
        ("tracking page `/track/<number>` (anonymous)", f"/track/{bulk_number(7)}", None),
        ("lookup of 30 numbers `/track?numbers=…`", "/track?numbers=" + "+".join(numbers), None),
        ("lookup of one number", f"/track?numbers={bulk_number(8)}", None),
        (
            "owner's shipment page (logged in)",
            "/account/shipments/PT1000000003",
            "customer@example.com",
        ),
        ("`/account/shipments` (logged in)", "/account/shipments", "customer@example.com"),
    ]


def api_token(instance: Path, env: dict[str, str]) -> str:
    result = subprocess.run(
        [sys.executable, "-m", "flask", "--app", "wsgi", "api-token", "create", "bench"],
        cwd=ROOT,
        env={**os.environ, **env, "PORTAL_INSTANCE": str(instance)},
        capture_output=True,
        text=True,
        check=True,
    )
    return result.stdout.strip().splitlines()[-1]


def _post(url: str, token: str, body: dict) -> tuple[float, dict]:
    request = urllib.request.Request(
        url,
        data=json.dumps(body).encode(),
        method="POST",
        headers={"Content-Type": "application/json", "Authorization": f"Bearer {token}"},
    )
    started = time.perf_counter()
    with urllib.request.urlopen(request, timeout=120) as response:
        answer = json.loads(response.read())
    return time.perf_counter() - started, answer


def event_batches(numbers: list[str], codes: tuple[str, ...]) -> list[dict]:
    """Bodies of 100 events each: one round per code, every shipment once per round."""
    run = uuid.uuid4().hex[:8]
    start = datetime.now(UTC) - timedelta(minutes=30)
    batches = []
    for round_index, code in enumerate(codes):
        moment = start + timedelta(minutes=round_index)
        for offset in range(0, len(numbers), BATCH):
            batches.append(
                {
                    "events": [
                        {
                            "tracking_number": number,
                            "event_id": f"bench-{run}-{round_index}-{number}",
                            "code": code,
                            "occurred_at": moment.isoformat(),
                            "location": "Memphis, US",
                            "description": f"{code} (benchmark)",
                        }
                        for number in numbers[offset : offset + BATCH]
                    ]
                }
            )
    return batches


@dataclass
class Ingested:
    stored: int = 0
    alerts: int = 0
    seconds: float = 0.0
    latencies_ms: list[float] = field(default_factory=list)


def post_batches(server: Server, token: str, batches: list[dict]) -> Ingested:
    """Post the batches one after another, as one client of the API would."""
    result = Ingested()
    started = time.perf_counter()
    for body in batches:
        seconds, answer = _post(server.url + "/api/v1/tracking/events", token, body)
        result.latencies_ms.append(seconds * 1000)
        result.stored += answer["stored"]
        result.alerts += answer["alerts_queued"]
    result.seconds = time.perf_counter() - started
    return result


def p99(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))] if ordered else float("nan")


def _ingest(
    portico: Server, token: str, numbers: list[str], codes: tuple[str, ...], label: str
) -> str:
    result = post_batches(portico, token, event_batches(numbers, codes))
    if not result.stored:
        return f"| {label} | no shipment on its way left to move | | | | |"
    return (
        f"| {label} | {result.stored:,} | {result.alerts:,} | "
        f"{result.stored / result.seconds:,.0f} | "
        f"{statistics.median(result.latencies_ms):.1f} | {p99(result.latencies_ms):.1f} |"
    )


def extra(instance: Path, env: dict[str, str], portico: Server, args) -> list[str]:
    """Events per second through `POST /api/v1/tracking/events`, in batches of 100.

    Measured on a second Portico server with `OUTBOX_DELIVERY=worker`, as the scale-out
    setup runs it: the alerts are queued (the number asked for), and delivering them is a
    separate process's work. The last row is the embedded default, whose one process also
    writes every queued alert to disk as it goes.
    """
    token = api_token(instance, env)
    per_phase = 200 if args.quick else 2000
    numbers = on_their_way(env, per_phase * 4 + 100)
    phases = [numbers[index * per_phase : (index + 1) * per_phase] for index in range(4)]
    warm_up = numbers[per_phase * 4 :]
    lines = [
        "| ingestion, batches of 100 | events stored | alerts queued | events/s | "
        "p50 ms per batch | p99 ms per batch |",
        "| --- | ---: | ---: | ---: | ---: | ---: |",
    ]
    try:
        with gunicorn(
            "ingest", "wsgi:app", {**env, "OUTBOX_DELIVERY": "worker"}, "/healthz"
        ) as api:
            # A fresh process compiles templates and fills caches on its first batches.
            if warm_up:
                _ingest(api, token, warm_up, JOURNEY, "warm-up")
            lines.append(_ingest(api, token, phases[0], JOURNEY, "carrier scans (half alert)"))
            lines.append(_ingest(api, token, phases[1], ALL_ALERT, "every event alerts"))
            lines.append(_ingest(api, token, phases[2], SCANS, "in-transit scans (no alert)"))
        lines.append(
            _ingest(portico, token, phases[3], JOURNEY, "carrier scans, delivery thread on")
        )
    except urllib.error.HTTPError as error:
        lines.append(f"ingestion failed: {error.code} {error.read()[:500]!r}")
    lines += ["", _drain_outbox(env)]
    return lines


def _drain_outbox(env: dict[str, str], timeout: float = 600) -> str:
    """Wait until the server's delivery thread has sent every queued alert.

    The measurements that follow would otherwise share the process with it; how fast it
    empties the queue is worth knowing too.
    """
    pending_sql = "SELECT count(*) FROM outbox_messages WHERE status IN ('queued', 'sending')"
    started = time.perf_counter()
    first = scalar(env, pending_sql)
    left = first
    while left and time.perf_counter() - started < timeout:
        time.sleep(1)
        left = scalar(env, pending_sql)
    elapsed = time.perf_counter() - started
    sent = first - left
    rate = f", {sent / elapsed:,.0f} emails/s" if sent and elapsed else ""
    note = "" if not left else f"; {left:,} still queued after {timeout:.0f} s"
    return (
        f"outbox drained by the web process's delivery thread (file transport): "
        f"{sent:,} emails in {elapsed:.0f} s{rate}{note}"
    )

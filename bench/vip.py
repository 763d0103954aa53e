"""The VIP club under load: its pages with wrk, then real-time delivery at 1,000 connections.

`extra()` makes 500 client–manager pairs (`flask vip seed-pairs`), then a load generator in
a separate process (asyncio, python-socketio's AsyncClient over aiohttp, WebSocket
transport) opens one `/vip` connection per person: 1,000 in all, each authenticated by a
session cookie signed with the instance's secret key, exactly as a login would have made
it. Every pair then talks both ways at a steady pace (one message every
`BENCH_VIP_INTERVAL` seconds on average, default 10: 50 messages a second for 500 pairs);
each message carries a nonce, and the generator times it from `emit` on one side to
arrival on the other (one clock: both sides live in the generator). It counts messages
lost (sent but not delivered to the other side within 10 s of the last send) and
duplicated (delivered twice).

Run twice: every connection on one server process, then clients on process A and managers
on process B, sharing Redis (`BENCH_REDIS_URL`, default redis://127.0.0.1:6379/14), so
every message crosses the message queue. The server's memory per connection is the growth
of the worker's resident memory from before the connections to after, divided by their
number. `python -m bench.vip --load SPEC RESULT` is the generator itself.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import secrets
import socket
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import urlsplit

import socketio
from flask import Flask
from flask.sessions import SecureCookieSessionInterface
from sqlalchemy import create_engine, text

from bench.harness import ROOT, Server, flask, gunicorn
from community.accounts.sessions import key_digest
from vip.seeding import bulk_pair_emails

SEED: dict[str, int] = {}
QUICK_SEED: dict[str, int] = {}

PAIRS = 500
# Seconds between two messages of one pair: 500 pairs then send 50 messages a second.
INTERVAL = 10.0
QUICK_PAIRS = 100
NAMESPACE = "/vip"
COOKIE_NAME = "portico_session"


def pages(portico: Server, instance: Path) -> list[tuple[str, str, str | None]]:
    return [
        ("VIP club offer `/vip/` (anonymous)", "/vip/", None),
        ("VIP club `/vip/` (the demo VIP: card, news, 30 messages)", "/vip/", "vip@example.com"),
        ("manager dashboard `/manager/`", "/manager/", "manager@example.com"),
    ]


# The load generator (a separate process) ------------------------------------------------


async def _run_load(spec: dict) -> dict:
    pairs = spec["pairs"]
    sent_at: dict[str, float] = {}
    received: dict[str, int] = {}
    latencies: list[float] = []
    failures = {"connect": 0, "ack": 0}
    sockets: list = []

    def on_message(receiver_is_staff: bool):
        def handler(data: dict) -> None:
            nonce = data.get("nonce") or ""
            # Only the other side's copy counts; the sender's own tabs get one too.
            if data.get("from_staff") == receiver_is_staff or nonce not in sent_at:
                return
            received[nonce] = received.get(nonce, 0) + 1
            if received[nonce] == 1:
                latencies.append((time.perf_counter() - sent_at[nonce]) * 1000)

        return handler

    limit = asyncio.Semaphore(40)

    async def connect(url: str, cookie: str, is_staff: bool):
        client = socketio.AsyncClient(reconnection=False)
        client.on("new_message", on_message(is_staff), namespace=NAMESPACE)
        async with limit:
            try:
                await client.connect(
                    url,
                    headers={"Cookie": f"{COOKIE_NAME}={cookie}"},
                    namespaces=[NAMESPACE],
                    transports=["websocket"],
                    wait_timeout=60,
                )
            except Exception:
                failures["connect"] += 1
                return None
        sockets.append(client)
        return client

    connected = await asyncio.gather(
        *[
            task
            for pair in pairs
            for task in (
                connect(spec["client_url"], pair["client_cookie"], False),
                connect(spec["manager_url"], pair["manager_cookie"], True),
            )
        ]
    )
    print(f"CONNECTED {len(sockets)}", flush=True)
    await asyncio.get_running_loop().run_in_executor(None, sys.stdin.readline)

    rng = random.Random(7)
    sequence = 0

    async def talk(index: int, client, manager, conversation: int) -> None:
        nonlocal sequence
        await asyncio.sleep(rng.uniform(0, spec["interval"]))
        for round_number in range(spec["rounds"]):
            from_manager = round_number % 2 == 1
            sender = manager if from_manager else client
            sequence += 1
            nonce = f"p{index}-{sequence}"
            payload = {"body": f"bench message {sequence}", "nonce": nonce}
            if from_manager:
                payload["conversation"] = conversation

            def acked(answer, nonce=nonce):
                if not answer or not answer.get("ok"):
                    failures["ack"] += 1
                    sent_at.pop(nonce, None)

            sent_at[nonce] = time.perf_counter()
            await sender.emit("send", payload, namespace=NAMESPACE, callback=acked)
            await asyncio.sleep(spec["interval"] * rng.uniform(0.5, 1.5))

    started = time.perf_counter()
    cpu_started = time.process_time()
    await asyncio.gather(
        *[
            talk(index, connected[2 * index], connected[2 * index + 1], pair["conversation"])
            for index, pair in enumerate(pairs)
            if connected[2 * index] and connected[2 * index + 1]
        ]
    )
    # Let the last messages arrive before counting what is missing.
    deadline = time.perf_counter() + 10
    while time.perf_counter() < deadline and len(received) < len(sent_at):
        await asyncio.sleep(0.1)
    elapsed = time.perf_counter() - started
    await asyncio.gather(*[client.disconnect() for client in sockets], return_exceptions=True)
    return {
        "connected": len(sockets),
        "connect_failures": failures["connect"],
        "ack_failures": failures["ack"],
        "sent": len(sent_at),
        "delivered": len(received),
        "lost": len(set(sent_at) - set(received)),
        "duplicated": sum(count - 1 for count in received.values()),
        "seconds": elapsed,
        "generator_cpu": (time.process_time() - cpu_started) / elapsed,
        "latencies_ms": latencies,
    }


def main_load(spec_path: Path, result_path: Path) -> None:
    spec = json.loads(spec_path.read_text())
    result = asyncio.run(_run_load(spec))
    result_path.write_text(json.dumps(result))


# Driving it from `make bench` -----------------------------------------------------------


def _session_cookies(instance: Path, env: dict[str, str], count: int) -> list[dict]:
    """Each pair's two session cookies and conversation, signed like Flask-Login's own.

    Each person gets a sign-in row of their own, as the login form would make.
    """
    signing_app = Flask("bench-cookies")
    signing_app.secret_key = (instance / "secret_key").read_text().strip()
    signer = SecureCookieSessionInterface().get_signing_serializer(signing_app)
    engine = create_engine(env["DATABASE_URL"])
    now = datetime.now(UTC)
    with engine.begin() as connection:
        people = dict(
            connection.execute(text("SELECT email, id FROM users WHERE email LIKE 'vip-%'")).all()
        )
        conversations = dict(
            connection.execute(text("SELECT client_id, id FROM vip_conversations")).all()
        )
        keys = {user_id: secrets.token_urlsafe(32) for user_id in people.values()}
        connection.execute(
            text(
                "INSERT INTO login_sessions (user_id, key_digest, user_agent, created_at, "
                "expires_at) VALUES (:user_id, :digest, 'bench', :now, :expires)"
            ),
            [
                {
                    "user_id": user_id,
                    "digest": key_digest(key),
                    "now": now,
                    "expires": now + timedelta(days=1),
                }
                for user_id, key in keys.items()
            ],
        )
    engine.dispose()
    pairs = []
    for number in range(1, count + 1):
        client_email, manager_email = bulk_pair_emails(number)
        client_id, manager_id = people[client_email], people[manager_email]
        pairs.append(
            {
                "client_cookie": signer.dumps({"_user_id": f"{client_id}:{keys[client_id]}"}),
                "manager_cookie": signer.dumps({"_user_id": f"{manager_id}:{keys[manager_id]}"}),
                "conversation": conversations[client_id],
            }
        )
    return pairs


def _worker_rss_kib(master_pid: int) -> int:
    """Resident memory of gunicorn's worker (the master's child)."""
    children = Path(f"/proc/{master_pid}/task/{master_pid}/children").read_text().split()
    total = 0
    for pid in children or [str(master_pid)]:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                total += int(line.split()[1])
    return total


def _percentile(values: list[float], fraction: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


def _drive(
    label: str, client_server: Server, manager_server: Server, pairs: list[dict], quick: bool
) -> str:
    spec = {
        "client_url": client_server.url,
        "manager_url": manager_server.url,
        "pairs": pairs,
        "rounds": 6 if quick else 10,
        "interval": float(os.environ.get("BENCH_VIP_INTERVAL", INTERVAL)),
    }
    work = Path(os.environ.get("TMPDIR", "/tmp")) / f"portico-bench-vip-{os.getpid()}"
    work.mkdir(exist_ok=True)
    spec_path, result_path = work / "spec.json", work / "result.json"
    spec_path.write_text(json.dumps(spec))
    servers = {client_server.process.pid, manager_server.process.pid}
    before = sum(_worker_rss_kib(pid) for pid in servers)
    generator = subprocess.Popen(
        [sys.executable, "-m", "bench.vip", "--load", str(spec_path), str(result_path)],
        cwd=ROOT,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    line = generator.stdout.readline()
    after = sum(_worker_rss_kib(pid) for pid in servers)
    connections = int(line.split()[1]) if line.startswith("CONNECTED") else 0
    generator.stdin.write("go\n")
    generator.stdin.flush()
    generator.wait(timeout=900)
    result = json.loads(result_path.read_text())
    latencies = result["latencies_ms"]
    per_connection = (after - before) / max(connections, 1)
    rate = result["sent"] / result["seconds"] if result["seconds"] else 0
    return (
        f"| {label} | {result['connected']:,} | {rate:,.0f} | "
        f"{_percentile(latencies, 0.5):.1f} | {_percentile(latencies, 0.95):.1f} | "
        f"{_percentile(latencies, 0.99):.1f} | {per_connection:.0f} KiB | "
        f"{result['sent']:,} | {result['lost']} | {result['duplicated']} | "
        f"{result['connect_failures'] + result['ack_failures']} | "
        f"{result['generator_cpu']:.0%} |"
    )


def _redis_url() -> str | None:
    url = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/14")
    parts = urlsplit(url)
    try:
        with socket.create_connection((parts.hostname or "127.0.0.1", parts.port or 6379), 1):
            return url
    except OSError:
        return None


def extra(instance: Path, env: dict[str, str], portico: Server, args) -> list[str]:  # type: ignore[no-untyped-def]
    count = QUICK_PAIRS if args.quick else PAIRS
    interval = float(os.environ.get("BENCH_VIP_INTERVAL", INTERVAL))
    flask(instance, env, "vip", "seed-pairs", "--pairs", str(count))
    pairs = _session_cookies(instance, env, count)
    lines = [
        f"Socket.IO delivery, {2 * count:,} connections ({count} client–manager pairs); "
        f"each pair sends a message every {interval:g} s on average, sides taking turns; "
        "latency from `emit` to arrival on the other side:",
        "",
        "| servers | connections | msg/s | p50 ms | p95 ms | p99 ms | server memory per "
        "connection | sent | lost | duplicated | errors | load generator CPU |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    lines.append(_drive("one process", portico, portico, pairs, args.quick))
    print(lines[-1], flush=True)
    redis_url = _redis_url()
    if redis_url is None:
        lines.append("| two processes over Redis | skipped: no Redis at BENCH_REDIS_URL |")
        return lines
    scaled = {**env, "REDIS_URL": env.get("REDIS_URL") or redis_url}
    with (
        gunicorn("vip-a", "wsgi:app", scaled, "/healthz") as process_a,
        gunicorn("vip-b", "wsgi:app", scaled, "/healthz") as process_b,
    ):
        lines.append(_drive("two processes over Redis", process_a, process_b, pairs, args.quick))
    print(lines[-1], flush=True)
    return lines


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description="the VIP load generator")
    parser.add_argument("--load", nargs=2, type=Path, metavar=("SPEC", "RESULT"), required=True)
    options = parser.parse_args()
    main_load(*options.load)

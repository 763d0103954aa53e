"""Benchmark plumbing: start servers the way the README deploys them, drive them with wrk.

Every number is printed beside the bare Flask app's, measured in the same run, because
absolute rates move by a third when another process holds a core.
"""

from __future__ import annotations

import http.cookiejar
import json
import os
import re
import shutil
import subprocess
import sys
import urllib.parse
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import event

from community.extensions import db
from tests.services import gunicorn as serve

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"


@dataclass
class Server:
    name: str
    url: str
    process: subprocess.Popen
    env: dict[str, str] = field(default_factory=dict)


@dataclass
class Measurement:
    label: str
    requests_per_second: float
    p50_ms: float
    p99_ms: float
    errors: int = 0
    ratio: float | None = None
    note: str = ""


def flask(instance: Path, env: dict[str, str], *args: str) -> None:
    """Run `flask --app wsgi ...` for the bench instance, showing its progress."""
    subprocess.run(
        [sys.executable, "-m", "flask", "--app", "wsgi", *args],
        cwd=ROOT,
        env={**os.environ, **env, "PORTAL_INSTANCE": str(instance)},
        check=True,
    )


@contextmanager
def gunicorn(name: str, app: str, env: dict[str, str], probe: str = "/") -> Iterator[Server]:
    """Serve `app` with gunicorn.conf.py (one gevent worker), as `make run` does."""
    with serve(env, app=app, probe=probe) as (url, process):
        yield Server(name=name, url=url, process=process, env=env)


def session_cookie(server: Server, email: str, password: str = "demo-password") -> str:
    """Log in through the real form and return the Cookie header a browser would send."""
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    page = opener.open(server.url + "/login").read().decode()
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page)
    token = token or re.search(r'value="([^"]+)"[^>]*name="csrf_token"', page)
    if token is None:
        raise RuntimeError("no CSRF token on the login page")
    data = urllib.parse.urlencode(
        {"csrf_token": token.group(1), "email": email, "password": password}
    ).encode()
    opener.open(server.url + "/login", data=data)
    return "; ".join(f"{cookie.name}={cookie.value}" for cookie in jar)


def require_wrk() -> str:
    path = shutil.which("wrk")
    if path is None:
        sys.exit("make bench needs wrk, the HTTP load generator: apt-get install wrk")
    return path


def _parse_ms(value: str) -> float:
    match = re.match(r"[\d.]+", value)
    if match is None:  # wrk prints "-nan" when nothing completed
        return float("nan")
    number = float(match.group(0))
    if value.endswith("us"):
        return number / 1000
    if value.endswith("ms"):
        return number
    if value.endswith("s"):
        return number * 1000
    return number


def wrk(
    label: str,
    url: str,
    *,
    seconds: int,
    connections: int = 16,
    cookie: str | None = None,
) -> Measurement:
    """Drive one URL for `seconds` with wrk (one thread: the server has the other core)."""
    command = [require_wrk(), "-t1", f"-c{connections}", f"-d{seconds}s", "--latency", url]
    if cookie:
        command[1:1] = ["-H", f"Cookie: {cookie}"]
    output = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    rate_match = re.search(r"Requests/sec:\s+([\d.]+)", output)
    p50_match = re.search(r"\b50%\s+(\S+)", output)
    p99_match = re.search(r"\b99%\s+(\S+)", output)
    if not (rate_match and p50_match and p99_match):
        raise RuntimeError(f"cannot read wrk's output for {url}:\n{output}")
    rate = float(rate_match.group(1))
    p50 = _parse_ms(p50_match.group(1))
    p99 = _parse_ms(p99_match.group(1))
    errors = 0
    non_2xx = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", output)
    if non_2xx:
        errors += int(non_2xx.group(1))
    socket_errors = re.search(
        r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output
    )
    if socket_errors:
        errors += sum(int(part) for part in socket_errors.groups())
    return Measurement(label, rate, p50, p99, errors)


def print_table(title: str, rows: list[Measurement], baseline: float | None) -> None:
    print(f"\n## {title}\n")
    print("| what | req/s | p50 ms | p99 ms | ratio to bare | errors |")
    print("| --- | ---: | ---: | ---: | ---: | ---: |")
    for row in rows:
        if baseline and row.ratio is None:
            row.ratio = row.requests_per_second / baseline
        ratio = f"{row.ratio:.0%}" if row.ratio is not None else "—"
        print(
            f"| {row.label} | {row.requests_per_second:,.0f} | {row.p50_ms:.2f} | "
            f"{row.p99_ms:.2f} | {ratio} | {row.errors} |"
        )


def save(name: str, payload: dict) -> Path:
    RESULTS.mkdir(parents=True, exist_ok=True)
    path = RESULTS / f"{name}.json"
    path.write_text(json.dumps(payload, indent=2, default=lambda item: asdict(item)))
    return path


def count_statements(app: Any, client: Any, path: str) -> int:
    """How many SQL statements one GET of `path` runs in process (the page must answer 200)."""
    with app.app_context():
        engine = db.engine
    count = [0]

    def counted(*_args: Any) -> None:
        count[0] += 1

    event.listen(engine, "before_cursor_execute", counted)
    try:
        response = client.get(path)
        if response.status_code != 200:
            raise RuntimeError(f"{path} answered {response.status_code}")
    finally:
        event.remove(engine, "before_cursor_execute", counted)
    return count[0]

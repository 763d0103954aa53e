"""`make bench`: Portico's pages and features against a bare Flask app, in one run.

Each feature adds a module `bench/<feature>.py` with:
  SEED: dict of `seed-bulk` options it needs at full scale (and QUICK_SEED for --quick);
  pages(portico, cookies) -> list of (label, path, login email or None) driven by wrk;
  extra(instance, env, portico, args) -> list of printed lines for what wrk cannot measure.
"""

from __future__ import annotations

import argparse
import importlib
import importlib.util
import shutil
import tempfile
import time
from pathlib import Path

from bench.harness import (
    Measurement,
    flask,
    gunicorn,
    print_table,
    require_wrk,
    save,
    session_cookie,
    wrk,
)

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


def prepare_instance(instance: Path, env: dict[str, str], modules: list, quick: bool) -> None:
    marker = instance / "bench-seeded"
    if marker.exists():
        print(f"reusing seeded data in {instance}")
        return
    flask(instance, env, "db", "upgrade")
    flask(instance, env, "seed-demo")
    sizes: dict[str, int] = {}
    for module in modules:
        sizes.update(getattr(module, "QUICK_SEED" if quick else "SEED", {}))
    if sizes:
        options = [part for key, value in sizes.items() for part in (f"--{key}", str(value))]
        started = time.perf_counter()
        flask(instance, env, "seed-bulk", *options)
        print(f"seed-bulk {' '.join(options)}: {time.perf_counter() - started:.0f} s")
    marker.write_text("seeded\n")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=10, help="wrk duration per page")
    parser.add_argument("--instance", type=Path, help="reuse a seeded instance folder")
    parser.add_argument("--quick", action="store_true", help="small data, for a smoke run")
    parser.add_argument("--only", nargs="*", help="features to include (default: all)")
    args = parser.parse_args()
    require_wrk()

    modules = feature_modules(set(args.only) if args.only else None)
    instance = args.instance or Path(tempfile.mkdtemp(prefix="portico-bench-"))
    instance.mkdir(parents=True, exist_ok=True)
    env = {
        "PORTAL_INSTANCE": str(instance),
        "DATABASE_URL": f"sqlite:///{instance / 'portico.db'}",
        # Load generators come from one address: lift the per-address limits for the run.
        "RATELIMIT_ENABLED": "0",
        "OUTBOX_DELIVERY": "thread",
    }
    prepare_instance(instance, env, modules, args.quick)

    results: dict[str, list[Measurement] | list[str]] = {}
    with (
        gunicorn("bare", "bench.bare_app:app", {}) as bare,
        gunicorn("portico", "wsgi:app", env, "/healthz") as portico,
    ):
        hello = wrk("bare Flask `hello`", bare.url + "/", seconds=args.seconds)
        rows = wrk("bare Flask, 20 SQLite rows via Jinja", bare.url + "/rows", seconds=args.seconds)
        baseline = hello.requests_per_second
        cookies: dict[str, str] = {}

        def measure(pages: list[tuple[str, str, str | None]]) -> list[Measurement]:
            measured = []
            for label, path, login in pages:
                cookie = None
                if login:
                    cookie = cookies.get(login) or session_cookie(portico, login)
                    cookies[login] = cookie
                measured.append(wrk(label, portico.url + path, seconds=args.seconds, cookie=cookie))
            return measured

        core = [hello, rows, *measure(CORE_PAGES)]
        print_table("Core pages", core, baseline)
        results["core"] = core
        for module in modules:
            name = module.__name__.rsplit(".", 1)[1]
            if hasattr(module, "pages"):
                measured = measure(module.pages(portico, instance))
                print_table(f"{name} pages", measured, baseline)
                results[name] = measured
            if hasattr(module, "extra"):
                lines = module.extra(instance, env, portico, args)
                print(f"\n## {name}: beyond page rates\n")
                print("\n".join(lines))
                results[f"{name}-extra"] = lines
    path = save("latest", {"instance": str(instance), "results": results})
    print(f"\nresults saved to {path}")
    if args.instance is None and not args.quick:
        print(f"seeded data kept in {instance}; pass --instance {instance} to reuse it")
    elif args.instance is None:
        shutil.rmtree(instance, ignore_errors=True)


if __name__ == "__main__":
    main()

"""`make bench`: Portico's pages and features against a bare Flask app, in one run.

`--db postgresql` runs the same on a PostgreSQL database of its own with Redis beside it
(`make bench DB=postgresql`); `--compare` drives the page set on both, with the same seed,
and adds ingestion and two processes against one on PostgreSQL (`bench/compare.py`).

Each feature adds a module `bench/<feature>.py` with:
  SEED: dict of `seed-bulk` options it needs at full scale (and QUICK_SEED for --quick);
  pages(portico, cookies) -> list of (label, path, login email or None) driven by wrk;
  extra(instance, env, portico, args) -> list of printed lines for what wrk cannot measure.
"""

from __future__ import annotations

import argparse
import shutil
import tempfile
from pathlib import Path

from bench.compare import compare
from bench.database import BACKENDS, backend
from bench.harness import Measurement, gunicorn, print_table, require_wrk, save, wrk
from bench.portico import (
    CORE_PAGES,
    feature_modules,
    measure_pages,
    pool_settings,
    portico_env,
    prepare_instance,
    seed_sizes,
)
from bench.signed_in import summary as signed_in_summary


def run_all(args: argparse.Namespace, modules: list, instance: Path, env: dict[str, str]) -> dict:
    """Every page and every feature's extra measurements on one database."""
    results: dict[str, list[Measurement] | list[str]] = {}
    with (
        gunicorn("bare", "bench.bare_app:app", {}) as bare,
        gunicorn("portico", "wsgi:app", env, "/healthz") as portico,
    ):
        print(pool_settings(portico))
        hello = wrk("bare Flask `hello`", bare.url + "/", seconds=args.seconds)
        rows = wrk("bare Flask, 20 SQLite rows via Jinja", bare.url + "/rows", seconds=args.seconds)
        baseline = hello.requests_per_second
        cookies: dict[str, str] = {}
        core = [hello, rows, *measure_pages(portico, CORE_PAGES, args.seconds, cookies)]
        print_table("Core pages", core, baseline)
        results["core"] = core
        for module in modules:
            name = module.__name__.rsplit(".", 1)[1]
            if hasattr(module, "pages"):
                pages = module.pages(portico, instance)
                measured = measure_pages(portico, pages, args.seconds, cookies)
                print_table(f"{name} pages", measured, baseline)
                results[name] = measured
            if hasattr(module, "extra"):
                lines = module.extra(instance, env, portico, args)
                print(f"\n## {name}: beyond page rates\n")
                print("\n".join(lines))
                results[f"{name}-extra"] = lines
        lines = signed_in_summary(results, baseline)
        print("\n## Signed in beside anonymous\n")
        print("\n".join(lines))
        results["signed-in"] = lines
    return results


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=10, help="wrk duration per page")
    parser.add_argument("--instance", type=Path, help="reuse a seeded instance folder")
    parser.add_argument("--quick", action="store_true", help="small data, for a smoke run")
    parser.add_argument("--only", nargs="*", help="features to include (default: all)")
    parser.add_argument("--db", choices=BACKENDS, default="sqlite", help="database to run on")
    parser.add_argument(
        "--compare", action="store_true", help="the page set on SQLite and PostgreSQL, one table"
    )
    parser.add_argument(
        "--fraction",
        type=float,
        default=1.0,
        help="seed sizes as a fraction of the full ones (per-item counts stay), for --compare",
    )
    return parser.parse_args()


def main() -> None:
    args = parse_args()
    require_wrk()
    modules = feature_modules(set(args.only) if args.only else None)
    instance = args.instance or Path(tempfile.mkdtemp(prefix="portico-bench-"))
    instance.mkdir(parents=True, exist_ok=True)
    if args.compare:
        compare(args, modules, instance)
        return
    keep = args.instance is not None
    with backend(args.db, instance, keep=keep) as database:
        env = portico_env(instance, database)
        prepare_instance(instance, env, seed_sizes(modules, args.quick))
        results = run_all(args, modules, instance, env)
    path = save("latest", {"instance": str(instance), "db": args.db, "results": results})
    print(f"\nresults saved to {path}")
    if not keep and not args.quick and args.db == "sqlite":
        print(f"seeded data kept in {instance}; pass --instance {instance} to reuse it")
    elif not keep:
        shutil.rmtree(instance, ignore_errors=True)


if __name__ == "__main__":
    main()

"""How long `kb import` takes: N generated documentation files (English and Chinese, with
links between them, code in lists, images, a few shared titles), imported into a fresh
SQLite instance as `flask kb import` does it (search index included), then imported again
unchanged, then again with every file edited.

`python -m bench.kb_import [N ...]` (N defaults to 1,000) prints the times; `make bench`
prints them for 1,000 files, and 10,000 unless `--quick` (through `extra`).
"""

from __future__ import annotations

import resource
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from flask_migrate import upgrade

from community.app import create_app
from kb.models import ArticleStatus
from kb.search import engine
from kb.services.importer import ImportOptions, import_path

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def write_docs(folder: Path, count: int, edition: str = "") -> None:
    """`count` files in ten folders; each links to the next and to an anchor of the first,
    and every tenth shows an image beside it."""
    for number in range(count):
        path = folder / f"section-{number % 10}" / f"page-{number}.md"
        path.parent.mkdir(parents=True, exist_ok=True)
        title = f"Reference {number % 50}" if number % 7 == 0 else f"配置说明 {number} setup"
        following = f"../section-{(number + 1) % 10}/page-{(number + 1) % count}.md"
        image = "![screen](shot.png)\n\n" if number % 10 == 0 else ""
        path.write_text(
            f"---\ntitle: {title}\ntags: [bench, t{number % 20}]\nhide_sidebar: true\n"
            f"weight: {number}\n---\n# {title}\n\n## 安装 步骤\n\n1. Run:\n\n"
            f"   ```bash\n   make run {number}\n   ```\n\n{image}"
            f"See [next]({following}) and [first](/section-0/page-0.md#安装-步骤). {edition}\n\n"
            + "Words about orders, refunds and 物流 tracking. "
            * 40,
            encoding="utf-8",
        )
        (path.parent / "shot.png").write_bytes(PNG)


def _timed(app: Any, folder: Path, options: ImportOptions, expect: str) -> tuple[float, float]:
    """Wall-clock and CPU seconds of one import (CPU tells a busy machine from slow code)."""
    with app.app_context():
        started, cpu = time.perf_counter(), time.process_time()
        report = import_path(folder, options)
        seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
    counts = report.counts()
    assert counts[expect] == len(report.results), (counts, report.results[:3])
    return seconds, cpu


def import_seconds(count: int = 1000) -> dict[str, tuple[float, float]]:
    """Seconds for the first import of `count` files, the same again (unchanged), and an
    import where every file changed."""
    with tempfile.TemporaryDirectory() as scratch:
        root = Path(scratch)
        app = create_app(
            {
                "INSTANCE_PATH": str(root / "instance"),
                "SQLALCHEMY_DATABASE_URI": f"sqlite:///{root / 'bench.db'}",
                "SECRET_KEY": "bench",
                "REDIS_URL": None,
                "RATELIMIT_STORAGE_URI": "memory://",
                "CACHE_TYPE": "NullCache",
            }
        )
        write_docs(root / "docs", count)
        options = ImportOptions(status=ArticleStatus.PUBLISHED)
        with app.app_context():
            upgrade()
            engine(app).ensure_started()  # as a command finds it: an index, empty
        times = {"first": _timed(app, root / "docs", options, "created")}
        times["unchanged"] = _timed(app, root / "docs", options, "unchanged")
        write_docs(root / "docs", count, edition="Edited.")
        times["edited"] = _timed(app, root / "docs", options, "updated")
        return times


def summary(count: int) -> str:
    times = import_seconds(count)
    (first, first_cpu), (unchanged, _cpu), (edited, edited_cpu) = times.values()
    return (
        f"- kb import, {count:,} files: {first:.1f} s ({first / count * 1000:.1f} ms/file, "
        f"CPU {first_cpu:.1f} s); again unchanged {unchanged:.1f} s; every file edited "
        f"{edited:.1f} s (CPU {edited_cpu:.1f} s); process peak memory {_peak_megabytes()} MB"
    )


def _peak_megabytes() -> int:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024


def extra(instance: Path, env: dict[str, str], portico: Any, args: Any) -> list[str]:
    """Import times for `make bench` (on a fresh SQLite instance of their own)."""
    sizes = [1_000] if args.quick else [1_000, 10_000]
    return [summary(size) for size in sizes]


if __name__ == "__main__":
    for size in [int(arg) for arg in sys.argv[1:]] or [1000]:
        print(summary(size), flush=True)

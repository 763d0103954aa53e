"""How long `kb import` takes: N generated documentation files (English and Chinese, with
links between them, code in lists and a few shared titles), imported into a fresh SQLite
instance, then imported again unchanged.

`python -m bench.kb_import [N]` (N defaults to 1,000) prints both times.
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

from flask_migrate import upgrade

from community.app import create_app
from kb.models import ArticleStatus
from kb.services.importer import ImportOptions, import_path


def write_docs(folder: Path, count: int) -> None:
    """`count` files in ten folders; each links to the next and to an anchor of the first."""
    for number in range(count):
        path = folder / f"section-{number % 10}" / f"page-{number}.md"
        path.parent.mkdir(parents=True, exist_ok=True)
        title = f"Reference {number % 50}" if number % 7 == 0 else f"配置说明 {number} setup"
        following = f"../section-{(number + 1) % 10}/page-{(number + 1) % count}.md"
        path.write_text(
            f"---\ntitle: {title}\ntags: [bench, t{number % 20}]\nhide_sidebar: true\n---\n"
            f"# {title}\n\n## 安装 步骤\n\n1. Run:\n\n   ```bash\n   make run {number}\n   ```\n\n"
            f"See [next]({following}) and [first](/section-0/page-0.md#安装-步骤).\n\n"
            + "Words about orders, refunds and 物流 tracking. "
            * 40,
            encoding="utf-8",
        )


def import_seconds(count: int = 1000) -> tuple[float, float]:
    """Seconds for the first import of `count` files, and for the same import again."""
    with tempfile.TemporaryDirectory() as scratch:
        root = Path(scratch)
        app = create_app(
            {
                "INSTANCE_PATH": str(root / "instance"),
                "SQLALCHEMY_DATABASE_URI": f"sqlite:///{root / 'bench.db'}",
                "SECRET_KEY": "bench",
                "REDIS_URL": None,
                "RATELIMIT_STORAGE_URI": "memory://",
            }
        )
        write_docs(root / "docs", count)
        options = ImportOptions(status=ArticleStatus.PUBLISHED)
        with app.app_context():
            upgrade()
        times = []
        for _round in range(2):
            with app.test_request_context():
                started = time.perf_counter()
                report = import_path(root / "docs", options)
                times.append(time.perf_counter() - started)
                assert not report.counts()["refused"], report.results[:3]
        return times[0], times[1]


if __name__ == "__main__":
    size = int(sys.argv[1]) if len(sys.argv) > 1 else 1000
    first, again = import_seconds(size)
    print(f"kb import: {size} files in {first:.1f} s; again, unchanged, in {again:.1f} s")

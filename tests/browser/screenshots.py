"""Screenshots of the key pages at 1280 and 390 px, for the README: docs/screenshots/*.png.

    .venv/bin/python -m tests.browser.screenshots

Serves a freshly seeded demo (gunicorn, as `make run` does) from a temporary folder, opens
each page in headless Chromium as the reader who sees it, and saves the visible part of the
window (not the full page, to keep each file small). Chinese pages need a CJK font on the
machine (Debian: fonts-noto-cjk or fonts-wqy-microhei).
"""

from __future__ import annotations

import shutil
import struct
import sys
import tempfile
import zlib
from dataclasses import dataclass
from pathlib import Path

from tests.browser.conftest import CHROMIUM_ARGS, log_in
from tests.conftest import TEST_SECRET
from tests.services import ROOT, chromium_path, free_port, gunicorn, run_flask

OUT = ROOT / "docs" / "screenshots"
WIDTHS = {"desktop": (1280, 720), "phone": (390, 780)}


@dataclass(frozen=True)
class Shot:
    name: str
    path: str
    role: str = "visitor"  # or a demo account's name
    language: str = "en"


SHOTS = (
    Shot("home", "/"),
    Shot("kb-article", "/kb/articles/return-an-item", language="zh_Hans_CN"),
    Shot("forum-topic", "/forum/t/2"),
    Shot("tracking", "/track/PT1000000001", language="zh_Hans_CN"),
    Shot("vip-chat", "/vip/", role="vip"),
    Shot("support-inbox", "/support/", role="agent"),
)


def _serve(instance: Path):
    env = {
        "DATABASE_URL": f"sqlite:///{instance / 'portico.db'}",
        "SECRET_KEY": TEST_SECRET,
        "RATE_LIMIT_LOGIN": "1000 per minute",
    }
    run_flask(instance, env, "db", "upgrade")
    run_flask(instance, env, "seed-demo")
    return gunicorn({**env, "PORTAL_INSTANCE": str(instance)}, probe="/healthz", port=free_port())


def _shrink_png(path: Path) -> None:
    """Chromium writes fast, light compression; the same pixels at zlib level 9 are ~15% smaller."""
    data = path.read_bytes()
    chunks, position = [], 8
    while position < len(data):
        (size,) = struct.unpack(">I", data[position : position + 4])
        chunks.append((data[position + 4 : position + 8], data[position + 8 : position + 8 + size]))
        position += 12 + size
    pixels = zlib.decompress(b"".join(body for kind, body in chunks if kind == b"IDAT"))
    kept = [(kind, body) for kind, body in chunks if kind not in (b"IDAT", b"IEND")]
    out = [data[:8]]
    for kind, body in [*kept, (b"IDAT", zlib.compress(pixels, 9)), (b"IEND", b"")]:
        crc = zlib.crc32(kind + body)
        out.append(struct.pack(">I", len(body)) + kind + body + struct.pack(">I", crc))
    path.write_bytes(b"".join(out))


def _switch_language(page, language: str) -> None:
    """A member reads in their profile's language: the footer's switch sets it."""
    with page.expect_navigation():
        page.locator(f".language-switch button[value='{language}']").click()


def _take(browser, url: str, shot: Shot) -> list[Path]:
    width, height = WIDTHS["desktop"]
    context = browser.new_context(
        base_url=url, locale="en-GB", viewport={"width": width, "height": height}
    )
    page = context.new_page()
    if shot.role != "visitor":
        log_in(page, f"{shot.role}@example.com")
    if shot.language != "en":
        context.add_cookies([{"name": "portico_lang", "value": shot.language, "url": url}])
        if shot.role != "visitor":
            _switch_language(page, shot.language)
    saved = []
    for label, (width, height) in WIDTHS.items():
        page.set_viewport_size({"width": width, "height": height})
        page.goto(shot.path)
        page.wait_for_load_state("networkidle")
        target = OUT / f"{shot.name}-{label}.png"
        page.screenshot(path=str(target), animations="disabled", caret="hide")
        _shrink_png(target)
        saved.append(target)
    if shot.role != "visitor" and shot.language != "en":
        _switch_language(page, "en")
    context.close()
    return saved


def main() -> int:
    executable = chromium_path()
    if executable is None:
        print("Chromium is not installed (Debian package chromium)", file=sys.stderr)
        return 1
    from playwright.sync_api import sync_playwright

    OUT.mkdir(parents=True, exist_ok=True)
    instance = Path(tempfile.mkdtemp(prefix="portico-shots-"))
    try:
        with _serve(instance) as (url, _process), sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
            for shot in SHOTS:
                for path in _take(browser, url, shot):
                    print(f"{path.relative_to(ROOT)}  {path.stat().st_size // 1024} KB")
            browser.close()
    finally:
        shutil.rmtree(instance, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())

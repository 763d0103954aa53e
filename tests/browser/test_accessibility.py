"""axe-core over the key pages of every feature, signed out and signed in as the role that
sees each page, in English and Chinese, at 1280 and 390 px: any violation fails the page and
is named with its rule, its element and the page. The same pass holds the layout rules that
axe cannot see: nothing scrolls sideways, the header stays one line of at most 64 px, and on
a phone every table shows all its columns (as cards) instead of hiding them in a scroller.

axe-core comes from npm (`package.json`, installed by `make run`/`make test` into
node_modules). Each page is loaded once per language and checked at both widths by resizing
the window, and each reader keeps one signed-in browser page, to keep the run short.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest

from tests.browser.conftest import log_in
from tests.services import ROOT, require_service

pytestmark = pytest.mark.browser

AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
AXE_TAGS = ["wcag2a", "wcag2aa", "best-practice"]
LANGUAGES = ("en", "zh_Hans_CN")
WIDTHS = (1280, 390)
HEADER_MAX = 64


@dataclass(frozen=True)
class Visit:
    """A page as one kind of reader sees it: `role` is "visitor" or a demo account's name."""

    role: str
    path: str
    known: str = ""  # what still fails, in a template this suite does not own

    @property
    def email(self) -> str:
        return f"{self.role}@example.com"


PAGES = (
    Visit("visitor", "/"),
    Visit("visitor", "/login"),
    Visit("visitor", "/register"),
    Visit("visitor", "/forum/"),
    Visit("visitor", "/forum/c/orders"),
    Visit("visitor", "/forum/t/2"),
    Visit("visitor", "/kb/"),
    Visit("visitor", "/kb/articles/return-an-item"),
    Visit("visitor", "/kb/search?q=refund"),
    Visit("visitor", "/track"),
    Visit("visitor", "/track?numbers=PT1000000001+PT1000000002+NOPE-1"),
    Visit("visitor", "/track/PT1000000001"),
    Visit("visitor", "/service"),
    Visit("visitor", "/support/new"),
    Visit("visitor", "/vip/"),
    Visit("customer", "/account/"),
    Visit("customer", "/account/shipments"),
    Visit("customer", "/account/shipments/PT1000000001"),
    Visit("customer", "/account/orders"),
    Visit("customer", "/account/requests/100001"),
    Visit("customer", "/forum/new"),
    Visit("vip", "/vip/"),
    Visit("manager", "/manager/"),
    Visit("manager", "/manager/conversations/1"),
    Visit("agent", "/support/"),
    Visit("agent", "/support/requests/100001"),
    Visit("lead", "/support/reports"),
    Visit("admin", "/admin/"),
    Visit("admin", "/admin/users"),
    Visit("admin", "/admin/vip"),
    Visit("admin", "/admin/outbox"),
    Visit("admin", "/forum/moderation"),
    Visit("admin", "/kb/manage"),
)

# What the page reports about its own layout at the current width.
LAYOUT = """() => {
  const root = document.documentElement;
  const header = document.querySelector('.site-header');
  const nav = document.querySelector('.main-nav');
  const items = [...document.querySelectorAll('.main-nav > ul > li')]
    .filter((li) => li.getClientRects().length);
  const rows = new Set(items.map((li) => Math.round(li.getBoundingClientRect().top)));
  const describe = (node) => [node.tagName.toLowerCase(), ...node.classList].join('.');
  return {
    sideways: root.scrollWidth - root.clientWidth,
    header: header ? header.getBoundingClientRect().height : 0,
    navRows: rows.size,
    navOverflows: nav ? nav.scrollWidth > nav.clientWidth + 1 : false,
    scrolledTables: [...document.querySelectorAll('.table-wrap')]
      .filter((wrap) => wrap.scrollWidth > wrap.clientWidth + 1)
      .map((wrap) => describe(wrap.querySelector('table') || wrap)),
  };
}"""

AXE_RUN = """(tags) => axe
  .run(document, {runOnly: {type: 'tag', values: tags}, resultTypes: ['violations']})
  .then((result) => result.violations.map((rule) => ({
    id: rule.id, help: rule.help,
    targets: rule.nodes.slice(0, 5).map((node) => node.target.join(' ')),
  })))"""


def _checks() -> Iterator[Any]:
    """Every page in both languages, grouped by reader, then by language."""
    for role in dict.fromkeys(visit.role for visit in PAGES):
        for language in LANGUAGES:
            for visit in (visit for visit in PAGES if visit.role == role):
                marks = []
                if visit.known:
                    marks.append(pytest.mark.xfail(reason=visit.known, strict=False))
                check_id = f"{role}-{language}-{visit.path}"
                yield pytest.param(visit, language, id=check_id, marks=marks)


class Readers:
    """One browser page per reader, reused by that reader's checks in both languages.

    A member reads in their profile's language, so the Chinese pass switches the profile with
    the footer's language switch, and switches it back before the next reader and at the end.
    """

    def __init__(self, browser: Any, base_url: str) -> None:
        self.browser = browser
        self.base_url = base_url
        self.role: str | None = None
        self.language = "en"
        self.context: Any = None
        self.page: Any = None

    def page_for(self, visit: Visit, language: str) -> Any:
        if self.role != visit.role:
            self.close()
            self._open(visit)
        if self.language != language:
            self._choose_language(language)
        return self.page

    def _open(self, visit: Visit) -> None:
        self.context = self.browser.new_context(
            base_url=self.base_url, locale="en-GB", viewport={"width": WIDTHS[0], "height": 800}
        )
        self.context.set_default_timeout(10_000)
        self.context.add_init_script(path=str(AXE))  # evaluated by the driver, so CSP allows it
        self.page = self.context.new_page()
        self.role, self.language = visit.role, "en"
        if visit.role != "visitor":
            log_in(self.page, visit.email)

    def _choose_language(self, language: str) -> None:
        if self.role == "visitor":
            cookie = {"name": "portico_lang", "value": language, "url": self.base_url}
            self.context.add_cookies([cookie])
        else:
            if not self.page.locator(".language-switch").count():
                self.page.goto("/")
            with self.page.expect_navigation():
                self.page.locator(f".language-switch button[value='{language}']").click()
        self.language = language

    def close(self) -> None:
        if self.context is None:
            return
        if self.role != "visitor" and self.language != "en":
            self._choose_language("en")
        self.context.close()
        self.context = self.page = self.role = None


@pytest.fixture(scope="module")
def readers(browser, live_server) -> Iterator[Readers]:
    require_service("axe-core (npm ci: node_modules/axe-core/axe.min.js)", AXE.exists())
    group = Readers(browser, live_server.url)
    yield group
    group.close()


def _layout_problems(layout: dict[str, Any], width: int) -> list[str]:
    problems = []
    if layout["sideways"] > 0:
        problems.append(f"the page scrolls sideways by {layout['sideways']} px")
    if layout["header"] > HEADER_MAX:
        problems.append(f"the header is {layout['header']:.0f} px high (at most {HEADER_MAX})")
    if width >= 1200 and (layout["navRows"] != 1 or layout["navOverflows"]):
        problems.append("the navigation does not fit on one line")
    if width < 720 and layout["scrolledTables"]:
        problems.append(f"tables hide columns in a scroller: {layout['scrolledTables']}")
    return problems


@pytest.mark.parametrize(("visit", "language"), list(_checks()))
def test_page_has_no_accessibility_violations_at_either_width(readers, visit, language):
    """axe finds nothing, and the layout fits, at 1280 and at 390 px."""
    page = readers.page_for(visit, language)
    page.set_viewport_size({"width": WIDTHS[0], "height": 800})
    response = page.goto(visit.path)
    assert response is not None and response.status < 400, f"{visit.path}: {response.status}"
    assert page.locator("html").get_attribute("lang") == ("en" if language == "en" else "zh-Hans")

    found = []
    for width in WIDTHS:
        page.set_viewport_size({"width": width, "height": 800})
        for rule in page.evaluate(AXE_RUN, AXE_TAGS):
            found.append(f"{width} px: {rule['id']} ({rule['help']}) at {rule['targets']}")
        problems = _layout_problems(page.evaluate(LAYOUT), width)
        found.extend(f"{width} px: {problem}" for problem in problems)
    where = f"{visit.path} as {visit.role}, {language}"
    assert not found, f"{where}:\n  " + "\n  ".join(found)

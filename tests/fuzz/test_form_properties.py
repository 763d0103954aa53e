"""Generated input for every form a signed-in admin can reach: no value gives a 5xx.

The pages are found by following links from the site's own pages, each page's forms are read
from its HTML, and Hypothesis fills every field (and the URL's query) with hostile values:
control characters, NUL, right-to-left marks, huge and negative numbers, very long text, wrong
choices. The CSRF token is the page's own, so each value reaches the form's validation.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from urllib.parse import urljoin, urlsplit

from bs4 import BeautifulSoup
from hypothesis import given, settings
from hypothesis import strategies as st
from werkzeug.exceptions import HTTPException

from community.seeding import DEMO_PASSWORD
from tests.fuzz.conftest import FUZZ_PROFILE

# Pages that end the crawler's own session or only download files.
SKIPPED_ACTIONS = ("logout", "/static/", "/socket.io/")
MAX_PAGES = 400
PERSONAS = ("customer@example.com", "vip@example.com", "admin@example.com")
START_PAGES = ["/", "/account/", "/admin/", "/support/", "/kb/", "/forum/", "/vip/", "/tracking/"]

hostile_text = st.one_of(
    st.text(max_size=40),
    st.text(alphabet=st.characters(codec="utf-8"), min_size=1, max_size=300),
    st.sampled_from(
        [
            "",
            " ",
            "\x00",
            "a\x00b",
            "\u2028\u2029",
            "\u202e",
            "9" * 30,
            "-1",
            "9223372036854775808",
            "1e400",
            "NaN",
            "<script>alert(1)</script>",
            "{: #main }",
            "x" * 70_000,
            "2026-02-30",
            "../../etc/passwd",
        ]
    ),
)


@dataclass
class Form:
    page: str
    action: str
    fields: dict[str, list[str]] = field(default_factory=dict)  # name -> choices seen
    files: list[str] = field(default_factory=list)


def read_forms(page: str, html: str) -> list[Form]:
    forms = []
    for tag in BeautifulSoup(html, "html.parser").find_all("form"):
        if (tag.get("method") or "get").lower() != "post":
            continue
        action = urljoin(page, tag.get("action") or page)
        if any(skipped in action for skipped in SKIPPED_ACTIONS):
            continue
        form = Form(page=page, action=action)
        for control in tag.find_all(["input", "textarea", "select", "button"]):
            name = control.get("name")
            if not name or name.endswith("csrf_token"):
                continue
            if control.get("type") == "file":
                form.files.append(name)
                continue
            choices = [option.get("value", "") for option in control.find_all("option")]
            form.fields.setdefault(name, []).extend(choices or [control.get("value", "")])
        forms.append(form)
    return forms


def crawl(app, client, start: list[str]) -> tuple[list[str], list[Form]]:
    """Same-site pages reachable from `start`, two per route, and the forms on them."""
    routes = app.url_map.bind("localhost")
    queue, seen, forms, failures = list(start), set(start), [], []
    visits: dict[str, int] = {}
    while queue and len(seen) <= MAX_PAGES:
        page = queue.pop(0)
        response = client.get(page)
        if response.status_code >= 500:
            failures.append(page)
        if response.mimetype != "text/html" or response.status_code != 200:
            continue
        html = response.get_data(as_text=True)
        forms.extend(read_forms(page, html))
        for link in BeautifulSoup(html, "html.parser").find_all("a", href=True):
            target = urlsplit(urljoin(page, link["href"]))
            path = target.path + (f"?{target.query}" if target.query else "")
            if target.netloc not in ("", "localhost") or path in seen or "logout" in path:
                continue
            endpoint = endpoint_of(routes, target.path, "GET")
            if endpoint is None or visits.get(endpoint, 0) >= 2:
                continue
            visits[endpoint] = visits.get(endpoint, 0) + 1
            seen.add(path)
            queue.append(path)
    return failures, forms


def endpoint_of(routes, path: str, method: str) -> str | None:
    try:
        return routes.match(path, method=method)[0]
    except HTTPException:
        return None


def signed_in(app, email: str):
    client = app.test_client()
    client.login(email, DEMO_PASSWORD)
    return client


def test_no_page_reached_by_links_is_a_server_error_and_no_form_input_is_either(seeded_app):
    routes = seeded_app.url_map.bind("localhost")
    # One form of each shape per route (`/forum/p/1/vote` stands for every post's vote), posted
    # by the first demo account that was shown it.
    distinct: dict[tuple, tuple] = {}
    for email in PERSONAS:
        client = signed_in(seeded_app, email)
        failures, forms = crawl(seeded_app, client, START_PAGES)
        assert failures == [], email
        for form in forms:
            endpoint = endpoint_of(routes, urlsplit(form.action).path, "POST")
            distinct.setdefault((endpoint, tuple(sorted(form.fields))), (client, form))
    endpoints = {endpoint for endpoint, _fields in distinct}
    assert len(endpoints) >= 45, sorted(map(str, endpoints))  # the crawl reached every feature

    server_errors: list[tuple[str, dict]] = []
    for client, form in distinct.values():
        post_hostile_values(client, form, server_errors)
    assert server_errors == []


def post_hostile_values(client, form: Form, server_errors: list) -> None:
    """Hypothesis fills `form` a few times; each server error is kept with what caused it."""

    @given(data=st.data())
    @settings(FUZZ_PROFILE, max_examples=6)
    def post(data):
        values = {
            name: data.draw(st.one_of(st.sampled_from(choices or [""]), hostile_text))
            for name, choices in form.fields.items()
        }
        for name in form.files:
            values[name] = (io.BytesIO(data.draw(st.binary(max_size=2000))), "x.png")
        response = client.post(
            form.action,
            data={**values, "csrf_token": client.csrf_token()},
            content_type="multipart/form-data",
        )
        if response.status_code >= 500:
            server_errors.append((form.action, {k: repr(v)[:80] for k, v in values.items()}))

    post()

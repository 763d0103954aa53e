"""The security baseline: headers, cookies, error pages, JSON errors, rate limits on Redis."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import redis
from werkzeug.routing import IntegerConverter

from community.accounts.models import Role
from community.api.services import create_token
from community.config import build_settings
from community.security import is_safe_redirect
from tests.services import redis_available, redis_test_url, require_service

PAGES = ["/", "/login", "/register", "/password/forgot"]


@pytest.mark.parametrize("path", PAGES)
def test_pages_carry_a_strict_content_security_policy(client, path):
    """Every page forbids inline script, framing and foreign form targets."""
    response = client.get(path)
    policy = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in policy and "unsafe-inline" not in policy
    assert "frame-ancestors 'none'" in policy
    assert "form-action 'self'" in policy
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["X-Frame-Options"] == "DENY"


@pytest.mark.parametrize(
    "path", [*PAGES, "/account/", "/account/profile", "/admin/", "/admin/tokens"]
)
def test_templates_contain_no_inline_script_or_event_handlers(client, make_user, path):
    """Scripts come from files only, so the CSP can forbid inline code."""
    admin = make_user(roles=[Role.ADMIN])
    client.login(admin.email)
    html = client.get(path).get_data(as_text=True)
    for tag in re.findall(r"<script\b[^>]*>", html):
        assert "src=" in tag, f"inline script on {path}: {tag}"
    assert not re.search(r"\son[a-z]+\s*=", html), f"inline event handler on {path}"
    assert "javascript:" not in html


def test_session_cookie_is_http_only_and_same_site(client, make_user):
    """The session cookie cannot be read by scripts or sent by other sites' forms."""
    user = make_user()
    response = client.post_form("/login", {"email": user.email, "password": user.password})
    cookie = next(
        value
        for value in response.headers.getlist("Set-Cookie")
        if value.startswith("portico_session=")
    )
    assert "HttpOnly" in cookie
    assert "SameSite=Lax" in cookie
    assert "Secure" not in cookie  # plain http on loopback; HTTPS deployments get Secure


def test_cookies_are_secure_behind_https(make_app):
    """With an https BASE_URL the session and remember cookies get the Secure flag."""
    settings = build_settings(Path("/tmp"), {"BASE_URL": "https://help.example.com"})
    assert settings["SESSION_COOKIE_SECURE"] and settings["REMEMBER_COOKIE_SECURE"]
    app = make_app(BASE_URL="https://help.example.com")
    response = app.test_client().get("/")
    assert response.headers["Strict-Transport-Security"].startswith("max-age=")


def test_unknown_pages_get_a_friendly_html_404(client):
    """A missing page explains itself in the site's layout."""
    response = client.get("/no/such/page")
    assert response.status_code == 404
    assert "text/html" in response.content_type
    assert "We could not find that page" in response.get_data(as_text=True)


def test_api_errors_are_json(client):
    """Under /api/ every error is JSON with a code and a message."""
    response = client.get("/api/v1/no-such-thing")
    assert response.status_code == 404
    assert response.get_json() == {
        "error": {"code": 404, "message": "We could not find that page. It may have moved."}
    }
    response = client.delete("/api/openapi.json")
    assert response.status_code == 405
    assert response.get_json()["error"]["code"] == 405
    assert "GET" in response.headers["Allow"]


def test_an_unexpected_error_shows_a_500_page_without_details(app):
    """A bug shows an apology, never a traceback."""

    @app.get("/test-only/boom")
    def boom():
        raise RuntimeError("secret internals")

    response = app.test_client().get("/test-only/boom")
    assert response.status_code == 500
    body = response.get_data(as_text=True)
    assert "Something went wrong" in body
    assert "secret internals" not in body and "Traceback" not in body


def test_oversized_requests_are_refused(make_app):
    """A body over MAX_CONTENT_LENGTH gets 413, not a crash."""
    app = make_app(MAX_CONTENT_LENGTH=1024)
    response = app.test_client().post_form("/login", {"email": "a" * 5000, "password": "x"})
    assert response.status_code == 413


def test_healthz_reports_database_and_outbox(client):
    """The health check says the database answers and how the outbox stands."""
    response = client.get("/healthz")
    assert response.status_code == 200
    body = response.get_json()
    assert body["status"] == "ok"
    assert body["database"]["ok"] is True
    assert body["outbox"]["queued"] == 0 and body["outbox"]["failed"] == 0


def test_healthz_answers_503_when_the_database_is_gone(make_app, tmp_path):
    """A database that does not answer takes the process out of rotation."""
    app = make_app(SQLALCHEMY_DATABASE_URI="postgresql+psycopg://nobody@127.0.0.1:1/none")
    response = app.test_client().get("/healthz")
    assert response.status_code == 503
    assert response.get_json()["database"]["ok"] is False


@pytest.mark.parametrize(
    ("target", "safe"),
    [
        ("/account/", True),
        ("/kb/search?q=x", True),
        ("//evil.example", False),
        ("https://evil.example", False),
        ("/\\evil.example", False),
        ("javascript:alert(1)", False),
        ("", False),
        (None, False),
        ("/ok\r\nLocation: x", False),
    ],
)
def test_redirect_targets_stay_on_this_site(target, safe):
    """Only plain paths on this site are followed after login."""
    assert is_safe_redirect(target) is safe


@pytest.mark.redis
def test_rate_limits_are_shared_through_redis(make_app):
    """With Redis storage, two app processes share one login budget."""
    require_service("Redis", redis_available())
    url = redis_test_url()
    connection = redis.Redis.from_url(url)
    connection.flushdb()
    settings = {
        "RATELIMIT_ENABLED": True,
        "RATELIMIT_STORAGE_URI": url,
        "RATE_LIMIT_LOGIN": "2 per minute",
    }
    first, second = make_app(**settings), make_app(**settings)
    data = {"email": "a@example.com", "password": "wrong password"}
    assert first.test_client().post_form("/login", data).status_code == 422
    assert first.test_client().post_form("/login", data).status_code == 422
    assert second.test_client().post_form("/login", data).status_code == 429
    assert any(b"portico" in key for key in connection.keys("*"))
    connection.flushdb()


def test_a_nul_byte_in_any_address_is_not_found(app, client):
    """Every page with a text segment in its address, asked with a NUL byte in it (which
    PostgreSQL refuses in text), answers 404 rather than failing with a 500."""
    asked = 0
    for rule in app.url_map.iter_rules():
        if "GET" not in rule.methods or rule.endpoint == "static":
            continue
        values = {
            name: 1 if isinstance(converter, IntegerConverter) else "a\x00b"
            for name, converter in rule._converters.items()
        }
        if "a\x00b" not in values.values():
            continue
        path = rule.build(values, append_unknown=False)[1]
        assert client.get(path).status_code == 404, path
        asked += 1
    assert asked >= 10


def test_made_up_tokens_count_against_the_address_not_each_token(make_app):
    """Rotating bogus bearer tokens does not lift the API's limit; a real token keeps its own."""
    limited = make_app(RATELIMIT_ENABLED=True, RATE_LIMIT_API="3 per minute")
    with limited.app_context():
        _token, secret = create_token("warehouse")
    client = limited.test_client()
    codes = [
        client.get(
            "/api/v1/shipments/PT1", headers={"Authorization": f"Bearer bogus-{n}"}
        ).status_code
        for n in range(5)
    ]
    assert codes[:3] == [401, 401, 401] and codes[3:] == [429, 429]
    real = client.get("/api/v1/shipments/PT1", headers={"Authorization": f"Bearer {secret}"})
    assert real.status_code == 404  # counted as the token, not the address


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/search?q=kettle&category=a%00b",
        "/kb/search?q=re%00turn",
        "/forum/?page=1%00",
        "/track?numbers=PT1%000000001",
        "/service?x=%00",
    ],
)
def test_a_nul_byte_in_a_query_is_dropped_not_a_500(client, path):
    """PostgreSQL refuses NUL in text: query values lose it before any view sees them."""
    assert client.get(path).status_code < 500


def test_a_nul_byte_in_a_form_field_is_dropped(app, make_user):
    """An admin searching users with a NUL in the box gets the page, on both databases."""
    admin = make_user(roles=[Role.ADMIN])
    client = app.test_client()
    client.login(admin.email)
    assert client.get("/admin/users?q=ad%00min").status_code == 200
    response = client.post_form("/login", {"email": "no\x00body@example.com", "password": "x"})
    assert response.status_code < 500

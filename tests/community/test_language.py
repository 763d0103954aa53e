"""A reader's language: kept at registration, chosen with the switch, carried into emails."""

from __future__ import annotations

import re

import pytest
from flask import render_template_string, request
from sqlalchemy import select

from community.accounts.models import User
from community.extensions import db
from community.i18n import LANGUAGE_COOKIE
from tests.community.outbox_helpers import queued_to

CHINESE = re.compile(r"[\u4e00-\u9fff]")
ZH = "zh-CN,zh;q=0.9,en;q=0.5"
SWITCH = (
    '{% from "_macros/language_switch.html" import language_switch %}'
    "{{ language_switch(next_url) }}"
)


def _main(page: str) -> str:
    return page.split("<main", 1)[1].split("</main>", 1)[0]


def _register(client, email: str, name: str, **headers: str):
    return client.post_form(
        "/register",
        {
            "display_name": name,
            "email": email,
            "password": "a long enough password",
            "confirm": "a long enough password",
            "timezone": "Asia/Shanghai",
        },
        headers=headers,
    )


def _locale_of(app, email: str) -> str:
    with app.app_context():
        return db.session.scalar(select(User.locale).where(User.email == email))


def test_a_chinese_visitor_who_registers_stays_in_chinese(app, client):
    """Accept-Language zh-CN: the account is saved in Chinese, the welcome page and the next
    pages are Chinese whatever the browser sends later, and so is the confirmation email."""
    registered = _register(client, "wang.fang@example.com", "王芳", **{"Accept-Language": ZH})
    assert registered.status_code == 302
    assert _locale_of(app, "wang.fang@example.com") == "zh_Hans_CN"
    welcome = client.get(registered.location)
    assert '<html lang="zh' in welcome.text
    assert CHINESE.search(_main(welcome.text))
    later = client.get("/account/", headers={"Accept-Language": "en"})
    assert CHINESE.search(_main(later.text)), "the profile, not the browser, decides now"

    [mail] = queued_to(app, "wang.fang@example.com")
    assert CHINESE.search(mail.subject) and CHINESE.search(mail.body_text)
    assert '<html lang="zh-Hans">' in mail.body_html
    assert CHINESE.search(mail.body_html.split("<body", 1)[1])


def test_an_english_visitor_registers_in_english_with_english_email(app, client):
    """No Accept-Language (or English): English account, English email marked lang="en"."""
    assert (
        _register(client, "jo@example.com", "Jo", **{"Accept-Language": "en-GB"}).status_code == 302
    )
    assert _locale_of(app, "jo@example.com") == "en"
    [mail] = queued_to(app, "jo@example.com")
    assert mail.subject == "Confirm your email address"
    assert '<html lang="en">' in mail.body_html
    assert not CHINESE.search(mail.body_html.split("<body", 1)[1])


def test_a_visitor_switches_language_and_it_sticks(client):
    """POST /language sets a year-long cookie; pages follow it over Accept-Language, both
    ways, and the reader goes back to the page they were on."""
    with client.application.test_request_context("/forum/?page=2"):
        switch = render_template_string(SWITCH, next_url=request.full_path)
    assert 'action="/language"' in switch and 'name="next" value="/forum/?page=2"' in switch
    assert '<button type="submit" name="lang" value="zh_Hans_CN" lang="zh-Hans"' in switch
    assert 'value="en" lang="en" class="language-option" aria-current="true">English<' in switch
    switched = client.post_form("/language", {"lang": "zh_Hans_CN", "next": "/forum/?page=2"})
    assert switched.status_code == 302
    assert switched.location == "/forum/?page=2"
    cookie = switched.headers["Set-Cookie"]
    assert f"{LANGUAGE_COOKIE}=zh_Hans_CN" in cookie and "Max-Age=31536000" in cookie
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
    page = client.get("/login", headers={"Accept-Language": "en"}).text
    assert '<html lang="zh' in page and CHINESE.search(_main(page))

    back = client.post_form("/language", {"lang": "en"}, headers={"Accept-Language": ZH})
    assert back.location == "/"
    page = client.get("/login", headers={"Accept-Language": ZH}).text
    assert '<html lang="en"' in page and not CHINESE.search(_main(page))


@pytest.mark.parametrize("lang", ["fr", "", "zh", "zh_Hans_CN<script>", "en" * 500])
def test_a_language_not_offered_is_refused_with_a_clear_error(client, lang):
    """Anything but an offered language is a 422 naming the problem, and changes nothing."""
    refused = client.post_form("/language", {"lang": lang, "next": "/forum/"})
    assert refused.status_code == 422
    assert "Choose one of the languages offered." in refused.text
    assert "Set-Cookie" not in refused.headers or LANGUAGE_COOKIE not in str(
        refused.headers.getlist("Set-Cookie")
    )
    assert 'name="lang" value="zh_Hans_CN"' in refused.text, "the page offers the switch"


def test_a_cached_page_switches_any_visitor_and_never_leaves_the_site(app, client):
    """The footer of a page cached for every visitor carries no one's token and works for
    the next visitor; an off-site or odd `next` goes home instead."""
    first = app.test_client().get("/forum/?utm=secret-token").text
    assert "csrf_token" not in first.split('class="language-switch"', 1)[1].split("</form>")[0]
    assert "secret-token" not in first  # the way back is the path, never the query
    second = app.test_client()
    second.get("/forum/")  # the cached copy
    switched = second.post("/language", data={"lang": "zh_Hans_CN", "next": "/forum/"})
    assert switched.status_code == 302 and switched.location == "/forum/"
    assert "话题" in second.get("/forum/").text or "论坛" in second.get("/forum/").text
    for target in ["https://evil.example/", "//evil.example/x", "/\\evil.example", "javascript:x"]:
        answer = client.post_form("/language", {"lang": "en", "next": target})
        assert answer.status_code == 302 and answer.location == "/", target


def test_a_member_switch_without_their_token_is_refused(app, make_user):
    """A member's switch changes their profile: a forged POST is a 400 and changes nothing."""
    member = make_user("han.mei@example.com")
    client = app.test_client()
    client.login(member.email)
    forged = client.post("/language", data={"lang": "zh_Hans_CN"})
    assert forged.status_code == 400
    assert "this page was out of date" in forged.text and 'name="csrf_token"' in forged.text
    assert LANGUAGE_COOKIE not in str(forged.headers.getlist("Set-Cookie"))
    assert _locale_of(app, member.email) == "en"


def test_a_member_who_switches_keeps_the_language_in_their_profile(app, make_user):
    """Signed in, the switch also updates the profile: emails and other devices follow."""
    member = make_user("li.lei@example.com")
    client = app.test_client()
    client.login(member.email)
    assert client.post_form("/language", {"lang": "zh_Hans_CN"}).status_code == 302
    assert _locale_of(app, member.email) == "zh_Hans_CN"
    other_device = app.test_client()
    other_device.login(member.email)
    page = other_device.get("/account/", headers={"Accept-Language": "en"}).text
    assert CHINESE.search(_main(page))

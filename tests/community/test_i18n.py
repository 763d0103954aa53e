"""Simplified Chinese: a complete catalogue whose placeholders match, pages in the reader's
language (from their profile, else from the browser), and emails in the recipient's."""

from __future__ import annotations

import re

import pytest
from babel.messages.pofile import read_po
from sqlalchemy import select

from community.accounts.models import User
from community.extensions import db
from community.outbox.models import OutboxMessage
from tests.conftest import TRANSLATIONS

CATALOGUE = TRANSLATIONS / "zh_Hans_CN" / "LC_MESSAGES" / "messages.po"
PLACEHOLDER = re.compile(r"%\([a-z_]+\)[sd]|%[sd]|\{[a-z_]+\}")
CHINESE = re.compile(r"[\u4e00-\u9fff]")


@pytest.fixture(scope="module")
def chinese() -> dict[str, str]:
    with CATALOGUE.open("rb") as source:
        catalog = read_po(source)
    return {
        message.id if isinstance(message.id, str) else message.id[0]: (
            message.string if isinstance(message.string, str) else message.string[0]
        )
        for message in catalog
        if message.id
    }


def test_the_catalogue_is_complete_and_keeps_every_placeholder():
    """A missing translation shows English; a wrong placeholder would break the page."""
    with CATALOGUE.open("rb") as source:
        catalog = read_po(source)
    problems = [f"{message.id!r}: {errors}" for message, errors in catalog.check()]
    for message in catalog:
        if not message.id:
            continue
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        if message.fuzzy or not all(strings):
            problems.append(f"untranslated: {ids[0]!r}")
            continue
        # Chinese has one plural form: it may name the count (as the English plural does) or
        # leave it out, but it must keep every other placeholder and invent none.
        required = set(PLACEHOLDER.findall(ids[0]))
        allowed = set(PLACEHOLDER.findall(ids[-1])) | required
        for string in strings:
            used = set(PLACEHOLDER.findall(string))
            if not required <= used <= allowed:
                problems.append(f"placeholders differ: {ids[0]!r} -> {string!r}")
    assert problems == []
    assert len(catalog) > 900


def test_a_chinese_browser_gets_chinese_pages(client, chinese):
    """Accept-Language decides for visitors; English stays the default."""
    english = client.get("/login").text
    assert ">Log in<" in english or "Log in" in english
    assert not CHINESE.search(english.split("<main", 1)[1].split("</main>", 1)[0])
    page = client.get("/login", headers={"Accept-Language": "zh-CN,zh;q=0.9,en;q=0.5"}).text
    assert chinese["Knowledge base"] in page
    assert chinese["Email"] in page and chinese["Password"] in page
    assert '<html lang="zh' in page


def test_a_members_language_follows_their_profile(app, make_user, chinese):
    """A member who chose 简体中文 reads Chinese pages and form errors whatever the browser says."""
    user = make_user(display_name="Li Na")
    with app.app_context():
        db.session.get_one(User, user.id).locale = "zh_Hans_CN"
        db.session.commit()
    client = app.test_client()
    client.login(user.email)
    page = client.get("/forum/", headers={"Accept-Language": "en"}).text
    assert chinese["Forum"] in page
    refused = client.post_form("/account/profile", {"display_name": "", "timezone": "UTC"})
    assert refused.status_code == 422
    assert CHINESE.search(refused.text.split("<main", 1)[1])


def test_emails_are_written_in_the_recipients_language(app, client, make_user, chinese):
    """A password-reset email for a Chinese-speaking member has a Chinese subject and body."""
    user = make_user(email="li.na@example.com")
    with app.app_context():
        db.session.get_one(User, user.id).locale = "zh_Hans_CN"
        db.session.commit()
    client.post_form("/password/forgot", {"email": "li.na@example.com"})
    with app.app_context():
        message = db.session.scalars(
            select(OutboxMessage).where(OutboxMessage.to_address == "li.na@example.com")
        ).one()
        assert CHINESE.search(message.subject)
        assert CHINESE.search(message.body_text)

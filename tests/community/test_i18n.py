"""Simplified Chinese: a complete catalogue whose placeholders match, pages in the reader's
language (from their profile, else from the browser), and emails in the recipient's."""

from __future__ import annotations

import re
from datetime import timedelta
from io import StringIO
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po
from flask_babel import force_locale
from sqlalchemy import select

from community.accounts.models import Role, User
from community.accounts.services import create_user
from community.db import utcnow
from community.extensions import db
from community.i18n import ago_filter
from community.outbox.models import OutboxMessage
from tests.conftest import TRANSLATIONS
from tests.helpers import logged_in

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
        # Chinese has one plural form, used for every count: it keeps every placeholder of
        # the singular and invents none (the count is checked in the plural test below).
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


def test_every_plural_keeps_the_count_of_its_english_plural():
    """ "%(num)d messages are unread" must not become a Chinese sentence without the number:
    Chinese uses its one form for every count, so the number is the only place it shows."""
    with CATALOGUE.open("rb") as source:
        catalog = read_po(source)
    plurals = [message for message in catalog if isinstance(message.id, tuple)]
    assert len(plurals) >= 10
    problems = []
    for message in plurals:
        count = set(re.findall(r"%\(num\)[sd]", message.id[1]))
        assert count, f"the English plural names no count: {message.id[1]!r}"
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        problems.extend(
            f"{message.id[1]!r} -> {string!r}"
            for string in strings
            if not count <= set(re.findall(r"%\(num\)[sd]", string))
        )
    assert problems == []


def test_the_shared_macros_strings_are_extracted_and_translated(chinese):
    """Form errors and pagers come from templates/_macros/: babel.cfg must read those files
    (they use `{% do %}`), and the catalogue must translate what they say."""
    root = Path(__file__).resolve().parents[2]
    method_map, options_map = parse_mapping_cfg(StringIO((root / "babel.cfg").read_text()))
    macros = [(pattern.replace("templates/", "", 1), method) for pattern, method in method_map]
    found = {
        message if isinstance(message, str) else message[0]
        for _file, _line, message, _comments, _context in extract_from_dir(
            str(root / "templates" / "_macros"),
            macros,
            {key.replace("templates/", "", 1): value for key, value in options_map.items()},
        )
    }
    assert {"Please correct the highlighted fields.", "Page %(page)d of %(pages)d"} <= found
    assert all(chinese.get(message) for message in found), found - set(chinese)


def test_a_refused_forms_summary_reads_chinese(client):
    """The summary above a refused form (a shared macro) is translated."""
    zh = {"Accept-Language": "zh-CN"}
    refused = client.post_form("/register", {"email": "not an address"}, headers=zh)
    assert refused.status_code == 422
    assert "请修改标出的内容。" in refused.text
    assert "Please correct" not in refused.text


def test_admin_pages_name_roles_tiers_and_mail_states_in_the_readers_language(
    app, make_user, chinese
):
    """管理员 and 黄金, not `admin` and `gold`; mail states and the pager in Chinese too."""
    with app.app_context():  # more than a page of 25; the newest come first
        for number in range(25):
            create_user(email=f"m{number}@example.com", password="-" * 12, display_name="M")
        db.session.commit()
    make_user("vip@example.com", vip_tier="gold")
    admin = make_user("root@example.com", roles=[Role.ADMIN])
    with app.app_context():
        db.session.get_one(User, admin.id).locale = "zh_Hans_CN"
        db.session.add(
            OutboxMessage(
                dedupe_key="k", category="test", to_address="a@example.com", subject="s",
                body_text="b", headers={}, message_id="<m@x>", status="failed",
            )
        )  # fmt: skip
        db.session.add(
            OutboxMessage(
                dedupe_key="t", category="tracking_alert", to_address="t@example.com",
                subject="s", body_text="b", headers={}, message_id="<t@x>",
            )
        )  # fmt: skip
        db.session.commit()
    browser = logged_in(app, admin)
    users = browser.get("/admin/users").text
    row = users.split("root@example.com", 1)[1].split("</tr>", 1)[0]
    assert "管理员" in row and ">admin<" not in row
    vip_row = users.split("vip@example.com", 1)[1].split("</tr>", 1)[0]
    assert chinese["Gold"] in vip_row and "gold" not in vip_row.lower()
    assert "第 1 页，共 2 页" in users and chinese["Next"] in users
    outbox = browser.get("/admin/outbox").text
    assert "发送失败" in outbox and ">failed<" not in outbox
    alert_row = outbox.split("t@example.com", 1)[1].split("</tr>", 1)[0]
    assert chinese["Shipment alerts"] in alert_row and ">tracking_alert<" not in alert_row


def test_under_a_minute_is_just_now(app):
    """Nobody says "1 秒钟前": under a minute is 刚刚 (just now); longer counts as before."""
    expected = {
        "zh_Hans_CN": {1: "刚刚", 59: "刚刚", 90: "2分钟前", 3 * 3600: "3小时前"},
        "en": {1: "just now", 59: "just now", 90: "2 minutes ago", 3 * 3600: "3 hours ago"},
    }
    with app.test_request_context():
        for locale, cases in expected.items():
            with force_locale(locale):
                shown = {s: ago_filter(utcnow() - timedelta(seconds=s)) for s in cases}
            assert shown == cases

"""Times in the reader's zone: a visitor's browser zone (the `portico_tz` cookie portico.js
sets) on every page, cached pages included; the zone named when it is not known; no seconds."""

from __future__ import annotations

import re
from datetime import UTC, datetime

from sqlalchemy import update

from community.extensions import db
from forum.models import Topic

ASKED = datetime(2026, 3, 5, 23, 30, 15, tzinfo=UTC)  # 07:30 on 6 March in Shanghai


def _asked(html: str) -> str:
    match = re.search(r"<dt>Asked</dt><dd><time[^>]*>([^<]+)</time>", html)
    assert match, "no 'Asked' time on the page"
    return match.group(1)


def _topic_asked_at(app, topic_id: int) -> None:
    with app.app_context():
        db.session.execute(update(Topic).where(Topic.id == topic_id).values(created_at=ASKED))
        db.session.execute(
            update(Topic).where(Topic.id == topic_id).values(version=Topic.version + 1)
        )
        db.session.commit()


def test_a_visitor_sees_their_own_zone_and_cached_pages_keep_zones_apart(app, asker, make_topic):
    topic = make_topic(asker)
    _topic_asked_at(app, topic.id)
    shanghai, unknown = app.test_client(), app.test_client()
    shanghai.set_cookie("portico_tz", "Asia/Shanghai")
    for _round in range(2):  # the second round comes from the page cache
        assert _asked(shanghai.get(topic.path).text) == "Mar 6, 2026, 7:30\u202fAM"
        assert _asked(unknown.get(topic.path).text) == "Mar 5, 2026, 11:30\u202fPM UTC"


def test_a_zone_cookie_that_is_not_a_zone_is_ignored(app, asker, make_topic):
    topic = make_topic(asker)
    _topic_asked_at(app, topic.id)
    hostile_zones = ("Mars/Olympus", "../../etc/passwd", "A" * 300, "Factory", "localtime")
    for hostile in (*hostile_zones, "Asia%2FShanghai\x00"):
        client = app.test_client()
        client.set_cookie("portico_tz", hostile)
        response = client.get(topic.path)
        assert response.status_code == 200
        assert _asked(response.text).endswith("UTC")


def test_chinese_times_have_one_style_and_no_seconds(app, asker, make_topic):
    topic = make_topic(asker)
    _topic_asked_at(app, topic.id)
    client = app.test_client()
    client.set_cookie("portico_tz", "Asia/Shanghai")
    client.set_cookie("portico_lang", "zh_Hans_CN")
    page = client.get(topic.path).text
    assert "2026年3月6日 07:30" in page
    assert "07:30:15" not in page and ":15" not in _asked_any(page)


def _asked_any(html: str) -> str:
    return " ".join(re.findall(r"<time[^>]*>([^<]+)</time>", html))


def _selected_zone(page: str) -> str:
    select = page[page.index('name="timezone"') :]
    return re.search(r'<option selected value="([^"]+)"', select).group(1)


def test_registration_starts_at_the_browser_zone_from_a_short_list(app):
    visitor = app.test_client()
    visitor.set_cookie("portico_tz", "Asia/Shanghai")
    page = visitor.get("/register").text
    assert _selected_zone(page) == "Asia/Shanghai"
    assert page.index("Common time zones") < page.index("All time zones")
    common = page[page.index("Common time zones") : page.index("All time zones")]
    assert 'value="Asia/Shanghai"' in common and common.count("<option") <= 20
    assert _selected_zone(app.test_client().get("/register").text) == "UTC"

"""VIP announcements carry a language: the manager chooses it (or leaves it to the text), and
a client's club page and home panel show their language first, the others labelled."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import select, update

from community.accounts.models import User
from community.db import utcnow
from community.extensions import db
from tests.helpers import logged_in
from vip.models import VipAnnouncement

CHINESE_READER = "zh_Hans_CN"


def _languages(app) -> dict[str, str]:
    with app.app_context():
        rows = db.session.execute(select(VipAnnouncement.title, VipAnnouncement.language))
        return dict(rows.all())


def _publish(client, title: str, body: str, **fields):
    return client.post_form("/manager/announcements", {"title": title, "body": body, **fields})


def _announce(app, title: str, body: str, language: str, days_ago: int) -> None:
    """An announcement of `days_ago` days ago (the lists show the newest first)."""
    with app.app_context():
        when = utcnow() - timedelta(days=days_ago)
        db.session.add(
            VipAnnouncement(
                title=title,
                body=body,
                body_html=f"<p>{body}</p>",
                language=language,
                created_at=when,
                updated_at=when,
            )
        )
        db.session.commit()


def _reads_chinese(app, person) -> None:
    with app.app_context():
        db.session.execute(update(User).where(User.id == person.id).values(locale=CHINESE_READER))
        db.session.commit()


def _club_titles(html: str) -> list[str]:
    section = html[html.index('id="announcements-title"') :].split("</section>", 1)[0]
    return re.findall(r"<h3><span(?: lang=\"[^\"]+\")?>([^<]+)</span>", section)


def _panel_titles(html: str) -> list[str]:
    section = html[html.index('id="vip-panel-title"') :].split("</section>", 1)[0]
    return re.findall(r'<a href="/vip/#announcement-\d+">([^<]+)</a>', section)


def test_the_manager_chooses_the_language_or_leaves_it_to_the_text(app, pair):
    """A chosen language is stored as chosen; without one, the text decides; an edit can
    change it."""
    manager = logged_in(app, pair.manager)
    assert 'name="language"' in manager.get("/manager/announcements").text
    assert (
        _publish(manager, "Stock reserved", "库存已为您保留两周。", language="en").status_code
        == 302
    )
    assert _publish(manager, "春节发货安排", "每天下午两点前的订单当天发出。").status_code == 302
    assert _publish(manager, "Opening hours", "Nine to five.", language="").status_code == 302
    assert _languages(app) == {"Stock reserved": "en", "春节发货安排": "zh", "Opening hours": "en"}

    with app.app_context():
        item = db.session.scalar(
            select(VipAnnouncement).where(VipAnnouncement.title == "Stock reserved")
        )
    form = manager.get(f"/manager/announcements/{item.id}/edit").text
    assert '<option selected value="en">English</option>' in form
    edited = manager.post_form(
        f"/manager/announcements/{item.id}/edit",
        {"title": "Stock reserved", "body": "库存已为您保留两周。", "language": "zh"},
    )
    assert edited.status_code == 302 and _languages(app)["Stock reserved"] == "zh"


@pytest.mark.parametrize("hostile", ["de", "zh_CN", "' OR 1=1 --", "<b>zh</b>"])
def test_a_language_not_offered_is_a_form_error(app, pair, hostile):
    """A crafted language is a 422 with the form's error, on publishing and on editing;
    nothing is published or changed."""
    manager = logged_in(app, pair.manager)
    refused = _publish(manager, "Priority shipping", "Same day.", language=hostile)
    assert refused.status_code == 422 and 'class="error"' in refused.text
    assert _languages(app) == {}
    assert _publish(manager, "Priority shipping", "Same day.", language="en").status_code == 302
    with app.app_context():
        item_id = db.session.scalar(select(VipAnnouncement.id))
    edited = manager.post_form(
        f"/manager/announcements/{item_id}/edit",
        {"title": "Changed", "body": "Changed.", "language": hostile},
    )
    assert edited.status_code == 422 and 'class="error"' in edited.text
    assert _languages(app) == {"Priority shipping": "en"}


def test_clients_see_their_language_first_with_the_others_labelled(app, make_pair):
    """On the club page and the home panel, an English and a Chinese client see the same
    announcements in opposite orders, the other language marked with `lang` and its name."""
    _announce(app, "Holiday hours", "Closed on the 25th.", "en", days_ago=3)
    _announce(app, "春节发货安排", "照常发货。", "zh", days_ago=2)
    _announce(app, "New price list", "From Monday.", "en", days_ago=1)
    english, chinese = make_pair(), make_pair()
    _reads_chinese(app, chinese.client)
    english_client = logged_in(app, english.client)
    chinese_client = logged_in(app, chinese.client)

    club = english_client.get("/vip/").text
    assert _club_titles(club) == ["New price list", "Holiday hours", "春节发货安排"]
    assert '<span lang="zh-Hans">春节发货安排</span>' in club and "中文</span>" in club
    club = chinese_client.get("/vip/").text
    assert _club_titles(club) == ["春节发货安排", "New price list", "Holiday hours"]
    assert '<span lang="en">New price list</span>' in club and "English</span>" in club

    home = english_client.get("/").text
    assert _panel_titles(home) == ["New price list", "Holiday hours", "春节发货安排"]
    assert '<li lang="zh-Hans"><a href="/vip/#announcement-' in home
    home = chinese_client.get("/").text
    assert _panel_titles(home) == ["春节发货安排", "New price list", "Holiday hours"]
    assert home.count('<span class="badge badge-language">English</span>') == 2


def test_managers_home_panel_shows_no_announcements(app, pair):
    """Announcements are for clients: the manager's panel points to the dashboard only."""
    _announce(app, "New price list", "From Monday.", "en", days_ago=1)
    home = logged_in(app, pair.manager).get("/").text
    assert "New price list" not in home

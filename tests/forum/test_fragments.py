"""Signed-in topic and category pages reuse rendered posts and lists, and stay exactly
right for each reader: their own buttons, votes and CSRF token, the current permissions, and
no hidden body for anyone who may not see it."""

from __future__ import annotations

import re

from community.accounts.models import Role, User
from community.accounts.services import set_roles, update_profile
from community.extensions import db
from forum.models import Post
from forum.services import answers, moderation, posting
from tests.forum.conftest import as_user
from tests.forum.test_views import counting_queries
from tests.helpers import logged_in


def _post_html(page: str, post_id: int) -> str:
    match = re.search(rf'<article[^>]*data-post-id="{post_id}".*?</article>', page, re.S)
    assert match, f"post {post_id} is not on the page"
    return match.group(0)


def _csrf(page: str) -> str:
    return re.search(r'name="csrf-token" content="([^"]+)"', page).group(1)


def test_each_reader_sees_their_own_buttons_votes_and_token(
    app, asker, helper, make_member, moderator, make_topic, make_reply
):
    topic = make_topic(asker, "Printer jams on page two", "It jams every time.")
    reply = make_reply(helper, topic, "Clean the rollers.")
    other = make_member("other@example.com", display_name="Olive Other")
    with as_user(app, other.id) as user:
        answers.set_vote(db.session.get_one(Post, reply.id), by=user, up=True)
    readers = {
        name: logged_in(app, person)
        for name, person in [("asker", asker), ("helper", helper), ("other", other)]
    }
    readers["moderator"] = logged_in(app, moderator)
    for _round in range(2):  # the second round is served from warm fragments
        pages = {name: client.get(topic.path).text for name, client in readers.items()}
        by_helper = {name: _post_html(page, reply.id) for name, page in pages.items()}
        assert "/edit" in by_helper["helper"] and "/edit" in by_helper["moderator"]
        assert "/edit" not in by_helper["asker"] and "/edit" not in by_helper["other"]
        assert "Accept as the answer" in by_helper["asker"]
        assert "Accept as the answer" not in by_helper["other"] + by_helper["helper"]
        assert 'value="hide"' in by_helper["moderator"]
        assert 'value="hide"' not in by_helper["asker"] + by_helper["other"]
        assert 'aria-pressed="true"' in by_helper["other"]
        assert 'aria-pressed="false"' in by_helper["asker"]
        for page in pages.values():
            assert "\x00" not in page
            token = _csrf(page)
            assert f'name="csrf_token" value="{token}"' in _post_html(page, reply.id)
    # The token in a reused post is this reader's: their vote goes through with it.
    page = readers["asker"].get(topic.path).text
    response = readers["asker"].post(
        f"/forum/p/{reply.id}/vote", data={"csrf_token": _csrf(page), "up": "1"}
    )
    assert response.status_code in (302, 303)
    assert 'aria-pressed="true"' in _post_html(readers["asker"].get(topic.path).text, reply.id)


def test_changes_show_at_once_and_hidden_bodies_stay_with_who_may_see_them(
    app, asker, helper, moderator, make_topic, make_reply
):
    topic = make_topic(asker, "Router drops Wi-Fi at night")
    reply = make_reply(helper, topic, "Secret workaround: reflash the firmware.")
    reader, mod = logged_in(app, asker), logged_in(app, moderator)
    assert "Secret workaround" in reader.get(topic.path).text
    with as_user(app, moderator.id) as user:
        moderation.hide_post(db.session.get_one(Post, reply.id), by=user)
    assert "Secret workaround" in mod.get(topic.path).text  # moderators still read it
    assert "Secret workaround" not in reader.get(topic.path).text
    assert "Secret workaround" not in app.test_client().get(topic.path).text
    with as_user(app, moderator.id) as user:
        moderation.restore_post(db.session.get_one(Post, reply.id), by=user)
    with as_user(app, helper.id) as user:
        posting.edit_post(
            db.session.get_one(Post, reply.id),
            posting.EditInput(body="Updated: change the channel to 6."),
            by=user,
        )
        update_profile(user, display_name="Harper Renamed", timezone="UTC", locale="en")
    page = reader.get(topic.path).text
    assert "Updated: change the channel" in page and "Secret workaround" not in page
    assert "Harper Renamed" in _post_html(page, reply.id)


def test_a_lost_role_takes_its_buttons_away_on_the_next_page(
    app, asker, moderator, make_topic, make_reply
):
    topic = make_topic(asker)
    reply = make_reply(asker, topic)
    mod = logged_in(app, moderator)
    assert 'value="hide"' in _post_html(mod.get(topic.path).text, reply.id)
    with app.app_context():
        set_roles(db.session.get_one(User, moderator.id), [])
        db.session.commit()
    assert 'value="hide"' not in _post_html(mod.get(topic.path).text, reply.id)
    with app.app_context():
        set_roles(db.session.get_one(User, moderator.id), [Role.MODERATOR])
        db.session.commit()
    assert 'value="hide"' in _post_html(mod.get(topic.path).text, reply.id)


def test_a_signed_in_category_page_shares_the_list_and_shows_new_topics(
    app, asker, helper, make_topic
):
    make_topic(asker, "First question about ink")
    reader = logged_in(app, helper)
    assert "First question about ink" in reader.get("/forum/c/devices").text
    with counting_queries(app) as statements:
        assert reader.get("/forum/c/devices").status_code == 200
    assert len(statements) <= 3  # sign-in, category, navigation counts: the list is kept
    make_topic(asker, "Second question about toner")
    page = reader.get("/forum/c/devices").text
    assert "Second question about toner" in page and "First question about ink" in page

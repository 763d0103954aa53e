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


def _header(page: str) -> str:
    return re.search(r'<header class="site-header">.*?</header>', page, re.S).group(0)


def test_the_shared_page_body_and_header_carry_each_readers_own_values(
    app, asker, helper, moderator, make_topic, make_reply
):
    """The topic body and the header are kept per kind of reader: names, counts, tokens,
    the watch button and the moderation tools are still each reader's own."""
    topic = make_topic(asker, "Label printer prints blank")
    make_reply(helper, topic, "Hello @CaseyChen, check the ribbon.")
    readers = {"asker": logged_in(app, asker), "helper": logged_in(app, helper)}
    readers["moderator"] = logged_in(app, moderator)
    for _round in range(2):  # the same header, each reader's own count
        asker_index = _header(readers["asker"].get("/forum/").text)
        helper_index = _header(readers["helper"].get("/forum/").text)
        assert re.search(r'data-badge="forum".*?data-badge-count>1<', asker_index, re.S)
        assert re.search(r'data-badge="forum".*?data-badge-count hidden>0<', helper_index, re.S)
    for _round in range(2):  # the second round comes from the kept pieces
        pages = {name: client.get(topic.path).text for name, client in readers.items()}
        assert "Casey Chen" in _header(pages["asker"]) and "Harper Lee" in _header(pages["helper"])
        assert "Casey Chen" not in _header(pages["helper"])
        assert "Moderation</h2>" in pages["moderator"]
        assert "Moderation</h2>" not in pages["asker"] + pages["helper"]
        tokens = {name: _csrf(page) for name, page in pages.items()}
        assert len(set(tokens.values())) == 3
        for name, page in pages.items():
            assert "\x00" not in page
            forms = re.findall(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"', page)
            assert forms and set(forms) == {tokens[name]}, name
        # The asker visited (so the notice is read) and watches; nobody else does.
        assert 'aria-pressed="true"' in pages["asker"].split('class="forum-aside"')[1]


def test_a_typed_reply_with_an_error_stays_with_its_writer(app, asker, helper, make_topic):
    topic = make_topic(asker, "Barcode scanner beeps twice")
    writer, reader = logged_in(app, asker), logged_in(app, helper)
    reader.get(topic.path)  # the body is kept for this kind of reader
    page = writer.get(topic.path).text
    nonce = re.search(r'name="nonce" type="hidden" value="([^"]+)"', page).group(1)
    failed = writer.post_form(f"/forum/t/{topic.id}/reply", {"body": "x" * 40_000, "nonce": nonce})
    assert failed.status_code == 422 and "x" * 100 in failed.text
    assert "x" * 100 not in reader.get(topic.path).text
    assert "x" * 100 not in writer.get(topic.path).text, "a new page starts empty"
    other_nonce = re.search(
        r'name="nonce" type="hidden" value="([^"]+)"', reader.get(topic.path).text
    ).group(1)
    assert other_nonce != nonce, "every page gets its own nonce"


def test_locking_renaming_and_moderation_show_on_the_next_signed_in_page(
    app, asker, moderator, make_topic, category
):
    topic = make_topic(asker, "Fan runs loud")
    page = logged_in(app, asker)
    assert (
        'id="reply-title"' in page.get(topic.path).text
        and "locked" not in page.get(topic.path).text
    )
    with as_user(app, moderator.id) as user:
        from forum.models import ForumCategory, Topic

        moderation.moderate_topic(db.session.get_one(Topic, topic.id), "lock", by=user)
    text = page.get(topic.path).text
    assert "This topic is locked" in text and 'name="body"' not in text
    with app.app_context():
        db.session.get_one(ForumCategory, category).name = "Devices and printers"
        db.session.commit()
    assert "Devices and printers" in page.get(topic.path).text

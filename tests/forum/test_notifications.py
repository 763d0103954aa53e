"""Watching and notifications: reply emails through a real SMTP server (one per topic until a
visit), one-click unsubscribe, mentions, in-site notices and the navigation's unread count."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from community.extensions import db
from community.outbox import delivery
from forum.models import Notification, Post, Topic, TopicUser
from forum.services import moderation, posting
from tests.community.outbox_helpers import link_in, queued_to
from tests.forum.conftest import FAST, as_user
from tests.helpers import logged_in

pytestmark = pytest.mark.smtp


@pytest.fixture
def mail_app(make_app, smtp_server):
    return make_app(**FAST, MAIL_URL=smtp_server.url)


def _deliver(app) -> None:
    with app.app_context():
        delivery.deliver_pending()


def _body(message) -> str:
    return message.get_body(preferencelist=("plain",)).get_content()


def test_watchers_get_one_email_per_topic_until_they_visit(
    mail_app, smtp_server, asker, helper, make_member, make_topic, make_reply
):
    """The asker watches by posting: one email for two replies; another after a visit."""
    app = mail_app
    topic = make_topic(asker, "Fax machine beeps", "Three long beeps.")
    make_reply(helper, topic, "That is a paper jam.")
    make_reply(make_member(), topic, "Check the rear tray too.")
    _deliver(app)
    [mail] = smtp_server.messages_to(asker.email)
    assert mail["Subject"] == "New reply in “Fax machine beeps”"
    body = _body(mail)
    assert "Harper Lee replied in “Fax machine beeps”" in body
    assert "That is a paper jam." in body
    assert "/forum/p/" in body
    assert mail["List-Unsubscribe"].startswith("<http://portal.test/email/unsubscribe/")

    visitor = logged_in(app, asker)
    assert visitor.get(topic.path).status_code == 200
    make_reply(helper, topic, "Did it work?")
    _deliver(app)
    assert len(smtp_server.messages_to(asker.email)) == 2
    assert smtp_server.messages_to(helper.email), "the helper watches by replying"


def test_one_click_unsubscribe_stops_that_topic_only(
    mail_app, smtp_server, client, asker, helper, make_topic, make_reply
):
    """The link in the email stops replies of that topic; other topics still email."""
    app = mail_app
    first = make_topic(asker, "First topic here")
    second = make_topic(asker, "Second topic here")
    make_reply(helper, first)
    [row] = queued_to(app, asker.email)
    unsubscribe = link_in(row.body_text, "/email/unsubscribe/")
    assert "Forum replies" in client.get(unsubscribe).text
    assert client.post(unsubscribe, data={"action": "unsubscribe"}).status_code == 200
    logged_in(app, asker).get(first.path)  # a visit would allow the next email
    make_reply(helper, first, "Another reply here")
    make_reply(helper, second, "A reply elsewhere")
    _deliver(app)
    subjects = [mail["Subject"] for mail in smtp_server.messages_to(asker.email)]
    assert subjects == ["New reply in “First topic here”", "New reply in “Second topic here”"]


def test_people_stop_watching(app, asker, helper, make_topic, make_reply):
    """Unwatching stops reply notices and emails."""
    topic = make_topic(asker)
    logged_in(app, asker).post_form(f"/forum/t/{topic.id}/watch", {"watch": "0"})
    make_reply(helper, topic)
    assert queued_to(app, asker.email) == []
    with app.app_context():
        assert db.session.scalars(select(Notification)).all() == []


def test_watching_is_a_choice_too(app, asker, helper, make_member, make_topic, make_reply):
    """A reader who watches gets the next reply's notice and email."""
    topic = make_topic(asker)
    reader = make_member("reader@example.com")
    logged_in(app, reader).post_form(f"/forum/t/{topic.id}/watch", {"watch": "1"})
    make_reply(helper, topic, "Here is an idea.")
    [mail] = queued_to(app, reader.email)
    assert "Here is an idea." in mail.body_text


def test_a_mention_notifies_and_emails_the_person_named(
    mail_app, smtp_server, asker, helper, make_member, make_topic, make_reply
):
    """@handle (any case) emails that person once, instead of the reply email."""
    app = mail_app
    expert = make_member("expert@example.com", display_name="Ezra Expert")
    topic = make_topic(asker)
    make_reply(helper, topic, "I think @ezraexpert knows, and also @ghost.")
    make_reply(asker, topic, "Thanks, waiting for @EzraExpert")
    _deliver(app)
    mails = smtp_server.messages_to(expert.email)
    assert [mail["Subject"] for mail in mails] == [
        f"Harper Lee mentioned you in “{topic.title}”",
        f"Casey Chen mentioned you in “{topic.title}”",
    ]
    assert "List-Unsubscribe" in mails[0]
    assert len(smtp_server.messages_to(asker.email)) == 1
    with app.app_context():
        kinds = db.session.scalars(
            select(Notification.kind).where(Notification.user_id == expert.id)
        ).all()
    assert kinds == ["mention", "mention"]


def test_an_edit_notifies_only_newly_mentioned_people(app, asker, make_member, make_topic):
    """Adding a mention while editing tells that person; people named before are not told again."""
    first = make_member("first@example.com", display_name="First Person")
    second = make_member("second@example.com", display_name="Second Person")
    topic = make_topic(asker, "Who knows routers?", "Maybe @FirstPerson")
    with as_user(app, asker.id) as user:
        posting.edit_post(
            db.session.get_one(Post, topic.post_id),
            posting.EditInput("Maybe @FirstPerson or @SecondPerson"),
            by=user,
        )
    assert len(queued_to(app, first.email)) == 1
    assert len(queued_to(app, second.email)) == 1


def test_the_mention_list_can_be_turned_off(app, asker, helper, make_topic, make_reply):
    """The email preferences page lists both forum emails; turning mentions off stops them."""
    client = logged_in(app, helper)
    page = client.get("/account/email").text
    assert "Forum replies" in page and "Forum mentions" in page
    client.post_form("/account/email", {"lists": ["forum.replies"]})
    make_reply(asker, make_topic(asker), "Ping @HarperLee")
    assert queued_to(app, helper.email) == []


def test_notices_gather_and_count_in_the_navigation(
    app, asker, helper, make_member, make_topic, make_reply
):
    """Replies gather into one notice; the badge counts unread notices; a visit reads them."""
    topic = make_topic(asker, "Laptop fan is loud")
    make_reply(helper, topic, "Clean the vents.")
    make_reply(make_member(display_name="Other Helper"), topic, "Update the BIOS.")
    client = logged_in(app, asker)
    page = client.get("/forum/notifications").text
    assert "2 new replies in “Laptop fan is loud”, the latest by Other Helper" in page
    assert 'data-badge="forum"' in page
    assert client.get("/forum/notifications/count").get_json() == {"count": 1}
    client.get(topic.path)
    assert client.get("/forum/notifications/count").get_json() == {"count": 0}
    with app.app_context():
        relation = db.session.get_one(TopicUser, (asker.id, topic.id))
        assert not relation.unread and not relation.emailed


def test_a_notice_leads_to_its_post_and_all_can_be_marked_read(
    app, asker, helper, make_topic, make_reply
):
    """Following a notice marks it read and lands on the reply; "mark all" reads the rest."""
    topic = make_topic(asker)
    reply = make_reply(helper, topic, "Look here")
    make_reply(helper, make_topic(asker), "And here")
    client = logged_in(app, asker)
    with app.app_context():
        notice = db.session.scalars(
            select(Notification).where(Notification.post_id == reply.id)
        ).one()
    response = client.get(f"/forum/notifications/{notice.id}")
    assert response.headers["Location"] == f"{topic.path}#post-{reply.number}"
    assert client.get("/forum/notifications/count").get_json() == {"count": 1}
    client.post_form("/forum/notifications/read")
    assert client.get("/forum/notifications/count").get_json() == {"count": 0}


def test_accepted_answers_notify_their_author(app, asker, helper, make_topic, make_reply):
    """The answer's author is told in the site."""
    topic = make_topic(asker, "Phone will not charge")
    reply = make_reply(helper, topic)
    logged_in(app, asker).post_form(f"/forum/p/{reply.id}/accept")
    page = logged_in(app, helper).get("/forum/notifications").text
    assert "Casey Chen accepted your answer in “Phone will not charge”" in page


def test_unconfirmed_members_get_notices_but_no_email(
    app, asker, helper, make_member, make_topic, make_reply
):
    """Email goes to confirmed addresses only."""
    topic = make_topic(asker)
    shy = make_member("shy@example.com", display_name="Shy Reader", confirmed=False)
    make_reply(helper, topic, "Hello @ShyReader")
    assert queued_to(app, shy.email) == []
    with app.app_context():
        assert db.session.scalars(
            select(Notification.kind).where(Notification.user_id == shy.id)
        ).all() == ["mention"]


def test_notices_about_a_topic_taken_down_leave_the_list_and_the_count(
    app, asker, helper, moderator, make_topic, make_reply
):
    """A hidden or deleted topic's title (maybe the spam itself) is not shown in notices."""
    spam = make_topic(helper, "Cheap watches at spam.example", "Buy now")
    make_reply(asker, spam, "Is this real?")
    make_reply(helper, spam, "Yes, buy now")
    kept = make_topic(asker, "Printer offline")
    make_reply(helper, kept, "Restart the router.")
    client = logged_in(app, asker)
    assert client.get("/forum/notifications/count").get_json() == {"count": 2}
    with as_user(app, moderator.id) as user:
        moderation.moderate_topic(db.session.get_one(Topic, spam.id), "hide", by=user)
    assert client.get("/forum/notifications/count").get_json() == {"count": 1}
    page = client.get("/forum/notifications").text
    assert "Printer offline" in page and "spam.example" not in page

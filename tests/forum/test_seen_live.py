"""A watcher who sees a reply arrive on an open page is not emailed about it.

Reply and mention emails wait `FORUM_EMAIL_DELAY_SECONDS`; an open topic page that shows
new replies while its tab is visible posts `/forum/t/<id>/seen`, which reads the reader's
notices and withdraws those emails. The mail goes through a real SMTP server on loopback.
"""

from __future__ import annotations

import time

import pytest
from sqlalchemy import func, select

from community.extensions import db
from community.outbox import delivery
from community.outbox.models import OutboxMessage, OutboxStatus
from forum.models import Notification, Post, Topic
from forum.services import moderation
from tests.forum.conftest import FAST, as_user
from tests.helpers import badge_counts, badge_pushes, badge_socket, logged_in

pytestmark = pytest.mark.smtp

DELAY = 2


@pytest.fixture
def held_app(make_app, smtp_server):
    """Reply emails held back `DELAY` seconds, as a deployment holds them."""
    return make_app(**FAST, MAIL_URL=smtp_server.url, FORUM_EMAIL_DELAY_SECONDS=DELAY)


@pytest.fixture
def app(held_app):
    """The forum fixtures (make_topic, make_reply) post through the held-back app."""
    return held_app


def _deliver(app) -> None:
    with app.app_context():
        delivery.deliver_pending()


def _emails_about(app, post_id: int, email: str) -> list[str]:
    with app.app_context():
        return list(
            db.session.scalars(
                select(OutboxMessage.status).where(
                    OutboxMessage.to_address == email,
                    OutboxMessage.dedupe_key.like(f"forum.%:{post_id}:%"),
                )
            )
        )


def _unread_notices(app, user_id: int) -> int:
    with app.app_context():
        return db.session.scalar(
            select(func.count(Notification.id)).where(
                Notification.user_id == user_id, Notification.read_at.is_(None)
            )
        )


def _seen(client, topic_id: int, number) -> object:
    return client.post_form(
        f"/forum/t/{topic_id}/seen", {"number": number}, headers={"Accept": "application/json"}
    )


def test_a_reply_seen_live_is_read_and_never_emailed(
    app, smtp_server, asker, helper, make_topic, make_reply
):
    """The asker's page shows the reply: notice read, badge back to 0, no email ever."""
    topic = make_topic(asker, "Scanner skips pages")
    page = logged_in(app, asker)
    assert page.get(topic.path).status_code == 200
    badges = badge_socket(app, logged_in(app, asker))
    reply = make_reply(helper, topic, "Clean the feed rollers.")
    assert _emails_about(app, reply.id, asker.email) == [OutboxStatus.QUEUED]
    _deliver(app)
    assert smtp_server.messages_to(asker.email) == [], "held back, not sent at once"
    assert badge_counts(app, asker)["forum"] == 1
    badge_pushes(badges)

    answer = _seen(page, topic.id, reply.number)
    assert answer.status_code == 200 and answer.get_json() == {"marked": True}
    assert _emails_about(app, reply.id, asker.email) == []
    assert _unread_notices(app, asker.id) == 0
    assert badge_pushes(badges) == 1, "every open page of the asker refreshes its badge"
    assert badge_counts(app, asker)["forum"] == 0

    time.sleep(DELAY + 0.2)
    _deliver(app)
    assert smtp_server.messages_to(asker.email) == []
    # Seen counts as a visit: the next reply emails again, after its own delay.
    later = make_reply(helper, topic, "Or replace them.")
    time.sleep(DELAY + 0.2)
    _deliver(app)
    [mail] = smtp_server.messages_to(asker.email)
    assert "Or replace them." in mail.get_body(preferencelist=("plain",)).get_content()
    assert _emails_about(app, later.id, asker.email) == [OutboxStatus.SENT]


def test_a_reply_nobody_looked_at_is_emailed_after_the_delay(
    app, smtp_server, asker, helper, make_topic, make_reply
):
    topic = make_topic(asker, "Toner smudges")
    make_reply(helper, topic, "Shake the cartridge.")
    _deliver(app)
    assert smtp_server.messages_to(asker.email) == []
    time.sleep(DELAY + 0.2)
    _deliver(app)
    [mail] = smtp_server.messages_to(asker.email)
    assert mail["Subject"] == "New reply in “Toner smudges”"
    assert _unread_notices(app, asker.id) == 1


def test_a_page_that_has_not_shown_the_newest_reply_changes_nothing(
    app, asker, helper, make_member, make_topic, make_reply
):
    """Seen up to reply 2 while reply 3 exists: the notice and the email both stay."""
    topic = make_topic(asker)
    first = make_reply(helper, topic)
    make_reply(make_member(), topic)
    page = logged_in(app, asker)
    assert _seen(page, topic.id, first.number).get_json() == {"marked": False}
    assert _unread_notices(app, asker.id) == 1
    assert _emails_about(app, first.id, asker.email) == [OutboxStatus.QUEUED]


def test_a_mention_seen_live_is_withdrawn_too(app, asker, helper, make_topic, make_reply):
    topic = make_topic(helper)
    mention = make_reply(helper, topic, "@CaseyChen can you check this?")
    page = logged_in(app, asker)
    assert _emails_about(app, mention.id, asker.email) == [OutboxStatus.QUEUED]
    assert _seen(page, topic.id, mention.number).get_json() == {"marked": True}
    assert _emails_about(app, mention.id, asker.email) == []


def test_seen_refuses_bad_input_and_other_peoples_topics(
    app, client, asker, helper, moderator, make_topic, make_reply
):
    topic = make_topic(asker)
    reply = make_reply(helper, topic)
    page = logged_in(app, asker)
    for bad in ("", "three", "-1", str(2**63), "1e3"):
        answer = _seen(page, topic.id, bad)
        assert answer.status_code == 422, bad
        assert answer.get_json()["error"]["fields"][0]["field"] == "number"
    assert _unread_notices(app, asker.id) == 1, "nothing was marked by a bad request"

    no_token = page.post(f"/forum/t/{topic.id}/seen", data={"number": reply.number})
    assert no_token.status_code == 400
    anonymous = client.post_form(f"/forum/t/{topic.id}/seen", {"number": reply.number})
    assert anonymous.status_code in (302, 401)
    assert _seen(page, 2**31, 1).status_code == 404

    with as_user(app, moderator.id) as user:
        moderation.moderate_topic(db.session.get_one(Topic, topic.id), "hide", by=user)
    outsider = logged_in(app, helper)
    assert _seen(outsider, topic.id, reply.number).status_code == 404


def test_an_email_already_sent_is_left_alone(
    app, smtp_server, asker, helper, make_topic, make_reply
):
    """Seen after the delay: the notice is read; the email was sent and stays recorded."""
    topic = make_topic(asker)
    reply = make_reply(helper, topic, "Try the other tray.")
    time.sleep(DELAY + 0.2)
    _deliver(app)
    assert len(smtp_server.messages_to(asker.email)) == 1
    page = logged_in(app, asker)
    assert _seen(page, topic.id, reply.number).get_json() == {"marked": True}
    assert _emails_about(app, reply.id, asker.email) == [OutboxStatus.SENT]
    assert _unread_notices(app, asker.id) == 0


def test_a_reply_hidden_before_its_email_goes_is_never_sent(
    app, smtp_server, asker, helper, moderator, make_member, make_topic, make_reply
):
    """A moderator hides spam within the delay: its emails are withdrawn, others stay."""
    topic = make_topic(asker)
    good = make_reply(make_member(), topic, "Check the paper size setting.")
    spam = make_reply(helper, topic, "@CaseyChen buy cheap toner at example.com")
    with as_user(app, moderator.id) as user:
        moderation.hide_post(db.session.get_one(Post, spam.id), by=user)
    assert _emails_about(app, spam.id, asker.email) == []
    assert _emails_about(app, good.id, asker.email) == [OutboxStatus.QUEUED]


def test_a_topic_hidden_takes_its_waiting_emails_with_it(
    app, asker, helper, moderator, make_topic, make_reply
):
    topic = make_topic(asker, "Win a free printer!!!")
    reply = make_reply(helper, topic, "Me please")
    with as_user(app, moderator.id) as user:
        moderation.moderate_topic(db.session.get_one(Topic, topic.id), "hide", by=user)
    assert _emails_about(app, reply.id, asker.email) == []

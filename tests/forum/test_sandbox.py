"""The new-member sandbox: daily limits, links, mentions, pace and duplicates; staff exempt."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import update

from community.accounts.models import Role
from community.db import utcnow
from community.errors import InvalidInput
from community.extensions import db
from forum.models import Post, Topic
from forum.services import posting
from tests.forum.conftest import FAST, as_user
from tests.helpers import logged_in


def _topic(app, person, category, title="A question here", body=None):
    with as_user(app, person.id) as user:
        return posting.create_topic(
            posting.TopicInput(category_id=category, title=title, body=body or f"About {title}"),
            by=user,
        ).id


def _reply(app, person, topic_id, body) -> int:
    with as_user(app, person.id) as user:
        return posting.create_reply(db.session.get_one(Topic, topic_id), body, by=user).id


def test_new_members_start_a_few_topics_in_their_first_day(make_app, make_member, category):
    """The limit applies to new accounts only."""
    app = make_app(**FAST, FORUM_SANDBOX_TOPICS_PER_DAY=2)
    newcomer = make_member(new=True)
    _topic(app, newcomer, category, "First question")
    _topic(app, newcomer, category, "Second question")
    with pytest.raises(InvalidInput) as refused:
        _topic(app, newcomer, category, "Third question")
    assert "New members can start 2 topics in their first day" in refused.value.message
    regular = make_member()
    for number in range(3):
        _topic(app, regular, category, f"Regular question {number}")


def test_new_members_post_a_few_replies_in_their_first_day(make_app, make_member, asker, category):
    """Replies have their own daily limit."""
    app = make_app(**FAST, FORUM_SANDBOX_REPLIES_PER_DAY=2)
    topic_id = _topic(app, asker, category)
    newcomer = make_member(new=True)
    _reply(app, newcomer, topic_id, "One")
    _reply(app, newcomer, topic_id, "Two")
    with pytest.raises(InvalidInput) as refused:
        _reply(app, newcomer, topic_id, "Three")
    assert "2 replies" in refused.value.message


def test_new_members_put_few_links_in_a_post(app, make_member, asker, make_topic):
    """Three links (or images) are too many for a new member; fine for others."""
    topic = make_topic(asker)
    body = "[a](https://a.test) [b](https://b.test) ![c](https://c.test/c.png)"
    with pytest.raises(InvalidInput) as refused:
        _reply(app, make_member(new=True), topic.id, body)
    assert refused.value.field == "body" and "2 links or images" in refused.value.message
    _reply(app, make_member(), topic.id, body)


def test_mentions_per_post_are_limited(app, make_member, asker, make_topic):
    """New members mention two people at most, everyone else ten."""
    topic = make_topic(asker)
    with pytest.raises(InvalidInput):
        _reply(app, make_member(new=True), topic.id, "@a @b @c please help")
    _reply(app, make_member(), topic.id, "@a @b @c please help")
    many = " ".join(f"@person{number}" for number in range(11))
    with pytest.raises(InvalidInput) as refused:
        _reply(app, make_member(), topic.id, many)
    assert "at most 10 people" in refused.value.message


def test_members_wait_between_posts(make_app, make_member, asker, category):
    """A second post within the pause is refused, with how long to wait."""
    app = make_app(FORUM_SECONDS_BETWEEN_POSTS=60, FORUM_SANDBOX_SECONDS_BETWEEN_POSTS=60)
    topic_id = _topic(app, asker, category)
    helper = make_member()
    _reply(app, helper, topic_id, "First thought")
    with pytest.raises(InvalidInput) as refused:
        _reply(app, helper, topic_id, "Second thought")
    assert refused.value.message.startswith("Please wait")
    response = logged_in(app, helper).post_form(
        f"/forum/t/{topic_id}/reply", {"body": "Third thought"}
    )
    assert response.status_code == 422 and "Please wait" in response.text


def test_the_same_text_twice_within_minutes_is_refused(app, make_member, asker, make_topic):
    """Identical text (ignoring case and spacing) is refused, until the window has passed."""
    first, second = make_topic(asker), make_topic(asker)
    helper = make_member()
    post_id = _reply(app, helper, first.id, "Restart the router.")
    with pytest.raises(InvalidInput) as refused:
        _reply(app, helper, second.id, "restart   the ROUTER.")
    assert refused.value.field == "body"
    with app.app_context():
        db.session.execute(
            update(Post)
            .where(Post.id == post_id)
            .values(created_at=utcnow() - timedelta(minutes=6))
        )
        db.session.commit()
    _reply(app, helper, second.id, "Restart the router.")


def test_staff_are_exempt(make_app, make_member, category):
    """A brand-new staff account posts fast, with links and mentions, the same text twice."""
    app = make_app(
        FORUM_SECONDS_BETWEEN_POSTS=60,
        FORUM_SANDBOX_SECONDS_BETWEEN_POSTS=60,
        FORUM_SANDBOX_TOPICS_PER_DAY=1,
    )
    staff = make_member(roles=[Role.MANAGER], new=True)
    body = "[a](https://a.test) [b](https://b.test) [c](https://c.test) @x @y @z"
    topic_id = _topic(app, staff, category, "Maintenance tonight", body)
    _topic(app, staff, category, "Maintenance tomorrow", body)
    _reply(app, staff, topic_id, body)
    _reply(app, staff, topic_id, body)


def test_posting_forms_are_rate_limited_per_address(make_app, make_member, asker, category):
    """Past the configured rate, the forms answer 429."""
    app = make_app(**FAST, RATELIMIT_ENABLED=True, FORUM_RATE_LIMIT_POST="2 per minute")
    topic_id = _topic(app, asker, category)
    client = logged_in(app, make_member())
    statuses = [
        client.post_form(f"/forum/t/{topic_id}/reply", {"body": f"Reply {number}"}).status_code
        for number in range(3)
    ]
    assert statuses == [302, 302, 429]

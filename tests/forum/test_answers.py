"""Answers: accepting, "Solved" in lists, the site search, votes, reputation, and turning an
answer into a knowledge-base draft."""

from __future__ import annotations

from community.accounts.models import Role
from community.extensions import db
from forum.models import Notification, Post, Topic
from forum.services import answers, moderation, posting, profiles
from kb.models import Article, ArticleStatus
from kb.services import search
from tests.forum.conftest import as_user, load_post, load_topic
from tests.helpers import logged_in


def _accept(app, person, post_id):
    with as_user(app, person.id) as user:
        answers.accept_answer(db.session.get_one(Post, post_id), by=user)


def _community_hits(app, query):
    with app.test_request_context():
        return [hit for hit in search(query).hits if hit.kind == "topic"]


def test_the_accepted_answer_flow(app, client, asker, helper, make_member, make_topic, make_reply):
    """Accept: "Solved" in the list, the answer under the question, its author notified."""
    topic = make_topic(asker, "Headphones will not pair", "The light blinks red.")
    make_reply(make_member(display_name="Early Bird"), topic, "Charge them first.")
    answer = make_reply(helper, topic, "Hold the button for ten seconds to reset them.")
    asker_client = logged_in(app, asker)
    response = asker_client.post_form(f"/forum/p/{answer.id}/accept")
    assert response.status_code == 302
    stored = load_topic(app, topic.id)
    assert stored.accepted_post_id == answer.id and stored.solved_at is not None

    listing = client.get("/forum/c/devices").text
    assert "✓ Solved" in listing
    assert "Headphones will not pair" in client.get("/forum/c/devices?filter=solved").text
    assert "Headphones will not pair" not in client.get("/forum/c/devices?filter=unanswered").text
    page = client.get(topic.path).text
    question = page.index("The light blinks red.")
    accepted = page.index('id="accepted-answer"')
    first_reply = page.index("Charge them first.")
    assert question < accepted < page.index("Hold the button for ten seconds") < first_reply
    assert "is the accepted answer, shown under the question" in page
    with app.app_context():
        notice = db.session.scalars(
            db.select(Notification).where(Notification.user_id == helper.id)
        ).one()
        assert (notice.kind, notice.post_id, notice.actor_id) == ("accepted", answer.id, asker.id)


def test_accepting_another_reply_replaces_the_answer(app, asker, helper, make_topic, make_reply):
    """One answer per topic: the latest choice wins."""
    topic = make_topic(asker)
    first = make_reply(helper, topic)
    second = make_reply(helper, topic)
    _accept(app, asker, first.id)
    _accept(app, asker, second.id)
    assert load_topic(app, topic.id).accepted_post_id == second.id


def test_solved_topics_join_the_site_search_as_community_answers(
    app, client, asker, helper, make_topic, make_reply
):
    """Only once solved; labelled "Community answer" on the search page."""
    topic = make_topic(asker, "Scanner makes a grinding noise", "Started after moving it.")
    answer = make_reply(helper, topic, "Remove the transport lock under the lid.")
    assert _community_hits(app, "grinding scanner") == []
    _accept(app, asker, answer.id)
    [hit] = _community_hits(app, "transport lock")
    assert hit.key == str(topic.id) and hit.url == topic.path
    assert hit.label == "Community answer"
    page = client.get("/kb/search?q=grinding+noise").text
    assert "Scanner makes a grinding noise" in page and "Community answer" in page
    api = client.get("/api/v1/search?q=grinding").get_json()
    assert [item["kind"] for item in api] == ["topic"]


def test_a_topic_leaves_the_search_when_unsolved_hidden_or_deleted(
    app, asker, helper, moderator, make_topic, make_reply
):
    """Unmarking, hiding the answer, hiding or deleting the topic each remove it."""
    topic = make_topic(asker, "Keyboard types double letters", "Every key.")
    answer = make_reply(helper, topic, "Clean under the keys with compressed air.")

    def solved_again():
        _accept(app, asker, answer.id)
        assert _community_hits(app, "compressed air")

    solved_again()
    with as_user(app, asker.id) as user:
        answers.unaccept_answer(db.session.get_one(Topic, topic.id), by=user)
    assert _community_hits(app, "compressed air") == []

    solved_again()
    with as_user(app, moderator.id) as user:
        moderation.hide_post(db.session.get_one(Post, answer.id), by=user)
    assert _community_hits(app, "compressed air") == []
    assert load_topic(app, topic.id).accepted_post_id is None
    with as_user(app, moderator.id) as user:
        moderation.restore_post(db.session.get_one(Post, answer.id), by=user)

    solved_again()
    with as_user(app, moderator.id) as user:
        moderation.moderate_topic(db.session.get_one(Topic, topic.id), "hide", by=user)
    assert _community_hits(app, "compressed air") == []
    with as_user(app, moderator.id) as user:
        moderation.moderate_topic(db.session.get_one(Topic, topic.id), "restore", by=user)
    assert _community_hits(app, "compressed air")

    with as_user(app, asker.id) as user:
        posting.delete_post(db.session.get_one(Post, topic.post_id), by=user)
    assert _community_hits(app, "compressed air") == []


def test_editing_a_solved_topic_updates_the_search(app, asker, helper, make_topic, make_reply):
    """The index follows an edit of the question or of the answer."""
    topic = make_topic(asker, "Monitor flickers", "At 144 Hz.")
    answer = make_reply(helper, topic, "Use the DisplayPort cable.")
    _accept(app, asker, answer.id)
    with as_user(app, helper.id) as user:
        posting.edit_post(
            db.session.get_one(Post, answer.id),
            posting.EditInput("Use the certified HDMI cable."),
            by=user,
        )
    assert _community_hits(app, "certified") and not _community_hits(app, "DisplayPort")


def test_votes_count_once_and_can_be_taken_back(app, asker, helper, make_topic, make_reply):
    """Voting twice counts once; taking it back goes down; the topic sums its votes."""
    topic = make_topic(asker)
    reply = make_reply(helper, topic)
    client = logged_in(app, asker)
    for _ in range(2):
        response = client.post_form(
            f"/forum/p/{reply.id}/vote", {"up": "1"}, headers={"Accept": "application/json"}
        )
        version = load_topic(app, topic.id).version  # the page keeps the newest count it saw
        assert response.get_json() == {"count": 1, "voted": True, "version": version}
    assert load_topic(app, topic.id).vote_count == 1
    client.post_form(f"/forum/p/{reply.id}/vote", {"up": "0"})
    assert load_post(app, reply.id).vote_count == 0
    assert load_topic(app, topic.id).vote_count == 0


def test_a_profile_shows_topics_answers_accepted_answers_and_reputation(
    app, client, asker, helper, make_member, make_topic, make_reply
):
    """Ten points per upvote on an answer, fifteen per accepted answer."""
    topic = make_topic(asker, "Where is my invoice?", "Cannot find it.")
    answer = make_reply(helper, topic, "Under Your orders, then Invoice.")
    make_reply(helper, make_topic(asker), "Another answer.")
    voter = make_member()
    with as_user(app, voter.id) as user:
        answers.set_vote(db.session.get_one(Post, answer.id), by=user, up=True)
    _accept(app, asker, answer.id)
    with app.app_context():
        stats = profiles.member_stats(helper.id)
    assert (stats.topics, stats.answers, stats.accepted, stats.votes) == (0, 2, 1, 1)
    assert stats.reputation == 25
    page = client.get(f"/forum/u/{helper.id}").text
    assert "Harper Lee" in page and "@HarperLee" in page
    assert '<dd class="stat-value">25</dd>' in page
    assert "Where is my invoice?" in page


def test_staff_replies_carry_a_staff_badge(app, client, asker, make_member, make_topic, make_reply):
    """A reply written by staff is marked; members' replies are not."""
    topic = make_topic(asker)
    make_reply(make_member(display_name="Sam Staff", roles=[Role.MANAGER]), topic, "We are on it.")
    page = client.get(topic.path).text
    assert page.count('<span class="badge badge-staff">Staff</span>') == 1
    assert page.index("Sam Staff") < page.index("badge-staff") < page.index("We are on it.")


def test_an_editor_turns_the_accepted_answer_into_a_draft(
    app, asker, helper, make_member, make_topic, make_reply
):
    """One click makes a knowledge-base draft linking back; a second click opens the same one."""
    topic = make_topic(
        asker, "Toner light stays on", "After replacing the cartridge.", tags=["toner"]
    )
    answer = make_reply(helper, topic, "Reset the counter: hold **Stop** for 5 seconds.")
    _accept(app, asker, answer.id)
    editor = make_member(roles=[Role.EDITOR])
    client = logged_in(app, editor)
    first = client.post_form(f"/forum/t/{topic.id}/article")
    second = client.post_form(f"/forum/t/{topic.id}/article")
    assert first.status_code == second.status_code == 302
    assert first.headers["Location"] == second.headers["Location"]
    assert "/kb/articles/" in first.headers["Location"]
    with app.app_context():
        [article] = db.session.scalars(db.select(Article)).all()
        assert article.status == ArticleStatus.DRAFT
        assert article.title == "Toner light stays on"
        assert "After replacing the cartridge." in article.body
        assert "hold **Stop** for 5 seconds" in article.body
        assert f"http://portal.test/forum/t/{topic.id}/{topic.slug}" in article.body
        assert article.tag_names == ["toner"]
        assert db.session.get_one(Topic, topic.id).kb_article_id == article.id


def test_the_first_reply_accepted_is_shown_once_under_the_question(
    app, client, asker, helper, make_topic, make_reply
):
    """An accepted answer right after the question needs no pointer back to itself."""
    topic = make_topic(asker, "Router lights blink", "All four lights blink.")
    answer = make_reply(helper, topic, "Unplug it for thirty seconds.")
    _accept(app, asker, answer.id)
    page = client.get(topic.path).text
    assert page.count("Unplug it for thirty seconds.") == 1
    assert "is the accepted answer, shown under the question" not in page
    assert f'id="post-{answer.number}"' in page  # its address still lands on the page

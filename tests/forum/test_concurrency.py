"""Two members voting and replying on the same topic at once: no error, no count adrift.

Every forum write takes its row locks child before parent (post, topic, category), so two
writers queue on PostgreSQL instead of deadlocking, and counters never miss an update.
"""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import func, select

from community.extensions import db
from forum.models import Post, PostVote, Topic
from forum.services import answers, posting
from tests.forum.conftest import as_user

pytestmark = pytest.mark.slow

ROUNDS = 40


def test_votes_and_replies_at_once_never_fail_and_counts_stay_true(
    app, asker, helper, make_member, make_topic, make_reply
):
    topic = make_topic(asker)
    replies = [make_reply(helper, topic).id for _ in range(3)]
    voter = make_member("voter@example.com")
    errors: list[BaseException] = []

    def member(user_id: int, order: list[int]) -> None:
        try:
            for round_number in range(ROUNDS):
                with as_user(app, user_id) as user:
                    for post_id in order:
                        post = db.session.get_one(Post, post_id)
                        answers.set_vote(post, by=user, up=round_number % 2 == 0)
                    found = db.session.get_one(Topic, topic.id)
                    posting.create_reply(found, f"Round {round_number} from {user_id}", by=user)
        except BaseException as error:
            errors.append(error)

    threads = [
        threading.Thread(target=member, args=(asker.id, replies)),
        threading.Thread(target=member, args=(voter.id, list(reversed(replies)))),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=300)

    assert errors == []
    with app.app_context():
        saved = db.session.get_one(Topic, topic.id)
        posts = db.session.scalar(select(func.count()).where(Post.topic_id == topic.id))
        votes = dict(
            db.session.execute(
                select(PostVote.post_id, func.count()).group_by(PostVote.post_id)
            ).all()
        )
        counted = dict(db.session.execute(select(Post.id, Post.vote_count)).all())
    assert posts == 4 + 2 * ROUNDS
    assert sum(votes.values()) == 2 * len(replies) * (ROUNDS % 2)
    assert saved.post_count == posts
    assert all(counted[post_id] == votes.get(post_id, 0) for post_id in counted)

"""The public service page: each promise beside the real median, the share within the
promise and satisfaction, the forum's first-answer time and the VIP tiers, all computed from
known rows; honest when there are too few; cached for visitors."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import update

from community.accounts.models import Role, User
from community.db import utcnow
from community.extensions import db
from forum.models import ForumCategory, Post, Topic
from kb.search import engine
from support.models import SupportRequest
from support.services import figures
from vip.services import conversation_for_client, post_message
from vip.services.assignments import assign_client

NOW = utcnow().replace(microsecond=0)


def shape(app, record, **values) -> None:
    """Give a request the figures a test needs, written straight to its row."""
    with app.app_context():
        db.session.execute(
            update(SupportRequest).where(SupportRequest.id == record.id).values(**values)
        )
        db.session.commit()


def answered(app, record, created, minutes, **extra) -> None:
    shape(
        app,
        record,
        first_replied_at=created + timedelta(minutes=minutes),
        first_reply_business_minutes=minutes,
        **extra,
    )


def returns_requests(app, open_request) -> None:
    """Six requests in the window (answered in 30, 60, 90, 120, 300 minutes and one never,
    promised within 240), five rated 4 good to 1 bad; plus an old one and a merged one
    that must not count."""
    ratings = ["good", "good", "good", "bad", "good", None]
    for index, minutes in enumerate([30, 60, 90, 120, 300, None]):
        created = NOW - timedelta(days=index + 1)
        record = open_request(f"Question {index}", now=created)
        if minutes is not None:
            answered(app, record, created, minutes)
        shape(app, record, rating=ratings[index])
    old_created = NOW - timedelta(days=40)
    old = open_request("Old", now=old_created)
    answered(app, old, old_created, 5000, rating="bad")
    merged = open_request("Duplicate", now=NOW - timedelta(days=2))
    answered(app, merged, NOW - timedelta(days=2), 9999, merged_into_id=old.id, rating="bad")


def test_figures_come_from_the_rows_of_the_last_30_days(app, desk, open_request):
    """Median 90 minutes, 4 of 6 decided within the promise, 4 of 5 ratings good; the old and
    the merged requests are left out; a department with no requests has no figures."""
    returns_requests(app, open_request)
    with app.app_context():
        data = figures.compute(NOW)
    returns, billing = data.departments
    assert returns.promise_minutes == 240
    assert returns.requests == 6 and returns.replied == 5
    assert returns.median_minutes == 90
    assert (returns.decided, returns.within) == (6, 4)
    assert round(returns.share_within, 3) == round(4 / 6, 3)
    assert (returns.rated, returns.good) == (5, 4) and returns.satisfaction == 0.8
    assert billing.requests == 0 and not billing.has_median
    assert billing.share_within is None and billing.satisfaction is None


def test_the_page_shows_promise_beside_reality(app, desk, open_request, client):
    """The page says the promise, the median in business time, 67% and 80%, and is honest
    where there is nothing to count."""
    returns_requests(app, open_request)
    page = client.get("/service").get_data(as_text=True)
    assert "4 business hours" in page
    assert "1 business hour and 30 minutes" in page
    assert "67%" in page and "80%" in page
    assert "Not enough requests yet" in page  # billing
    assert 'class="sup-compare"' in page


def test_a_request_still_within_its_promise_is_not_counted_yet(app, desk, open_request):
    """An unanswered request whose promise has not passed is neither in time nor late."""
    open_request("Fresh", now=NOW - timedelta(minutes=10))
    with app.app_context():
        returns = figures.compute(NOW).departments[0]
    assert (returns.requests, returns.decided, returns.within) == (1, 0, 0)


def test_with_no_data_at_all_the_page_says_so(app, desk, client):
    """No requests, no forum questions: every figure says there are not enough yet."""
    page = client.get("/service").get_data(as_text=True)
    assert page.count("Not enough requests yet") >= 2
    assert "Not enough questions yet" in page
    assert "%" not in page.split("<main", 1)[1].split("</main>", 1)[0]


def make_forum_topics(app, asker_id: int, helper_id: int) -> None:
    """Five topics answered after 1 to 5 hours by someone else, one unanswered, one where
    only the author and a hidden reply answered, and one asked long ago."""
    with app.app_context():
        category = ForumCategory(slug="help", name="Help")
        db.session.add(category)
        db.session.flush()

        def topic(hours_ago: float, replies: list[tuple[int, float, bool]]) -> None:
            asked = NOW - timedelta(hours=hours_ago)
            item = Topic(
                category_id=category.id, author_id=asker_id, title="Q", slug="q", created_at=asked
            )
            db.session.add(item)
            db.session.flush()
            posts = [(asker_id, 0.0, False), *replies]
            for number, (author, after, hidden) in enumerate(posts, start=1):
                db.session.add(
                    Post(
                        topic_id=item.id,
                        number=number,
                        author_id=author,
                        body="a",
                        body_html="a",
                        is_hidden=hidden,
                        created_at=asked + timedelta(hours=after),
                    )
                )

        for hours in (1, 2, 3, 4, 5):
            topic(48, [(asker_id, 0.5, False), (helper_id, hours, False)])
        topic(30, [])
        topic(20, [(asker_id, 1, False), (helper_id, 2, True)])
        topic(24 * 45, [(helper_id, 0.1, False)])
        db.session.commit()


def test_the_forum_figure_is_the_median_wait_for_someone_elses_answer(app, desk, make_user, client):
    """Median 3 hours over 5 answered of 7 asked: the author's own reply and a hidden one do
    not answer, and a topic asked 45 days ago is outside the window."""
    helper = make_user("helper@example.com")
    make_forum_topics(app, desk.customer.id, helper.id)
    with app.app_context():
        forum = figures.forum_first_answers(NOW - figures.WINDOW, NOW)
    assert (forum.asked, forum.answered) == (7, 5)
    assert forum.median_seconds == 3 * 3600
    assert "3 hours" in client.get("/service").get_data(as_text=True)


def test_vip_tiers_show_their_promise_and_real_median(app, desk, make_user, client):
    """Gold promises 60 minutes; its manager ended five waits in 10 to 50 minutes."""
    manager = make_user("morgan@example.com", roles=[Role.MANAGER])
    admin = make_user("root@example.com", roles=[Role.ADMIN])
    with app.test_request_context():
        for minutes in (10, 20, 30, 40, 50):
            client_user = make_vip_client(app, make_user, manager.id, admin.id, minutes)
            conversation = conversation_for_client(client_user)
            asked = NOW - timedelta(days=1, minutes=minutes)
            post_message(client_user, conversation, "Can you help?", now=asked)
            post_message(
                db.session.get(User, manager.id), conversation, "Yes.",
                now=asked + timedelta(minutes=minutes),
            )  # fmt: skip
        tiers = {tier.name: tier for tier in figures.compute(NOW).tiers}
    assert tiers["gold"].promise_minutes == 60
    assert tiers["gold"].median_minutes == 30 and tiers["gold"].has_median
    assert not tiers["silver"].has_median
    page = client.get("/service").get_data(as_text=True)
    assert "Gold" in page and "30 minutes" in page


def make_vip_client(app, make_user, manager_id: int, admin_id: int, number: int) -> User:  # type: ignore[no-untyped-def]
    """A gold client assigned to the manager, through the club's own service."""
    record = make_user(f"gold{number}@example.com")
    client_user = db.session.get(User, record.id)
    assign_client(
        client_user, tier="gold", manager=db.session.get(User, manager_id), backup=None,
        by=db.session.get(User, admin_id),
    )  # fmt: skip
    return client_user


def test_visitors_get_the_page_from_the_cache(make_app, desk, open_request):
    """With a real cache, a visitor's second look within minutes is the same snapshot."""
    cached = make_app(CACHE_TYPE="SimpleCache")
    with cached.app_context():
        engine(cached).ensure_started()
    client = cached.test_client()
    first = client.get("/service").get_data(as_text=True)
    returns_requests(cached, open_request)
    assert client.get("/service").get_data(as_text=True) == first
    with cached.app_context():
        assert figures.compute(utcnow()).departments[0].requests == 6

"""The pages: lists with filters and paging, topics, forms with their errors, the anonymous
page cache, suggestions while asking, and a query count that does not grow with a page."""

from __future__ import annotations

from contextlib import contextmanager

from sqlalchemy import event

from community.accounts.models import Role
from community.extensions import db
from forum.models import Post, Topic
from forum.services import answers, posting
from kb.services.articles import ArticleInput, save_article
from tests.forum.conftest import FAST, as_user
from tests.helpers import logged_in


@contextmanager
def counting_queries(app):
    statements: list[str] = []

    def count(conn, cursor, statement, *args):
        statements.append(statement)

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", count)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", count)


def test_the_forum_home_lists_categories_with_counts_and_latest_activity(
    app, client, asker, helper, make_topic, make_reply, make_category
):
    """Name, description, topic and post counts, the latest topic; a Forum link in the menu."""
    make_category("Empty corner", slug="empty")
    topic = make_topic(asker, "Tablet screen cracked")
    make_reply(helper, topic)
    page = client.get("/forum/").text
    assert '<a href="/forum/"' in page and ">Forum</a>" in page
    assert "Devices" in page and "Empty corner" in page
    assert "<dt>Topics</dt><dd>1</dd>" in page and "<dt>Posts</dt><dd>2</dd>" in page
    assert "Tablet screen cracked" in page and "No topics yet" in page


def test_category_filters_and_paging(make_app, make_member, make_category):
    """Latest, unanswered, solved and top; thirty topics a page by default, here two."""
    app = make_app(**FAST, FORUM_TOPICS_PER_PAGE=2)
    category = make_category("Devices", slug="devices")
    asker, helper = make_member(display_name="Ann Asker"), make_member(display_name="Hal Helper")
    ids = {}
    with as_user(app, asker.id) as user:
        for title in ("Alpha question", "Beta question", "Gamma question"):
            ids[title] = posting.create_topic(
                posting.TopicInput(category_id=category, title=title, body=f"Body of {title}"),
                by=user,
            ).id
    with as_user(app, helper.id) as user:
        beta = db.session.get_one(Topic, ids["Beta question"])
        reply_id = posting.create_reply(beta, "An answer", by=user).id
    with as_user(app, asker.id) as user:
        answers.accept_answer(db.session.get_one(Post, reply_id), by=user)
    client = app.test_client()
    first = client.get("/forum/c/devices").text
    assert first.index("Beta question") < first.index("Gamma question")
    assert "Alpha question" not in first and "Page 1 of 2" in first
    assert "Alpha question" in client.get("/forum/c/devices?page=2").text
    unanswered = client.get("/forum/c/devices?filter=unanswered").text
    assert "Beta question" not in unanswered and "Gamma question" in unanswered
    solved = client.get("/forum/c/devices?filter=solved").text
    assert "Beta question" in solved and "Gamma question" not in solved
    assert client.get("/forum/c/devices?filter=top").status_code == 200
    assert client.get("/forum/c/devices?filter=nonsense&page=-3").status_code == 200
    assert client.get("/forum/c/nowhere").status_code == 404


def test_topic_pages_are_paged_by_post_number(make_app, make_member, make_category):
    """A long topic splits into pages; a post's address lands on its page."""
    app = make_app(**FAST, FORUM_POSTS_PER_PAGE=2)
    category = make_category("Devices", slug="devices")
    person = make_member()
    with as_user(app, person.id) as user:
        topic = posting.create_topic(
            posting.TopicInput(category_id=category, title="Long thread", body="Start"), by=user
        )
        topic_id, slug = topic.id, topic.slug
        for number in range(4):
            posting.create_reply(db.session.get_one(Topic, topic_id), f"Reply {number}", by=user)
    client = app.test_client()
    assert "Reply 3" in client.get(f"/forum/t/{topic_id}/{slug}?page=3").text
    assert "Reply 3" not in client.get(f"/forum/t/{topic_id}/{slug}").text
    with app.app_context():
        last = db.session.scalars(db.select(Post.id).where(Post.number == 5)).one()
    response = client.get(f"/forum/p/{last}")
    assert response.headers["Location"] == f"/forum/t/{topic_id}/{slug}?page=3#post-5"


def test_a_topic_address_corrects_its_slug(client, asker, make_topic):
    """A missing or outdated slug redirects to the topic's own address; Chinese slugs stay."""
    topic = make_topic(asker, "退货后多久能收到退款？")
    assert topic.slug == "退货后多久能收到退款"
    response = client.get(f"/forum/t/{topic.id}/old-title?page=1")
    assert response.status_code == 301
    assert response.headers["Location"].startswith(f"/forum/t/{topic.id}/%E9%80%80")
    assert client.get(response.headers["Location"]).status_code == 200
    assert client.get("/forum/t/999").status_code == 404


def test_hostile_titles_and_bodies_are_shown_as_text(app, client, asker, make_topic):
    """Markup in a title is escaped everywhere; scripts never reach the page."""
    topic = make_topic(
        asker,
        '<script>alert("t")</script> \u202eevil',
        "<img src=x onerror=alert(1)> [x](javascript:alert(2)) <script>alert(3)</script>",
    )
    for url in (topic.path, "/forum/c/devices", "/forum/", f"/forum/u/{asker.id}"):
        page = client.get(url).text
        assert "<script>alert" not in page and "onerror" not in page
        assert "javascript:alert" not in page and "\u202e" not in page
        assert "&lt;script&gt;alert(&#34;t&#34;)&lt;/script&gt;" in page


def test_new_topic_form_errors_are_shown_with_422(app, asker, category):
    """Empty, invisible and huge input each come back on the form; nothing is saved."""
    client = logged_in(app, asker)
    assert client.get("/forum/new?category=devices").status_code == 200
    cases = [
        ({"title": "", "body": ""}, "This field cannot be empty."),
        ({"title": "\u200b\u200b\u200b", "body": "Body"}, "This field cannot be empty."),
        ({"title": "Fine title", "body": "\u200b \u2060"}, "This field cannot be empty."),
        ({"title": "x" * 201, "body": "Body"}, "Field cannot be longer than 200 characters."),
        ({"title": "Fine title", "body": "y" * 32_001}, "32000 characters"),
        ({"title": "Two\nlines", "body": "Body"}, "Use a single line."),
        ({"title": "Fine title", "body": "Body", "tags": "a,b,c,d,e,f"}, "at most 5 tags"),
    ]
    for fields, message in cases:
        response = client.post_form("/forum/new", {"category_id": category, **fields})
        assert response.status_code == 422, fields
        assert message in response.text, fields
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count(Topic.id))) == 0


def test_a_bad_reply_comes_back_on_the_topic_page(app, asker, helper, make_topic):
    """An empty reply re-renders the topic with the error (422)."""
    topic = make_topic(asker)
    response = logged_in(app, helper).post_form(f"/forum/t/{topic.id}/reply", {"body": " "})
    assert response.status_code == 422
    assert "This field cannot be empty." in response.text and topic.title in response.text


def test_quoting_starts_the_reply_with_the_quote(app, asker, helper, make_topic, make_reply):
    """The Quote link fills the reply box, without JavaScript."""
    topic = make_topic(asker)
    reply = make_reply(helper, topic, "Try the reset button.")
    page = logged_in(app, asker).get(f"{topic.path}?quote={reply.id}").text
    assert "Harper Lee wrote:\n&gt; Try the reset button." in page


def test_edit_form_shows_the_post_and_saves_changes(app, asker, make_topic):
    """The author's edit page holds title, tags and body; a save marks the post edited."""
    topic = make_topic(asker, "Dim screen at night", "Brightness drops.", tags=["screen"])
    client = logged_in(app, asker)
    page = client.get(f"/forum/p/{topic.post_id}/edit").text
    assert "Dim screen at night" in page and "screen" in page and "Brightness drops." in page
    response = client.post_form(
        f"/forum/p/{topic.post_id}/edit",
        {"title": "Dim screen after sunset", "tags": "screen, display", "body": "It dims."},
    )
    assert response.status_code == 302
    page = client.get(response.headers["Location"], follow_redirects=True).text
    assert "Dim screen after sunset" in page and "· edited" in page and "#display" in page
    assert client.post_form(f"/forum/p/{topic.post_id}/edit", {"body": ""}).status_code == 422


def test_anonymous_pages_come_from_the_cache_but_never_stale(make_app, make_member, make_category):
    """With the page cache on, a new reply shows on the next anonymous load."""
    app = make_app(**FAST, CACHE_TYPE="SimpleCache")
    category_id = make_category("Devices", slug="devices")
    asker, helper = make_member(), make_member()
    with as_user(app, asker.id) as user:
        topic = posting.create_topic(
            posting.TopicInput(category_id=category_id, title="Cached question", body="Hello"),
            by=user,
        )
        path = f"/forum/t/{topic.id}/{topic.slug}"
    client = app.test_client()
    for url in (path, "/forum/", "/forum/c/devices"):
        client.get(url)
    with counting_queries(app) as statements:
        assert "Cached question" in client.get(path).text
    assert len(statements) == 1  # the version stamp; the page itself came from the cache
    with as_user(app, helper.id) as user:
        posting.create_reply(db.session.get_one(Topic, topic.id), "Fresh reply", by=user)
    assert "Fresh reply" in client.get(path).text
    assert "1</dd>" in client.get("/forum/c/devices").text
    home = client.get("/forum/").text
    assert "<dt>Posts</dt><dd>2</dd>" in home


def test_page_queries_do_not_grow_with_posts(app, make_member, asker, make_topic, make_reply):
    """A topic page costs the same queries with 2 posts as with 20, signed in or not."""
    topic = make_topic(asker)
    helpers = [make_member() for _ in range(3)]
    reader = logged_in(app, helpers[0])
    anonymous = app.test_client()

    def cost(client, url):
        client.get(url)  # warm: the first request of a process loads the search index state
        with counting_queries(app) as statements:
            assert client.get(url).status_code == 200
        return len(statements)

    make_reply(helpers[1], topic)
    small = (cost(anonymous, topic.path), cost(reader, topic.path))
    for number in range(18):
        make_reply(helpers[number % 3], topic, f"Reply number {number}")
    large = (cost(anonymous, topic.path), cost(reader, topic.path))
    assert small == large
    assert large[0] <= 3 and large[1] <= 10
    assert cost(anonymous, "/forum/c/devices") <= 4
    assert cost(anonymous, "/forum/") <= 3
    assert cost(reader, "/forum/c/devices") <= 10


def test_similar_answers_while_asking(
    app, client, asker, helper, make_member, make_topic, make_reply
):
    """Articles and solved topics matching a title, labelled; two Latin letters ask nothing,
    two Chinese characters (a whole word) do."""
    editor = make_member(roles=[Role.EDITOR])
    with as_user(app, editor.id) as user:
        save_article(
            None,
            ArticleInput(title="How do I return an item?", body="Open your orders."),
            by=user,
            publish=True,
        )
        save_article(
            None,
            ArticleInput(title="如何办理退货", body="在我的订单中选择退货。"),
            by=user,
            publish=True,
        )
    topic = make_topic(asker, "Return label will not print", "The PDF is blank.")
    answer = make_reply(helper, topic, "Use another browser to print the return label.")
    with as_user(app, asker.id) as user:
        answers.accept_answer(db.session.get_one(Post, answer.id), by=user)
    results = client.get("/forum/similar?q=how+to+return+my+item").get_json()["results"]
    labels = {item["title"]: item["label"] for item in results}
    assert labels["How do I return an item?"] == "Article"
    assert labels["Return label will not print"] == "Community answer"
    assert client.get("/forum/similar?q=re").get_json() == {"results": []}
    chinese = client.get("/forum/similar?q=退货").get_json()["results"]
    assert [item["title"] for item in chinese] == ["如何办理退货"]
    assert client.get("/forum/similar?q=" + "x" * 5000).status_code == 200


def test_the_home_page_shows_recent_topics(client, asker, make_topic):
    """A panel on the home page links the latest topics."""
    make_topic(asker, "Home panel topic")
    assert "Home panel topic" in client.get("/").text


def test_a_member_page_for_nobody_is_not_found(client):
    """Unknown members are 404."""
    assert client.get("/forum/u/999").status_code == 404


def test_my_profile_link(app, asker):
    """The account menu's link leads to one's own forum profile."""
    response = logged_in(app, asker).get("/forum/me")
    assert response.headers["Location"] == f"/forum/u/{asker.id}"


def test_numbers_too_large_for_the_database_are_not_errors(client, asker, make_topic):
    """Huge ids in the address are 404s, huge query numbers are ignored: never a 500."""
    topic = make_topic(asker)
    huge = "9" * 25
    for url in (f"/forum/p/{huge}", f"/forum/t/{huge}", f"/forum/u/{huge}", f"/forum/t/{huge}/x"):
        assert client.get(url).status_code == 404, url
    for query in (f"page={huge}", f"quote={huge}", "page=-5", "page=abc"):
        assert client.get(f"{topic.path}?{query}").status_code == 200, query
    for query in (f"after={huge}", f"post={huge}", "after=-1"):
        assert client.get(f"/forum/t/{topic.id}/posts?{query}").status_code == 200, query
    assert client.get(f"/forum/c/devices?page={huge}").status_code == 200


def test_pager_links_ignore_hostile_query_arguments(make_app, make_member, make_category):
    """url_for's own arguments and route values typed into the address never reach the
    pager's links, which the anonymous cache would otherwise hand to every visitor."""
    app = make_app(**FAST, FORUM_TOPICS_PER_PAGE=1)
    category = make_category("Devices", slug="devices")
    person = make_member()
    with as_user(app, person.id) as user:
        for title in ("First question", "Second question"):
            posting.create_topic(
                posting.TopicInput(category_id=category, title=title, body=f"About {title}"),
                by=user,
            )
    client = app.test_client()
    hostile = (
        "/forum/c/devices?filter=top&_scheme=javascript&_anchor=%0Aalert(1)&_external=1"
        "&_method=PUT&slug=elsewhere&endpoint=x&utm=campaign"
    )
    page = client.get(hostile)
    assert page.status_code == 200
    assert 'href="/forum/c/devices?filter=top&amp;page=2" rel="next"' in page.text
    assert "javascript" not in page.text and "alert(1)" not in page.text
    # The clean address gets the same cached page, with the same clean links.
    assert (
        'href="/forum/c/devices?filter=top&amp;page=2"'
        in client.get("/forum/c/devices?filter=top").text
    )
    assert client.get("/forum/c/devices?page=99999").status_code == 200


def test_nul_bytes_in_addresses_are_not_found(client, asker, make_topic):
    """PostgreSQL refuses NUL in text: a category or tag address holding one is a 404."""
    make_topic(asker)
    assert client.get("/forum/c/devices%00").status_code == 404
    assert client.get("/forum/tags/returns%00").status_code == 404
    assert client.get("/forum/c/devices").status_code == 200

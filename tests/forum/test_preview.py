"""The preview beside a post being written: the HTML the post will show, sanitised and with
mentions linked, for members who may post; nothing is saved, and bad input is named."""

from __future__ import annotations

from sqlalchemy import func, select

from community.extensions import db
from forum.models import Post
from tests.helpers import logged_in


def _posts(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count(Post.id))) or 0


def test_the_preview_shows_what_the_post_will_show(app, asker, make_member):
    """Markdown rendered, scripts and javascript: links gone, known @handles linked."""
    make_member(display_name="Ezra Expert")
    client = logged_in(app, asker)
    body = (
        "**Bold** and `code`\n\n<script>alert(1)</script>\n\n"
        "[click](javascript:alert(1)) <img src=x onerror=alert(1)> ask @EzraExpert or @ghost"
    )
    response = client.post_form("/forum/preview", {"body": body})
    assert response.status_code == 200
    html = response.get_json()["html"]
    assert "<strong>Bold</strong>" in html and "<code>code</code>" in html
    assert "<script" not in html and "javascript:" not in html and "onerror" not in html
    assert 'class="mention"' in html and ">@EzraExpert</a>" in html
    assert "@ghost" in html and html.count('class="mention"') == 1
    assert _posts(app) == 0


def test_blank_text_previews_as_nothing_and_bad_text_is_named(make_app, make_member):
    """Empty or spaces: nothing to show; too long: a 422 naming the body field."""
    app = make_app(FORUM_MAX_POST_LENGTH=50)
    client = logged_in(app, make_member())
    assert client.post_form("/forum/preview", {"body": "   "}).get_json() == {"html": ""}
    assert client.post_form("/forum/preview", {}).get_json() == {"html": ""}
    too_long = client.post_form("/forum/preview", {"body": "x" * 51})
    assert too_long.status_code == 422
    error = too_long.get_json()["error"]
    assert error["fields"][0]["field"] == "body" and "50" in error["message"]
    invisible = client.post_form("/forum/preview", {"body": "\u200b\u200b"})
    assert invisible.status_code == 422


def test_only_members_who_may_post_get_a_preview(app, client, make_member):
    """Visitors go to the login page, unconfirmed members are refused, CSRF is required."""
    response = client.post_form("/forum/preview", {"body": "Hello"})
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    unconfirmed = logged_in(app, make_member(confirmed=False))
    assert unconfirmed.post_form("/forum/preview", {"body": "Hello"}).status_code == 403
    member = logged_in(app, make_member())
    assert member.post("/forum/preview", data={"body": "Hello"}).status_code == 400
    assert member.post_form("/forum/preview", {"body": "Hello"}).status_code == 200


def test_the_writing_forms_carry_the_preview(app, asker, make_topic):
    """New topic, reply and edit forms each have a preview box (shown by the script)."""
    topic = make_topic(asker)
    client = logged_in(app, asker)
    for path in ("/forum/new", topic.path):
        page = client.get(path).text
        assert 'data-preview-url="/forum/preview"' in page and "js/forum.js" in page
    with app.app_context():
        question = db.session.scalars(select(Post.id).where(Post.topic_id == topic.id)).first()
    edit = client.get(f"/forum/p/{question}/edit").text
    assert 'data-preview-url="/forum/preview"' in edit and "js/forum.js" in edit


def test_the_preview_keeps_the_posting_limits(app, make_member):
    """A new member's preview refuses what their post would: too many mentions or links, so
    the preview cannot look up thirty member names at once."""
    for number in range(3):
        make_member(display_name=f"Known Person{number}")
    newcomer = logged_in(app, make_member(new=True))
    names = " ".join(f"@KnownPerson{number}" for number in range(3))
    refused = newcomer.post_form("/forum/preview", {"body": f"Hello {names}"})
    assert refused.status_code == 422
    assert refused.get_json()["error"]["fields"][0]["field"] == "body"
    assert 'class="mention"' not in refused.text
    links = " ".join(f"[link](https://example.com/{number})" for number in range(3))
    assert newcomer.post_form("/forum/preview", {"body": links}).status_code == 422
    assert newcomer.post_form("/forum/preview", {"body": "Hello @KnownPerson0"}).status_code == 200

"""Hostile text: what a post, a title or a tag becomes before it is stored."""

from __future__ import annotations

import pytest

from community.errors import InvalidInput
from community.markdown import render_markdown
from forum.content import (
    clean_body,
    clean_tags,
    clean_title,
    link_mentions,
    quote_markdown,
    render_body,
    split_tags,
)

ATTACKS = [
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    "[click](javascript:alert(1))",
    "[click](JaVaScRiPt:alert(1))",
    "[click](&#106;avascript:alert(1))",
    '<a href="java&#x09;script:alert(1)">x</a>',
    "<svg onload=alert(1)>",
    '<iframe src="https://evil.example"></iframe>',
    "[x](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    '<div style="background:url(javascript:alert(1))">x</div>',
    '<p onmouseover="alert(1)">hover</p>',
    "<object data=x></object><embed src=x>",
    '<form action="https://evil.example"><input name=x></form>',
]
FORBIDDEN = ["<script", "onerror", "onload", "onmouseover", "javascript:", "<iframe", "<svg",
             "data:text", "<object", "<embed", "<form", "<input", "style="]  # fmt: skip


@pytest.mark.parametrize("attack", ATTACKS)
def test_hostile_markdown_is_neutralised(attack):
    """Scripts, event handlers, javascript: and data: links, frames and forms never survive."""
    html = render_body(f"Look: {attack} @someone").html.lower()
    for forbidden in FORBIDDEN:
        assert forbidden not in html


def test_sanitised_attributes_escape_angle_brackets():
    """Mention linking splits the HTML at tags: nh3 must keep `>` out of attribute values."""
    html = render_markdown('![a>@admin](http://x.test/a.png "t>@admin") [b](http://x.test "q>@x")')
    assert "&gt;@admin" in html
    assert 'alt="a>' not in html and 'title="t>' not in html


def test_mentions_are_found_in_text_only():
    """Mentions in code, links, quotes and e-mail addresses are not mentions."""
    body = (
        "Ask @Casey and @王芳, not `@code` or casey@example.com.\n\n"
        "> @Quoted wrote this\n\n[@Linked](https://x.test) @Casey again\n\n    @indented"
    )
    assert render_body(body).mentions == ["Casey", "王芳"]


def test_only_known_handles_become_links_and_nothing_else_changes():
    """A known handle becomes a profile link; unknown ones and attributes stay as they were."""
    rendered = render_body('Hi @Casey and @nobody ![pic @Casey](https://x.test/p.png "@Casey")')
    html = link_mentions(rendered.html, {"casey": "7"}, lambda user_id: f"/forum/u/{user_id}")
    assert html.count('<a class="mention" href="/forum/u/7">@Casey</a>') == 1
    assert "@nobody" in html and 'alt="pic @Casey"' in html and 'title="@Casey"' in html


def test_links_and_images_are_counted():
    """The sandbox counts links and images in the sanitised HTML."""
    body = "[a](https://a.test) https://plain.test ![i](https://i.test/x.png) <https://b.test>"
    assert render_body(body).link_count == 3


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ("", "Give the topic a title."),
        ("   ", "Give the topic a title."),
        ("\u200b\u200b\u2060\ufeff", "Give the topic a title."),
        ("\u202e\u202d", "Give the topic a title."),
        ("ab", "Make the title at least 3 characters long."),
        ("x" * 201, "Keep the title under 200 characters."),
    ],
)
def test_empty_invisible_short_and_huge_titles_are_refused(raw, message):
    """Titles must hold 3 to 200 visible characters."""
    with pytest.raises(InvalidInput) as refused:
        clean_title(raw)
    assert refused.value.message == message
    assert refused.value.field == "title"


def test_titles_lose_invisible_and_direction_characters():
    """Zero-width and right-to-left override characters cannot hide or reverse a title."""
    assert clean_title("  Pay\u200bpal \u202eevil\u202c   refund\n") == "Paypal evil refund"
    assert clean_title("<script>alert(1)</script>") == "<script>alert(1)</script>"


def test_bodies_must_be_visible_and_not_huge():
    """An empty or invisible body, or one over the limit, is refused on the body field."""
    for raw in ("", " \n\t", "\u200b\u200b"):
        with pytest.raises(InvalidInput) as refused:
            clean_body(raw)
        assert refused.value.field == "body"
    with pytest.raises(InvalidInput):
        clean_body("x" * 101, max_length=100)
    assert clean_body("ok\x00\x07 fine\u202e") == "ok fine"


def test_tags_are_cleaned_and_limited():
    """Tags are lower case words and dashes in any script, at most five of 30 characters."""
    assert clean_tags(split_tags("Printer, WiFi Setup，退货、<b>x</b>, printer")) == [
        "printer",
        "wifi-setup",
        "退货",
        "b-x-b",
    ]
    with pytest.raises(InvalidInput):
        clean_tags(["a", "b", "c", "d", "e", "f"])
    with pytest.raises(InvalidInput):
        clean_tags(["x" * 31])


def test_a_quote_starts_a_reply():
    """Quoting puts the post under a `>` with its author's name."""
    assert quote_markdown("line one\n\nline two", "Casey") == (
        "Casey wrote:\n> line one\n>\n> line two\n\n"
    )

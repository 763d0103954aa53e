"""The one road from user Markdown to HTML: render with `markdown`, then sanitise with nh3.

Markdown alone passes `<script>` and `javascript:` links straight through, so nothing a user
wrote reaches a page except through `render_markdown`. Render on save and store the result.
"""

from __future__ import annotations

import html
import re
import unicodedata
from dataclasses import dataclass

import markdown
import nh3
from markupsafe import Markup

ALLOWED_TAGS = {
    "a", "abbr", "b", "blockquote", "br", "code", "dd", "del", "details", "div", "dl", "dt",
    "em", "h1", "h2", "h3", "h4", "h5", "h6", "hr", "i", "img", "ins", "kbd", "li", "mark",
    "ol", "p", "pre", "s", "small", "span", "strong", "sub", "summary", "sup", "table",
    "tbody", "td", "tfoot", "th", "thead", "tr", "ul",
}  # fmt: skip
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title"},
    "abbr": {"title"},
    "img": {"src", "alt", "title", "width", "height"},
    "th": {"align", "colspan", "rowspan"},
    "td": {"align", "colspan", "rowspan"},
    "ol": {"start"},
    "h1": {"id"}, "h2": {"id"}, "h3": {"id"}, "h4": {"id"}, "h5": {"id"}, "h6": {"id"},
}  # fmt: skip
URL_SCHEMES = {"http", "https", "mailto"}
# Heading ids carry a prefix so user content cannot shadow the page's own element ids.
HEADING_ID_PREFIX = "h-"

_EXTENSIONS = ["extra", "sane_lists", "toc"]


def _slugify(value: str, separator: str) -> str:
    """Heading anchors that keep CJK characters (the default slugify drops them)."""
    value = unicodedata.normalize("NFKC", value).strip().lower()
    value = re.sub(r"[^\w\s-]", "", value)
    return HEADING_ID_PREFIX + re.sub(r"[\s_-]+", separator, value).strip(separator)


@dataclass(frozen=True)
class Rendered:
    html: str
    toc: list[dict[str, object]]  # nested headings: {"id", "name", "level", "children"}


def _prefixed(element: str, attribute: str, value: str) -> str:
    """Every id user content sets, and every same-page link it makes, carries the prefix:
    `# x {: #main }` (Markdown's attribute lists) cannot give an element the id of one of the
    page's own, nor hide the next live message by borrowing its id."""
    if attribute == "id" and not value.startswith(HEADING_ID_PREFIX):
        return HEADING_ID_PREFIX + value
    if (
        attribute == "href"
        and value.startswith("#")
        and not value[1:].startswith(HEADING_ID_PREFIX)
    ):
        return "#" + HEADING_ID_PREFIX + value[1:]
    return value


def _clean(html: str) -> str:
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=URL_SCHEMES,
        link_rel="nofollow noopener noreferrer ugc",
        strip_comments=True,
        attribute_filter=_prefixed,
    )


def render(source: str) -> Rendered:
    """Markdown to sanitised HTML, with the table of contents of its headings."""
    converter = markdown.Markdown(
        extensions=_EXTENSIONS,
        extension_configs={"toc": {"slugify": _slugify, "toc_depth": "2-3"}},
        output_format="html",
    )
    html = converter.convert(source or "")
    return Rendered(html=_clean(html), toc=list(getattr(converter, "toc_tokens", [])))


def render_markdown(source: str) -> str:
    """Markdown to sanitised HTML, ready to store beside the source."""
    return render(source).html


def markdown_filter(source: str | None) -> Markup:
    """Jinja filter `|markdown`: for previews and small texts; stored HTML is preferred."""
    return Markup(render_markdown(source or ""))  # noqa: S704  (sanitised by nh3 just now)


def trusted_html(sanitised_html: str | None) -> Markup:
    """Mark HTML that `render_markdown` produced (and a model stored) as safe to show."""
    return Markup(sanitised_html or "")  # noqa: S704  (stored output of render_markdown)


def plain_text(source: str) -> str:
    """The words of a Markdown text without markup: what search indexes and snippets show."""
    text = nh3.clean(render_markdown(source), tags=set(), attributes={})
    return re.sub(r"\s+", " ", html.unescape(text)).strip()


def shorten(text: str, length: int) -> str:
    """At most `length` characters, cut at a word where one is near, with an ellipsis."""
    if len(text) <= length:
        return text
    cut = text[:length]
    space = cut.rfind(" ")
    return (cut[:space] if space > length // 2 else cut).rstrip(" ,.;:") + "…"

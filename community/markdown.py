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
from markdown.extensions import Extension
from markdown.preprocessors import Preprocessor
from markupsafe import Markup

ALLOWED_TAGS = {
    "a", "abbr", "b", "blockquote", "br", "code", "dd", "del", "details", "div", "dl", "dt",
    "em", "h1", "h2", "h3", "h4", "h5", "h6", "hr", "i", "img", "ins", "kbd", "li", "mark",
    "ol", "p", "pre", "s", "small", "span", "strong", "sub", "summary", "sup", "table",
    "tbody", "td", "tfoot", "th", "thead", "tr", "ul", "video", "source",
}  # fmt: skip
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title"},
    "abbr": {"title"},
    "img": {"src", "alt", "title", "width", "height"},
    "th": {"align", "colspan", "rowspan"},
    "td": {"align", "colspan", "rowspan"},
    "ol": {"start"},
    "video": {"src", "poster", "width", "height", "muted", "loop", "playsinline"},
    "source": {"src", "type"},
    "code": {"class"}, "div": {"class"}, "p": {"class"}, "li": {"id"}, "sup": {"id"},
    "h1": {"id"}, "h2": {"id"}, "h3": {"id"}, "h4": {"id"}, "h5": {"id"}, "h6": {"id"},
}  # fmt: skip
URL_SCHEMES = {"http", "https", "mailto"}
# A video plays with its controls and loads only its first frame until asked; its files
# come from this site only (the pages' CSP has no media-src beyond 'self').
_MEDIA_ATTRIBUTES = {"video": {"controls": "controls", "preload": "metadata"}}
_MEDIA_URLS = {("video", "src"), ("video", "poster"), ("source", "src")}
# Heading ids carry a prefix so user content cannot shadow the page's own element ids.
HEADING_ID_PREFIX = "h-"

# Classes user content may carry: a code block's language, and the admonition boxes.
_CLASS_TOKEN = re.compile(
    r"language-[\w+#.-]{1,40}|admonition|admonition-title|footnote"
    r"|note|tip|info|warning|danger|caution|important|success"
)
_FENCE_OPEN = re.compile(r"^(?P<indent>[ \t]*)(?P<fence>`{3,}|~{3,})[ \t]*(?P<info>[^`\n]*)$")


class _FencesAtAnyDepth(Preprocessor):
    """Fenced code inside list items and quotes too (the stock extension sees only the top
    level), with the language kept as `class="language-x"` on the code element."""

    def run(self, lines: list[str]) -> list[str]:
        out: list[str] = []
        index = 0
        while index < len(lines):
            opened = _FENCE_OPEN.match(lines[index])
            close = self._closing(lines, index, opened) if opened else None
            if opened is None or close is None:
                out.append(lines[index])
                index += 1
                continue
            indent = len(opened.group("indent").expandtabs(4))
            body = [self._dedent(line, indent) for line in lines[index + 1 : close]]
            out += ["", " " * (-(-indent // 4) * 4) + self._stash(opened, body), ""]
            index = close + 1
        return out

    @staticmethod
    def _closing(lines: list[str], start: int, opened: re.Match[str]) -> int | None:
        fence = opened.group("fence")
        for index in range(start + 1, len(lines)):
            stripped = lines[index].strip()
            if stripped.startswith(fence[0] * len(fence)) and not stripped.strip(fence[0]):
                return index
        return None

    @staticmethod
    def _dedent(line: str, indent: int) -> str:
        expanded = line.expandtabs(4)
        cut = min(indent, len(expanded) - len(expanded.lstrip(" ")))
        return expanded[cut:]

    def _stash(self, opened: re.Match[str], body: list[str]) -> str:
        words = re.sub(r"[{}.]", " ", opened.group("info")).split()
        language = re.sub(r"[^\w+#-]", "", words[0])[:40] if words else ""
        attribute = f' class="language-{language}"' if language else ""
        code = html.escape("\n".join(body) + "\n", quote=False)
        return self.md.htmlStash.store(f"<pre><code{attribute}>{code}</code></pre>")


class _Fences(Extension):
    def extendMarkdown(self, md: markdown.Markdown) -> None:
        md.preprocessors.register(_FencesAtAnyDepth(md), "fences_any_depth", 27)


_EXTENSIONS = ["extra", "sane_lists", "toc", "admonition", _Fences()]


def _slugify(value: str, separator: str) -> str:
    """Heading anchors that keep CJK characters (the default slugify drops them)."""
    value = unicodedata.normalize("NFKC", value).strip().lower()
    value = re.sub(r"[^\w\s-]", "", value)
    return HEADING_ID_PREFIX + re.sub(r"[\s_-]+", separator, value).strip(separator)


def heading_id(text: str) -> str:
    """The id a heading with this text gets, and so the anchor a link to it must use; an
    anchor written by another generator (`a--b`, `A_B`) maps to the same id."""
    return _slugify(text.removeprefix(HEADING_ID_PREFIX), "-")


@dataclass(frozen=True)
class Rendered:
    html: str
    toc: list[dict[str, object]]  # nested headings: {"id", "name", "level", "children"}


def _prefixed(element: str, attribute: str, value: str) -> str | None:
    """Every id user content sets, and every same-page link it makes, carries the prefix:
    `# x {: #main }` (Markdown's attribute lists) cannot give an element the id of one of the
    page's own, nor hide the next live message by borrowing its id."""
    if (element, attribute) in _MEDIA_URLS:
        return value if _same_site(value) else None
    if attribute == "class":
        kept = [token for token in value.split() if _CLASS_TOKEN.fullmatch(token)]
        return " ".join(kept) or None
    if attribute == "id" and not value.startswith(HEADING_ID_PREFIX):
        return HEADING_ID_PREFIX + value
    if (
        attribute == "href"
        and value.startswith("#")
        and not value[1:].startswith(HEADING_ID_PREFIX)
    ):
        return "#" + HEADING_ID_PREFIX + value[1:]
    return value


def _same_site(url: str) -> bool:
    """A path on this site: `/kb/articles/x/files/demo.mp4`, never `//host` or `https:`."""
    # Browsers drop tabs and newlines inside an address (`/\t/evil.example` is `//evil…`).
    if any(ord(character) <= 0x20 for character in url):
        return False
    return url.startswith("/") and not url.startswith("//") and "\\" not in url


def _clean(html: str) -> str:
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=URL_SCHEMES,
        link_rel="nofollow noopener noreferrer ugc",
        strip_comments=True,
        attribute_filter=_prefixed,
        set_tag_attribute_values=_MEDIA_ATTRIBUTES,
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
    return html_text(render_markdown(source))


def html_text(sanitised_html: str) -> str:
    """The words of HTML `render` made, for a caller that has rendered already."""
    text = nh3.clean(sanitised_html, tags=set(), attributes={})
    return re.sub(r"\s+", " ", html.unescape(text)).strip()


def shorten(text: str, length: int) -> str:
    """At most `length` characters, cut at a word where one is near, with an ellipsis."""
    if len(text) <= length:
        return text
    cut = text[:length]
    space = cut.rfind(" ")
    return (cut[:space] if space > length // 2 else cut).rstrip(" ,.;:") + "…"

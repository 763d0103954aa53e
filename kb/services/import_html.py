"""HTML in imported bodies: the links and media in its tags, and its headings.

Both sources have HTML: a Zendesk article is all HTML, and documentation files carry raw
`<img>`, `<a>` and `<video>` tags between their Markdown. The addresses in those tags go
through the same resolution as Markdown links (`rewrite_tags`). A `<video>` stays a video
only when every file it names is on this site or became an attachment; otherwise it becomes
a link to the video (`rewrite_videos`), since the sanitiser would leave an empty player.
Top-level HTML headings become Markdown headings (`markdown_headings`), so they get their
ids and their place in the article's contents like any Markdown heading.
"""

from __future__ import annotations

import html
import posixpath
import re
from collections.abc import Callable
from html.parser import HTMLParser
from urllib.parse import SplitResult, unquote, urlsplit

from flask_babel import gettext as _

from community.markdown import HEADING_ID_PREFIX

_TAG = re.compile(r"<(a|img)\b([^<>]*)>", re.IGNORECASE)
_ATTRIBUTE = re.compile(
    r"""(\s)(href|src|poster)(\s*=\s*)("([^"]*)"|'([^']*)'|([^\s"'>]+))""", re.IGNORECASE
)
_VIDEO = re.compile(r"<video\b[^>]*?(?:/>|>.*?</video\s*>)", re.IGNORECASE | re.DOTALL)
_MEDIA_SOURCE = re.compile(r"""\ssrc\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'>]+))""", re.I)
_MARKDOWN_SPECIAL = re.compile(r"([\\`*_\[\]#<>])")
_HEADING_ID = re.compile(r"[\w-]{1,100}")
HEADINGS = {"h1", "h2", "h3", "h4", "h5", "h6"}
BLOCKS = HEADINGS | {"p", "div", "ul", "ol", "table", "pre", "blockquote", "figure", "hr"}
VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source",
        "track", "wbr"}  # fmt: skip

# (tag, attribute, address) -> the address to write, or None to leave it as it is.
Resolve = Callable[[str, str, str], str | None]


def split_address(address: str) -> SplitResult:
    """An address in parts; a malformed one (`http://[x`) as an empty address, which nothing
    resolves, instead of an error that would stop the whole import."""
    try:
        return urlsplit(address)
    except ValueError:
        return urlsplit("")


def _attributes(text: str, resolve: Callable[[str, str], str | None]) -> str:
    """Each `href`, `src` and `poster` in `text` through `resolve(attribute, address)`,
    entities read and written back; None leaves it as it is."""

    def attribute(found: re.Match[str]) -> str:
        raw = next(group for group in found.group(5, 6, 7) if group is not None)
        replaced = resolve(found.group(2).lower(), html.unescape(raw).strip())
        if replaced is None:
            return found.group(0)
        quoted = html.escape(replaced, quote=True)
        return f'{found.group(1)}{found.group(2)}{found.group(3)}"{quoted}"'

    return _ATTRIBUTE.sub(attribute, text)


def rewrite_tags(text: str, resolve: Resolve) -> str:
    """The addresses of `<a>` and `<img>` tags passed through `resolve`."""

    def tag(match: re.Match[str]) -> str:
        name = match.group(1).lower()
        rewritten = _attributes(match.group(2), lambda attr, url: resolve(name, attr, url))
        return f"<{match.group(1)}{rewritten}>"

    return _TAG.sub(tag, text)


def rewrite_videos(text: str, resolve: Resolve, warnings: list[str]) -> str:
    """Each `<video>` with its files resolved (`resolve("video", "src", address)`), or,
    when one of them cannot be played from this site, a link to the video."""

    def video(match: re.Match[str]) -> str:
        element = match.group(0)
        sources = _video_sources(element)
        resolved = {source: resolve("video", "src", source) for source in sources}
        if sources and all(_on_this_site(found) for found in resolved.values()):

            def address(attribute: str, value: str) -> str | None:
                if attribute == "poster":
                    return resolve("img", "src", value)
                return resolved.get(value) if attribute == "src" else None  # `<a>`: later

            return _attributes(element, address)
        link = next((source for source in sources if _is_web(source)), "")
        name = posixpath.basename(split_address(sources[0]).path) if sources else ""
        label = html.escape(unquote(name) or _("video"))
        warnings.append(
            _("the video '%(name)s' cannot be played from this site; it became a link",
              name=sources[0][:200] if sources else "")
        )  # fmt: skip
        if not link:
            return f"<p>{label}</p>"
        return f'<p><a href="{html.escape(link, quote=True)}">{label}</a></p>'

    return _VIDEO.sub(video, text)


def _video_sources(element: str) -> list[str]:
    return [
        html.unescape(next(group for group in found.groups() if group is not None)).strip()
        for found in _MEDIA_SOURCE.finditer(element)
    ]


def _on_this_site(address: str | None) -> bool:
    return bool(address) and address.startswith("/") and not address.startswith("//")


def _is_web(address: str) -> bool:
    return split_address(address).scheme in {"http", "https"}


class _TopHeadings(HTMLParser):
    """The spans of `<h1>`…`<h6>` elements that no other element encloses. Open elements
    are kept on a stack that forgives what browsers forgive: an unclosed `<p>` or `<li>`
    ends where a block or its list ends."""

    def __init__(self, text: str) -> None:
        super().__init__(convert_charrefs=False)
        self.text = text
        self.open: list[str] = []
        self.heading: tuple[int, str, dict[str, str | None]] | None = None
        self.found: list[tuple[int, int, int, dict[str, str | None]]] = []
        self.offsets = [0]  # where each line starts; the parser counts lines by "\n" only
        for line in text.split("\n")[:-1]:
            self.offsets.append(self.offsets[-1] + len(line) + 1)

    def spans(self) -> list[tuple[int, int, int, dict[str, str | None]]]:
        self.feed(self.text)
        self.close()
        return self.found

    def _offset(self) -> int:
        line, column = self.getpos()
        return self.offsets[line - 1] + column

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in VOID:
            return
        if self.open and self.open[-1] == "p" and tag in BLOCKS:
            self.open.pop()
        if not self.open and tag in HEADINGS:
            self.heading = (self._offset(), tag, dict(attrs))
        self.open.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if tag not in self.open:
            return
        while self.open.pop() != tag:
            pass
        if not self.open and self.heading is not None:
            start, name, attrs = self.heading
            if name == tag:
                end = self.text.index(">", self._offset()) + 1
                self.found.append((start, end, int(tag[1]), attrs))
            self.heading = None


def _heading_line(level: int, inner: str, attrs: dict[str, str | None]) -> str:
    text = re.sub(r"\s+", " ", inner).strip()
    parts = re.split(r"(<[^>]*>)", text)
    escaped = "".join(part if part.startswith("<") else _escape(part) for part in parts)
    line = f"{'#' * level} {escaped}"
    identifier = (attrs.get("id") or "").strip()
    if _HEADING_ID.fullmatch(identifier):
        if not identifier.startswith(HEADING_ID_PREFIX):
            identifier = HEADING_ID_PREFIX + identifier
        line += f" {{: #{identifier} }}"
    return line


def _escape(text: str) -> str:
    return _MARKDOWN_SPECIAL.sub(r"\\\1", text)


def markdown_headings(text: str) -> str:
    """`text` with each top-level HTML heading on its own line as a Markdown heading (its
    `id` kept), so that headings get ids and a place in the contents list."""
    out, position = [], 0
    for start, end, level, attrs in _TopHeadings(text).spans():
        opening = text.index(">", start) + 1
        inner = text[opening : text.rindex("<", opening, end)]
        if not inner.strip():
            continue
        out += [text[position:start].rstrip(), "", _heading_line(level, inner, attrs), ""]
        position = end
    out.append(text[position:].lstrip())
    return "\n".join(out).strip("\n")

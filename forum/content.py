"""What a member typed, made fit to store: titles, tags and Markdown bodies, and @mentions.

Bodies go through `community.markdown.render_markdown` (Markdown, then the nh3 allowlist);
mention links are added afterwards, in text outside code, preformatted blocks and links.
That step splits the sanitised HTML at its tags, which is safe because nh3 escapes `<` and
`>` inside attribute values (a test holds it to that).
"""

from __future__ import annotations

import html
import re
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from flask_babel import gettext as _

from community.errors import InvalidInput
from community.forms import clean_text, has_visible_text
from community.markdown import plain_text, render_markdown, shorten
from forum.models import MAX_TAG_LENGTH, MAX_TAGS, MAX_TITLE

MIN_TITLE = 3
DEFAULT_MAX_POST_LENGTH = 32_000

# Characters that render as nothing; joiners stay, emoji and some scripts need them.
_INVISIBLE = re.compile("[\u200b\u2060\ufeff\u00ad]")
_SPACES = re.compile(r"\s+")
_TAG_CHARS = re.compile(r"[^\w-]+")

# `@handle` not preceded by a word character (so e-mail addresses do not count).
MENTION = re.compile(r"(?<![\w@/.+-])@(\w(?:[\w.-]{0,38}\w)?)")
_HTML_TAG = re.compile(r"(<[^>]*>)")
_TAG_NAME = re.compile(r"<(/?)([a-zA-Z0-9]+)")
# Quoted text names people already notified; code and links are not mentions either.
_OPAQUE = {"a", "blockquote", "code", "pre"}
_LINKS = re.compile(r"<(a|img)\b", re.IGNORECASE)


def handle_key(handle: str) -> str:
    """How handles compare: `@Casey` and `@casey` name one person."""
    return unicodedata.normalize("NFKC", handle).casefold()


def clean_title(value: str | None) -> str:
    """One line of visible text, 3 to 200 characters, without invisible characters."""
    title = _SPACES.sub(" ", _INVISIBLE.sub("", clean_text(value))).strip()
    if not has_visible_text(title):
        raise InvalidInput(_("Give the topic a title."), field="title")
    if len(title) < MIN_TITLE:
        raise InvalidInput(
            _("Make the title at least %(count)d characters long.", count=MIN_TITLE),
            field="title",
        )
    if len(title) > MAX_TITLE:
        raise InvalidInput(
            _("Keep the title under %(count)d characters.", count=MAX_TITLE), field="title"
        )
    return title


def clean_tags(names: Iterable[str]) -> list[str]:
    """Lower-case words and dashes (any script), distinct, at most five of thirty characters."""
    tags: list[str] = []
    for name in names:
        tag = _INVISIBLE.sub("", clean_text(name)).lower()
        tag = _TAG_CHARS.sub("-", tag).strip("-_")
        if tag and tag not in tags:
            tags.append(tag)
    if len(tags) > MAX_TAGS:
        raise InvalidInput(_("Use at most %(count)d tags.", count=MAX_TAGS), field="tags")
    if any(len(tag) > MAX_TAG_LENGTH for tag in tags):
        raise InvalidInput(
            _("A tag can be at most %(count)d characters.", count=MAX_TAG_LENGTH), field="tags"
        )
    return tags


def split_tags(raw: str | None) -> list[str]:
    """Tags as typed in one box: commas (also the Chinese comma) separate them."""
    return [part for part in re.split(r"[,，、]", raw or "") if part.strip()]


def clean_body(value: str | None, max_length: int = DEFAULT_MAX_POST_LENGTH) -> str:
    body = clean_text(value)
    if not has_visible_text(_INVISIBLE.sub("", body)):
        raise InvalidInput(_("Write something first."), field="body")
    if len(body) > max_length:
        raise InvalidInput(
            _("This is too long: %(count)d characters at most.", count=max_length), field="body"
        )
    return body


def slugify(title: str) -> str:
    """A readable slug for addresses; Chinese characters stay."""
    value = unicodedata.normalize("NFKC", title).lower()
    value = re.sub(r"[^\w\s-]", "", value)
    return re.sub(r"[\s_-]+", "-", value).strip("-")[:80].strip("-") or "topic"


@dataclass(frozen=True)
class RenderedBody:
    html: str
    mentions: list[str]  # handles as written, in order, each once
    link_count: int


def _segments(sanitised: str) -> list[tuple[str, bool]]:
    """(piece, is_plain_text) in order; text inside links, quotes and code is not plain."""
    pieces = _HTML_TAG.split(sanitised)
    result: list[tuple[str, bool]] = []
    depth = 0
    for index, piece in enumerate(pieces):
        if index % 2 == 1:
            match = _TAG_NAME.match(piece)
            if match and match.group(2).lower() in _OPAQUE and not piece.endswith("/>"):
                depth = max(0, depth + (-1 if match.group(1) else 1))
            result.append((piece, False))
        elif piece:
            result.append((piece, depth == 0))
    return result


def render_body(body: str) -> RenderedBody:
    """Sanitised HTML, the @handles it mentions, and how many links and images it has."""
    sanitised = render_markdown(body)
    mentions: list[str] = []
    seen: set[str] = set()
    for piece, plain in _segments(sanitised):
        if not plain:
            continue
        for match in MENTION.finditer(html.unescape(piece)):
            key = handle_key(match.group(1))
            if key not in seen:
                seen.add(key)
                mentions.append(match.group(1))
    return RenderedBody(sanitised, mentions, len(_LINKS.findall(sanitised)))


def link_mentions(sanitised: str, people: dict[str, str], profile_url: Callable[[str], str]) -> str:
    """Turn `@handle` into a link for each handle key in `people` (key → user id as text)."""
    if not people:
        return sanitised

    def replace(match: re.Match[str]) -> str:
        key = handle_key(match.group(1))
        if key not in people:
            return match.group(0)
        href = html.escape(profile_url(people[key]), quote=True)
        return f'<a class="mention" href="{href}">@{html.escape(match.group(1))}</a>'

    return "".join(
        MENTION.sub(replace, piece) if plain else piece for piece, plain in _segments(sanitised)
    )


def excerpt(body: str, length: int = 300) -> str:
    """The start of a post as plain text, for emails and notifications."""
    return shorten(plain_text(body), length)


def quote_markdown(body: str, author_name: str) -> str:
    """A post as a Markdown quote, to start a reply with."""
    quoted = "\n".join("> " + line if line.strip() else ">" for line in body.splitlines())
    return _("%(name)s wrote:", name=author_name) + "\n" + quoted + "\n\n"

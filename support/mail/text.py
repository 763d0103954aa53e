"""Turning the bytes of real mail into clean text: charsets, RFC 2047 words, HTML.

Mail says what charset it is in, and is often wrong: GB2312 bodies full of GBK characters,
Big5 with Hong Kong additions, no charset at all, or a name no codec knows. Each decoder here
tries the declared charset (widened to its superset), then UTF-8, then the common Chinese
encodings, and at the end keeps what it can with replacement characters: it never raises.
Control characters and NUL bytes are dropped; header text is kept on one line, so a subject
or a name can never smuggle a line break (CR, LF, U+2028) into a page or an email we send.
"""

from __future__ import annotations

import base64
import binascii
import codecs
import re
import unicodedata

from bs4 import BeautifulSoup, NavigableString, Tag
from bs4.element import PreformattedString

# A declared charset and the codec that reads everything mailers actually send under it.
_WIDER = {
    "gb2312": "gb18030",
    "gbk": "gb18030",
    "x-gbk": "gb18030",
    "cp936": "gb18030",
    "euc-cn": "gb18030",
    "gb_2312-80": "gb18030",
    "chinese": "gb18030",
    "big5": "big5hkscs",
    "x-big5": "big5hkscs",
    "cn-big5": "big5hkscs",
    "iso-2022-jp": "iso2022_jp_ext",
    "shift_jis": "cp932",
    "x-sjis": "cp932",
    "ks_c_5601-1987": "cp949",
    "euc-kr": "cp949",
    "iso-8859-1": "cp1252",
    "latin1": "cp1252",
    "us-ascii": "utf-8",
    "ascii": "utf-8",
    "utf8": "utf-8",
}
# Tried in order when the declared charset is missing or wrong.
_GUESSES = ("utf-8", "gb18030", "big5hkscs")
_ISO_2022_JP = (b"\x1b$B", b"\x1b$@", b"\x1b(J", b"\x1b(B")
_ENCODED_WORD = re.compile(rb"=\?([^?\s]{1,40})\?([bBqQ])\?([^?\s]*)\?=")
_BETWEEN_WORDS = re.compile(rb"(\?=)[ \t\r\n]+(?==\?)")
_LINE_BREAKS = re.compile(r"\r\n|\r|\u2028|\u2029|\x85")
_SPACES = re.compile(r"[ \t\u00a0\u3000]+")
_BIDI = {chr(code) for code in (*range(0x202A, 0x202F), *range(0x2066, 0x206A))}


def codec_for(charset: str | None) -> str | None:
    """The Python codec that best reads `charset`, or None when no codec knows it."""
    if not charset:
        return None
    name = charset.strip().strip("\"'").lower().split("*", 1)[0]
    name = _WIDER.get(name, name)
    try:
        return codecs.lookup(name).name
    except (LookupError, ValueError):
        return None


def decode_bytes(data: bytes, charset: str | None = None) -> str:
    """Text from bytes in a declared (possibly wrong or missing) charset; never raises.

    The first codec that reads every byte wins; failing that, the one that needs the fewest
    replacements, unless even that garbles more than 1 in 100 characters (then it is taken
    as Western text, where every byte is some character)."""
    declared = codec_for(charset)
    if declared is None and any(mark in data for mark in _ISO_2022_JP[:3]):
        declared = "iso2022_jp_ext"
    candidates = list(dict.fromkeys(name for name in (declared, *_GUESSES) if name))
    for codec in candidates:
        try:
            return data.decode(codec)
        except (UnicodeDecodeError, LookupError):
            continue
    best = min(
        (data.decode(codec, errors="replace") for codec in candidates),
        key=lambda text: text.count("\ufffd"),
    )
    if best.count("\ufffd") * 100 <= len(best):
        return best
    return data.decode("cp1252", errors="replace")


def clean_body_text(text: str) -> str:
    """One kind of line break; no NULs, control characters or direction overrides."""
    text = _LINE_BREAKS.sub("\n", unicodedata.normalize("NFC", text))
    return "".join(
        char
        for char in text
        if char in "\n\t" or (unicodedata.category(char) != "Cc" and char not in _BIDI)
    )


def single_line(text: str) -> str:
    """Header text as one clean line: what a subject or a display name may hold."""
    return " ".join(clean_body_text(text).split())


def header_bytes(value: str) -> bytes:
    """A raw header value back as the bytes that arrived (8-bit headers come through the
    parser as surrogate escapes), folding undone."""
    data = value.encode("utf-8", "surrogateescape")
    return re.sub(rb"\r?\n(?=[ \t])", b"", data)


def decode_header(value: str) -> str:
    """A header's text: raw 8-bit decoded best-effort, RFC 2047 words decoded, one line."""
    data = _BETWEEN_WORDS.sub(rb"\1", header_bytes(value))
    pieces: list[str] = []
    position = 0
    pending: list[bytes] = []
    pending_charset = ""
    for match in _ENCODED_WORD.finditer(data):
        plain = data[position : match.start()]
        charset = match.group(1).decode("ascii", "replace").lower()
        if plain or charset != pending_charset:
            pieces.append(decode_bytes(b"".join(pending), pending_charset))
            pending = []
            pieces.append(decode_bytes(plain))
        pending.append(_word_bytes(match.group(2).upper(), match.group(3)))
        pending_charset = charset
        position = match.end()
    pieces.append(decode_bytes(b"".join(pending), pending_charset))
    pieces.append(decode_bytes(data[position:]))
    return single_line("".join(pieces))


def _word_bytes(encoding: bytes, payload: bytes) -> bytes:
    if encoding == b"B":
        try:
            return base64.b64decode(payload + b"=" * (-len(payload) % 4))
        except (binascii.Error, ValueError):
            return payload
    payload = payload.replace(b"_", b" ")
    return re.sub(rb"=([0-9A-Fa-f]{2})", lambda hit: bytes([int(hit.group(1), 16)]), payload)


# HTML ---------------------------------------------------------------------------------

_SKIPPED = {"script", "style", "head", "title", "template", "noscript", "svg", "object"}
_BLOCKS = {
    "p", "div", "section", "article", "header", "footer", "table", "tr", "ul", "ol", "dl",
    "h1", "h2", "h3", "h4", "h5", "h6", "address", "hr", "form", "fieldset", "center",
}  # fmt: skip


def html_to_text(html: str) -> str:
    """The text a reader of an HTML-only email sees: paragraphs and line breaks kept, list
    items marked, quoted blocks prefixed with "> " (so trimming finds them), images named."""
    soup = BeautifulSoup(html, "html.parser")
    try:
        out: list[str] = []
        _render(soup, out)
        text = "".join(out)
    except RecursionError:  # absurdly deep nesting: keep the words, lose the layout
        text = soup.get_text("\n")
    lines = [_SPACES.sub(" ", line).strip() for line in text.split("\n")]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


def _render(node: Tag, out: list[str]) -> None:
    for child in node.children:
        if isinstance(child, PreformattedString):  # comments, doctypes, <?xml ?>
            continue
        if isinstance(child, NavigableString):
            out.append(re.sub(r"\s+", " ", str(child)))
            continue
        if not isinstance(child, Tag):
            continue
        name = child.name.lower()
        if name in _SKIPPED:
            continue
        if name == "br":
            out.append("\n")
        elif name == "pre":
            out.append("\n" + child.get_text() + "\n")
        elif name == "img":
            label = child.get("alt") or ("image" if str(child.get("src", "")) else "")
            out.append(f"[{label}]" if label else "")
        elif name == "blockquote":
            inner: list[str] = []
            _render(child, inner)
            quoted = "\n".join("> " + line.strip() for line in "".join(inner).strip().split("\n"))
            out.append("\n" + quoted + "\n")
        elif name == "li":
            out.append("\n- ")
            _render(child, out)
        elif name in ("td", "th"):
            _render(child, out)
            out.append(" ")
        elif name == "a":
            _render_link(child, out)
        elif name in _BLOCKS:
            out.append("\n")
            _render(child, out)
            out.append("\n")
        else:
            _render(child, out)


def _render_link(link: Tag, out: list[str]) -> None:
    inner: list[str] = []
    _render(link, inner)
    label = "".join(inner)
    href = str(link.get("href") or "")
    out.append(label)
    if href.startswith(("http://", "https://")) and href not in label:
        out.append(f" ({href})")

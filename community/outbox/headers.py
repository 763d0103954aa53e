"""How our emails are written on the wire: headers that carry a URL or a Message-ID stay raw.

Python's default email policy folds a long header that has no whitespace into RFC 2047
encoded words (`=?utf-8?q?=3Chttps=3A//…?=`). For `List-Unsubscribe` that breaks RFC 8058
one-click unsubscribe in every mail client, and for `References` it breaks threading: these
headers are structured (angle-bracketed URLs and message ids), never text for people, and
RFC 2047 forbids encoded words in them. `MAIL_POLICY` writes them as they are, folded only at
whitespace; every other header (a Chinese name in From, a Chinese Subject) is encoded as usual.
"""

from __future__ import annotations

from email.policy import EmailPolicy
from typing import Any
from urllib.parse import quote

# Header names (lower case) whose values are URLs or message ids: written raw, never encoded.
RAW_HEADERS = frozenset(
    {
        "archived-at",
        "in-reply-to",
        "list-archive",
        "list-help",
        "list-id",
        "list-owner",
        "list-post",
        "list-subscribe",
        "list-unsubscribe",
        "list-unsubscribe-post",
        "message-id",
        "references",
        "resent-message-id",
    }
)

# Everything printable in ASCII stays as it is; anything else is percent-encoded as UTF-8.
_ASCII_PRINTABLE = "".join(chr(code) for code in range(0x21, 0x7F))


def raw_header_text(value: object) -> str:
    """`value` as one line of printable ASCII: line breaks become spaces, and a character
    outside ASCII (an IRI's) is percent-encoded, which is what a URI would carry anyway."""
    words = str(value).split()
    return " ".join(quote(word, safe=_ASCII_PRINTABLE) for word in words)


def fold_at_whitespace(name: str, value: str, limit: int, linesep: str) -> str:
    """`Name: value`, with continuation lines started only where the value has a space.

    A single word longer than `limit` (a long unsubscribe URL) keeps its own line whole:
    RFC 5322 allows 998 characters, and breaking inside it would change the URL.
    """
    line = f"{name}:"
    lines: list[str] = []
    for word in value.split():
        if len(line) + 1 + len(word) > limit and line != f"{name}:":
            lines.append(line)
            line = ""
        line += f" {word}"
    lines.append(line)
    return linesep.join(lines) + linesep


class RawStructuredHeaders(EmailPolicy):
    """The default email policy, except that `RAW_HEADERS` are stored and written raw."""

    def header_store_parse(self, name: str, value: Any) -> tuple[str, Any]:
        if name.lower() in RAW_HEADERS:
            return name, raw_header_text(value)
        return super().header_store_parse(name, value)

    def fold(self, name: str, value: Any) -> str:
        if name.lower() in RAW_HEADERS:
            return fold_at_whitespace(
                name, raw_header_text(value), self.max_line_length or 78, self.linesep
            )
        return super().fold(name, value)

    def fold_binary(self, name: str, value: Any) -> bytes:
        if name.lower() in RAW_HEADERS:
            return self.fold(name, value).encode("ascii")
        return super().fold_binary(name, value)


MAIL_POLICY = RawStructuredHeaders()
"""For building messages: `EmailMessage(policy=MAIL_POLICY)`; lines end in `\\n`, and
smtplib and `as_bytes(policy=MAIL_POLICY.clone(linesep="\\r\\n"))` write CRLF."""

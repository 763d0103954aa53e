"""Reading one received message, whatever its shape: who sent it, to which of our addresses,
what it answers, its text and files, and whether a robot sent it.

The parser is the standard library's in its most lenient mode (compat32: it records defects
instead of raising); every header is decoded here from its raw bytes (`support.mail.text`),
so a wrong charset, a broken encoded word or a header injection is cleaned in one place.
Structure is walked without recursion and with limits (parts, depth), so a MIME bomb costs
little; if the structure still cannot be read, the body is kept as plain text.
Only input with no header at all (empty, binary garbage) is refused as not a message.
"""

from __future__ import annotations

import email
import email.message
import email.policy
import hashlib
import mimetypes
import re
from dataclasses import dataclass, field
from email.parser import BytesHeaderParser
from email.utils import getaddresses

from support.mail.text import clean_body_text, decode_bytes, decode_header, html_to_text

# A message has at least one of these; garbage and plain text have none.
KNOWN_HEADERS = frozenset(
    {
        "from", "to", "cc", "subject", "date", "message-id", "received", "return-path",
        "mime-version", "content-type", "delivered-to", "x-original-to", "reply-to", "sender",
        "in-reply-to", "references",
    }
)  # fmt: skip
RECIPIENT_HEADERS = ("x-original-to", "delivered-to", "envelope-to", "to", "cc")
MAX_PARTS = 500
MAX_DEPTH = 30
MAX_IDS = 100
_MESSAGE_ID = re.compile(r"<([^<>\s]{1,250})>")
_BARE_ID = re.compile(r"^[^<>\s@]{1,200}@[^<>\s@]{1,50}$")
_ROBOT = re.compile(
    r"^(mailer-daemon|postmaster|no[-_.]?reply|do[-_.]?not[-_.]?reply|bounces?|auto[-_.]?reply)"
    r"([+\-=._].*)?$"
)
_ADDRESS = re.compile(r"^[^@\s]{1,64}@[^@\s]{1,190}$")


class NotAMessage(ValueError):
    """The input is not an email at all (empty, or no header)."""


@dataclass(frozen=True)
class Attachment:
    filename: str
    content_type: str
    data: bytes


@dataclass
class ParsedMail:
    message_id: str
    synthetic_id: bool
    from_address: str
    from_name: str
    subject: str
    recipients: list[str]
    in_reply_to: list[str]
    references: list[str]
    automatic: str | None  # why we think a robot sent it
    language: str = ""
    text: str = ""
    html_only: bool = False
    attachments: list[Attachment] = field(default_factory=list)
    bounce: bool = False
    has_report: bool = False
    bounced_address: str | None = None
    # A bounce's copy of the message that failed: its Message-ID finds the request.
    returned_ids: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    @property
    def thread_ids(self) -> list[str]:
        """Message-IDs this one answers, nearest first."""
        ids = [*self.in_reply_to, *reversed(self.references), *self.returned_ids]
        return list(dict.fromkeys(ids))[:MAX_IDS]


def synthetic_id(data: bytes) -> str:
    """A stable Message-ID for a message without one: the same bytes, the same id."""
    digest = hashlib.sha256(data.replace(b"\r\n", b"\n")).hexdigest()[:40]
    return f"<{digest}@synthetic.invalid>"


def parse_message(raw: bytes) -> ParsedMail:
    """Everything support needs from one RFC 822 message; NotAMessage for non-mail."""
    source = raw.lstrip(b"\r\n\t ")
    if not source:
        raise NotAMessage("empty input")
    try:
        message = email.message_from_bytes(source, policy=email.policy.compat32)
    except Exception:  # a parser bug on hostile input: keep the headers
        message = BytesHeaderParser(policy=email.policy.compat32).parsebytes(source)
    headers = _headers(message)
    if not KNOWN_HEADERS & headers.keys():
        raise NotAMessage("no mail headers")
    mail = _from_headers(headers, raw)
    try:
        _read_body(message, mail)
    except Exception as error:  # hostile structure: keep the text as it came
        mail.problems.append(f"unreadable structure ({type(error).__name__})")
        mail.text = clean_body_text(decode_bytes(_raw_body(source)))
        mail.attachments = []
    _classify(message, headers, mail)
    return mail


def parse_head(head: bytes, *, digest_of: bytes) -> ParsedMail:
    """Only the headers (of a message too large to read); NotAMessage for non-mail."""
    message = BytesHeaderParser(policy=email.policy.compat32).parsebytes(head.lstrip(b"\r\n\t "))
    headers = _headers(message)
    if not KNOWN_HEADERS & headers.keys():
        raise NotAMessage("no mail headers")
    return _from_headers(headers, digest_of)


def _headers(message: email.message.Message) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for name, value in message.raw_items():
        key = str(name).strip().lower()
        if key and len(key) < 80:
            found.setdefault(key, []).append(str(value))
    return found


def _first(headers: dict[str, list[str]], name: str) -> str:
    values = headers.get(name)
    return decode_header(values[0]) if values else ""


def _from_headers(headers: dict[str, list[str]], raw: bytes) -> ParsedMail:
    message_id = _message_ids(headers.get("message-id", [])[:1])
    sender = _addresses(headers.get("from", [])[:1])
    from_name, from_address = sender[0] if sender else ("", "")
    return ParsedMail(
        message_id=message_id[0] if message_id else synthetic_id(raw),
        synthetic_id=not message_id,
        from_address=from_address,
        from_name=from_name,
        subject=_first(headers, "subject"),
        recipients=list(
            dict.fromkeys(
                address
                for name in RECIPIENT_HEADERS
                for _name, address in _addresses(headers.get(name, []))
            )
        ),
        in_reply_to=_message_ids(headers.get("in-reply-to", []))[:MAX_IDS],
        references=_message_ids(headers.get("references", []))[-MAX_IDS:],
        automatic=_automatic(headers, from_address),
        language=_first(headers, "content-language")[:16],
    )


def _message_ids(values: list[str]) -> list[str]:
    """Every `<id>` in the values; a bare `id@host` counts too (some mailers omit brackets)."""
    ids: list[str] = []
    for value in values:
        text = decode_header(value)
        found = _MESSAGE_ID.findall(text)
        if not found and _BARE_ID.match(text.strip()):
            found = [text.strip()]
        ids.extend(f"<{item}>" for item in found)
    return list(dict.fromkeys(ids))


def _addresses(values: list[str]) -> list[tuple[str, str]]:
    """(display name, lower-cased address) pairs; names decoded, on one line."""
    pairs: list[tuple[str, str]] = []
    unfolded = [" ".join(decode_bytes(_bytes(value)).split()) for value in values]
    try:
        found = getaddresses(unfolded)
    except Exception:  # an address list no parser can read names nobody
        return []
    for name, address in found:
        address = "".join(address.split()).strip("<>").lower()
        if _ADDRESS.match(address):
            pairs.append((decode_header(name)[:120], address))
    return pairs


def _bytes(value: str) -> bytes:
    return value.encode("utf-8", "surrogateescape")


def _automatic(headers: dict[str, list[str]], from_address: str) -> str | None:
    """Why the headers say no person wrote this (RFC 3834 and what mailers really send)."""

    def value(name: str) -> str:
        return _first(headers, name).lower()

    auto_submitted = value("auto-submitted").split(";")[0].strip()
    if auto_submitted and auto_submitted != "no":
        return f"Auto-Submitted: {auto_submitted}"
    precedence = value("precedence")
    if precedence in {"bulk", "junk", "list", "auto_reply"}:
        return f"Precedence: {precedence}"
    for name in ("x-autoreply", "x-autorespond", "x-autoresponder"):
        if name in headers and value(name) not in {"no", "false", "0"}:
            return f"{name.title()} header"
    if "all" in re.split(r"[\s,]+", value("x-auto-response-suppress")):
        return "X-Auto-Response-Suppress: All"
    if "list-id" in headers:
        return "mailing list (List-Id)"
    if _ROBOT.match(from_address.partition("@")[0]):
        return f"automatic sender {from_address}"
    if headers.get("return-path") and value("return-path").strip() in {"<>", ""}:
        return "empty Return-Path"
    return None


# The body -----------------------------------------------------------------------------


def _read_body(message: email.message.Message, mail: ParsedMail) -> None:
    """Collect the text shown and the files, walking parts without recursion."""
    texts: list[str] = []
    html_texts: list[str] = []
    stack: list[tuple[email.message.Message, int, bool]] = [(message, 0, True)]
    seen = 0
    while stack:
        part, depth, text_wanted = stack.pop()
        seen += 1
        if seen > MAX_PARTS or depth > MAX_DEPTH:
            mail.problems.append("too many parts: the rest was skipped")
            break
        content_type = part.get_content_type()
        payload = part.get_payload()
        if isinstance(payload, list) and content_type.startswith("multipart/"):
            children = [child for child in payload if isinstance(child, email.message.Message)]
            chosen = _preferred(children) if content_type == "multipart/alternative" else None
            for child in reversed(children):
                wanted = text_wanted and (chosen is None or child is chosen)
                stack.append((child, depth + 1, wanted))
        elif content_type in ("message/delivery-status", "text/rfc822-headers"):
            _read_report_part(part, mail)
        elif content_type == "message/rfc822" and isinstance(payload, list):
            _keep_message(part, payload, mail)
        else:
            _read_leaf(part, content_type, text_wanted, texts, html_texts, mail)
    mail.html_only = not texts and bool(html_texts)
    mail.text = "\n\n".join(piece for piece in (texts or html_texts) if piece.strip())


def _preferred(children: list[email.message.Message]) -> email.message.Message | None:
    """Of alternatives, the plain text (mail is shown as text), else the richest one."""
    for child in children:
        if child.get_content_type() == "text/plain" and not _filename(child):
            return child
    return children[-1] if children else None


def _read_leaf(
    part: email.message.Message,
    content_type: str,
    text_wanted: bool,
    texts: list[str],
    html_texts: list[str],
    mail: ParsedMail,
) -> None:
    filename = _filename(part)
    disposition = (part.get_content_disposition() or "").lower()
    data = _payload_bytes(part)
    is_body = not filename and disposition != "attachment"
    if content_type.startswith("multipart/"):  # broken: no boundary, no parts
        content_type = "text/plain"
    if is_body and content_type in ("text/plain", "text/html"):
        if text_wanted:
            text = decode_bytes(data, _charset(part))
            if content_type == "text/html":
                html_texts.append(clean_body_text(html_to_text(text)))
            else:
                texts.append(clean_body_text(text))
        return
    if not data:
        return
    name = filename or _name_for(content_type, len(mail.attachments) + 1)
    mail.attachments.append(Attachment(name, content_type, data))


def _filename(part: email.message.Message) -> str:
    try:
        name = part.get_filename() or part.get_param("name") or ""
    except Exception:  # RFC 2231 values can be anything
        return ""
    if isinstance(name, tuple):  # an RFC 2231 value the parser could not collapse
        name = name[2] if len(name) == 3 else ""
    return decode_header(str(name))[:200]


def _name_for(content_type: str, number: int) -> str:
    extension = {"image/jpeg": ".jpg", "text/plain": ".txt"}.get(content_type)
    extension = extension or mimetypes.guess_extension(content_type) or ".bin"
    stem = "image" if content_type.startswith("image/") else "attachment"
    return f"{stem}-{number}{extension}"


def _charset(part: email.message.Message) -> str | None:
    try:
        charset = part.get_content_charset()
    except Exception:
        return None
    return charset if isinstance(charset, str) else None


def _payload_bytes(part: email.message.Message) -> bytes:
    try:
        data = part.get_payload(decode=True)
    except Exception:  # broken base64 or quoted-printable
        data = None
    if isinstance(data, bytes):
        return data
    payload = part.get_payload()
    return _bytes(payload) if isinstance(payload, str) else b""


def _raw_body(source: bytes) -> bytes:
    for separator in (b"\r\n\r\n", b"\n\n"):
        _head, found, body = source.partition(separator)
        if found:
            return body
    return b""


def _keep_message(part: email.message.Message, payload: list, mail: ParsedMail) -> None:
    """A forwarded or returned message: its Message-ID (for bounces) and the file itself."""
    inner = payload[0] if payload and isinstance(payload[0], email.message.Message) else None
    if inner is None:
        return
    mail.returned_ids.extend(_message_ids(_headers(inner).get("message-id", [])))
    try:
        data = inner.as_bytes(policy=email.policy.compat32)
    except Exception:
        return
    name = _filename(part) or f"message-{len(mail.attachments) + 1}.eml"
    mail.attachments.append(Attachment(name, "message/rfc822", data))


def _read_report_part(part: email.message.Message, mail: ParsedMail) -> None:
    """A delivery report's fields (Final-Recipient, Action), or a returned message's headers."""
    payload = part.get_payload()
    blocks = payload if isinstance(payload, list) else []
    if not blocks:
        text = decode_bytes(_payload_bytes(part))
        block = BytesHeaderParser(policy=email.policy.compat32).parsebytes(_bytes(text.lstrip()))
        blocks = [block]
    for block in blocks:
        if not isinstance(block, email.message.Message):
            continue
        headers = _headers(block)
        if part.get_content_type() == "text/rfc822-headers" or "message-id" in headers:
            mail.returned_ids.extend(_message_ids(headers.get("message-id", [])))
        recipient = _first(headers, "final-recipient") or _first(headers, "original-recipient")
        if recipient and mail.bounced_address is None:
            address = recipient.rpartition(";")[2].strip().strip("<>").lower()
            mail.bounced_address = address[:254] if _ADDRESS.match(address) else None
        mail.has_report = mail.has_report or part.get_content_type() == "message/delivery-status"


def _classify(
    message: email.message.Message, headers: dict[str, list[str]], mail: ParsedMail
) -> None:
    """Bounces: a delivery report, or a mailer daemon's message carrying one."""
    try:
        report_type = str(message.get_param("report-type") or "").lower()
    except Exception:
        report_type = ""
    is_report = message.get_content_type() == "multipart/report"
    robot = bool(_ROBOT.match(mail.from_address.partition("@")[0]))
    if is_report and report_type == "delivery-status":
        mail.bounce = True
    elif robot and (mail.has_report or "x-failed-recipients" in headers):
        mail.bounce = True
        failed = _addresses(headers.get("x-failed-recipients", [])[:1])
        mail.bounced_address = mail.bounced_address or (failed[0][1] if failed else None)
    elif is_report and mail.automatic is None:
        mail.automatic = f"report ({report_type or 'unknown'})"
    if not mail.bounce:
        mail.bounced_address = None

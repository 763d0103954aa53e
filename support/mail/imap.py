"""Fetching support mail from an IMAP mailbox (`flask support fetch`).

The mailbox is named by one URL, `SUPPORT_IMAP_URL`: `imaps://user:password@host:993/INBOX`,
or `imap://…?starttls=1` (plain `imap://` only makes sense on loopback). Every unseen message
is read without touching its flags (`BODY.PEEK[]`), received in its own transaction
(`support.mail.inbound`), and marked `\\Seen` only after that transaction committed. A fetcher
killed at any moment therefore loses nothing (what it had not committed is still unseen) and
doubles nothing (what it committed but had not yet marked is recognised by its Message-ID and
only marked). A message too large to take is never downloaded: its headers are enough to
record the refusal. One bad message is recorded and marked; its neighbours go on. The
mailbox should be support's own: a person reading it in a mail program marks messages seen.
"""

from __future__ import annotations

import imaplib
import re
import ssl
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from urllib.parse import parse_qs, unquote, urlsplit

from flask import current_app
from sqlalchemy.exc import InterfaceError, OperationalError

from community.extensions import db
from kb.services import deferred
from support.mail import inbound, routing
from support.mail.inbound import Outcome, Received

TIMEOUT_SECONDS = 60
CHUNK_MESSAGES = 100
CHUNK_BYTES = 16 * 1024 * 1024  # bodies downloaded at once
_UID = re.compile(rb"UID (\d+)")
_SIZE = re.compile(rb"RFC822\.SIZE (\d+)")


class MailboxError(Exception):
    """The mailbox cannot be reached or read (the message never holds the password)."""


@dataclass(frozen=True)
class ImapSettings:
    host: str
    port: int
    user: str
    password: str
    mailbox: str = "INBOX"
    tls: bool = True  # imaps://
    starttls: bool = False

    @classmethod
    def from_url(cls, url: str) -> ImapSettings:
        """Read `imaps://user:pass@host:port/MAILBOX` (or `imap://…?starttls=1`)."""
        parts = urlsplit(url.strip())
        scheme = parts.scheme.lower()
        if scheme not in ("imap", "imaps"):
            raise ValueError("SUPPORT_IMAP_URL must start with imaps:// or imap://")
        try:
            port = parts.port
        except ValueError as error:
            raise ValueError("SUPPORT_IMAP_URL has an invalid port") from error
        if not parts.hostname or not parts.username:
            raise ValueError("SUPPORT_IMAP_URL must name a user and a host")
        starttls = parse_qs(parts.query).get("starttls", ["0"])[0].lower()
        return cls(
            host=parts.hostname,
            port=port or (993 if scheme == "imaps" else 143),
            user=unquote(parts.username),
            password=unquote(parts.password or ""),
            mailbox=unquote(parts.path.lstrip("/")) or "INBOX",
            tls=scheme == "imaps",
            starttls=starttls in ("1", "true", "yes", "on"),
        )


class Stop:
    """Set by SIGTERM/SIGINT: the fetcher finishes the message in hand, marks what it
    committed, and stops. A plain flag, safe to set from a signal handler."""

    def __init__(self) -> None:
        self.requested = False

    def set(self, *_args: object) -> None:
        self.requested = True

    def sleep(self, seconds: float) -> None:
        deadline = time.monotonic() + seconds
        while not self.requested and time.monotonic() < deadline:
            time.sleep(min(0.1, max(0.0, deadline - time.monotonic())))


@dataclass
class FetchReport:
    counts: Counter[str] = field(default_factory=Counter)
    seconds: float = 0.0

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    def describe(self) -> str:
        """One line: how many of each outcome, and the rate."""
        order = [
            (Outcome.REQUEST, "new requests"),
            (Outcome.REPLY, "replies"),
            (Outcome.AUTO_REPLY, "automatic"),
            (Outcome.BOUNCE, "bounces"),
            (Outcome.REFUSED, "refused"),
            (Outcome.DUPLICATE, "already received"),
            ("failed", "failed"),
        ]
        parts = ", ".join(f"{self.counts[key]} {label}" for key, label in order)
        rate = self.total / self.seconds if self.seconds > 0 else 0.0
        return f"fetched {self.total}: {parts} in {self.seconds:.2f} s ({rate:.0f} messages/s)"


@contextmanager
def connect(settings: ImapSettings) -> Iterator[imaplib.IMAP4]:
    """A logged-in connection with the mailbox selected for writing flags."""
    try:
        conn = _open(settings)
    except (OSError, imaplib.IMAP4.error, ssl.SSLError) as error:
        raise MailboxError(f"{settings.host}:{settings.port}: {error}") from None
    try:
        try:
            conn.login(settings.user, settings.password)
            status, detail = conn.select(_quoted(settings.mailbox))
        except (OSError, imaplib.IMAP4.error, UnicodeError) as error:
            raise MailboxError(f"{settings.host}:{settings.port}: {error}") from None
        if status != "OK":
            raise MailboxError(f"mailbox {settings.mailbox!r} cannot be opened: {_text(detail)}")
        yield conn
    finally:
        with suppress(OSError, imaplib.IMAP4.error):
            conn.logout()


def _open(settings: ImapSettings) -> imaplib.IMAP4:
    context = ssl.create_default_context()
    if settings.tls:
        return imaplib.IMAP4_SSL(
            settings.host, settings.port, ssl_context=context, timeout=TIMEOUT_SECONDS
        )
    conn = imaplib.IMAP4(settings.host, settings.port, timeout=TIMEOUT_SECONDS)
    if settings.starttls:
        conn.starttls(ssl_context=context)
    return conn


def fetch(settings: ImapSettings, stop: Stop | None = None) -> FetchReport:
    """Receive every unseen message; mark each seen once its transaction committed."""
    stop = stop or Stop()
    routing.forget_addresses()
    report = FetchReport()
    started = time.monotonic()
    limit = int(current_app.config["SUPPORT_MAX_MESSAGE_BYTES"])
    with connect(settings) as conn:
        try:
            unseen = _search_unseen(conn)
            for chunk in _chunks(unseen, CHUNK_MESSAGES):
                if stop.requested:
                    break
                _fetch_chunk(conn, chunk, limit, report, stop)
        except (OSError, imaplib.IMAP4.error) as error:
            raise MailboxError(f"{settings.host}:{settings.port}: {error}") from None
    report.seconds = time.monotonic() - started
    return report


def _fetch_chunk(
    conn: imaplib.IMAP4, uids: list[bytes], limit: int, report: FetchReport, stop: Stop
) -> None:
    """Bodies are downloaded a group at a time; each message is received, committed and
    only then marked seen, one by one. The agents' search index is written once per group
    rather than once per message (most of each message's cost otherwise)."""
    sizes = _sizes(conn, uids)
    for group in _by_size([uid for uid in uids if uid in sizes], sizes, limit):
        bodies = _bodies(conn, [uid for uid in group if sizes[uid] <= limit])
        with deferred():
            for uid in group:
                if stop.requested:
                    return
                received = _take(conn, uid, sizes[uid], bodies.pop(uid, None), limit)
                report.counts[received.outcome if received else "failed"] += 1
                if received is not None:
                    _mark_seen(conn, uid)


def _take(
    conn: imaplib.IMAP4, uid: bytes, size: int, body: bytes | None, limit: int
) -> Received | None:
    """One message, in its own transaction; None when it vanished meanwhile. A database
    that cannot be reached stops the fetch (the message stays unseen for a later one);
    anything else wrong with the message is recorded, and the fetch goes on."""
    raw = body or b""
    try:
        if size > limit or body is None:
            raw = _header_of(conn, uid)
            if not raw:
                return None
            return inbound.receive_oversized(raw, size=size, digest_of=raw + b"%d" % size)
        return inbound.receive(body)
    except (OSError, imaplib.IMAP4.error):
        raise
    except (OperationalError, InterfaceError):
        db.session.rollback()
        raise
    except inbound.NotAMessage as error:
        return _recorded(raw, f"not a message: {error}")
    except Exception as error:  # one bad message must not stop the others
        current_app.logger.error("support mail %s could not be processed: %r", uid, error)
        return _recorded(raw, f"could not be processed: {type(error).__name__}")
    finally:
        db.session.close()


def _recorded(raw: bytes, reason: str) -> Received:
    try:
        return inbound.record_failure(raw, reason)
    except BaseException:
        db.session.rollback()
        raise


# IMAP commands ------------------------------------------------------------------------


def _quoted(mailbox: str) -> str:
    return '"' + mailbox.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _text(detail: list) -> str:
    return b" ".join(item for item in detail if isinstance(item, bytes)).decode(errors="replace")


def _checked(response: tuple[str, list]) -> list:
    status, data = response
    if status != "OK":
        raise imaplib.IMAP4.error(_text(data))
    return data


def _search_unseen(conn: imaplib.IMAP4) -> list[bytes]:
    data = _checked(conn.uid("SEARCH", "UNSEEN"))
    return sorted((uid for line in data if line for uid in line.split()), key=int)


def _chunks(items: list[bytes], size: int) -> Iterator[list[bytes]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _sizes(conn: imaplib.IMAP4, uids: list[bytes]) -> dict[bytes, int]:
    sizes: dict[bytes, int] = {}
    for line in _checked(conn.uid("FETCH", b",".join(uids), "(UID RFC822.SIZE)")):
        text = line[0] if isinstance(line, tuple) else line
        uid, size = _UID.search(text or b""), _SIZE.search(text or b"")
        if uid and size:
            sizes[uid.group(1)] = int(size.group(1))
    return sizes


def _by_size(uids: list[bytes], sizes: dict[bytes, int], limit: int) -> Iterator[list[bytes]]:
    """Groups whose bodies together stay under CHUNK_BYTES (one message at least)."""
    group: list[bytes] = []
    total = 0
    for uid in uids:
        size = sizes[uid] if sizes[uid] <= limit else 0
        if group and total + size > CHUNK_BYTES:
            yield group
            group, total = [], 0
        group.append(uid)
        total += size
    if group:
        yield group


def _bodies(conn: imaplib.IMAP4, uids: list[bytes]) -> dict[bytes, bytes]:
    """The raw messages, read without setting \\Seen."""
    if not uids:
        return {}
    return _literals(_checked(conn.uid("FETCH", b",".join(uids), "(UID BODY.PEEK[])")))


def _header_of(conn: imaplib.IMAP4, uid: bytes) -> bytes:
    found = _literals(_checked(conn.uid("FETCH", uid, "(UID BODY.PEEK[HEADER])")))
    return found.get(uid, b"")


def _literals(data: list) -> dict[bytes, bytes]:
    """uid -> literal from a FETCH response (the UID may come before or after the literal)."""
    found: dict[bytes, bytes] = {}
    for index, item in enumerate(data):
        if not isinstance(item, tuple):
            continue
        prefix, literal = item
        uid = _UID.search(prefix)
        if uid is None and index + 1 < len(data) and isinstance(data[index + 1], bytes):
            uid = _UID.search(data[index + 1])
        if uid is not None:
            found[uid.group(1)] = literal
    return found


def _mark_seen(conn: imaplib.IMAP4, uid: bytes) -> None:
    _checked(conn.uid("STORE", uid, "+FLAGS.SILENT", r"(\Seen)"))

"""Mail in: one received message becomes a request, a reply, or a recorded non-request.

Every message that could be parsed leaves exactly one `InboundMail` row, keyed by its
Message-ID (a hash of its bytes when it has none), written in the same transaction as the
request or reply it became. The row is added and flushed before the request is opened, so
two deliveries of one message (a fetcher killed before it marked the message seen, an MTA
that retried) find the row and change nothing: a message is stored once, never twice.

What becomes of a message, in this order:
- a Message-ID already stored: nothing (a duplicate);
- a delivery report: `bounce`, against the address that failed (`bounced_address`);
- our own mail, or mail a robot sent (`Auto-Submitted`, `Precedence`, `List-Id`,
  mailer-daemon…): `auto_reply`, never acknowledged, never a request (no mail loops);
- a reply from the requester to a request that may still take it: `reply`;
- anything else: a new `request` in the department written to. A reply from another address
  starts its own request (context `related_request`); one to a closed request, or solved too
  long ago, starts a new one (context `previous_request`);
- what the services refuse (no sender, no text, no department) and messages too large to
  read: `refused`, with the reason.

The raw bytes are kept (`InboundMail.raw`) for bounces and refusals, for a person to look at;
never for a message too large to take, nor for requests and replies (their text and files
are stored as messages).
"""

from __future__ import annotations

import enum
import re
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import event, select
from sqlalchemy.exc import IntegrityError

from community.db import utcnow
from community.errors import DomainError
from community.extensions import db
from community.forms import has_visible_text
from community.uploads import human_size
from support.mail import routing
from support.mail.parse import (
    NotAMessage,
    ParsedMail,
    parse_head,
    parse_message,
    synthetic_id,
)
from support.mail.trim import trim_reply
from support.models import (
    MAX_BODY,
    MAX_SUBJECT,
    Channel,
    InboundMail,
    SupportMessage,
    SupportRequest,
)
from support.services import requests
from support.services.conversation import Upload
from support.services.requests import Draft

HEAD_BYTES = 64 * 1024  # what is read of a message too large to take
MAX_ORIGINAL = 1_000_000
NO_SUBJECT = "(no subject)"
_CJK = re.compile(r"[\u4e00-\u9fff]")
_KANA = re.compile(r"[\u3040-\u30ff]")

__all__ = [
    "NotAMessage", "Outcome", "Received", "receive", "receive_oversized", "record_failure",
]  # fmt: skip


class Outcome(enum.StrEnum):
    REQUEST = "request"
    REPLY = "reply"
    AUTO_REPLY = "auto_reply"
    BOUNCE = "bounce"
    REFUSED = "refused"
    DUPLICATE = "duplicate"  # already received: nothing stored


@dataclass(frozen=True)
class Received:
    """What became of one message."""

    outcome: Outcome
    message_id: str
    number: str | None = None
    reason: str = ""

    def describe(self) -> str:
        """One line for the operator."""
        text = {
            Outcome.REQUEST: f"new request {self.number}",
            Outcome.REPLY: f"reply added to request {self.number}",
            Outcome.AUTO_REPLY: "automatic message recorded, not answered",
            Outcome.BOUNCE: "bounce recorded",
            Outcome.REFUSED: "refused",
            Outcome.DUPLICATE: "already received, nothing changed",
        }[self.outcome]
        reason = f" ({self.reason})" if self.reason else ""
        return f"{text}{reason}: {self.message_id}"


def receive(raw: bytes, *, now: datetime | None = None) -> Received:
    """Turn one RFC 822 message into a request, a reply or a recorded non-request;
    NotAMessage when the bytes are not an email at all."""
    limit = int(current_app.config["SUPPORT_MAX_MESSAGE_BYTES"])
    if len(raw) > limit:
        return receive_oversized(raw[:HEAD_BYTES], size=len(raw), digest_of=raw)
    mail = parse_message(raw)
    return _receive(mail, raw, now or utcnow())


def receive_oversized(head: bytes, *, size: int, digest_of: bytes) -> Received:
    """Record a message too large to take from its headers alone; nothing else is read."""
    mail = parse_head(head, digest_of=digest_of)
    if routing.seen_before(mail.message_id)[0]:
        return Received(Outcome.DUPLICATE, mail.message_id)
    limit = int(current_app.config["SUPPORT_MAX_MESSAGE_BYTES"])
    reason = f"too large: {human_size(size)} (limit {human_size(limit)})"
    return _record(mail, Outcome.REFUSED, reason, size=size, raw=None)


def _receive(mail: ParsedMail, raw: bytes, now: datetime) -> Received:
    received, known_id = routing.seen_before(mail.message_id)
    if received:
        return Received(Outcome.DUPLICATE, mail.message_id)
    request = routing.thread_of(mail)
    request_id = request.id if request is not None else None
    if mail.bounce:
        reason = f"delivery to {mail.bounced_address or 'an unknown address'} failed"
        return _record(mail, Outcome.BOUNCE, reason, size=len(raw), raw=raw, request_id=request_id)
    robot = routing.ours(mail, known_id=known_id) or mail.automatic
    if robot:
        return _record(mail, Outcome.AUTO_REPLY, robot, size=len(raw), request_id=request_id)
    if not mail.from_address:
        return _record(mail, Outcome.REFUSED, "no sender address", size=len(raw), raw=raw)
    if (
        request is not None
        and routing.is_requester(mail, request)
        and requests.may_reopen(request, now)
    ):
        return _deliver(mail, raw, now, request)
    return _deliver(mail, raw, now, None, earlier=request)


def _deliver(
    mail: ParsedMail,
    raw: bytes,
    now: datetime,
    request: SupportRequest | None,
    *,
    earlier: SupportRequest | None = None,
) -> Received:
    """A reply to `request`, or a new request. Files our checks refuse are dropped; if the
    services still refuse one, the message is stored again without files."""
    uploads, refused = routing.vetted(mail.attachments)
    attempts: list[Sequence[Upload]] = [uploads, []] if uploads else [[]]
    for files in attempts:
        try:
            return _store(mail, len(raw), now, (request, earlier), files, refused)
        except IntegrityError:
            db.session.rollback()
            if not _stored(mail.message_id):
                raise
            return Received(Outcome.DUPLICATE, mail.message_id)
        except DomainError as error:
            db.session.rollback()
            if error.field == "files" and files:
                refused = [*refused, *(f"{upload.filename} ({error.message})" for upload in files)]
                continue
            return _record(mail, Outcome.REFUSED, error.message, size=len(raw), raw=raw)
    raise AssertionError("unreachable: the last attempt has no files to refuse")


def _store(
    mail: ParsedMail,
    size: int,
    now: datetime,
    thread: tuple[SupportRequest | None, SupportRequest | None],
    files: Sequence[Upload],
    refused: list[str],
) -> Received:
    """The InboundMail row first (it claims the Message-ID), then the service: one commit."""
    request, earlier = thread
    outcome = Outcome.REPLY if request is not None else Outcome.REQUEST
    notes = [*mail.problems, *(f"not attached: {item}" for item in refused)]
    reason = "; ".join(notes)[:255]
    row = _row(mail, outcome, reason, size=size)
    row.request_id = request.id if request is not None else None
    db.session.add(row)
    db.session.flush()
    shown, original = _body(mail, files, refused)
    if request is not None:
        number = request.number
        requests.customer_reply(
            request,
            shown,
            by=request.requester,
            channel=Channel.EMAIL,
            markdown=False,
            files=files,
            email_message_id=mail.message_id,
            original_text=original,
            now=now,
        )
        return Received(outcome, mail.message_id, number, reason)
    draft = _draft(mail, shown, original, files, earlier)
    with _linked_on_commit(row) as link:
        requests.open_request(draft, now=now)
    return Received(outcome, mail.message_id, link.number, reason)


def _draft(
    mail: ParsedMail,
    shown: str,
    original: str | None,
    files: Sequence[Upload],
    earlier: SupportRequest | None,
) -> Draft:
    requester = requests.linked_account(mail.from_address)
    context: dict[str, object] = {}
    department_id = routing.department_for(mail.recipients)
    if earlier is not None and routing.is_requester(mail, earlier):
        context["previous_request"] = earlier.number
        department_id = earlier.department_id
    elif earlier is not None:
        context["related_request"] = earlier.number
    return Draft(
        subject=_subject(mail.subject),
        body=shown,
        requester_email=mail.from_address,
        requester_name=mail.from_name or (requester.display_name if requester else ""),
        requester=requester,
        department_id=department_id,
        channel=Channel.EMAIL,
        locale=requester.locale if requester else _locale_of(mail),
        markdown=False,
        original_text=original,
        email_message_id=mail.message_id,
        context=context,
        files=files,
        acknowledge=True,
    )


def _body(mail: ParsedMail, files: Sequence[Upload], refused: list[str]) -> tuple[str, str | None]:
    """(text shown, full text kept): history trimmed, refused files named, length capped."""
    full = mail.text.strip()
    shown = trim_reply(full) if full else ""
    if not has_visible_text(shown) and files:
        shown = _("(The message had no text, only attachments.)")
    if refused and has_visible_text(shown):
        shown += "\n\n" + "\n".join(
            "[" + _("Not attached: %(file)s", file=item) + "]" for item in refused
        )
    if len(shown) > MAX_BODY:
        shown = shown[: MAX_BODY - 20].rstrip() + "\n\n[…]"
    original = full[:MAX_ORIGINAL] if full and full != shown else None
    return shown, original


def _subject(subject: str) -> str:
    """The subject without our request tags (a new request gets its own); never empty."""
    subject = " ".join(routing.TAG.sub(" ", subject).split())
    if not has_visible_text(subject):
        return NO_SUBJECT
    return subject if len(subject) <= MAX_SUBJECT else subject[: MAX_SUBJECT - 1] + "…"


def _locale_of(mail: ParsedMail) -> str:
    """A stranger's language, for the acknowledgement: Chinese when they wrote Chinese."""
    supported = current_app.config["PORTAL_LOCALES"]
    sample = mail.subject + mail.text[:2000]
    chinese = mail.language.lower().startswith("zh") or (
        _CJK.search(sample) is not None and _KANA.search(sample) is None
    )
    chinese_locale = next((locale for locale in supported if locale.startswith("zh")), None)
    if chinese and chinese_locale:
        return chinese_locale
    return current_app.config["BABEL_DEFAULT_LOCALE"]


@dataclass
class _Link:
    number: str | None = None


@contextmanager
def _linked_on_commit(row: InboundMail) -> Iterator[_Link]:
    """Fill the row's request in the service's own commit: the new request only exists
    inside it, and the row must never point nowhere nor be written apart. The request is
    found among the session's objects (by the message carrying this Message-ID)."""
    session = db.session()
    link = _Link()

    def fill(_session: object) -> None:
        message = next(
            (
                item
                for item in session.identity_map.values()
                if isinstance(item, SupportMessage) and item.email_message_id == row.message_id
            ),
            None,
        )
        request = session.get(SupportRequest, message.request_id) if message else None
        if request is not None:
            row.request_id = request.id
            link.number = request.number

    event.listen(session, "before_commit", fill)
    try:
        yield link
    finally:
        event.remove(session, "before_commit", fill)


def _stored(message_id: str) -> bool:
    return bool(
        db.session.scalar(select(InboundMail.id).where(InboundMail.message_id == message_id))
    )


def _row(mail: ParsedMail, outcome: Outcome, reason: str, *, size: int) -> InboundMail:
    recipients = ", ".join(mail.recipients[:20])
    if len(mail.recipients) > 20:
        recipients += f" (+{len(mail.recipients) - 20} more)"
    return InboundMail(
        message_id=mail.message_id[:255],
        from_address=mail.from_address[:254],
        to_addresses=recipients[:2000],
        subject=mail.subject[:MAX_SUBJECT],
        size=size,
        outcome=outcome,
        reason=reason[:255],
        received_at=utcnow(),
    )


def _record(
    mail: ParsedMail,
    outcome: Outcome,
    reason: str,
    *,
    size: int,
    raw: bytes | None = None,
    request_id: int | None = None,
) -> Received:
    """A message that opens nothing: its row alone, in its own transaction."""
    row = _row(mail, outcome, reason, size=size)
    row.raw = raw
    row.request_id = request_id
    row.bounced_address = mail.bounced_address if outcome == Outcome.BOUNCE else None
    db.session.add(row)
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        if not _stored(mail.message_id):
            raise
        return Received(Outcome.DUPLICATE, mail.message_id)
    return Received(outcome, mail.message_id, None, reason[:255])


def record_failure(raw: bytes, reason: str) -> Received:
    """Keep a message that broke something unexpected (with its bytes, for a person to
    look at), so one bad message is not retried forever and never stops the others."""
    db.session.rollback()
    try:
        mail = parse_head(raw[:HEAD_BYTES], digest_of=raw)
    except Exception:  # not even its headers can be read: only its bytes identify it
        mail = ParsedMail(synthetic_id(raw), True, "", "", "", [], [], [], None)
    if _stored(mail.message_id):
        return Received(Outcome.DUPLICATE, mail.message_id)
    return _record(mail, Outcome.REFUSED, reason, size=len(raw), raw=raw)

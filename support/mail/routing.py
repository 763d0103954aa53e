"""Where a received message belongs: the request it answers, the department it was written
to, whether we sent it ourselves, and which of its files may be kept.

Threading trusts the headers only as far as they can be checked: a message joins a request
when its `In-Reply-To`/`References` name a Message-ID of that request (or its subject carries
the request's `[#number]`) AND its sender is the request's requester. Anyone else who answers
starts a request of their own, so a forged or forwarded header never lets a stranger read or
write someone else's conversation (replies go to the requester's address, never to the
sender of a message).
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass
from email.utils import parseaddr

from flask import current_app, g
from flask_babel import gettext as _
from sqlalchemy import select

from community.errors import InvalidInput
from community.extensions import db
from community.uploads import ALLOWED_TYPES, check_type, human_size
from support.mail.parse import Attachment, ParsedMail
from support.models import InboundMail, SupportRequest, ThreadId
from support.services import directory
from support.services.conversation import MAX_FILES_PER_MESSAGE, Upload

TAG = re.compile(r"\[#(\d{6,12})\]")
MAX_MERGE_HOPS = 5
_ADDRESSES = "support_mail_addresses"


def thread_of(mail: ParsedMail) -> SupportRequest | None:
    """The request this message answers: by Message-IDs (nearest first), then by the
    `[#number]` tag in its subject; a merged request leads to the one it was merged into."""
    request: SupportRequest | None = None
    ids = mail.thread_ids
    if ids:
        found = dict(
            db.session.execute(
                select(ThreadId.message_id, ThreadId.request_id).where(ThreadId.message_id.in_(ids))
            ).all()
        )
        nearest = next((found[item] for item in ids if item in found), None)
        request = db.session.get(SupportRequest, nearest) if nearest else None
    if request is None:
        tag = TAG.search(mail.subject)
        if tag:
            request = db.session.scalar(
                select(SupportRequest).where(SupportRequest.number == tag.group(1))
            )
    hops = 0
    while request is not None and request.merged_into_id and hops < MAX_MERGE_HOPS:
        request = db.session.get(SupportRequest, request.merged_into_id)
        hops += 1
    return request


def is_requester(mail: ParsedMail, request: SupportRequest) -> bool:
    return bool(mail.from_address) and mail.from_address == request.requester_email.lower()


@dataclass(frozen=True)
class Addresses:
    """Our side of the mail: the support domain, each department's local part, and every
    address we send from. Read once per fetch (`forget_addresses` starts a new one)."""

    domain: str
    main_local: str
    departments: dict[str, int]  # local part -> department id, in the directory's order
    ours: frozenset[str]

    @property
    def first_department_id(self) -> int | None:
        return next(iter(self.departments.values()), None)


def addresses() -> Addresses:
    found = g.get(_ADDRESSES)
    if found is None:
        main = current_app.config["SUPPORT_EMAIL"].lower()
        main_local, _at, domain = main.partition("@")
        departments = {row.email_local.lower(): row.id for row in directory.departments()}
        sender = parseaddr(current_app.config["MAIL_FROM"])[1].lower()
        ours = {main, sender, *(f"{local}@{domain}" for local in departments)}
        found = Addresses(domain, main_local, departments, frozenset(ours - {""}))
        g.setdefault(_ADDRESSES, found)
    return found


def forget_addresses() -> None:
    """Departments may have changed: the next message reads them again."""
    g.pop(_ADDRESSES, None)


def department_for(recipients: list[str]) -> int | None:
    """The department written to (`returns@…`, or `support+returns@…` at the support
    address's domain); the first department for the main address or anything else."""
    ours = addresses()
    for address in recipients:
        local, _at, host = address.rpartition("@")
        if host != ours.domain:
            continue
        base, plus, tag = local.partition("+")
        found = ours.departments.get(tag if plus and base == ours.main_local else base)
        if found is not None:
            return found
    return ours.first_department_id


def ours(mail: ParsedMail, *, known_id: bool) -> str | None:
    """Why this message is one we sent ourselves (a loop), or None. `known_id`: its
    Message-ID is one the thread table holds and we never received, so we made it."""
    if mail.from_address and mail.from_address in addresses().ours:
        return f"our own address {mail.from_address}"
    if known_id and not mail.synthetic_id:
        return "our own Message-ID"
    return None


def seen_before(message_id: str) -> tuple[bool, bool]:
    """(received already, a Message-ID of a request's thread), in one round trip."""
    received, threaded = db.session.execute(
        select(
            select(InboundMail.id).where(InboundMail.message_id == message_id).exists(),
            select(ThreadId.id).where(ThreadId.message_id == message_id).exists(),
        )
    ).one()
    return bool(received), bool(threaded)


def vetted(attachments: list[Attachment]) -> tuple[list[Upload], list[str]]:
    """The files that pass the same checks as every upload, and a note for each refused
    one: a bad file is dropped alone, the message still lands."""
    limit = int(current_app.config["SUPPORT_ATTACHMENT_MAX_BYTES"])
    uploads: list[Upload] = []
    refused: list[str] = []
    for attachment in attachments:
        try:
            name = _check(attachment, limit)
        except InvalidInput as error:
            refused.append(f"{attachment.filename or 'attachment'} ({error.message})")
            continue
        if len(uploads) >= MAX_FILES_PER_MESSAGE:
            too_many = _(
                "Attach at most %(count)d files to one message.", count=MAX_FILES_PER_MESSAGE
            )
            refused.append(f"{name} ({too_many})")
            continue
        uploads.append(Upload(io.BytesIO(attachment.data), name))
    return uploads, refused


def _check(attachment: Attachment, limit: int) -> str:
    name, extension = check_type(attachment.filename, "files")
    if len(attachment.data) > limit:
        raise InvalidInput(_("The file is larger than %(size)s.", size=human_size(limit)), "files")
    signatures = ALLOWED_TYPES[extension][1]
    if signatures and not attachment.data.startswith(signatures):
        raise InvalidInput(
            _("The file's content does not match its .%(ext)s name.", ext=extension), "files"
        )
    return name

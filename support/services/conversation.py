"""The pieces every write to a conversation shares: cleaning input, rendering text, adding a
message with its files, recording what happened, and one transaction that leaves nothing
behind when it fails (files already stored are removed on rollback).
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import IO, Any

from flask import current_app
from flask_babel import gettext as _
from markupsafe import escape

from community.accounts.models import User
from community.db import utcnow
from community.errors import InvalidInput
from community.extensions import db
from community.forms import clean_text, has_visible_text
from community.markdown import render_markdown
from community.uploads import discard, store_upload
from support.models import (
    MAX_BODY,
    MAX_NAME,
    MAX_SUBJECT,
    MessageKind,
    RequestEvent,
    SupportAttachment,
    SupportMessage,
    SupportRequest,
    ThreadId,
)

ATTACHMENT_FOLDER = "support_attachments"
MAX_FILES_PER_MESSAGE = 10
_EMAIL = re.compile(r"^[^@\s<>\"',;]{1,64}@[^@\s<>\"',;]+\.[^@\s<>\"',;]{2,}$")


@dataclass
class Upload:
    stream: IO[bytes]
    filename: str


def clean_subject(value: str) -> str:
    subject = " ".join(clean_text(value).split())
    if not has_visible_text(subject):
        raise InvalidInput(_("Give your request a subject."), "subject")
    if len(subject) > MAX_SUBJECT:
        raise InvalidInput(
            _("Keep the subject under %(count)d characters.", count=MAX_SUBJECT), "subject"
        )
    return subject


def clean_body(value: str, field_name: str = "body") -> str:
    body = clean_text(value)
    if not has_visible_text(body):
        raise InvalidInput(_("Write what you need help with."), field_name)
    if len(body) > MAX_BODY:
        raise InvalidInput(
            _("Keep the message under %(count)d characters.", count=MAX_BODY), field_name
        )
    return body


def clean_email(value: str, field_name: str = "email") -> str:
    address = clean_text(value).lower()
    if not _EMAIL.match(address) or len(address) > 254:
        raise InvalidInput(_("Enter a valid email address."), field_name)
    return address


def render_body(text: str, markdown: bool) -> str:
    """Web and API text is Markdown; mail is plain text, shown as it was written."""
    if markdown:
        return render_markdown(text)
    paragraphs = [part for part in re.split(r"\n\s*\n", text) if part.strip()]
    return "".join(
        "<p>" + str(escape(part.strip())).replace("\n", "<br>\n") + "</p>" for part in paragraphs
    )


@contextmanager
def writing() -> Iterator[list[str]]:
    """One transaction for a write with files: on any failure, roll back and remove the
    files stored so far (their names are appended to the yielded list)."""
    stored: list[str] = []
    try:
        yield stored
    except BaseException:
        db.session.rollback()
        for name in stored:
            discard(ATTACHMENT_FOLDER, name)
        raise


@dataclass
class Author:
    """Who wrote a message, as the conversation shows them."""

    user: User | None
    email: str
    name: str

    @classmethod
    def staff(cls, user: User) -> Author:
        return cls(user, user.email, user.display_name)

    @classmethod
    def requester_of(cls, request: SupportRequest, user: User | None) -> Author:
        return cls(user, request.requester_email, request.requester_name)


def add_message(
    request: SupportRequest,
    kind: MessageKind,
    body: str,
    author: Author,
    *,
    stored: list[str],
    now: datetime,
    channel: str = "web",
    markdown: bool = True,
    files: Sequence[Upload] = (),
    original_text: str | None = None,
    email_message_id: str | None = None,
) -> SupportMessage:
    """A message with its files; the request's counters and version move with it."""
    text = clean_body(body)
    if len(files) > MAX_FILES_PER_MESSAGE:
        raise InvalidInput(
            _("Attach at most %(count)d files to one message.", count=MAX_FILES_PER_MESSAGE),
            "files",
        )
    message = SupportMessage(
        request_id=request.id,
        kind=kind,
        author=author.user,
        author_email=author.email,
        author_name=author.name[:MAX_NAME],
        channel=channel,
        body_text=text,
        body_html=render_body(text, markdown),
        original_text=original_text if original_text and original_text != text else None,
        email_message_id=email_message_id,
        created_at=now,
    )
    db.session.add(message)
    db.session.flush()
    _attach(request, message, files, stored)
    if email_message_id:
        db.session.add(ThreadId(message_id=email_message_id, request_id=request.id))
    request.message_count += 1
    request.updated_at = now
    request.version += 1
    return message


def _attach(
    request: SupportRequest, message: SupportMessage, files: Sequence[Upload], stored: list[str]
) -> None:
    limit = int(current_app.config["SUPPORT_ATTACHMENT_MAX_BYTES"])
    for upload in files:
        saved = store_upload(
            upload.stream, upload.filename, folder=ATTACHMENT_FOLDER, max_bytes=limit, field="files"
        )
        stored.append(saved.stored_name)
        db.session.add(
            SupportAttachment(
                request_id=request.id,
                message_id=message.id,
                filename=saved.filename,
                content_type=saved.content_type,
                size=saved.size,
                sha256=saved.sha256,
                stored_name=saved.stored_name,
            )
        )


def record_event(
    request: SupportRequest,
    kind: str,
    actor: User | None,
    detail: dict[str, Any] | None = None,
    now: datetime | None = None,
) -> None:
    """Assigned, status, merged, breached…: shown in the request's history."""
    db.session.add(
        RequestEvent(
            request_id=request.id,
            actor_id=actor.id if actor else None,
            kind=kind,
            detail=detail or {},
            created_at=now or utcnow(),
        )
    )

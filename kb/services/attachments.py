"""Downloads attached to articles: manuals, drivers, firmware.

Files go through the core's checks (`community.uploads`: size, a list of extensions, and the
file's first bytes for the formats that have a signature), are stored under
`<instance>/kb_attachments/` by a random name, and are always served as downloads with their
recorded type, never rendered in the page.
"""

from __future__ import annotations

from typing import IO, Any

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import select

from community.errors import InvalidInput, NotFound
from community.extensions import db
from community.uploads import (
    ALLOWED_TYPES,
    Download,
    check_type,
    discard,
    download_of,
    human_size,
    store_upload,
)
from kb.models import Article, Attachment
from kb.policy import require_editor, require_readable
from kb.services import cache_keys

MAX_PER_ARTICLE = 20
FOLDER = "kb_attachments"

__all__ = ["ALLOWED_TYPES", "Download", "add_attachment", "download", "human_size", "max_bytes"]


def max_bytes() -> int:
    return int(current_app.config["KB_ATTACHMENT_MAX_BYTES"])


def add_attachment(article: Article, stream: IO[bytes], filename: str, *, by: Any) -> Attachment:
    """Check and store one uploaded file for an article (the core's checks, 20 per article)."""
    require_editor(by)
    check_type(filename)
    if len(article.attachments) >= MAX_PER_ARTICLE:
        raise InvalidInput(
            _("An article can have at most %(count)d files.", count=MAX_PER_ARTICLE), "file"
        )
    stored = store_upload(stream, filename, folder=FOLDER, max_bytes=max_bytes())
    try:
        attachment = Attachment(
            article_id=article.id,
            filename=stored.filename,
            stored_name=stored.stored_name,
            content_type=stored.content_type,
            size=stored.size,
            uploaded_by_id=by.id,
        )
        db.session.add(attachment)
        cache_keys.forget_article(article.slug)
        db.session.commit()
    except BaseException:
        db.session.rollback()
        discard(FOLDER, stored.stored_name)
        raise
    return attachment


def remove_attachment(article: Article, attachment_id: int, *, by: Any) -> None:
    """Delete the row first, then the file (a file without a row is harmless, not the reverse)."""
    require_editor(by)
    attachment = _attachment_of(article, attachment_id)
    stored_name = attachment.stored_name
    db.session.delete(attachment)
    cache_keys.forget_article(article.slug)
    db.session.commit()
    discard(FOLDER, stored_name)


def _attachment_of(article: Article, attachment_id: int) -> Attachment:
    attachment = db.session.scalar(
        select(Attachment).where(
            Attachment.id == attachment_id, Attachment.article_id == article.id
        )
    )
    if attachment is None:
        raise NotFound()
    return attachment


def download_named(article: Article | None, filename: str, user: Any) -> Download:
    """A file of an article by its name: how imported pages address their images."""
    article = require_readable(article, user)
    found = db.session.scalar(
        select(Attachment.id).where(
            Attachment.article_id == article.id, Attachment.filename == filename
        )
    )
    if found is None:
        raise NotFound()
    return download(article, found, user)


def download(article: Article | None, attachment_id: int, user: Any) -> Download:
    """A file of an article this person may read; 404 for anything else."""
    article = require_readable(article, user)
    attachment = _attachment_of(article, attachment_id)
    found = download_of(
        FOLDER, attachment.stored_name, attachment.filename, attachment.content_type,
        attachment.size,
    )  # fmt: skip
    if found is None:
        raise NotFound()
    return found

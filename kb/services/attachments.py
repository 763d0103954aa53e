"""Downloads attached to articles: manuals, drivers, firmware.

Files are checked on the way in (size, a list of extensions, and the file's first bytes for
the formats that have a signature), stored under `<instance>/kb_attachments/` by a random
name, and always served as downloads with their recorded type, never rendered in the page.
"""

from __future__ import annotations

import re
import secrets
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import select

from community.extensions import db
from kb.errors import ArticleNotFound, KbError
from kb.models import Article, Attachment
from kb.policy import require_editor, require_readable
from kb.services import cache_keys

MAX_PER_ARTICLE = 20

# Extension -> (content type, required leading bytes or None).
ALLOWED_TYPES: dict[str, tuple[str, tuple[bytes, ...] | None]] = {
    "pdf": ("application/pdf", (b"%PDF-",)),
    "zip": ("application/zip", (b"PK\x03\x04", b"PK\x05\x06")),
    "docx": (
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        (b"PK\x03\x04",),
    ),
    "xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", (b"PK\x03\x04",)),
    "pptx": (
        "application/vnd.openxmlformats-officedocument.presentationml.presentation",
        (b"PK\x03\x04",),
    ),
    "odt": ("application/vnd.oasis.opendocument.text", (b"PK\x03\x04",)),
    "ods": ("application/vnd.oasis.opendocument.spreadsheet", (b"PK\x03\x04",)),
    "png": ("image/png", (b"\x89PNG\r\n\x1a\n",)),
    "jpg": ("image/jpeg", (b"\xff\xd8\xff",)),
    "jpeg": ("image/jpeg", (b"\xff\xd8\xff",)),
    "gif": ("image/gif", (b"GIF87a", b"GIF89a")),
    "webp": ("image/webp", (b"RIFF",)),
    "gz": ("application/gzip", (b"\x1f\x8b",)),
    "7z": ("application/x-7z-compressed", (b"7z\xbc\xaf\x27\x1c",)),
    "txt": ("text/plain; charset=utf-8", None),
    "csv": ("text/csv; charset=utf-8", None),
    "md": ("text/markdown; charset=utf-8", None),
    "exe": ("application/vnd.microsoft.portable-executable", (b"MZ",)),
    "msi": ("application/x-msi", (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1",)),
    "dmg": ("application/x-apple-diskimage", None),
    "bin": ("application/octet-stream", None),
}
_UNSAFE_NAME = re.compile(r'[\\/:*?"<>|\x00-\x1f\x7f]+')


@dataclass(frozen=True)
class Download:
    """What the view needs to send a file."""

    path: Path
    filename: str
    content_type: str
    size: int


def storage_dir() -> Path:
    folder = Path(current_app.instance_path) / "kb_attachments"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def max_bytes() -> int:
    return int(current_app.config["KB_ATTACHMENT_MAX_BYTES"])


def clean_filename(name: str) -> str:
    """The name without folders or characters file systems refuse; Chinese names survive."""
    name = unicodedata.normalize("NFC", name or "").replace("\\", "/").rsplit("/", 1)[-1]
    name = _UNSAFE_NAME.sub("_", name).strip(" .")
    if len(name) > 150:
        stem, dot, extension = name.rpartition(".")
        name = (stem[: 150 - len(extension) - 1] + dot + extension) if dot else name[:150]
    return name or "attachment"


def _extension(name: str) -> str:
    return name.rpartition(".")[2].lower() if "." in name else ""


def add_attachment(article: Article, stream: IO[bytes], filename: str, *, by: Any) -> Attachment:
    """Check and store one uploaded file for an article."""
    require_editor(by)
    name = clean_filename(filename)
    extension = _extension(name)
    if extension not in ALLOWED_TYPES:
        allowed = ", ".join(sorted(ALLOWED_TYPES))
        raise KbError(
            _("This type of file is not accepted. Allowed: %(types)s.", types=allowed), "file"
        )
    if len(article.attachments) >= MAX_PER_ARTICLE:
        raise KbError(
            _("An article can have at most %(count)d files.", count=MAX_PER_ARTICLE), "file"
        )
    content_type, signatures = ALLOWED_TYPES[extension]
    limit = max_bytes()
    stored_name = secrets.token_hex(16)
    path = storage_dir() / stored_name
    size = 0
    head = b""
    try:
        with path.open("xb") as target:
            while chunk := stream.read(64 * 1024):
                size += len(chunk)
                if size > limit:
                    raise KbError(
                        _("The file is larger than %(size)s.", size=human_size(limit)), "file"
                    )
                if len(head) < 16:
                    head += chunk[: 16 - len(head)]
                target.write(chunk)
        if size == 0:
            raise KbError(_("The file is empty."), "file")
        if signatures and not head.startswith(signatures):
            raise KbError(
                _("The file's content does not match its .%(ext)s name.", ext=extension), "file"
            )
        attachment = Attachment(
            article_id=article.id,
            filename=name,
            stored_name=stored_name,
            content_type=content_type,
            size=size,
            uploaded_by_id=by.id,
        )
        db.session.add(attachment)
        cache_keys.forget_article(article.slug)
        db.session.commit()
    except BaseException:
        db.session.rollback()
        path.unlink(missing_ok=True)
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
    (storage_dir() / stored_name).unlink(missing_ok=True)


def _attachment_of(article: Article, attachment_id: int) -> Attachment:
    attachment = db.session.scalar(
        select(Attachment).where(
            Attachment.id == attachment_id, Attachment.article_id == article.id
        )
    )
    if attachment is None:
        raise ArticleNotFound()
    return attachment


def download(article: Article | None, attachment_id: int, user: Any) -> Download:
    """A file of an article this person may read; 404 for anything else."""
    article = require_readable(article, user)
    attachment = _attachment_of(article, attachment_id)
    path = storage_dir() / attachment.stored_name
    if not re.fullmatch(r"[0-9a-f]{32}", attachment.stored_name) or not path.is_file():
        raise ArticleNotFound()
    return Download(path, attachment.filename, attachment.content_type, attachment.size)


def human_size(size: int) -> str:
    value = float(size)
    for unit in ("B", "KB", "MB", "GB"):
        if value < 1024 or unit == "GB":
            return f"{value:.0f} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1024
    return f"{size} B"

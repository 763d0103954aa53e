"""Files people upload (article downloads, support attachments): checked, then stored.

A file is accepted only with an extension from one list, within a size limit, and, for the
formats that have a signature, only when its first bytes match its name (a `.pdf` that is an
executable is refused). It is stored under a random name in a folder of the instance, never
under the name it came with, and always served as a download with its recorded type.
"""

from __future__ import annotations

import hashlib
import re
import secrets
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from flask import Response, current_app, send_file
from flask_babel import gettext as _

from community.errors import InvalidInput

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
STORED_NAME = re.compile(r"[0-9a-f]{32}")


@dataclass(frozen=True)
class StoredFile:
    """A checked file on disk, and what its row needs."""

    filename: str
    stored_name: str
    content_type: str
    size: int
    sha256: str


@dataclass(frozen=True)
class Download:
    """What a view needs to send a file."""

    path: Path
    filename: str
    content_type: str
    size: int


def storage_dir(folder: str) -> Path:
    path = Path(current_app.instance_path) / folder
    path.mkdir(parents=True, exist_ok=True)
    return path


def clean_filename(name: str) -> str:
    """The name without folders or characters file systems refuse; Chinese names survive."""
    name = unicodedata.normalize("NFC", name or "").replace("\\", "/").rsplit("/", 1)[-1]
    name = _UNSAFE_NAME.sub("_", name).strip(" .")
    if len(name) > 150:
        stem, dot, extension = name.rpartition(".")
        name = (stem[: 150 - len(extension) - 1] + dot + extension) if dot else name[:150]
    return name or "attachment"


def extension_of(name: str) -> str:
    return name.rpartition(".")[2].lower() if "." in name else ""


def check_type(filename: str, field: str = "file") -> tuple[str, str]:
    """The cleaned name and its extension, or InvalidInput naming the allowed types."""
    name = clean_filename(filename)
    extension = extension_of(name)
    if extension not in ALLOWED_TYPES:
        allowed = ", ".join(sorted(ALLOWED_TYPES))
        raise InvalidInput(
            _("This type of file is not accepted. Allowed: %(types)s.", types=allowed), field
        )
    return name, extension


def store_upload(
    stream: IO[bytes], filename: str, *, folder: str, max_bytes: int, field: str = "file"
) -> StoredFile:
    """Check one file while copying it into `<instance>/<folder>/`; InvalidInput if refused.

    A refused file leaves nothing on disk. The caller adds the row and commits; if that
    fails, it removes the file with `discard`.
    """
    name, extension = check_type(filename, field)
    content_type, signatures = ALLOWED_TYPES[extension]
    stored_name = secrets.token_hex(16)
    path = storage_dir(folder) / stored_name
    size = 0
    head = b""
    digest = hashlib.sha256()
    try:
        with path.open("xb") as target:
            while chunk := stream.read(64 * 1024):
                size += len(chunk)
                if size > max_bytes:
                    raise InvalidInput(
                        _("The file is larger than %(size)s.", size=human_size(max_bytes)), field
                    )
                if len(head) < 16:
                    head += chunk[: 16 - len(head)]
                digest.update(chunk)
                target.write(chunk)
        if size == 0:
            raise InvalidInput(_("The file is empty."), field)
        if signatures and not head.startswith(signatures):
            raise InvalidInput(
                _("The file's content does not match its .%(ext)s name.", ext=extension), field
            )
    except BaseException:
        path.unlink(missing_ok=True)
        raise
    return StoredFile(name, stored_name, content_type, size, digest.hexdigest())


def discard(folder: str, stored_name: str) -> None:
    """Remove a stored file (after its row was deleted, or its transaction failed)."""
    if STORED_NAME.fullmatch(stored_name):
        (storage_dir(folder) / stored_name).unlink(missing_ok=True)


def download_of(
    folder: str, stored_name: str, filename: str, content_type: str, size: int
) -> Download | None:
    """The file behind a row, or None when it is missing or the name is not one of ours."""
    if not STORED_NAME.fullmatch(stored_name):
        return None
    path = storage_dir(folder) / stored_name
    if not path.is_file():
        return None
    return Download(path, filename, content_type, size)


def human_size(size: int) -> str:
    value = float(size)
    for unit in ("B", "KB", "MB", "GB"):
        if value < 1024 or unit == "GB":
            return f"{value:.0f} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1024
    return f"{size} B"


def send_download(item: Download, *, private: bool) -> Response:
    """A stored file as a download with its recorded type, never rendered by the browser
    (sandboxed, no type sniffing); `private` files (a support request's) are never cached."""
    response = send_file(
        item.path,
        mimetype=item.content_type,
        as_attachment=True,
        download_name=item.filename,
        max_age=0 if private else 300,
    )
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response.headers["X-Content-Type-Options"] = "nosniff"
    if private:
        response.headers["Cache-Control"] = "private, no-store"
    return response

"""Images and files an imported document references, stored as the article's attachments.

They go through the same checks as an editor's upload (`community.uploads`: a known
extension, the size limit, the first bytes of the formats that have a signature); a file that
fails them is left out with a warning, and its document is still imported.
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import quote

from flask_babel import gettext as _
from sqlalchemy import select

from community.errors import InvalidInput
from community.extensions import db
from community.uploads import store_upload
from kb.models import Article, Attachment
from kb.services.attachments import FOLDER, MAX_PER_ARTICLE, max_bytes
from kb.services.indexing import article_url


def file_url(slug: str, name: str) -> str:
    """The address of an article's attachment by its name, as imported bodies link to it."""
    return f"{article_url(slug)}/files/{quote(name)}"


def attach_files(article: Article, root: Path, files: dict[str, str], warnings: list[str]) -> None:
    """Store each referenced file once per article (a re-import keeps the stored one)."""
    if not files:
        return
    have = set(
        db.session.scalars(select(Attachment.filename).where(Attachment.article_id == article.id))
    )
    for source, name in files.items():
        if name in have:
            continue
        if len(have) >= MAX_PER_ARTICLE:
            warnings.append(
                _("only %(count)d files can be attached; '%(name)s' was left out",
                  count=MAX_PER_ARTICLE, name=source)
            )  # fmt: skip
            continue
        try:
            with (root / source).open("rb") as stream:
                stored = store_upload(stream, name, folder=FOLDER, max_bytes=max_bytes())
        except (InvalidInput, OSError) as refusal:
            reason = refusal.message if isinstance(refusal, InvalidInput) else str(refusal)
            warnings.append(
                _("'%(name)s' was not attached: %(reason)s", name=source, reason=reason)
            )
            continue
        db.session.add(
            Attachment(
                article_id=article.id, filename=name, stored_name=stored.stored_name,
                content_type=stored.content_type, size=stored.size,
            )
        )  # fmt: skip
        have.add(name)

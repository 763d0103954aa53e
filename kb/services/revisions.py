"""Revision history: every save is a revision; compare any two, restore an old one."""

from __future__ import annotations

import difflib
from dataclasses import dataclass

from flask_babel import gettext as _
from sqlalchemy import select

from community.accounts.models import User
from community.errors import NotFound
from community.extensions import db
from kb.models import Article, Category, Revision
from kb.policy import require_editor
from kb.services.articles import (
    NOTE_ARCHIVED,
    NOTE_CREATED,
    NOTE_EDITED,
    NOTE_IMPORTED,
    NOTE_PUBLISHED,
    NOTE_RESTORED,
    NOTE_UNPUBLISHED,
    ArticleInput,
    save_article,
)


@dataclass(frozen=True)
class DiffLine:
    kind: str  # "add", "remove", "context", "hunk"
    text: str


@dataclass(frozen=True)
class FieldChange:
    label: str
    before: str
    after: str


@dataclass(frozen=True)
class RevisionDiff:
    older: Revision
    newer: Revision
    changes: list[FieldChange]
    lines: list[DiffLine]


def describe_note(note: str) -> str:
    """A revision's note for people: an editor's own words, or a system code in words."""
    if not note.startswith("~"):
        return note
    code, _sep, detail = note.partition(":")
    if code == NOTE_RESTORED:
        return _("Restored revision %(number)s", number=detail)
    if code == NOTE_IMPORTED:
        return _("Imported from %(name)s", name=detail)
    return {
        NOTE_CREATED: _("Created"),
        NOTE_EDITED: _("Edited"),
        NOTE_PUBLISHED: _("Published"),
        NOTE_UNPUBLISHED: _("Unpublished"),
        NOTE_ARCHIVED: _("Archived"),
    }.get(code, note)


def revisions(article: Article) -> list[Revision]:
    return list(
        db.session.scalars(
            select(Revision)
            .where(Revision.article_id == article.id)
            .order_by(Revision.number.desc())
        )
    )


def revision(article: Article, number: int) -> Revision:
    found = db.session.scalar(
        select(Revision).where(Revision.article_id == article.id, Revision.number == number)
    )
    if found is None:
        raise NotFound()
    return found


def restore_revision(article: Article, number: int, *, by: User) -> Article:
    """Bring back an earlier version's words as a new revision; the status stays as it is."""
    require_editor(by)
    old = revision(article, number)
    data = ArticleInput(
        title=old.title,
        body=old.body,
        category_id=old.category_id
        if old.category_id and db.session.get(Category, old.category_id)
        else None,
        tags=list(old.tags or []),
        note=f"{NOTE_RESTORED}:{number}",
        language=article.language,  # a revision holds words, not a language: the chosen one stays
    )
    return save_article(article, data, by=by)


def _category_name(revision_row: Revision) -> str:
    return revision_row.category.name if revision_row.category else "—"


def diff_revisions(article: Article, older_number: int, newer_number: int) -> RevisionDiff:
    """What changed between two revisions: fields side by side, the body line by line."""
    if older_number > newer_number:
        older_number, newer_number = newer_number, older_number
    older = revision(article, older_number)
    newer = revision(article, newer_number)
    changes = []
    for label, before, after in (
        (_("Title"), older.title, newer.title),
        (_("Category"), _category_name(older), _category_name(newer)),
        (_("Tags"), ", ".join(older.tags or []), ", ".join(newer.tags or [])),
        (_("Status"), older.status, newer.status),
    ):
        if before != after:
            changes.append(FieldChange(str(label), before, after))
    lines: list[DiffLine] = []
    for line in difflib.unified_diff(
        older.body.splitlines(), newer.body.splitlines(), lineterm="", n=3
    ):
        if line.startswith(("---", "+++")):
            continue
        if line.startswith("@@"):
            lines.append(DiffLine("hunk", line))
        elif line.startswith("+"):
            lines.append(DiffLine("add", line[1:]))
        elif line.startswith("-"):
            lines.append(DiffLine("remove", line[1:]))
        else:
            lines.append(DiffLine("context", line[1:]))
    return RevisionDiff(older=older, newer=newer, changes=changes, lines=lines)

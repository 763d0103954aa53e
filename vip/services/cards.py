"""The manager's card a client sees, and the staff's announcements to VIP clients."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import lazyload

from community.accounts.models import User
from community.db import utcnow
from community.errors import NotAllowed, NotFound
from community.extensions import cache, db
from community.markdown import render_markdown
from kb.languages import chosen_language, other_language_first
from vip import policy
from vip.models import ManagerProfile, VipAnnouncement
from vip.services.stats import typical_response_seconds
from vip.tiers import promise_for


def saved_profile(manager_id: int) -> ManagerProfile | None:
    return db.session.scalar(select(ManagerProfile).where(ManagerProfile.user_id == manager_id))


def _blank_profile(manager_id: int) -> ManagerProfile:
    return ManagerProfile(user_id=manager_id, title="", working_hours="")


def profile_for(manager: User) -> ManagerProfile:
    """The manager's card details; an unsaved blank one when they have not filled it in."""
    return saved_profile(manager.id) or _blank_profile(manager.id)


def update_profile(
    manager: User, *, title: str, working_hours: str, photo_url: str | None
) -> ManagerProfile:
    """A manager edits what their clients see on the card."""
    if not policy.is_manager(manager):
        raise NotAllowed(_("Only account managers have a card."))
    profile = saved_profile(manager.id)
    if profile is None:
        profile = ManagerProfile(user_id=manager.id)
        db.session.add(profile)
    profile.title = title.strip()
    profile.working_hours = working_hours.strip()
    profile.photo_url = (photo_url or "").strip() or None
    db.session.commit()
    return profile


@dataclass(frozen=True)
class ManagerCard:
    manager: User
    profile: ManagerProfile
    promise: timedelta
    typical: timedelta | None


TYPICAL_CACHE_SECONDS = 60


def cached_typical_seconds(manager_id: int) -> float | None:
    """The typical reply time moves slowly: each process works it out once a minute."""
    key = f"vip:typical:{manager_id}"
    found = cache.get(key)
    if found is None:
        typical = typical_response_seconds(manager_id)
        found = {"seconds": typical}
        cache.set(key, found, timeout=TYPICAL_CACHE_SECONDS)
    return found["seconds"]


def manager_card(manager_id: int, client: User) -> ManagerCard | None:
    """Everything the client's card shows: who, when they work, the promise and the reality."""
    row = db.session.execute(
        select(User, ManagerProfile)
        .outerjoin(ManagerProfile, ManagerProfile.user_id == User.id)
        .where(User.id == manager_id)
        .options(lazyload(User.role_rows))
    ).one_or_none()
    if row is None:
        return None
    manager, profile = row
    typical = cached_typical_seconds(manager_id)
    return ManagerCard(
        manager=manager,
        profile=profile or _blank_profile(manager_id),
        promise=promise_for(client.vip_tier),
        typical=timedelta(seconds=typical) if typical is not None else None,
    )


def recent_announcements(limit: int = 5, *, reader_first: bool = False) -> list[VipAnnouncement]:
    """The newest announcements; with `reader_first`, those in the reader's language come
    first (newest first within each language), the others after, for the template to label."""
    newest = (VipAnnouncement.created_at.desc(), VipAnnouncement.id.desc())
    order = (other_language_first(VipAnnouncement.language), *newest) if reader_first else newest
    return list(db.session.scalars(select(VipAnnouncement).order_by(*order).limit(limit)))


def _require_staff(user: User) -> None:
    if not policy.is_manager(user):
        raise NotAllowed(_("Only account managers write announcements."))


def create_announcement(
    author: User, *, title: str, body: str, language: str | None = None
) -> VipAnnouncement:
    """Publish news to every VIP client; the Markdown is rendered and sanitised once, here.
    Its language is the author's choice, else the text's."""
    _require_staff(author)
    announcement = VipAnnouncement(
        title=title.strip(),
        body=body,
        body_html=render_markdown(body),
        language=chosen_language(language, title, body),
        author_id=author.id,
    )
    db.session.add(announcement)
    db.session.commit()
    return announcement


def update_announcement(
    editor: User,
    announcement: VipAnnouncement,
    *,
    title: str,
    body: str,
    language: str | None = None,
) -> VipAnnouncement:
    _require_staff(editor)
    announcement.language = chosen_language(language, title, body)
    announcement.title = title.strip()
    announcement.body = body
    announcement.body_html = render_markdown(body)
    announcement.updated_at = utcnow()
    db.session.commit()
    return announcement


def delete_announcement(editor: User, announcement: VipAnnouncement) -> None:
    _require_staff(editor)
    db.session.delete(announcement)
    db.session.commit()


def announcement_or_404(announcement_id: int) -> VipAnnouncement:
    announcement = db.session.get(VipAnnouncement, announcement_id)
    if announcement is None:
        raise NotFound(_("There is no such announcement."))
    return announcement

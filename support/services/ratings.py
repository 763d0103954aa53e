""" "Did we solve it?": one rating per solved request, from a signed link or the request page.

A good or bad answer with an optional comment; a bad one is emailed to the department's lead
at once. A request is rated once: a second use of a link, or of the other link, changes
nothing and says so.
"""

from __future__ import annotations

from datetime import datetime

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import update

from community.db import utcnow
from community.errors import Conflict, InvalidInput
from community.extensions import db
from community.forms import clean_text
from support.models import Rating, Status, SupportRequest
from support.services import mailer, realtime
from support.services.conversation import record_event

MAX_COMMENT = 2000

__all__ = ["MAX_COMMENT", "Rating", "rate"]


def rate(
    request: SupportRequest, rating: Rating, comment: str = "", *, now: datetime | None = None
) -> None:
    """Record the customer's rating of a solved request; Conflict if it was rated already."""
    now = now or utcnow()
    if request.status not in (Status.SOLVED, Status.CLOSED):
        raise InvalidInput(_("A request can be rated once it is solved."), "rating")
    comment = clean_text(comment)
    if len(comment) > MAX_COMMENT:
        raise InvalidInput(
            _("Keep the comment under %(count)d characters.", count=MAX_COMMENT), "comment"
        )
    # One statement decides who rates: two clicks at once (or both links) rate once.
    claimed = db.session.execute(
        update(SupportRequest)
        .where(SupportRequest.id == request.id, SupportRequest.rated_at.is_(None))
        .values(
            rating=rating.value,
            rating_comment=comment or None,
            rated_at=now,
            version=SupportRequest.version + 1,
        )
        .returning(SupportRequest.id)
        .execution_options(synchronize_session=False)
    ).scalar_one_or_none()
    if claimed is None:
        db.session.rollback()
        raise Conflict(_("This request has been rated already. Thank you!"))
    db.session.refresh(request)
    record_event(request, "rated", request.requester, {"rating": rating.value}, now)
    lead = request.department.lead
    if rating == Rating.BAD and lead is not None:
        mailer.to_staff(
            lead,
            request=request,
            template="support_bad_rating",
            subject=_l("[#%(number)s] A customer was not happy", number=request.number),
            dedupe=f"bad-rating:{request.id}",
            context={"comment": comment},
        )
    realtime.request_changed(request)
    db.session.commit()

"""Members' pages: public forum profiles, and one's own notifications."""

from __future__ import annotations

from flask import jsonify, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from community.accounts.permissions import acting_user
from community.forms import CsrfOnlyForm
from community.numbers import bounded_int
from forum import bp
from forum.services import notifications, profiles, reading
from forum.views.common import post_location


@bp.get("/u/<int:user_id>")
def member(user_id: int):
    return render_template("forum/member.html", member=profiles.member_page(user_id))


@bp.get("/me")
@login_required
def my_profile():
    return redirect(url_for("forum.member", user_id=current_user.id))


@bp.get("/notifications", endpoint="notifications")
@login_required
def notifications_page():
    return render_template(
        "forum/notifications.html",
        rows=notifications.recent(current_user),
        form=CsrfOnlyForm(),
    )


@bp.get("/notifications/<int:notice_id>")
@login_required
def open_notification(notice_id: int):
    """Follow a notification to its post, marking it read."""
    notice = notifications.open_notice(acting_user(), notice_id)
    target = notifications.notice_target(notice)
    return redirect(post_location(*target))


@bp.post("/notifications/read")
@login_required
def read_all():
    notifications.mark_all_read(acting_user())
    return redirect(url_for("forum.notifications"))


@bp.get("/notifications/count")
@login_required
def notification_count():
    response = jsonify(count=notifications.unread_count(current_user))
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.post("/t/<int:topic_id>/seen")
@login_required
def seen_live(topic_id: int):
    """An open topic page showed its reader new replies up to `number` while they looked:
    their notices for it are read and the emails about those replies withdrawn."""
    number = bounded_int(request.form.get("number"), field="number", low=0)
    found, _category = reading.readable_topic(topic_id, current_user)
    marked = notifications.seen_live(found, acting_user(), number)
    response = jsonify(marked=marked)
    response.headers["Cache-Control"] = "no-store"
    return response

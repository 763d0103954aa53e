"""The manager's side at `/manager/`: the dashboard, conversations, their card, announcements.

Every route needs the manager duty; which conversations a manager reaches is decided by
`policy.side_of` (their clients; a backup's only after the promise passed).
"""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from community.accounts.permissions import acting_user
from community.db import utcnow
from community.errors import InvalidInput
from community.extensions import login_manager
from community.forms import CsrfOnlyForm, show_error
from vip import manager_bp as bp
from vip import policy, services
from vip.forms import AnnouncementForm, ManagerCardForm, MessageForm
from vip.models import VipConversation
from vip.policy import Side
from vip.tiers import promise_for, tier_named
from vip.views.common import form_page, history_cursor, send_from_form


@bp.before_request
def require_manager():  # type: ignore[no-untyped-def]
    if not current_user.is_authenticated:
        return login_manager.unauthorized()
    if not policy.is_manager(current_user):
        abort(403)
    return None


@bp.get("/")
def dashboard():
    return render_template("manager/dashboard.html", board=services.dashboard(acting_user()))


def staff_page(conversation: VipConversation, side: Side, form: MessageForm, status: int = 200):  # type: ignore[no-untyped-def]
    manager = acting_user()
    now = utcnow()
    before = history_cursor()
    if before is None:
        services.mark_read(manager, conversation, now=now)
    client = conversation.client
    return (
        render_template(
            "manager/conversation.html",
            conversation=conversation,
            client=client,
            side=side,
            tier=tier_named(client.vip_tier),
            promise=promise_for(client.vip_tier),
            waiting=now - conversation.waiting_since if conversation.waiting_since else None,
            overdue=conversation.is_overdue(now),
            page=services.history(conversation, before=before),
            form=form,
        ),
        status,
    )


@bp.get("/conversations/<int:conversation_id>")
def conversation(conversation_id: int):
    found, side = services.reachable_conversation(acting_user(), conversation_id, utcnow())
    return staff_page(found, side, MessageForm())


@bp.post("/conversations/<int:conversation_id>/messages")
def reply(conversation_id: int):
    """Without JavaScript, the reply form posts here."""
    found, side = services.reachable_conversation(acting_user(), conversation_id, utcnow())
    form = MessageForm()
    status = send_from_form(acting_user(), found, form)
    if status is None:
        return redirect(
            url_for("manager.conversation", conversation_id=found.id, _anchor="latest"), code=303
        )
    return staff_page(found, side, form, status)


@bp.route("/card", methods=["GET", "POST"])
def card():
    manager = acting_user()
    profile = services.profile_for(manager)
    form = ManagerCardForm(obj=profile)
    if form.validate_on_submit():
        services.update_profile(
            manager,
            title=form.title.data or "",
            working_hours=form.working_hours.data or "",
            photo_url=form.photo_url.data,
        )
        flash(_("Your card is saved."), "success")
        return redirect(url_for("manager.card"))
    return form_page("manager/card.html", form, profile=profile)


@bp.route("/announcements", methods=["GET", "POST"])
def announcements():
    form = AnnouncementForm()
    if form.validate_on_submit():
        try:
            services.create_announcement(
                acting_user(),
                title=form.title.data,
                body=form.body.data,
                language=form.language.data,
            )
        except InvalidInput as error:
            show_error(form, error)
        else:
            flash(_("The announcement is published to VIP clients."), "success")
            return redirect(url_for("manager.announcements"))
    return form_page(
        "manager/announcements.html",
        form,
        announcements=services.recent_announcements(limit=50),
        delete_form=CsrfOnlyForm(),
    )


@bp.route("/announcements/<int:announcement_id>/edit", methods=["GET", "POST"])
def edit_announcement(announcement_id: int):
    announcement = services.announcement_or_404(announcement_id)
    form = AnnouncementForm(obj=announcement)
    if form.validate_on_submit():
        try:
            services.update_announcement(
                acting_user(),
                announcement,
                title=form.title.data,
                body=form.body.data,
                language=form.language.data,
            )
        except InvalidInput as error:
            show_error(form, error)
        else:
            flash(_("The announcement is updated."), "success")
            return redirect(url_for("manager.announcements"))
    return form_page("manager/announcement_edit.html", form, announcement=announcement)


@bp.post("/announcements/<int:announcement_id>/delete")
def delete_announcement(announcement_id: int):
    announcement = services.announcement_or_404(announcement_id)
    if CsrfOnlyForm().validate_on_submit():
        services.delete_announcement(acting_user(), announcement)
        flash(_("The announcement is deleted."), "info")
    return redirect(url_for("manager.announcements"))

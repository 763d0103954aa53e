"""The club page at `/vip/`: what the club offers, or (for a VIP) their manager and messages."""

from __future__ import annotations

from typing import Any

from flask import current_app, redirect, render_template, url_for
from flask_login import current_user, login_required

from community.accounts.permissions import acting_user
from community.caching import anonymous_page_key, is_personal_request
from community.extensions import cache
from vip import bp, policy, services
from vip.forms import MessageForm
from vip.models import VipConversation
from vip.tiers import tier_named, tiers
from vip.views.common import history_cursor, send_from_form


def client_page(conversation: VipConversation, form: MessageForm, status: int = 200):  # type: ignore[no-untyped-def]
    """The VIP's page: manager card, announcements, and the conversation."""
    client = acting_user()
    before = history_cursor()
    if before is None:
        services.mark_read(client, conversation)  # opening the page is reading it
    return (
        render_template(
            "vip/index.html",
            conversation=conversation,
            page=services.history(conversation, before=before),
            card=services.manager_card(conversation.manager_id, client)
            if conversation.manager_id
            else None,
            announcements=services.recent_announcements(reader_first=True),
            form=form,
            tier=tier_named(client.vip_tier),
        ),
        status,
    )


@bp.get("/")
@cache.cached(unless=is_personal_request, key_prefix=lambda: anonymous_page_key("vip"))
def index():
    if policy.is_client(current_user):
        conversation = services.own_conversation(acting_user())
        return client_page(conversation, MessageForm())
    return render_template(
        "vip/club.html",
        tiers=tiers(),
        support_email=current_app.config.get("SUPPORT_EMAIL"),
        is_manager=policy.is_manager(current_user),
    )


@bp.post("/messages")
@login_required
def send():
    """Without JavaScript, the conversation form posts here."""
    client = acting_user()
    conversation = services.own_conversation(client)
    form = MessageForm()
    status = send_from_form(client, conversation, form)
    if status is None:
        return redirect(url_for("vip.index", _anchor="latest"), code=303)
    return client_page(conversation, form, status)


@bp.get("/inbox")
@login_required
def inbox():
    """Where the Messages badge leads: a client's conversation, or a manager's dashboard."""
    if policy.is_client(current_user):
        return redirect(url_for("vip.index", _anchor="conversation"))
    if policy.is_manager(current_user):
        return redirect(url_for("manager.dashboard"))
    return redirect(url_for("vip.index"))


# The newest announcements a VIP client sees on the home page, theirs in their language first.
HOME_ANNOUNCEMENTS = 3


def home_panel_context() -> dict[str, Any]:
    """The home page's VIP panel, for a club member: unread messages and, for a client, the
    newest announcements (the panel is not shared: it is rendered for each request)."""
    user = current_user
    if not policy.is_club_member(user):
        return {"vip_panel": None}
    return {
        "vip_panel": {
            "unread": services.unread_count(acting_user()),
            "is_vip": user.is_vip,
            "announcements": services.recent_announcements(HOME_ANNOUNCEMENTS, reader_first=True)
            if user.is_vip
            else [],
        }
    }

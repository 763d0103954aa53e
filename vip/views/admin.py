"""`/admin/vip`: admins set VIP tiers and assign each client's manager and backup."""

from __future__ import annotations

from flask import flash, redirect, url_for
from flask_babel import gettext as _
from wtforms import SelectChoice

from community.accounts.models import User
from community.accounts.permissions import acting_user, admins_only
from community.errors import InvalidInput
from community.forms import show_error
from vip import admin_bp as bp
from vip import services
from vip.forms import NO_TIER, NOBODY, AssignmentForm, NewVipForm
from vip.tiers import tiers
from vip.views.common import form_page

bp.before_request(admins_only)


def _fill_choices(form: AssignmentForm, *, allow_no_tier: bool) -> None:
    tier_choices = [SelectChoice(tier.name, str(tier.label)) for tier in tiers()]
    if allow_no_tier:
        tier_choices.insert(0, SelectChoice(NO_TIER, _("Not a VIP (keeps the history)")))
    form.tier.choices = tier_choices
    people = [
        SelectChoice(str(user.id), f"{user.display_name} <{user.email}>")
        for user in services.manager_candidates()
    ]
    form.manager.choices = [SelectChoice(NOBODY, _("Choose a manager")), *people]
    form.backup.choices = [SelectChoice(NOBODY, _("No backup")), *people]


def _assigned(form: AssignmentForm, client: User | None = None) -> User | None:
    """Save the form's assignment of `client` (else of the customer the form's email names):
    the client, or None with the refusal shown on the form."""
    try:
        client = client or services.find_customer(form.email.data)
        services.assign_client(
            client,
            tier=form.tier.data or None,
            manager=services.chosen_person(form.manager.data),
            backup=services.chosen_person(form.backup.data),
            by=acting_user(),
        )
    except InvalidInput as error:
        show_error(form, error)
        return None
    return client


@bp.route("", methods=["GET", "POST"])
def assignments():
    form = NewVipForm()
    _fill_choices(form, allow_no_tier=False)
    if form.validate_on_submit() and (client := _assigned(form)):
        flash(_("%(name)s is now a VIP client.", name=client.display_name), "success")
        return redirect(url_for("vip_admin.assignments"))
    return form_page(
        "vip/admin/assignments.html",
        form,
        clients=services.vip_clients(),
        loads=services.manager_loads(),
    )


@bp.route("/clients/<int:user_id>", methods=["GET", "POST"])
def edit_client(user_id: int):
    client = services.customer_by_id(user_id)
    conversation = services.existing_conversation(client)
    form = AssignmentForm(
        data={
            "tier": client.vip_tier or NO_TIER,
            "manager": str(conversation.manager_id or "") if conversation else NOBODY,
            "backup": str(conversation.backup_manager_id or "") if conversation else NOBODY,
        }
    )
    _fill_choices(form, allow_no_tier=True)
    if form.validate_on_submit() and _assigned(form, client):
        flash(_("Saved %(name)s.", name=client.display_name), "success")
        return redirect(url_for("vip_admin.assignments"))
    return form_page("vip/admin/client.html", form, client=client)

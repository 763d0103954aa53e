"""`/admin/vip`: admins set VIP tiers and assign each client's manager and backup."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from wtforms import SelectChoice

from community.accounts.models import User
from community.accounts.permissions import acting_user, admins_only
from community.extensions import db
from vip import admin_bp as bp
from vip import services
from vip.forms import NO_TIER, NOBODY, AssignmentForm, NewVipForm
from vip.services import VipError
from vip.tiers import tiers

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


def _person(value: str | None) -> User | None:
    return db.session.get(User, int(value)) if value and value.isdigit() else None


def _show_error(form: AssignmentForm, error: VipError) -> None:
    field = getattr(form, error.field, None) if error.field else None
    if field is not None:
        field.errors = [*field.errors, error.message]
    else:
        flash(error.message, "error")


def _assign(form: AssignmentForm, client: User) -> bool:
    try:
        services.assign_client(
            client,
            tier=form.tier.data or None,
            manager=_person(form.manager.data),
            backup=_person(form.backup.data),
            by=acting_user(),
        )
    except VipError as error:
        _show_error(form, error)
        return False
    return True


@bp.route("", methods=["GET", "POST"])
def assignments():
    form = NewVipForm()
    _fill_choices(form, allow_no_tier=False)
    if form.validate_on_submit():
        try:
            client = services.find_customer(form.email.data)
        except VipError as error:
            _show_error(form, error)
        else:
            if _assign(form, client):
                flash(_("%(name)s is now a VIP client.", name=client.display_name), "success")
                return redirect(url_for("vip_admin.assignments"))
    status = 422 if form.is_submitted() else 200
    return (
        render_template(
            "vip/admin/assignments.html",
            form=form,
            clients=services.vip_clients(),
            loads=services.manager_loads(),
        ),
        status,
    )


@bp.route("/clients/<int:user_id>", methods=["GET", "POST"])
def edit_client(user_id: int):
    client = db.session.get(User, user_id) or abort(404)
    conversation = services.existing_conversation(client)
    form = AssignmentForm(
        data={
            "tier": client.vip_tier or NO_TIER,
            "manager": str(conversation.manager_id or "") if conversation else NOBODY,
            "backup": str(conversation.backup_manager_id or "") if conversation else NOBODY,
        }
    )
    _fill_choices(form, allow_no_tier=True)
    if form.validate_on_submit() and _assign(form, client):
        flash(_("Saved %(name)s.", name=client.display_name), "success")
        return redirect(url_for("vip_admin.assignments"))
    status = 422 if form.is_submitted() else 200
    return render_template("vip/admin/client.html", form=form, client=client), status

"""Admin pages: users and roles, API tokens, and the email outbox."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from sqlalchemy import func, or_, select

from community.accounts import services as accounts
from community.accounts.models import Role, User
from community.accounts.permissions import acting_user, admins_only
from community.admin import bp
from community.admin.forms import ApiTokenForm, UserAdminForm
from community.api import services as api_tokens
from community.api.models import ApiToken
from community.errors import InvalidInput
from community.extensions import db
from community.forms import CsrfOnlyForm, show_error
from community.outbox.models import OutboxMessage, OutboxStatus
from community.outbox.services import outbox_counts, retry_message
from community.paging import page_arg

bp.before_request(admins_only)


@bp.get("/")
def dashboard():
    return render_template(
        "admin/dashboard.html",
        user_count=accounts.count_users(),
        outbox=outbox_counts(),
        token_count=db.session.scalar(
            select(func.count()).select_from(ApiToken).where(ApiToken.revoked_at.is_(None))
        ),
    )


@bp.get("/users")
def users():
    query = request.args.get("q", "").strip()[:100]
    statement = select(User).order_by(User.created_at.desc(), User.id.desc())
    if query:
        pattern = f"%{query.lower()}%"
        statement = statement.where(
            or_(User.email.like(pattern), func.lower(User.display_name).like(pattern))
        )
    page = db.paginate(statement, page=page_arg(), per_page=25, error_out=False)
    return render_template("admin/users.html", page=page, query=query)


@bp.route("/users/<int:user_id>", methods=["GET", "POST"])
def edit_user(user_id: int):
    user = db.session.get(User, user_id) or abort(404)
    form = UserAdminForm(
        data={"roles": sorted(role.value for role in user.roles), "is_active": user.is_active}
    )
    if form.validate_on_submit():
        try:
            accounts.update_user_as_admin(
                user,
                roles=[Role(value) for value in form.roles.data],
                is_active=form.is_active.data,
                acting_admin=acting_user(),
            )
        except InvalidInput as error:
            show_error(form, error)
        else:
            flash(_("Saved %(name)s.", name=user.display_name), "success")
            return redirect(url_for("admin.users"))
    status = 422 if form.is_submitted() else 200
    return render_template("admin/user_edit.html", user=user, form=form), status


@bp.route("/tokens", methods=["GET", "POST"])
def tokens():
    form = ApiTokenForm()
    new_secret = None
    if form.validate_on_submit():
        token, new_secret = api_tokens.create_token(form.name.data, created_by=acting_user())
        flash(
            _(
                "Token “%(name)s” created. Copy it now: it will not be shown again.",
                name=token.name,
            ),
            "success",
        )
        form = ApiTokenForm(formdata=None)
    status = 422 if form.errors else 200
    return (
        render_template(
            "admin/tokens.html",
            form=form,
            tokens=api_tokens.list_tokens(),
            new_secret=new_secret,
            revoke_form=CsrfOnlyForm(),
        ),
        status,
    )


@bp.post("/tokens/<int:token_id>/revoke")
def revoke_token(token_id: int):
    token = db.session.get(ApiToken, token_id) or abort(404)
    if CsrfOnlyForm().validate_on_submit():
        api_tokens.revoke_token(token)
        flash(_("Token “%(name)s” revoked.", name=token.name), "info")
    return redirect(url_for("admin.tokens"))


@bp.get("/outbox")
def outbox():
    status = request.args.get("status", "")
    statement = select(OutboxMessage).order_by(OutboxMessage.id.desc())
    if status in set(OutboxStatus):
        statement = statement.where(OutboxMessage.status == status)
    else:
        status = ""
    return render_template(
        "admin/outbox.html",
        page=db.paginate(statement, page=page_arg(), per_page=50, error_out=False),
        status=status,
        counts=outbox_counts(),
        statuses=list(OutboxStatus),
    )


@bp.get("/outbox/<int:message_id>")
def outbox_message(message_id: int):
    message = db.session.get(OutboxMessage, message_id) or abort(404)
    return render_template("admin/outbox_message.html", message=message, retry_form=CsrfOnlyForm())


@bp.post("/outbox/<int:message_id>/retry")
def retry_outbox_message(message_id: int):
    message = db.session.get(OutboxMessage, message_id) or abort(404)
    if CsrfOnlyForm().validate_on_submit():
        if message.status != OutboxStatus.FAILED:
            flash(_("Only a failed message can be retried."), "error")
        else:
            retry_message(message)
            flash(_("Message queued again."), "success")
    return redirect(url_for("admin.outbox_message", message_id=message.id))

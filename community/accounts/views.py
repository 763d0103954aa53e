"""Sign-in, registration, confirmation, password reset and the account pages."""

from __future__ import annotations

from flask import current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user

from community.accounts import bp, services, sessions
from community.accounts.forms import (
    ChangePasswordForm,
    ForgotPasswordForm,
    LoginForm,
    ProfileForm,
    RegisterForm,
    ResetPasswordForm,
)
from community.accounts.models import User
from community.accounts.permissions import acting_user
from community.accounts.tokens import TokenError, TokenProblem
from community.errors import InvalidInput
from community.extensions import limiter
from community.forms import CsrfOnlyForm, show_error
from community.i18n import visitor_locale, visitor_timezone
from community.ratelimits import configured_limit
from community.registry import registry
from community.security import safe_next


def sign_in(user: User, *, remember: bool = False) -> None:
    """Open a server-side sign-in for this browser, then hand its id to Flask-Login."""
    sessions.open_session(user, request.user_agent.string)
    login_user(user, remember=remember)


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(configured_limit("RATE_LIMIT_LOGIN"), methods=["POST"])
def login():
    if current_user.is_authenticated:
        return redirect(safe_next(url_for("main.home")))
    form = LoginForm()
    if form.validate_on_submit():
        user = services.authenticate(form.email.data, form.password.data)
        if user is not None:
            sign_in(user, remember=form.remember.data)
            flash(_("Welcome back, %(name)s.", name=user.display_name), "success")
            return redirect(safe_next(url_for("main.home")))
        form.password.errors = [_("The email or password is not correct.")]
    status = 422 if form.is_submitted() else 200
    return render_template("accounts/login.html", form=form), status


@bp.route("/register", methods=["GET", "POST"])
@limiter.limit(configured_limit("RATE_LIMIT_REGISTER"), methods=["POST"])
def register():
    if current_user.is_authenticated:
        return redirect(url_for("main.home"))
    form = RegisterForm()
    if not form.is_submitted():
        # The zone the visitor's browser reported; the page's script also picks it if not.
        form.timezone.data = visitor_timezone() or current_app.config["BABEL_DEFAULT_TIMEZONE"]
    if form.validate_on_submit():
        try:
            user = services.register_user(
                email=form.email.data,
                password=form.password.data,
                display_name=form.display_name.data,
                timezone=form.timezone.data,
                locale=visitor_locale(),
            )
        except InvalidInput as error:
            show_error(form, error)
        else:
            sign_in(user)
            flash(
                _("Welcome! We sent a confirmation link to %(email)s.", email=user.email),
                "success",
            )
            return redirect(url_for("accounts.overview"))
    status = 422 if form.is_submitted() else 200
    return render_template("accounts/register.html", form=form), status


@bp.post("/logout")
@login_required
def logout():
    form = CsrfOnlyForm()
    if form.validate_on_submit():
        sessions.close_session(acting_user())
        logout_user()
        flash(_("You have logged out."), "info")
    return redirect(url_for("main.home"))


@bp.post("/account/sessions/logout-all")
@login_required
def logout_everywhere():
    """End every sign-in of this account, on every device, this one included."""
    if CsrfOnlyForm().validate_on_submit():
        sessions.log_out_everywhere(acting_user())
        logout_user()
        flash(_("You have logged out on every device."), "info")
        return redirect(url_for("accounts.login"))
    return redirect(url_for("accounts.overview"))


@bp.get("/account/confirm/<token>")
def confirm_email(token: str):
    try:
        services.confirm_email(token)
    except TokenError as error:
        if error.problem is TokenProblem.EXPIRED:
            flash(_("This confirmation link has expired. Ask for a new one below."), "error")
        else:
            flash(_("This confirmation link is not valid."), "error")
        return redirect(
            url_for("accounts.overview" if current_user.is_authenticated else "accounts.login")
        )
    flash(_("Thank you: your email address is confirmed."), "success")
    return redirect(
        url_for("accounts.overview" if current_user.is_authenticated else "accounts.login")
    )


@bp.post("/account/confirm/resend")
@login_required
@limiter.limit(configured_limit("RATE_LIMIT_PASSWORD_RESET"))
def resend_confirmation():
    if CsrfOnlyForm().validate_on_submit():
        services.resend_confirmation(acting_user())
        flash(_("We sent a new confirmation link to %(email)s.", email=current_user.email), "info")
    return redirect(url_for("accounts.overview"))


@bp.route("/password/forgot", methods=["GET", "POST"])
@limiter.limit(configured_limit("RATE_LIMIT_PASSWORD_RESET"), methods=["POST"])
def forgot_password():
    form = ForgotPasswordForm()
    if form.validate_on_submit():
        services.request_password_reset(form.email.data)
        flash(
            _(
                "If an account exists for %(email)s, we have sent it a link to choose a new "
                "password.",
                email=form.email.data,
            ),
            "info",
        )
        return redirect(url_for("accounts.login"))
    status = 422 if form.is_submitted() else 200
    return render_template("accounts/forgot_password.html", form=form), status


@bp.route("/password/reset/<token>", methods=["GET", "POST"])
@limiter.limit(configured_limit("RATE_LIMIT_PASSWORD_RESET"), methods=["POST"])
def reset_password(token: str):
    try:
        services.user_for_reset_token(token)
    except TokenError as error:
        if error.problem is TokenProblem.EXPIRED:
            message = _("This link has expired. Ask for a new one.")
        else:
            message = _("This link is not valid or has already been used. Ask for a new one.")
        flash(message, "error")
        return redirect(url_for("accounts.forgot_password"))
    form = ResetPasswordForm()
    if form.validate_on_submit():
        user = services.reset_password(token, form.password.data)
        if current_user.is_authenticated:
            sessions.close_session(acting_user())
        logout_user()
        sign_in(user)
        flash(_("Your password is changed and you are logged in."), "success")
        return redirect(url_for("accounts.overview"))
    status = 422 if form.is_submitted() else 200
    return render_template("accounts/reset_password.html", form=form), status


@bp.get("/account/")
@login_required
def overview():
    user = acting_user()
    return render_template(
        "accounts/overview.html",
        resend_form=CsrfOnlyForm(),
        logout_all_form=CsrfOnlyForm(),
        signed_in=[(row, sessions.is_current(user, row)) for row in sessions.open_sessions(user)],
        account_links=[link for link in registry().account_links if link.visible(current_user)],
    )


@bp.route("/account/profile", methods=["GET", "POST"])
@login_required
def profile():
    form = ProfileForm(obj=current_user)
    if form.validate_on_submit():
        services.update_profile(
            acting_user(),
            display_name=form.display_name.data,
            timezone=form.timezone.data,
            locale=form.locale.data,
        )
        flash(_("Your profile is saved."), "success")
        return redirect(url_for("accounts.profile"))
    status = 422 if form.is_submitted() else 200
    return render_template("accounts/profile.html", form=form), status


@bp.route("/account/password", methods=["GET", "POST"])
@login_required
def change_password():
    form = ChangePasswordForm()
    if form.validate_on_submit():
        try:
            services.change_password(acting_user(), form.current_password.data, form.password.data)
        except InvalidInput as error:
            show_error(form, error)
        else:
            flash(_("Your password is changed. Other devices have been logged out."), "success")
            return redirect(url_for("accounts.overview"))
    status = 422 if form.is_submitted() else 200
    return render_template("accounts/password.html", form=form), status


@bp.route("/account/email", methods=["GET", "POST"])
@login_required
def email_preferences():
    form = CsrfOnlyForm()
    if form.validate_on_submit():
        services.set_email_preferences(acting_user(), request.form.getlist("lists"))
        flash(_("Your email preferences are saved."), "success")
        return redirect(url_for("accounts.email_preferences"))
    return render_template(
        "accounts/email_preferences.html",
        form=form,
        preferences=services.email_preferences(acting_user()),
    )

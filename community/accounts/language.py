"""The language switch: a visitor's choice lives in a long-lived cookie that `select_locale`
reads; a member's also goes into their profile, so emails follow it."""

from __future__ import annotations

from flask import current_app, redirect, render_template, url_for
from flask_login import current_user

from community.accounts import bp, services
from community.accounts.forms import LanguageForm
from community.accounts.permissions import acting_user
from community.i18n import LANGUAGE_COOKIE, LANGUAGE_COOKIE_MAX_AGE
from community.security import safe_next


@bp.post("/language")
def switch_language():
    form = LanguageForm()
    if not form.validate_on_submit():  # CSRF is checked before this view: a 400
        return render_template("accounts/language.html", form=form), 422
    locale = form.lang.data
    if current_user.is_authenticated:
        services.set_language(acting_user(), locale)
    response = redirect(safe_next(url_for("main.home")))
    response.set_cookie(
        LANGUAGE_COOKIE,
        locale,
        max_age=LANGUAGE_COOKIE_MAX_AGE,
        secure=current_app.config.get("SESSION_COOKIE_SECURE", False),
        httponly=True,
        samesite="Lax",
    )
    return response

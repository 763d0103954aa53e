"""The language switch: a visitor's choice lives in a long-lived cookie that `select_locale`
reads; a member's also goes into their profile, so emails follow it.

A visitor's switch carries no CSRF token: the footer that holds it is part of pages cached for
every visitor, where a token would be someone else's, and all it sets is a preference cookie,
as a `?lang=` link would. A member's switch changes their profile, so it needs their token."""

from __future__ import annotations

from flask import current_app, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf.csrf import validate_csrf
from wtforms import ValidationError

from community.accounts import bp, services
from community.accounts.forms import LanguageForm
from community.accounts.permissions import acting_user
from community.extensions import csrf
from community.i18n import LANGUAGE_COOKIE, LANGUAGE_COOKIE_MAX_AGE
from community.security import safe_next


@bp.post("/language")
@csrf.exempt
def switch_language():
    form = LanguageForm(meta={"csrf": False})
    if current_user.is_authenticated:
        try:
            validate_csrf(request.form.get("csrf_token"))
        except ValidationError:
            # A page opened before signing in has no token: the switch again, with one.
            form.lang.errors = [_("Choose the language again: this page was out of date.")]
            return render_template("accounts/language.html", form=form), 400
    if not form.validate_on_submit():
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

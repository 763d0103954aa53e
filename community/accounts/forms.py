"""Account forms and their validators."""

from __future__ import annotations

from flask import current_app
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    EmailField,
    PasswordField,
    SelectChoice,
    SelectField,
    StringField,
)
from wtforms.validators import (
    DataRequired,
    Email,
    EqualTo,
    Length,
    ValidationError,
)

from community.accounts.services import MAX_PASSWORD_LENGTH, MIN_PASSWORD_LENGTH
from community.forms import SingleLine, VisibleText
from community.i18n import LANGUAGE_NAMES, is_valid_timezone, timezone_choices

LOCALE_CHOICES = [SelectChoice(code, name) for code, name in LANGUAGE_NAMES.items()]


def _email_field(label: object = None) -> EmailField:
    return EmailField(
        label or _l("Email"),
        validators=[
            DataRequired(),
            Length(max=254),
            Email(message=_l("Enter a valid email address."), check_deliverability=False),
        ],
        filters=[lambda value: value.strip() if isinstance(value, str) else value],
        render_kw={"autocomplete": "email"},
    )


def _new_password_fields() -> tuple[PasswordField, PasswordField]:
    password = PasswordField(
        _l("Password"),
        validators=[
            DataRequired(),
            Length(
                min=MIN_PASSWORD_LENGTH,
                max=MAX_PASSWORD_LENGTH,
                message=_l(
                    "Use between %(min)d and %(max)d characters.",
                    min=MIN_PASSWORD_LENGTH,
                    max=MAX_PASSWORD_LENGTH,
                ),
            ),
        ],
        render_kw={"autocomplete": "new-password"},
    )
    confirm = PasswordField(
        _l("Repeat the password"),
        validators=[DataRequired(), EqualTo("password", message=_l("The passwords differ."))],
        render_kw={"autocomplete": "new-password"},
    )
    return password, confirm


def _validate_timezone(form: FlaskForm, field: SelectField) -> None:
    if not is_valid_timezone(field.data or ""):
        raise ValidationError(_l("Choose a time zone from the list."))


class LoginForm(FlaskForm):
    email = _email_field()
    password = PasswordField(
        _l("Password"),
        validators=[DataRequired(), Length(max=MAX_PASSWORD_LENGTH)],
        render_kw={"autocomplete": "current-password"},
    )
    remember = BooleanField(_l("Keep me logged in on this device"))


class RegisterForm(FlaskForm):
    display_name = StringField(
        _l("Your name"),
        validators=[DataRequired(), VisibleText(), SingleLine(), Length(max=80)],
        render_kw={"autocomplete": "name"},
    )
    email = _email_field()
    password, confirm = _new_password_fields()
    timezone = SelectField(
        _l("Time zone"),
        choices=timezone_choices,
        default="UTC",
        validate_choice=False,
        validators=[_validate_timezone],
        render_kw={"data-browser-zone": ""},
    )


class ForgotPasswordForm(FlaskForm):
    email = _email_field()


class ResetPasswordForm(FlaskForm):
    password, confirm = _new_password_fields()


class ProfileForm(FlaskForm):
    display_name = StringField(
        _l("Your name"),
        validators=[DataRequired(), VisibleText(), SingleLine(), Length(max=80)],
    )
    timezone = SelectField(
        _l("Time zone"),
        choices=timezone_choices,
        validate_choice=False,
        validators=[_validate_timezone],
    )
    locale = SelectField(_l("Language"), choices=LOCALE_CHOICES)


class ChangePasswordForm(FlaskForm):
    current_password = PasswordField(
        _l("Current password"),
        validators=[DataRequired(), Length(max=MAX_PASSWORD_LENGTH)],
        render_kw={"autocomplete": "current-password"},
    )
    password, confirm = _new_password_fields()


def _offered_language(form: FlaskForm, field: StringField) -> None:
    if field.data not in current_app.config["PORTAL_LOCALES"]:
        raise ValidationError(_l("Choose one of the languages offered."))


class LanguageForm(FlaskForm):
    """The language switch: one of the offered languages, and where to go back to."""

    lang = StringField(_l("Language"), validators=[_offered_language])

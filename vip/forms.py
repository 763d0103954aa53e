"""Forms of the VIP club: a message, the manager's card, announcements, the admin's assignment."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import EmailField, SelectField, StringField, TextAreaField, URLField
from wtforms.validators import DataRequired, Email, Length, Optional, ValidationError

from community.forms import SingleLine, VisibleText
from kb.languages import DETECT, language_choices
from vip.models import MESSAGE_MAX_LENGTH

NO_TIER = ""
NOBODY = ""


class MessageForm(FlaskForm):
    body = TextAreaField(
        _l("Your message"),
        validators=[VisibleText(_l("Write a message first.")), Length(max=MESSAGE_MAX_LENGTH)],
        description=_l("Markdown works: **bold**, lists, links."),
    )


class HttpsUrl:
    """Photos load over https only: the page's policy blocks anything else."""

    def __call__(self, form: FlaskForm, field: StringField) -> None:
        if field.data and not field.data.startswith("https://"):
            raise ValidationError(_l("Use an address that starts with https://."))


class ManagerCardForm(FlaskForm):
    title = StringField(
        _l("Job title"),
        validators=[Optional(), SingleLine(), Length(max=80)],
        description=_l("For example “Senior account manager”."),
    )
    working_hours = StringField(
        _l("Working hours"),
        validators=[Optional(), SingleLine(), Length(max=120)],
        description=_l("For example “Monday to Friday, 9:00–17:30”. Your time zone is shown too."),
    )
    photo_url = URLField(
        _l("Photo address (optional)"),
        validators=[Optional(), Length(max=500), HttpsUrl()],
        description=_l("A square picture at an https:// address; without one, your initials show."),
    )


class AnnouncementForm(FlaskForm):
    title = StringField(
        _l("Title"), validators=[DataRequired(), VisibleText(), SingleLine(), Length(max=160)]
    )
    body = TextAreaField(
        _l("Text"),
        validators=[VisibleText(), Length(max=20_000)],
        description=_l("Markdown: headings, lists, links and tables."),
    )
    language = SelectField(
        _l("Language"),
        choices=language_choices,
        default=DETECT,
        description=_l("Clients see announcements in their own language first."),
    )


class AssignmentForm(FlaskForm):
    """Tier and managers of one client; choices are filled in by the view from the data."""

    tier = SelectField(_l("VIP tier"), choices=[])
    manager = SelectField(_l("Account manager"), choices=[])
    backup = SelectField(_l("Backup manager (optional)"), choices=[])


class NewVipForm(AssignmentForm):
    email = EmailField(
        _l("Customer's email"),
        validators=[DataRequired(), Email(), Length(max=254)],
        description=_l("The customer must already have an account."),
    )

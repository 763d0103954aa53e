"""Tracking forms: the public lookup, the owner's alert choices and alert contacts."""

from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    EmailField,
    Field,
    SelectChoice,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Email, Length, ValidationError
from wtforms.widgets import CheckboxInput, ListWidget

from community.forms import SingleLine, VisibleText, strip_filter
from tracking.codes import ALERT_KINDS, ALERT_LABELS
from tracking.numbers import MAX_LOOKUP, parse_numbers


class CheckboxesField(SelectMultipleField):
    """Several choices shown as checkboxes (a fieldset in the template)."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


def _alert_choices() -> list[SelectChoice]:
    return [SelectChoice(kind, ALERT_LABELS[kind]) for kind in ALERT_KINDS]  # type: ignore[index]


class AtLeastOne:
    def __call__(self, form: FlaskForm, field: SelectMultipleField) -> None:
        if not field.data:
            raise ValidationError(_l("Choose at least one kind of alert."))


class LookupForm(FlaskForm):
    """A GET form: looking something up changes nothing, so it carries no CSRF token."""

    class Meta:
        csrf = False

    numbers = TextAreaField(
        _l("Tracking numbers"),
        validators=[Length(max=2000)],
        description=_l("Up to 30, separated by spaces, commas or new lines."),
        render_kw={"rows": 4, "spellcheck": "false", "autocapitalize": "characters"},
    )

    def validate_numbers(self, field: Field) -> None:
        if field.errors:  # already too long: one message is enough
            return
        numbers = self.tracking_numbers()
        if not numbers:
            raise ValidationError(_("Enter at least one tracking number."))
        if len(numbers) > MAX_LOOKUP:
            raise ValidationError(
                _(
                    "You can look up at most %(max)d numbers at a time; you entered %(count)d. "
                    "Remove some and try again.",
                    max=MAX_LOOKUP,
                    count=len(numbers),
                )
            )

    def tracking_numbers(self) -> list[str]:
        """The distinct numbers pasted, upper-cased, in the order given."""
        return parse_numbers(self.numbers.data or "")


class OwnerAlertsForm(FlaskForm):
    events = CheckboxesField(_l("Email me when"), choices=_alert_choices())


class ContactEventsForm(FlaskForm):
    events = CheckboxesField(_l("Alerts"), choices=_alert_choices(), validators=[AtLeastOne()])


class ContactForm(FlaskForm):
    name = StringField(
        _l("Name"),
        validators=[DataRequired(), VisibleText(), SingleLine(), Length(max=80)],
        render_kw={"autocomplete": "off"},
    )
    email = EmailField(
        _l("Email"),
        validators=[
            DataRequired(),
            Length(max=254),
            Email(message=_l("Enter a valid email address."), check_deliverability=False),
        ],
        filters=[strip_filter],
        render_kw={"autocomplete": "off"},
    )
    events = CheckboxesField(
        _l("Email them when"),
        choices=_alert_choices(),
        default=list(ALERT_KINDS),
        validators=[AtLeastOne()],
    )

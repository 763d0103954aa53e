"""Form pieces every feature uses: validators for hostile text, the category form, a
CSRF-only form, and the one way a view shows a service's refusal on its form."""

from __future__ import annotations

import unicodedata

from flask import flash
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import Field, IntegerField, StringField, TextAreaField
from wtforms.validators import Length, NumberRange, Optional, ValidationError

from community.errors import DomainError

CATEGORY_NAME_MAX = 120
CATEGORY_DESCRIPTION_MAX = 1000
CATEGORY_POSITION_MAX = 10_000

# Characters that render as nothing (zero-width space, joiners, BOM) or reorder text
# (bidirectional overrides): a title made only of these looks empty and can mislead.
_INVISIBLE = {"\u200b", "\u200c", "\u200d", "\u2060", "\ufeff"}
_BIDI_CONTROLS = {chr(code) for code in range(0x202A, 0x202F)} | {
    chr(code) for code in range(0x2066, 0x206A)
}


def clean_text(value: str | None) -> str:
    """Normalise to NFC, drop control characters (keeping new lines and tabs) and trim."""
    if not value:
        return ""
    value = unicodedata.normalize("NFC", value)
    kept = [
        char
        for char in value
        if char in "\n\t" or (unicodedata.category(char) != "Cc" and char not in _BIDI_CONTROLS)
    ]
    return "".join(kept).strip()


def has_visible_text(value: str) -> bool:
    return any(not char.isspace() and char not in _INVISIBLE for char in value)


class VisibleText:
    """Fails when a field holds nothing a reader could see; cleans the data in place."""

    def __init__(self, message: str | None = None) -> None:
        self.message = message

    def __call__(self, form: FlaskForm, field: Field) -> None:
        field.data = clean_text(field.data)
        if not has_visible_text(field.data):
            raise ValidationError(self.message or _l("This field cannot be empty."))


class SingleLine:
    """Titles and names stay on one line."""

    def __call__(self, form: FlaskForm, field: Field) -> None:
        if field.data and ("\n" in field.data or "\r" in field.data):
            raise ValidationError(_l("Use a single line."))


class CsrfOnlyForm(FlaskForm):
    """For buttons that change state (log out, retry, revoke): only the CSRF token."""


def strip_filter(value: str | None) -> str | None:
    """A WTForms filter: surrounding spaces are never part of a value."""
    return value.strip() if isinstance(value, str) else value


class CategoryForm(FlaskForm):
    """A category of articles or topics: a name, a sentence about it, its place in the list."""

    name = StringField(
        _l("Name"),
        validators=[VisibleText(), SingleLine(), Length(max=CATEGORY_NAME_MAX)],
        filters=[strip_filter],
    )
    description = TextAreaField(
        _l("Description"),
        description=_l("One or two sentences, shown under the category's name."),
        validators=[Optional(), Length(max=CATEGORY_DESCRIPTION_MAX)],
        render_kw={"rows": 2},
    )
    position = IntegerField(
        _l("Position"),
        description=_l("Lower numbers come first."),
        default=0,
        validators=[NumberRange(min=0, max=CATEGORY_POSITION_MAX)],
    )


def show_error(form: FlaskForm, error: DomainError) -> None:
    """Put a service's refusal beside the field it names, or above the form.

    Every view that renders a form shows refusals this way (and answers 422); a button
    without a form page uses `flash_error` and goes back where it came from.
    """
    field = getattr(form, error.field, None) if error.field else None
    if isinstance(field, Field):
        field.errors = [*field.errors, error.message]
    else:
        form.form_errors.append(error.message)


def flash_error(error: DomainError) -> None:
    """A refusal of a one-button action, shown at the top of the page it returns to."""
    flash(error.message, "error")

"""Form pieces every feature uses: validators for hostile text and a CSRF-only form."""

from __future__ import annotations

import unicodedata

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import Field
from wtforms.validators import ValidationError

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

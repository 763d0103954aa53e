"""Admin forms."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, SelectChoice, SelectMultipleField, StringField, widgets
from wtforms.validators import DataRequired, Length

from community.accounts.models import Role
from community.forms import SingleLine, VisibleText

ROLE_LABELS = {
    Role.MANAGER: _l("Account manager"),
    Role.EDITOR: _l("Knowledge-base editor"),
    Role.MODERATOR: _l("Forum moderator"),
    Role.AGENT: _l("Support agent"),
    Role.LEAD: _l("Support lead"),
    Role.ADMIN: _l("Administrator"),
}


class CheckboxList(SelectMultipleField):
    widget = widgets.ListWidget(prefix_label=False)
    option_widget = widgets.CheckboxInput()


class UserAdminForm(FlaskForm):
    roles = CheckboxList(
        _l("Staff roles"),
        choices=[SelectChoice(role.value, label) for role, label in ROLE_LABELS.items()],
    )
    is_active = BooleanField(_l("Account active (can log in)"))


class ApiTokenForm(FlaskForm):
    name = StringField(
        _l("Token name"),
        validators=[DataRequired(), VisibleText(), SingleLine(), Length(max=80)],
        description=_l("Say which system uses it, for example “Warehouse WMS”."),
    )

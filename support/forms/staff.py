"""The staff's forms on a request page: an answer, an internal note, and the small forms that
assign, claim, set the status, the priority or the department, and merge a duplicate.

The lists are filled per page (`fill_choices`), but the services are the rule: an unknown
status, priority, department or person is refused there with a message naming the field,
so these forms only check shape (lengths, whole numbers in range) and never let a value
that cannot name a row reach the database.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    Field,
    MultipleFileField,
    SelectChoice,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import Length, ValidationError

from community.forms import VisibleText, strip_filter
from community.numbers import bounded_int
from support.models import MAX_BODY, Priority, Status

NOBODY = ""
BODY_HINT = _l("Markdown: **bold**, lists, `code`, > quotes and links.")


class RowId:
    """The field holds the id of a row (or, with `optional`, nothing)."""

    def __init__(self, message: Any, optional: bool = False) -> None:
        self.message = message
        self.optional = optional

    def __call__(self, form: FlaskForm, field: Field) -> None:
        if self.optional and not field.data:
            return
        if bounded_int(field.data, field=field.name, default=None) is None:
            raise ValidationError(self.message)


def _labels(labels: dict[str, Any]) -> list[SelectChoice]:
    return [SelectChoice(value, label) for value, label in labels.items()]


def then_labels() -> dict[str, Any]:
    return {
        Status.OPEN.value: _l("Leave it open"),
        Status.WAITING.value: _l("Wait on the customer"),
        Status.SOLVED.value: _l("Mark it solved"),
    }


def status_labels() -> dict[str, Any]:
    return {
        Status.NEW.value: _l("New"),
        Status.OPEN.value: _l("Open"),
        Status.WAITING.value: _l("Waiting on the customer"),
        Status.SOLVED.value: _l("Solved"),
        Status.CLOSED.value: _l("Closed"),
    }


def priority_labels() -> dict[str, Any]:
    return {
        Priority.LOW.value: _l("Low"),
        Priority.NORMAL.value: _l("Normal"),
        Priority.HIGH.value: _l("High"),
        Priority.URGENT.value: _l("Urgent"),
    }


class _Choice(SelectField):
    """A select whose value the service judges: no "Not a valid choice" of WTForms' own."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("validate_choice", False)
        kwargs.setdefault("coerce", str)
        super().__init__(*args, **kwargs)


class ReplyForm(FlaskForm):
    """An answer to the customer, emailed; `then` is what the request becomes."""

    body = TextAreaField(
        _l("Your answer"),
        description=BODY_HINT,
        validators=[VisibleText(_l("Write the answer first.")), Length(max=MAX_BODY)],
        render_kw={"rows": 8},
        id="reply-body",
    )
    files = MultipleFileField(_l("Attach files"), id="reply-files")
    then = _Choice(_l("Then"), choices=_labels(then_labels()), default=Status.OPEN.value)
    canned = _Choice(_l("Canned reply"), default="")


class CannedForm(ReplyForm):
    """ "Insert" on the answer form: the reply text so far and the canned reply chosen."""

    body = TextAreaField(
        _l("Your answer"),
        description=BODY_HINT,
        validators=[Length(max=MAX_BODY)],
        render_kw={"rows": 8},
        id="reply-body",
    )
    canned = _Choice(
        _l("Canned reply"),
        default="",
        validators=[RowId(_l("Choose a canned reply from the list."))],
    )


class NoteForm(FlaskForm):
    """An internal note: staff only, never shown or emailed to the customer."""

    body = TextAreaField(
        _l("Internal note"),
        description=_l("Only staff see notes; the customer is never shown or emailed them."),
        validators=[VisibleText(_l("Write the note first.")), Length(max=MAX_BODY)],
        render_kw={"rows": 4},
        id="note-body",
    )
    files = MultipleFileField(_l("Attach files"), id="note-files")


class AssignForm(FlaskForm):
    assignee = _Choice(
        _l("Assigned to"),
        validators=[RowId(_l("Choose an agent of this request's department."), optional=True)],
    )

    @property
    def assignee_id(self) -> int | None:
        ident: int | None = bounded_int(self.assignee.data, field="assignee", default=None)
        return ident


class StatusForm(FlaskForm):
    status = _Choice(_l("Status"), choices=_labels(status_labels()))


class PriorityForm(FlaskForm):
    priority = _Choice(_l("Priority"), choices=_labels(priority_labels()))


class MoveForm(FlaskForm):
    department = _Choice(
        _l("Department"), validators=[RowId(_l("Choose a department from the list."))]
    )

    @property
    def department_id(self) -> int:
        ident: int = bounded_int(self.department.data, field="department", default=0)
        return ident


class MergeForm(FlaskForm):
    target = StringField(
        _l("Merge into request number"),
        description=_l("Its messages and files move there; this request closes."),
        validators=[
            VisibleText(_l("Enter the number of another open request.")),
            Length(max=21, message=_l("Enter the number of another open request.")),
        ],
        filters=[strip_filter],
        render_kw={"inputmode": "numeric", "autocomplete": "off"},
    )


def fill_choices(
    *,
    reply: ReplyForm,
    assign: AssignForm,
    move: MoveForm,
    agents: Iterable[tuple[int, str]],
    departments: Iterable[tuple[int, str]],
    canned: Sequence[tuple[int, str]],
) -> None:
    """The page's lists: agents of the department, departments, canned replies."""
    assign.assignee.choices = [SelectChoice(NOBODY, _l("Nobody (unassigned)"))] + [
        SelectChoice(str(person_id), name) for person_id, name in agents
    ]
    move.department.choices = [SelectChoice(str(ident), name) for ident, name in departments]
    reply.canned.choices = [SelectChoice("", _l("Choose a canned reply…"))] + [
        SelectChoice(str(ident), title) for ident, title in canned
    ]

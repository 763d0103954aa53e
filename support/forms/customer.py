"""The customer's forms: a new request, a reply, and "did we solve it?".

Lengths and required fields here are the first, friendly check; the services check again
(they are the rule), and their refusals appear beside the field they name.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    EmailField,
    HiddenField,
    MultipleFileField,
    RadioField,
    SelectChoice,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import InputRequired, Length, Optional, Regexp

from community.forms import SingleLine, VisibleText, strip_filter
from community.numbers import bounded_int
from support.models import MAX_BODY, MAX_NAME, MAX_SUBJECT, Department, Rating, SupportTopic
from support.services.conversation import MAX_FILES_PER_MESSAGE
from support.services.ratings import MAX_COMMENT

BODY_HINT = _l("Markdown: **bold**, lists, `code`, > quotes and links.")
FILES_HINT = _l(
    "Optional: photos, PDF or documents, up to %(count)d files.", count=MAX_FILES_PER_MESSAGE
)


def _topic_id(value: Any) -> int | None:
    """The chosen topic's id; nothing chosen, or anything not a number, is None."""
    ident: int | None = bounded_int(value, field="topic", default=None)
    return ident


class RequestForm(FlaskForm):
    topic = SelectField(
        _l("What is it about?"),
        coerce=_topic_id,
        validators=[InputRequired(message=_l("Choose a topic from the list."))],
    )
    subject = StringField(
        _l("Subject"),
        description=_l("In one sentence: what do you need?"),
        validators=[VisibleText(), SingleLine(), Length(max=MAX_SUBJECT)],
        filters=[strip_filter],
        render_kw={"autocomplete": "off", "maxlength": MAX_SUBJECT},
    )
    body = TextAreaField(
        _l("Tell us more"),
        description=BODY_HINT,
        validators=[VisibleText(), Length(max=MAX_BODY)],
        render_kw={"rows": 8},
    )
    files = MultipleFileField(_l("Attachments"), description=FILES_HINT)
    name = StringField(
        _l("Your name"),
        validators=[VisibleText(), SingleLine(), Length(max=MAX_NAME)],
        filters=[strip_filter],
        render_kw={"autocomplete": "name", "maxlength": MAX_NAME},
    )
    email = EmailField(
        _l("Your email address"),
        description=_l("We send the confirmation and our answers here."),
        validators=[VisibleText(), Length(max=254)],
        filters=[strip_filter],
        render_kw={"autocomplete": "email", "maxlength": 254},
    )
    form_key = HiddenField(validators=[Optional(), Length(max=64)])
    forum_topic = HiddenField(validators=[Optional(), Regexp(r"^\d{1,10}$")])
    shipment = HiddenField(validators=[Optional(), Length(max=60)])

    def set_topics(self, topics: Sequence[SupportTopic], departments: Sequence[Department],
                   locale: str) -> None:  # fmt: skip
        """The topics, grouped under their departments' names in the reader's language."""
        names = {department.id: department.label(locale) for department in departments}
        self.groups: list[tuple[str, list[tuple[int, str]]]] = []
        for topic in topics:
            label = names.get(topic.department_id, "")
            if not self.groups or self.groups[-1][0] != label:
                self.groups.append((label, []))
            self.groups[-1][1].append((topic.id, topic.label(locale)))
        self.topic.choices = [
            SelectChoice(topic_id, label)
            for _group, items in self.groups
            for topic_id, label in items
        ]

    def for_member(self) -> None:
        """A signed-in customer writes as themselves: no name or address to give."""
        del self.name
        del self.email


class ReplyForm(FlaskForm):
    body = TextAreaField(
        _l("Your reply"),
        description=BODY_HINT,
        validators=[VisibleText(), Length(max=MAX_BODY)],
        render_kw={"rows": 5},
    )
    files = MultipleFileField(_l("Attachments"), description=FILES_HINT)


class RatingForm(FlaskForm):
    rating = RadioField(
        _l("Did we solve it?"),
        choices=[
            SelectChoice(Rating.GOOD.value, _l("Yes, my problem is solved")),
            SelectChoice(Rating.BAD.value, _l("No, not really")),
        ],
        validators=[InputRequired(message=_l("Choose yes or no."))],
    )
    comment = TextAreaField(
        _l("Anything you would like to tell us? (optional)"),
        validators=[Optional(), Length(max=MAX_COMMENT)],
        render_kw={"rows": 3, "maxlength": MAX_COMMENT},
    )

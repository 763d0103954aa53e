"""Forum forms. Each writing form carries a nonce, so sending it twice makes one post."""

from __future__ import annotations

import secrets

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    HiddenField,
    RadioField,
    SelectChoice,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import Length, Optional, Regexp

from community.forms import CategoryForm as SharedCategoryForm
from community.forms import SingleLine, VisibleText, strip_filter
from forum.content import DEFAULT_MAX_POST_LENGTH, split_tags
from forum.models import (
    MAX_FLAG_NOTE,
    MAX_TITLE,
    NONCE_LENGTH,
    FlagReason,
    ForumCategory,
)
from kb.languages import DETECT, language_choices

BODY_HINT = _l("Markdown: **bold**, lists, `code`, > quotes and links. Mention someone with @name.")


def new_nonce() -> str:
    return secrets.token_urlsafe(18)


class _Nonce:
    nonce = HiddenField(
        default=new_nonce,
        validators=[Optional(), Length(max=NONCE_LENGTH), Regexp(r"^[A-Za-z0-9_-]*$")],
    )


# Lengths here are the first, friendly check; the services check again (they are the rule).
class TopicForm(_Nonce, FlaskForm):
    category_id = SelectField(_l("Category"), coerce=int)
    title = StringField(
        _l("Title"),
        description=_l("Say what you need in one sentence, as you would ask a colleague."),
        validators=[VisibleText(), SingleLine(), Length(max=MAX_TITLE)],
        filters=[strip_filter],
        render_kw={"autocomplete": "off", "maxlength": MAX_TITLE},
    )
    body = TextAreaField(
        _l("Details"),
        description=BODY_HINT,
        validators=[VisibleText(), Length(max=DEFAULT_MAX_POST_LENGTH)],
        render_kw={"rows": 10},
    )
    tags = StringField(
        _l("Tags"),
        description=_l("Optional, up to five, separated by commas: printer, driver"),
        validators=[Optional(), Length(max=200)],
    )

    def set_categories(self, categories: list[ForumCategory]) -> None:
        self.category_id.choices = [
            SelectChoice(category.id, category.name) for category in categories
        ]

    def tag_list(self) -> list[str]:
        return split_tags(self.tags.data)


class ReplyForm(_Nonce, FlaskForm):
    body = TextAreaField(
        _l("Your reply"),
        description=BODY_HINT,
        validators=[VisibleText(), Length(max=DEFAULT_MAX_POST_LENGTH)],
        render_kw={"rows": 6},
    )


class EditForm(FlaskForm):
    title = StringField(
        _l("Title"),
        validators=[Optional(), SingleLine(), Length(max=MAX_TITLE)],
        filters=[strip_filter],
    )
    tags = StringField(_l("Tags"), validators=[Optional(), Length(max=200)])
    body = TextAreaField(
        _l("Post"),
        description=BODY_HINT,
        validators=[VisibleText(), Length(max=DEFAULT_MAX_POST_LENGTH)],
        render_kw={"rows": 10},
    )

    def tag_list(self) -> list[str]:
        return split_tags(self.tags.data)


class FlagForm(FlaskForm):
    reason = RadioField(
        _l("What is wrong with this post?"),
        choices=[
            SelectChoice(FlagReason.SPAM.value, _l("It is spam or advertising")),
            SelectChoice(FlagReason.OFFENSIVE.value, _l("It is rude or offensive")),
            SelectChoice(FlagReason.OFF_TOPIC.value, _l("It does not belong here")),
            SelectChoice(FlagReason.OTHER.value, _l("Something else (say what below)")),
        ],
    )
    note = TextAreaField(
        _l("A note for the moderators"),
        validators=[Optional(), Length(max=MAX_FLAG_NOTE)],
        render_kw={"rows": 3},
    )


class MoveForm(FlaskForm):
    category_id = SelectField(_l("Move to"), coerce=int)

    def set_categories(self, categories: list[ForumCategory]) -> None:
        self.category_id.choices = [
            SelectChoice(category.id, category.name) for category in categories
        ]


class CategoryForm(SharedCategoryForm):
    """The shared category form, plus the forum's announcement-only switch and language."""

    announcement_only = BooleanField(
        _l("Announcements only"),
        description=_l("Only staff start topics here; members read and reply."),
    )
    language = SelectField(
        _l("Language"),
        choices=language_choices,
        default=DETECT,
        description=_l("The forum lists categories in the reader's language first."),
    )

"""Knowledge-base forms: writing an article, answering "Was this helpful?", uploading a file.

Categories use the core's `community.forms.CategoryForm`, shared with the forum."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import SelectField, StringField, SubmitField, TextAreaField
from wtforms.validators import AnyOf, Length, Optional

from community.forms import SingleLine, VisibleText, clean_text, strip_filter
from kb.languages import DETECT, language_choices
from kb.models import Category
from kb.services.articles import MAX_BODY, MAX_NOTE, MAX_TITLE
from kb.services.feedback import MAX_COMMENT

NO_CATEGORY = 0


class ArticleForm(FlaskForm):
    title = StringField(
        _l("Title"),
        validators=[VisibleText(), SingleLine(), Length(max=MAX_TITLE)],
        filters=[strip_filter],
    )
    category_id = SelectField(_l("Category"), coerce=int, default=NO_CATEGORY)
    language = SelectField(
        _l("Language"),
        choices=language_choices,
        default=DETECT,
        description=_l("Lists show readers their own language first and label the others."),
    )
    tags = StringField(
        _l("Tags"),
        description=_l("Separate tags with commas, for example: returns, refund, exception."),
        validators=[Optional(), Length(max=600)],
    )
    body = TextAreaField(
        _l("Article"),
        description=_l("Markdown: ## headings, **bold**, lists, `code`, tables and links."),
        validators=[VisibleText(), Length(max=MAX_BODY)],
        render_kw={"rows": 18, "spellcheck": "true"},
    )
    note = StringField(
        _l("What did you change?"),
        description=_l("Optional: shown in the article's history."),
        validators=[Optional(), SingleLine(), Length(max=MAX_NOTE)],
    )
    save = SubmitField(_l("Save"))
    publish = SubmitField(_l("Save and publish"))

    def set_categories(self, categories: list[Category]) -> None:
        self.category_id.choices = [(NO_CATEGORY, str(_l("No category")))] + [
            (category.id, category.name) for category in categories
        ]

    def tag_list(self) -> list[str]:
        return [
            part for part in (self.tags.data or "").replace("，", ",").split(",") if part.strip()
        ]

    def chosen_category(self) -> int | None:
        return self.category_id.data or None


class FeedbackForm(FlaskForm):
    helpful = StringField(validators=[AnyOf(["yes", "no"], message=_l("Answer yes or no."))])
    comment = TextAreaField(
        _l("What were you looking for? (optional)"),
        validators=[Optional(), Length(max=MAX_COMMENT)],
        filters=[lambda value: clean_text(value) if isinstance(value, str) else value],
        render_kw={"rows": 4},
    )

    @property
    def is_helpful(self) -> bool:
        return self.helpful.data == "yes"


class AttachmentForm(FlaskForm):
    file = FileField(_l("File"), validators=[FileRequired(_l("Choose a file to upload."))])

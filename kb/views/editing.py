"""Editor pages: write and preview, publish, history with diffs and restore, files, insights.

Every route checks the editor role through the services (403 for anyone else); the role
decorator only turns anonymous visitors into a login redirect first. A page that shows a form
before any service runs (a new article, the categories) asks `policy.require_editor` itself,
so that anyone else gets the 403 rather than the form.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Any

from flask import flash, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from werkzeug.wrappers import Response

from community.accounts.permissions import acting_user
from community.errors import InvalidInput
from community.forms import CategoryForm, CsrfOnlyForm, show_error
from community.numbers import query_int
from community.paging import page_arg
from kb import bp
from kb.forms import ArticleForm, AttachmentForm
from kb.models import Article
from kb.policy import require_editor
from kb.services import articles, attachments, catalog, categories, insights, revisions

INSIGHT_PERIODS = (7, 30, 90)


@bp.app_template_filter("kb_note")
def revision_note(note: str) -> str:
    return revisions.describe_note(note or "")


def _article_input(form: ArticleForm) -> articles.ArticleInput:
    return articles.ArticleInput(
        title=form.title.data or "",
        body=form.body.data or "",
        category_id=form.chosen_category(),
        tags=form.tag_list(),
        note=form.note.data or "",
        language=form.language.data,
    )


@bp.get("/manage")
@login_required
def manage():
    status = request.args.get("status") or None
    page = catalog.editor_articles(current_user, status=status, page=page_arg())
    return render_template(
        "kb/manage.html",
        page=page,
        status=status,
        counts=catalog.status_counts(),
        action_form=CsrfOnlyForm(),
    )


def _edit_page(  # type: ignore[no-untyped-def]
    form: ArticleForm,
    article: Article | None,
    status: int = 200,
    upload_form: AttachmentForm | None = None,
):
    upload = upload_form or (AttachmentForm() if article is not None else None)
    return (
        render_template(
            "kb/edit.html",
            form=form,
            article=article,
            upload_form=upload,
            action_form=CsrfOnlyForm(),
            human_size=attachments.human_size,
            allowed_types=", ".join(sorted(attachments.ALLOWED_TYPES)),
            max_size=attachments.human_size(attachments.max_bytes()),
        ),
        status,
    )


@bp.route("/new", methods=["GET", "POST"])
@login_required
def new_article():
    require_editor(current_user)
    form = ArticleForm()
    form.set_categories(catalog.categories())
    if form.validate_on_submit():
        try:
            article = articles.save_article(
                None, _article_input(form), by=acting_user(), publish=form.publish.data
            )
        except InvalidInput as error:
            show_error(form, error)
        else:
            flash(_("Article published.") if article.is_published else _("Draft saved."), "success")
            return redirect(url_for("kb.edit_article", slug=article.slug))
    return _edit_page(form, None, 422 if form.is_submitted() else 200)


def _filled_form(article: Article) -> ArticleForm:
    """The edit form showing the article as saved."""
    form = ArticleForm(formdata=None, obj=article)
    form.set_categories(catalog.categories())
    form.category_id.data = article.category_id or 0
    form.tags.data = ", ".join(article.tag_names)
    form.note.data = ""
    return form


@bp.route("/articles/<slug>/edit", methods=["GET", "POST"])
@login_required
def edit_article(slug: str):
    article = catalog.editable_article(slug, current_user)
    if request.method == "GET":
        return _edit_page(_filled_form(article), article)
    form = ArticleForm()
    form.set_categories(catalog.categories())
    if form.validate_on_submit():
        try:
            articles.save_article(
                article, _article_input(form), by=acting_user(), publish=form.publish.data
            )
        except InvalidInput as error:
            show_error(form, error)
        else:
            flash(_("Article published.") if form.publish.data else _("Changes saved."), "success")
            return redirect(url_for("kb.edit_article", slug=article.slug))
    return _edit_page(form, article, 422 if form.is_submitted() else 200)


_STATUS_ACTIONS = {
    "publish": (articles.publish_article, _l("Article published.")),
    "unpublish": (articles.unpublish_article, _l("Article unpublished: it is a draft again.")),
    "archive": (articles.archive_article, _l("Article archived.")),
}


@bp.post("/articles/<slug>/<any(publish, unpublish, archive):action>")
@login_required
def change_status(slug: str, action: str):
    article = catalog.editable_article(slug, current_user)
    if not CsrfOnlyForm().validate_on_submit():
        flash(_("This form has expired. Please try again."), "error")
        return redirect(url_for("kb.edit_article", slug=slug))
    change, message = _STATUS_ACTIONS[action]
    change(article, by=acting_user())
    flash(str(message), "success")
    if request.form.get("next") == "manage":
        return redirect(url_for("kb.manage"))
    return redirect(url_for("kb.edit_article", slug=slug))


@bp.post("/preview")
@login_required
def preview():
    """Sanitised HTML for the live preview; nothing is saved."""
    try:
        html = articles.preview_html(current_user, request.form.get("body", ""))
    except InvalidInput as error:
        return jsonify(error=error.as_dict()), error.code
    return jsonify(html=html)


@bp.get("/articles/<slug>/history")
@login_required
def history(slug: str):
    article = catalog.editable_article(slug, current_user)
    return render_template(
        "kb/history.html",
        article=article,
        revisions=revisions.revisions(article),
        action_form=CsrfOnlyForm(),
    )


@bp.get("/articles/<slug>/diff")
@login_required
def diff(slug: str):
    article = catalog.editable_article(slug, current_user)
    older = query_int("from")
    newer = query_int("to")
    if older is None or newer is None:
        flash(_("Choose two revisions to compare."), "error")
        return redirect(url_for("kb.history", slug=slug))
    return render_template(
        "kb/diff.html",
        article=article,
        diff=revisions.diff_revisions(article, older, newer),
        action_form=CsrfOnlyForm(),
    )


@bp.post("/articles/<slug>/revisions/<int:number>/restore")
@login_required
def restore(slug: str, number: int):
    article = catalog.editable_article(slug, current_user)
    if CsrfOnlyForm().validate_on_submit():
        revisions.restore_revision(article, number, by=acting_user())
        flash(_("Revision %(number)d restored as a new revision.", number=number), "success")
    return redirect(url_for("kb.history", slug=slug))


@bp.post("/articles/<slug>/files")
@login_required
def upload(slug: str):
    article = catalog.editable_article(slug, current_user)
    form = AttachmentForm()
    if form.validate_on_submit():
        try:
            attachments.add_attachment(
                article, form.file.data.stream, form.file.data.filename or "", by=acting_user()
            )
        except InvalidInput as error:
            show_error(form, error)
        else:
            flash(_("File attached."), "success")
            return redirect(url_for("kb.edit_article", slug=slug) + "#files")
    return _edit_page(_filled_form(article), article, 422, upload_form=form)


@bp.post("/articles/<slug>/files/<int:attachment_id>/delete")
@login_required
def delete_file(slug: str, attachment_id: int):
    article = catalog.editable_article(slug, current_user)
    if CsrfOnlyForm().validate_on_submit():
        attachments.remove_attachment(article, attachment_id, by=acting_user())
        flash(_("File removed."), "success")
    return redirect(url_for("kb.edit_article", slug=slug) + "#files")


def _categories_page(  # type: ignore[no-untyped-def]
    new_form: CategoryForm | None = None,
    failed: tuple[int, CategoryForm] | None = None,
    status: int = 200,
):
    rows = []
    for category in catalog.categories():
        if failed is not None and failed[0] == category.id:
            rows.append((category, failed[1]))
        else:
            rows.append(
                (category, CategoryForm(prefix=f"c{category.id}", formdata=None, obj=category))
            )
    form = new_form or CategoryForm(prefix="new", formdata=None)
    return render_template("kb/categories.html", rows=rows, new_form=form), status


@bp.get("/manage/categories")
@login_required
def manage_categories():
    require_editor(current_user)
    return _categories_page()


def _save_category(form: CategoryForm, save: Callable[..., Any], done: str) -> Response | None:
    """Save a valid category form and go back to the list; None when the form must show again."""
    if not form.validate_on_submit():
        return None
    try:
        save(
            name=form.name.data,
            description=form.description.data or "",
            position=form.position.data or 0,
            by=acting_user(),
        )
    except InvalidInput as error:
        show_error(form, error)
        return None
    flash(done, "success")
    return redirect(url_for("kb.manage_categories"))


@bp.post("/manage/categories/new")
@login_required
def add_category():
    require_editor(current_user)
    form = CategoryForm(prefix="new")
    saved = _save_category(form, categories.create_category, _("Category added."))
    return saved or _categories_page(new_form=form, status=422)


@bp.post("/manage/categories/<int:category_id>")
@login_required
def edit_category(category_id: int):
    require_editor(current_user)
    form = CategoryForm(prefix=f"c{category_id}")
    save = partial(categories.update_category, category_id)
    saved = _save_category(form, save, _("Category saved."))
    return saved or _categories_page(failed=(category_id, form), status=422)


@bp.get("/insights")
@login_required
def insights_page():
    days = query_int("days", 30)
    if days not in INSIGHT_PERIODS:
        days = 30
    return render_template(
        "kb/insights.html", data=insights.insights(current_user, days=days), periods=INSIGHT_PERIODS
    )

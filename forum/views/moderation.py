"""Flags from members, and the moderators' tools: the queue, hide and restore, lock, pin,
move, post history, and categories."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from community.accounts.permissions import acting_user
from community.errors import InvalidInput
from community.forms import CsrfOnlyForm, show_error
from forum import bp, policy
from forum.forms import CategoryForm, FlagForm, MoveForm
from forum.services import categories, moderation, reading
from forum.services.categories import CategoryInput
from forum.views.common import post_location, posting_limit, topic_location


@bp.route("/p/<int:post_id>/flag", methods=["GET", "POST"])
@login_required
@posting_limit
def flag_post(post_id: int):
    post, topic = reading.readable_post(post_id, current_user)
    if not policy.can_flag(post, topic, current_user):
        abort(403)
    form = FlagForm()
    if form.validate_on_submit():
        try:
            moderation.flag_post(
                post, by=acting_user(), reason=form.reason.data or "", note=form.note.data or ""
            )
        except InvalidInput as error:
            show_error(form, error)
        else:
            flash(_("Thank you. A moderator will look at this post."), "success")
            return redirect(post_location(topic.id, topic.slug, post.number))
    status = 422 if form.is_submitted() else 200
    return render_template("forum/flag.html", form=form, post=post, topic=topic), status


@bp.get("/moderation", endpoint="moderation")
@login_required
def moderation_queue():
    return render_template(
        "forum/moderation.html", queue=moderation.queue(current_user), form=CsrfOnlyForm()
    )


POST_ACTIONS = ("hide", "restore", "dismiss")


@bp.post("/p/<int:post_id>/moderate")
@login_required
def moderate_post(post_id: int):
    post, topic = reading.readable_post(post_id, current_user)
    action = request.form.get("action", "")
    if action not in POST_ACTIONS:
        abort(400)
    by = acting_user()
    if action == "hide":
        moderation.hide_post(post, by=by, reason=request.form.get("reason", ""))
        flash(_("The post is hidden."), "success")
    elif action == "restore":
        moderation.restore_post(post, by=by)
        flash(_("The post is back."), "success")
    else:
        moderation.dismiss_flags(post, by=by)
        flash(_("The flags are dismissed."), "success")
    if request.form.get("back") == "queue":
        return redirect(url_for("forum.moderation"))
    return redirect(post_location(topic.id, topic.slug, post.number))


@bp.post("/t/<int:topic_id>/moderate")
@login_required
def moderate_topic(topic_id: int):
    topic, _category = reading.readable_topic(topic_id, current_user)
    action = request.form.get("action", "")
    if action not in moderation.TOPIC_ACTIONS:
        abort(400)
    moderation.moderate_topic(topic, action, by=acting_user())
    flash(_("Done."), "success")
    return redirect(topic_location(topic))


@bp.route("/t/<int:topic_id>/move", methods=["GET", "POST"])
@login_required
def move_topic(topic_id: int):
    topic, category = reading.readable_topic(topic_id, current_user)
    if not policy.can_moderate(current_user):
        abort(403)
    form = MoveForm()
    form.set_categories(categories.categories())
    if request.method == "GET":
        form.category_id.data = topic.category_id
    if form.validate_on_submit():
        try:
            moderation.move_topic(topic, form.category_id.data, by=acting_user())
        except InvalidInput as error:
            show_error(form, error)
        else:
            flash(_("The topic is moved."), "success")
            return redirect(topic_location(topic))
    status = 422 if form.is_submitted() else 200
    return render_template("forum/move.html", form=form, topic=topic, category=category), status


@bp.get("/p/<int:post_id>/history")
@login_required
def history(post_id: int):
    post, topic = reading.readable_post(post_id, current_user)
    return render_template(
        "forum/history.html",
        post=post,
        topic=topic,
        versions=moderation.post_history(post, current_user),
    )


@bp.route("/categories/new", methods=["GET", "POST"])
@login_required
def new_category():
    return _category_form(None)


@bp.route("/c/<slug>/edit", methods=["GET", "POST"])
@login_required
def edit_category(slug: str):
    found = categories.find_category(slug)
    if found is None:
        abort(404)
    return _category_form(found)


def _category_form(found):  # type: ignore[no-untyped-def]
    if not policy.can_manage_categories(current_user):
        abort(403)
    form = CategoryForm(obj=found) if request.method == "GET" and found else CategoryForm()
    if form.validate_on_submit():
        try:
            saved = categories.save_category(
                found,
                CategoryInput(
                    name=form.name.data or "",
                    description=form.description.data or "",
                    position=form.position.data or 0,
                    announcement_only=bool(form.announcement_only.data),
                    language=form.language.data,
                ),
                by=acting_user(),
            )
        except InvalidInput as error:
            show_error(form, error)
        else:
            flash(_("The category is saved."), "success")
            return redirect(url_for("forum.category", slug=saved.slug))
    status = 422 if form.is_submitted() else 200
    return render_template("forum/category_edit.html", form=form, category=found), status

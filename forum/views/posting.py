"""Forms that write: new topic, reply, edit, delete, vote, accept, watch, article draft,
and the preview of a post being written.

The services decide who may do what (403/404); `login_required` only sends anonymous
visitors to the login page first. A refused input re-renders its form with status 422.
"""

from __future__ import annotations

from flask import abort, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from community.accounts.permissions import acting_user
from community.errors import InvalidInput
from community.extensions import limiter
from community.forms import flash_error, show_error
from forum import bp, policy
from forum.forms import EditForm, ReplyForm, TopicForm
from forum.services import answers, categories, notifications, posting, reading
from forum.settings import rate_limit
from forum.views.common import post_location, posting_limit, topic_location, wants_json
from forum.views.fragments import topic_page_html


@bp.route("/new", methods=["GET", "POST"])
@login_required
@posting_limit
def new_topic():
    if not policy.can_write(current_user):
        abort(403, description=_("Please confirm your email address before you post."))
    allowed = [
        category
        for category in categories.categories()
        if policy.can_start_topic(category, current_user)
    ]
    form = TopicForm()
    form.set_categories(allowed)
    if request.method == "GET" and (wanted := request.args.get("category")):
        chosen = next((category for category in allowed if category.slug == wanted), None)
        if chosen is not None:
            form.category_id.data = chosen.id
    if form.validate_on_submit():
        try:
            topic = posting.create_topic(
                posting.TopicInput(
                    category_id=form.category_id.data,
                    title=form.title.data or "",
                    body=form.body.data or "",
                    tags=form.tag_list(),
                    nonce=form.nonce.data,
                ),
                by=acting_user(),
            )
        except InvalidInput as error:
            show_error(form, error)
        else:
            return redirect(topic_location(topic))
    status = 422 if form.is_submitted() else 200
    return render_template("forum/new_topic.html", form=form, has_categories=bool(allowed)), status


@bp.post("/t/<int:topic_id>/reply")
@login_required
@posting_limit
def reply(topic_id: int):
    topic, category = reading.readable_topic(topic_id, current_user)
    form = ReplyForm()
    if form.validate_on_submit():
        try:
            post = posting.create_reply(
                topic, form.body.data or "", by=acting_user(), nonce=form.nonce.data
            )
        except InvalidInput as error:
            show_error(form, error)
        else:
            return redirect(post_location(topic.id, topic.slug, post.number))
    last_page = reading.page_of(topic.highest_number)
    view = reading.topic_page(topic, category, page=last_page, user=current_user)
    return topic_page_html(view, form), 422


@bp.route("/p/<int:post_id>/edit", methods=["GET", "POST"])
@login_required
@posting_limit
def edit_post(post_id: int):
    post, topic = reading.readable_post(post_id, current_user)
    if not policy.can_edit(post, topic, current_user):
        abort(403)
    form = EditForm()
    if request.method == "GET":
        form.body.data = post.body
        form.title.data = topic.title
        form.tags.data = ", ".join(topic.tags or [])
    if form.validate_on_submit():
        try:
            posting.edit_post(
                post,
                posting.EditInput(
                    body=form.body.data or "",
                    title=form.title.data if post.is_question else None,
                    tags=form.tag_list() if post.is_question else None,
                ),
                by=acting_user(),
            )
        except InvalidInput as error:
            show_error(form, error)
        else:
            flash(_("Your changes are saved."), "success")
            return redirect(url_for("forum.post", post_id=post_id))
    status = 422 if form.is_submitted() else 200
    return render_template("forum/edit_post.html", form=form, post=post, topic=topic), status


@bp.post("/p/<int:post_id>/delete")
@login_required
def delete_post(post_id: int):
    post, _topic = reading.readable_post(post_id, current_user)
    topic = posting.delete_post(post, by=acting_user())
    if post.is_question:
        flash(_("The topic is deleted."), "success")
        category = categories.category_by_id(topic.category_id)
        return redirect(url_for("forum.category", slug=category.slug))
    flash(_("The post is deleted."), "success")
    return redirect(topic_location(topic))


@bp.post("/p/<int:post_id>/vote")
@login_required
@posting_limit
def vote(post_id: int):
    post, topic = reading.readable_post(post_id, current_user)
    up = request.form.get("up", "1") == "1"
    count = answers.set_vote(post, by=acting_user(), up=up)
    if wants_json():
        return jsonify(count=count, voted=up, version=topic.version)
    return redirect(post_location(topic.id, topic.slug, post.number))


@bp.post("/p/<int:post_id>/accept")
@login_required
def accept(post_id: int):
    post, _topic = reading.readable_post(post_id, current_user)
    topic = answers.accept_answer(post, by=acting_user())
    flash(_("Marked as the answer. Thank you for closing the loop!"), "success")
    return redirect(topic_location(topic))


@bp.post("/t/<int:topic_id>/unaccept")
@login_required
def unaccept(topic_id: int):
    topic, _category = reading.readable_topic(topic_id, current_user)
    answers.unaccept_answer(topic, by=acting_user())
    flash(_("The topic is open again."), "success")
    return redirect(topic_location(topic))


@bp.post("/t/<int:topic_id>/watch")
@login_required
def watch(topic_id: int):
    topic, _category = reading.readable_topic(topic_id, current_user)
    watching = request.form.get("watch", "1") == "1"
    notifications.set_watching(topic, acting_user(), watching)
    flash(
        _("You will hear about new replies.") if watching else _("You stopped watching."),
        "success",
    )
    return redirect(topic_location(topic))


@bp.post("/t/<int:topic_id>/article")
@login_required
def make_article(topic_id: int):
    topic, _category = reading.readable_topic(topic_id, current_user)
    try:
        article = answers.make_article_draft(topic, by=acting_user())
    except InvalidInput as error:
        flash_error(error)
        return redirect(topic_location(topic))
    flash(_("A knowledge-base draft was made from this topic: review it and publish."), "success")
    return redirect(url_for("kb.edit_article", slug=article.slug))


@bp.post("/preview")
@login_required
@limiter.limit(lambda: rate_limit("FORUM_RATE_LIMIT_SUGGEST"))
def preview():
    """The post being written as readers will see it: {"html": ...}; nothing is saved."""
    try:
        html = posting.preview_html(request.form.get("body", ""), by=acting_user())
    except InvalidInput as error:
        field = {"field": "body", "message": error.message}
        return jsonify(error={"code": 422, "message": error.message, "fields": [field]}), 422
    return jsonify(html=html)

"""Support pages for agents: the inbox, a request's page, and every action on a request.

Each action is a plain POST form (CSRF) that works without JavaScript: done, it redirects
back to the request (303) with a note at the top; refused, the page comes back with the
reason beside the field (422) and nothing changed. Asked for JSON (`Accept:
application/json`), as the page's script does, the same routes answer `{"ok": true, ...}`
or `{"error": {...}}` with the same status. Who may see and do what is decided by
`access.for_staff` and the services; people without a staff duty are refused before any
lookup, so a customer cannot tell a number that exists from one that does not.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from flask import abort, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf import FlaskForm

from community.accounts.models import User
from community.accounts.permissions import acting_user
from community.errors import Conflict, DomainError, InvalidInput
from community.extensions import db, login_manager
from community.forms import CsrfOnlyForm, clean_text, flash_error, show_error
from community.numbers import bounded_int, query_int
from community.paging import page_arg
from community.uploads import send_download
from support import bp, policy
from support.forms.staff import (
    AssignForm,
    CannedForm,
    MergeForm,
    MoveForm,
    NoteForm,
    PriorityForm,
    ReplyForm,
    StatusForm,
    fill_choices,
    priority_labels,
    status_labels,
    then_labels,
)
from support.models import Priority, SupportRequest
from support.services import access, canned, directory, kb_drafts, staff_pages, working
from support.services.conversation import Upload
from support.services.inbox import Filters, View

MAX_PAGE = 10_000
MAX_QUERY = 200
PAGE = "support/staff/work.html"
FORMS = {
    "reply": ReplyForm,
    "note": NoteForm,
    "assign": AssignForm,
    "status": StatusForm,
    "priority": PriorityForm,
    "move": MoveForm,
    "merge": MergeForm,
}


def _guard(allowed: Callable[[Any], bool]) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Visitors log in; signed-in people `allowed` refuses get 403."""

    def decorator(view: Callable[..., Any]) -> Callable[..., Any]:
        @wraps(view)
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            if not current_user.is_authenticated:
                return login_manager.unauthorized()
            if not allowed(current_user):
                abort(403)
            return view(*args, **kwargs)

        return wrapped

    return decorator


agents_only = _guard(policy.is_agent)
# Anyone with a staff duty: agents, and the account managers their VIP clients' requests are
# assigned to. Which request each may open is `access.for_staff`'s to say.
staff_only = _guard(lambda user: bool(user.is_staff))


def _wants_json() -> bool:
    return request.accept_mimetypes.best == "application/json"


def _arg_id(name: str) -> int | None:
    ident: int | None = query_int(name)
    return ident


# The inbox ---------------------------------------------------------------------------------
@bp.get("/support/")
@agents_only
def inbox():
    view = request.args.get("view", View.DEPARTMENTS.value)
    priority = request.args.get("priority", "")
    filters = Filters(
        department_id=_arg_id("department"),
        priority=priority if priority in {item.value for item in Priority} else None,
        assignee_id=_arg_id("assignee"),
    )
    page = page_arg(high=MAX_PAGE)
    screen = staff_pages.inbox_screen(
        acting_user(),
        View(view) if view in {item.value for item in View} else View.DEPARTMENTS,
        filters,
        clean_text(request.args.get("q", ""))[:MAX_QUERY],
        page,
    )
    return render_template(
        "support/staff/inbox.html",
        screen=screen,
        statuses=status_labels(),
        priorities=priority_labels(),
    )


@bp.get("/support/counts")
@agents_only
def inbox_counts():
    """The views' counts and the navigation badge, for the inbox's live refresh."""
    response = jsonify(staff_pages.counts(acting_user()))
    response.headers["Cache-Control"] = "no-store"
    return response


# A request's page ----------------------------------------------------------------------------
def _forms(found: SupportRequest, page: staff_pages.WorkPage, given: dict[str, FlaskForm]) -> Any:
    """The page's forms: the one that came back with errors, the others fresh."""
    forms = {
        name: given[name] if name in given else form(formdata=None) for name, form in FORMS.items()
    }
    if "assign" not in given:
        forms["assign"].assignee.data = str(found.assignee_id or "")
    if "status" not in given:
        forms["status"].status.data = found.status
    if "priority" not in given:
        forms["priority"].priority.data = found.priority
    if "move" not in given:
        forms["move"].department.data = str(found.department_id)
    agents = [(person.id, person.name) for person in page.agents]
    if found.assignee_id and found.assignee_id not in {person.id for person in page.agents}:
        agents.append((found.assignee_id, page.assignee_name or "#" + str(found.assignee_id)))
    fill_choices(
        reply=forms["reply"],
        assign=forms["assign"],
        move=forms["move"],
        agents=agents,
        departments=[(ident, name) for ident, name in page.department_names.items()],
        canned=[(item.id, item.title) for item in page.canned],
    )
    return forms


def _page(found: SupportRequest, code: int = 200, **given: FlaskForm) -> Any:
    page = staff_pages.work_page(found, acting_user())
    return (
        render_template(
            PAGE,
            page=page,
            forms=_forms(found, page, given),
            statuses=status_labels(),
            priorities=priority_labels(),
            thens=then_labels(),
            is_agent=policy.is_agent(current_user),
        ),
        code,
    )


@bp.get("/support/requests/<number>")
@staff_only
def work(number: str):
    return _page(access.for_staff(number, acting_user()))


@bp.get("/support/requests/<number>/messages")
@staff_only
def staff_messages(number: str):
    """What happened after the ids the page shows: a fragment for the live refresh."""
    found = access.for_staff(number, acting_user())
    timeline = staff_pages.new_entries(found, _arg_id("after") or 0, _arg_id("events_after") or 0)
    html = render_template(
        "support/staff/_entries.html",
        timeline=timeline,
        req=found,
        may_draft=kb_drafts.may_make_draft(current_user),
        drafts=(),
        statuses=status_labels(),
        priorities=priority_labels(),
    )
    response = jsonify(
        html=html,
        last_message=timeline.last_message_id,
        last_event=timeline.last_event_id,
        status=found.status,
        version=found.version,
    )
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/support/requests/<number>/files/<int:attachment_id>/<path:filename>")
@staff_only
def staff_attachment(number: str, attachment_id: int, filename: str):
    """Always a download with its recorded type; never rendered by the browser."""
    found = access.for_staff(number, acting_user())
    return send_download(staff_pages.staff_attachment(found, attachment_id), private=True)


# Actions -------------------------------------------------------------------------------------
Action = Callable[[SupportRequest, Any, User], str]


def _done(found: SupportRequest, message: str, target: SupportRequest | None = None) -> Any:
    """Back to the request (or where it went); to the inbox if it left the person's reach."""
    target = target or found
    user = acting_user()
    reachable = policy.may_work(user, target, directory.department_ids_of(user))
    if _wants_json():
        return jsonify(
            ok=True,
            number=target.number,
            status=target.status,
            version=target.version,
            reachable=reachable,
        )
    flash(message, "success")
    if not reachable:
        return redirect(url_for("support.inbox"), code=303)
    return redirect(url_for("support.work", number=target.number), code=303)


def _refused(found: SupportRequest, name: str, form: FlaskForm) -> Any:
    """The form again with its errors (422), or the JSON error naming the field."""
    db.session.rollback()
    if _wants_json():
        fields = [
            {"field": field, "message": " ".join(str(text) for text in messages)}
            for field, messages in form.errors.items()
            if field is not None
        ]
        general = [str(text) for text in form.form_errors]
        message = (general or [item["message"] for item in fields] or [_("Check your input.")])[0]
        return jsonify(error={"code": 422, "message": message, "fields": fields}), 422
    return _page(found, 422, **{name: form})


def _button_refused(found: SupportRequest, error: DomainError) -> Any:
    """A one-button action refused: a note at the top of the request page (or JSON)."""
    db.session.rollback()
    if _wants_json():
        return jsonify(error=error.as_dict()), error.code
    flash_error(error)
    return redirect(url_for("support.work", number=found.number), code=303)


def _act(number: str, name: str, action: Action) -> Any:
    """Check the form, let the service act, and answer as the page (or its script) expects."""
    user = acting_user()
    found = access.for_staff(number, user)
    form = FORMS[name]()
    if form.validate_on_submit():
        try:
            return _done(found, action(found, form, user))
        except (InvalidInput, Conflict) as error:
            show_error(form, error)
    return _refused(found, name, form)


def _uploads(form: ReplyForm | NoteForm) -> list[Upload]:
    return [
        Upload(item.stream, item.filename)
        for item in (form.files.data or [])
        if getattr(item, "filename", "")
    ]


@bp.post("/support/requests/<number>/reply")
@staff_only
def work_reply(number: str):
    def act(found: SupportRequest, form: ReplyForm, user: User) -> str:
        files = _uploads(form)
        working.agent_reply(found, form.body.data, by=user, then=form.then.data, files=files)
        return _("Your answer was sent to the customer.")

    return _act(number, "reply", act)


@bp.post("/support/requests/<number>/note")
@staff_only
def work_note(number: str):
    def act(found: SupportRequest, form: NoteForm, user: User) -> str:
        working.add_note(found, form.body.data, by=user, files=_uploads(form))
        return _("Your internal note was added.")

    return _act(number, "note", act)


@bp.post("/support/requests/<number>/assign")
@staff_only
def assign(number: str):
    def act(found: SupportRequest, form: AssignForm, user: User) -> str:
        working.assign(found, form.assignee_id, by=user)
        return _("The assignment is saved.")

    return _act(number, "assign", act)


@bp.post("/support/requests/<number>/status")
@staff_only
def set_status(number: str):
    def act(found: SupportRequest, form: StatusForm, user: User) -> str:
        working.set_status(found, form.status.data, by=user)
        return _("The status is saved.")

    return _act(number, "status", act)


@bp.post("/support/requests/<number>/priority")
@staff_only
def set_priority(number: str):
    def act(found: SupportRequest, form: PriorityForm, user: User) -> str:
        working.set_priority(found, form.priority.data, by=user)
        return _("The priority is saved; the due times follow it.")

    return _act(number, "priority", act)


@bp.post("/support/requests/<number>/department")
@staff_only
def move(number: str):
    def act(found: SupportRequest, form: MoveForm, user: User) -> str:
        working.move(found, form.department_id, by=user)
        return _("The request moved to another department.")

    return _act(number, "move", act)


@bp.post("/support/requests/<number>/merge")
@staff_only
def merge(number: str):
    user = acting_user()
    found = access.for_staff(number, user)
    form = MergeForm()
    if form.validate_on_submit():
        try:
            target = working.merge(found, form.target.data, by=user)
        except (InvalidInput, Conflict) as error:
            show_error(form, error)
        else:
            message = _(
                "Merged: its messages are now in request #%(number)s.", number=target.number
            )
            return _done(found, message, target)
    return _refused(found, "merge", form)


@bp.post("/support/requests/<number>/claim")
@staff_only
def claim(number: str):
    """A one-button action: take the request (refusals come back as a note on the page)."""
    user = acting_user()
    found = access.for_staff(number, user)
    if CsrfOnlyForm().validate_on_submit():
        try:
            working.claim(found, by=user)
        except (InvalidInput, Conflict) as error:
            return _button_refused(found, error)
        return _done(found, _("The request is yours."))
    return redirect(url_for("support.work", number=found.number), code=303)


@bp.post("/support/requests/<number>/canned", endpoint="canned")
@staff_only
def canned_reply(number: str):
    """Insert a canned reply: JSON text for the script, or the page with the answer filled."""
    user = acting_user()
    found = access.for_staff(number, user)
    form = CannedForm()
    if form.validate_on_submit():
        try:
            text = canned.canned_text(
                found, bounded_int(form.canned.data, field="canned", default=None), by=user
            )
        except InvalidInput as error:
            show_error(form, error)
        else:
            if _wants_json():
                return jsonify(ok=True, text=text)
            reply = ReplyForm(formdata=None, then=form.then.data)
            reply.body.data = canned.insert_into(form.body.data or "", text)
            return _page(found, 200, reply=reply)
    return _refused(found, "reply", form)


@bp.post("/support/requests/<number>/messages/<int:message_id>/kb-draft")
@staff_only
def kb_draft(number: str, message_id: int):
    """Turn an answer into a knowledge-base draft (or open the one made before)."""
    user = acting_user()
    found = access.for_staff(number, user)
    if CsrfOnlyForm().validate_on_submit():
        try:
            article = kb_drafts.make_article_draft(found, message_id, by=user)
        except InvalidInput as error:
            return _button_refused(found, error)
        else:
            url = url_for("kb.edit_article", slug=article.slug)
            if _wants_json():
                return jsonify(ok=True, url=url)
            return redirect(url, code=303)
    return redirect(url_for("support.work", number=found.number), code=303)

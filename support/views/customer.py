"""Support pages for customers: writing to us, and the list of their requests.

`/support/new` is for everyone: a signed-in customer writes as themselves, a visitor gives a
name and an address (their request belongs to no account; the acknowledgement carries the
link to follow it). `?topic=<forum topic>` and `?shipment=<tracking number>` start the
request from the customer's own unanswered topic or troubled shipment. While the subject
is typed, the forum's lookup suggests answers; each opened suggestion goes through
`/support/deflect`, which counts it against the form's key.

One request's pages (the account's, the follow link's, the rating links) are in
`support.views.conversation`.
"""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, session, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user, login_required
from werkzeug.wrappers import Response

from community.accounts.permissions import acting_user
from community.errors import InvalidInput
from community.extensions import login_manager
from community.forms import show_error
from community.i18n import visitor_timezone
from community.numbers import bounded_int, query_int
from support import bp, policy
from support.forms.customer import RequestForm
from support.models import SupportRequest
from support.services import access, deflection, directory, inbox, origins, requests
from support.services.requests import Draft
from support.views import conversation, wording  # noqa: F401  (conversation: one request's pages)
from support.views.posting import post_limit, uploads

SENT_KEY = "support_sent"
MAX_ORIGIN_VALUE = 60


def _asked_origin() -> tuple[str | None, str | None]:
    """(forum topic, shipment) the request starts from: from the address on the first
    visit, from the form's hidden fields when it is sent."""
    if request.method == "POST":
        return request.form.get("forum_topic") or None, request.form.get("shipment") or None
    return request.args.get("topic") or None, request.args.get("shipment") or None


def _origin(topic: str | None, shipment: str | None) -> origins.Origin | None:
    if topic:
        topic_id = bounded_int(topic, field="topic", default=None)
        if topic_id is None:
            abort(404)
        return origins.from_forum_topic(topic_id, current_user)
    if shipment:
        return origins.from_shipment(shipment[:MAX_ORIGIN_VALUE], current_user)
    return None


@bp.route("/support/new", methods=["GET", "POST"])
@post_limit
def new():
    member = policy.signed_in(current_user)
    topic, shipment = _asked_origin()
    if (topic or shipment) and not member:
        return login_manager.unauthorized()
    origin = _origin(topic, shipment)
    locale = str(get_locale() or "en")
    form = RequestForm()
    form.set_topics(directory.topics(), directory.departments(), locale)
    if member:
        form.for_member()
    if not form.is_submitted():
        form.form_key.data = deflection.new_form_key()
        if origin is not None:
            form.subject.data = origin.subject
            form.forum_topic.data = str(origin.forum_topic_id or "")
            form.shipment.data = origin.tracking_number or ""
    if form.validate_on_submit():
        try:
            opened = requests.open_request(_draft(form, origin, locale))
        except InvalidInput as error:
            show_error(form, error)
        else:
            return _opened(opened)
    status = 422 if form.is_submitted() else 200
    return render_template(
        "support/new.html", form=form, origin=origin, member=member, **wording.helpers()
    ), status


def _draft(form: RequestForm, origin: origins.Origin | None, locale: str) -> Draft:
    user = acting_user() if policy.signed_in(current_user) else None
    return Draft(
        subject=form.subject.data or "",
        body=form.body.data or "",
        requester=user,
        requester_email=user.email if user else (form.email.data or ""),
        requester_name=user.display_name if user else (form.name.data or ""),
        topic_id=form.topic.data,
        locale=locale,
        timezone=None if user else visitor_timezone(),
        forum_topic_id=origin.forum_topic_id if origin else None,
        tracking_number=origin.tracking_number if origin else None,
        context=dict(origin.context) if origin else {},
        files=uploads(),
        form_key=deflection.valid_form_key(form.form_key.data),
    )


def _opened(opened: SupportRequest) -> Response:
    number = opened.number
    if opened.requester_id is not None:
        flash(
            _(
                "Thank you: we received your request #%(number)s and emailed you a confirmation.",
                number=number,
            ),
            "success",
        )
        return redirect(url_for("support.request_page", number=number))
    session[SENT_KEY] = number
    return redirect(url_for("support.sent"))


@bp.get("/support/sent")
def sent():
    """A visitor's confirmation, once, for the request this browser just sent."""
    number = session.pop(SENT_KEY, None)
    found = access.by_number(number) if isinstance(number, str) else None
    if found is None:
        return redirect(url_for("support.new"))
    return render_template("support/sent.html", req=found, **wording.helpers())


@bp.get("/support/deflect")
def deflect():
    """Count a suggested answer opened from the form, then show it (local pages only)."""
    target = deflection.local_target(request.args.get("url"))
    if target is None:
        abort(400)
    key = deflection.valid_form_key(request.args.get("key"))
    if key is not None:
        deflection.record_opened(key, target, query_int("topic"))
    return redirect(target, code=303)


@bp.get("/account/requests")
@login_required
def my_requests():
    return render_template(
        "support/my_requests.html",
        requests=inbox.customer_requests(current_user),
        **wording.helpers(),
    )

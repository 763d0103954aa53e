"""One request, as its customer sees it: the conversation (never internal notes), a reply
with files, "mark as solved", and "did we solve it?" once solved.

The same page is reached two ways: `/account/requests/<number>` for the signed-in requester
(anyone else's number is a 404), and `/support/r/<token>` through the signed follow link a
person without an account received. A `Place` says which, so the page's forms and live
refresh go back the way they came. `/support/rate/<token>` is the rating link of the email:
GET only shows the choice (mail scanners open links), POST records it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask import flash, make_response, redirect, render_template, request, session
from flask import url_for as flask_url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from werkzeug.wrappers import Response

from community.accounts.models import User
from community.accounts.permissions import acting_user
from community.errors import Conflict, InvalidInput, NotAllowed, NotFound
from community.forms import show_error
from community.numbers import query_int
from community.uploads import send_download
from support import bp
from support.forms.customer import RatingForm, ReplyForm
from support.models import ACTIVE_STATUSES, Status, SupportRequest
from support.services import access, customer, links, requests
from support.services.links import RatingLinkError
from support.views import wording
from support.views.posting import post_limit, uploads

MAX_TOKEN = 400
ACCOUNT = {
    "page": "support.request_page",
    "solve": "support.solve",
    "rate": "support.rate_request",
    "messages": "support.customer_messages",
    "file": "support.customer_attachment",
}
FOLLOW = {
    "page": "support.follow",
    "solve": "support.follow_solve",
    "rate": "support.follow_rate",
    "messages": "support.follow_messages",
    "file": "support.follow_attachment",
}


@dataclass(frozen=True)
class Place:
    """Where the customer reads the request (their account, or a follow link), and who acts."""

    endpoints: dict[str, str]
    values: dict[str, str]
    user: User | None = None

    def url(self, action: str, **values: Any) -> str:
        return flask_url_for(self.endpoints[action], **self.values, **values)


def _account(number: str) -> tuple[SupportRequest, Place]:
    found = access.for_customer(number, current_user)
    return found, Place(ACCOUNT, {"number": found.number}, acting_user())


def _follower(token: str) -> tuple[SupportRequest, Place]:
    follower = links.read_follow_token(token) if len(token) <= MAX_TOKEN else None
    if follower is None:
        raise NotFound()
    found = access.for_follower(follower.request_id, follower.email)
    customer.remember_followed(session, found.id)
    return found, Place(FOLLOW, {"token": token})


# The page -------------------------------------------------------------------------------------
@bp.route("/account/requests/<number>", methods=["GET", "POST"])
@login_required
@post_limit
def request_page(number: str):
    return _conversation(*_account(number))


@bp.route("/support/r/<token>", methods=["GET", "POST"])
@post_limit
def follow(token: str):
    return _conversation(*_follower(token))


def _conversation(found: SupportRequest, place: Place):  # type: ignore[no-untyped-def]
    form = ReplyForm()
    if request.method != "POST":
        return _render(found, place, form)
    status = 422
    if form.validate_on_submit():
        try:
            requests.customer_reply(found, form.body.data or "", by=place.user, files=uploads())
        except InvalidInput as error:
            show_error(form, error)
        except NotAllowed as error:
            form.form_errors.append(error.message)
            status = 403
        else:
            flash(_("Your message is added to the request."), "success")
            return redirect(place.url("page") + "#latest")
    return _render(found, place, form, status=status)


def _render(  # type: ignore[no-untyped-def]
    found: SupportRequest,
    place: Place,
    form: ReplyForm,
    rating_form: RatingForm | None = None,
    status: int = 200,
):
    merged = found.merged_into_id is not None
    page = render_template(
        "support/request.html",
        req=found,
        place=place,
        messages=customer.visible_messages(found),
        form=form,
        rating_form=rating_form or RatingForm(formdata=None),
        can_write=customer.may_write(found),
        can_solve=found.status in ACTIVE_STATUSES and not merged,
        can_rate=found.status in (Status.SOLVED, Status.CLOSED)
        and found.rated_at is None
        and not merged,
        merged_into=customer.merged_into(found),
        **wording.helpers(),
    )
    response = make_response(page, status)
    response.headers["Cache-Control"] = "no-store"
    return response


# Actions --------------------------------------------------------------------------------------
@bp.post("/account/requests/<number>/solve")
@login_required
@post_limit
def solve(number: str):
    return _solve(*_account(number))


@bp.post("/support/r/<token>/solve")
@post_limit
def follow_solve(token: str):
    return _solve(*_follower(token))


def _solve(found: SupportRequest, place: Place) -> Response:
    requests.solve_by_customer(found, by=place.user)
    flash(_("Marked as solved. Did we solve it? Tell us below."), "success")
    return redirect(place.url("page") + "#rating")


@bp.post("/account/requests/<number>/rate")
@login_required
@post_limit
def rate_request(number: str):
    return _rate_here(*_account(number))


@bp.post("/support/r/<token>/rate")
@post_limit
def follow_rate(token: str):
    return _rate_here(*_follower(token))


def _rate_here(found: SupportRequest, place: Place):  # type: ignore[no-untyped-def]
    form = RatingForm()
    if form.validate_on_submit():
        try:
            customer.rate(found, form.rating.data, form.comment.data or "")
        except Conflict as error:
            flash(error.message, "info")
            return redirect(place.url("page") + "#rating")
        except InvalidInput as error:
            show_error(form, error)
        else:
            flash(_("Thank you for telling us."), "success")
            return redirect(place.url("page") + "#rating")
    return _render(found, place, ReplyForm(formdata=None), rating_form=form, status=422)


# Live refresh and files -----------------------------------------------------------------------
@bp.get("/account/requests/<number>/messages")
@login_required
def customer_messages(number: str):
    """Messages after `?after=<id>`, as list items, for a page told the request changed."""
    return _fragment(*_account(number))


@bp.get("/support/r/<token>/messages")
def follow_messages(token: str):
    return _fragment(*_follower(token))


def _fragment(found: SupportRequest, place: Place):  # type: ignore[no-untyped-def]
    after = query_int("after", 0, low=0)
    page = render_template(
        "support/_messages.html",
        req=found,
        place=place,
        messages=customer.visible_messages(found, after),
        fragment=True,
        **wording.helpers(),
    )
    response = make_response(page)
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/account/requests/<number>/files/<int:attachment_id>")
@login_required
def customer_attachment(number: str, attachment_id: int):
    found, _place = _account(number)
    return _send(found, attachment_id)


@bp.get("/support/r/<token>/files/<int:attachment_id>")
def follow_attachment(token: str, attachment_id: int):
    found, _place = _follower(token)
    return _send(found, attachment_id)


def _send(found: SupportRequest, attachment_id: int) -> Response:
    """Always a download with its recorded type; never rendered by the browser."""
    return send_download(customer.visible_attachment(found, attachment_id), private=True)


# The rating links of the email ----------------------------------------------------------------
@bp.route("/support/rate/<token>", methods=["GET", "POST"])
@post_limit
def rate(token: str):
    try:
        request_id, chosen = links.read_rating_token(token[:MAX_TOKEN])
    except RatingLinkError as error:
        found = customer.request_of_expired_link(error)
        page_url = links.follow_url(found) if found else None
        problem = "expired" if error.expired else "invalid"
        return _rating_problem(problem, page_url, 410 if error.expired else 400)
    found = customer.request_by_id(request_id)
    if found is None:
        return _rating_problem("invalid", None, 400)
    if found.rated_at is not None:
        return _rating_problem("already", links.follow_url(found), 409)
    if found.status not in (Status.SOLVED, Status.CLOSED):
        return _rating_problem("reopened", links.follow_url(found), 409)
    form = RatingForm()
    if not form.is_submitted():
        form.rating.data = chosen.value
    if form.validate_on_submit():
        try:
            rating = customer.rate(found, form.rating.data, form.comment.data or "")
        except Conflict:
            return _rating_problem("already", links.follow_url(found), 409)
        except InvalidInput as error:
            show_error(form, error)
        else:
            return render_template(
                "support/rated.html", req=found, rating=rating, page_url=links.follow_url(found)
            )
    status = 422 if form.is_submitted() else 200
    return render_template("support/rate.html", form=form, req=found), status


def _rating_problem(problem: str, page_url: str | None, status: int):  # type: ignore[no-untyped-def]
    return render_template("support/rate_problem.html", problem=problem, page_url=page_url), status

"""What the club's pages share: the history cursor, the plain message form, form pages."""

from __future__ import annotations

from typing import Any

from flask import render_template
from flask_wtf import FlaskForm

from community.accounts.models import User
from community.errors import InvalidInput, RateLimited
from community.forms import show_error
from community.numbers import query_int
from vip import services
from vip.forms import MessageForm
from vip.models import VipConversation
from vip.services import throttle


def history_cursor() -> int | None:
    """The history cursor of a plain link (`?before=<message id>`); nonsense means none."""
    before: int | None = query_int("before")
    return before


def send_from_form(sender: User, conversation: VipConversation, form: MessageForm) -> int | None:
    """Send the no-JavaScript form's message, rate limited with the socket's; None when sent,
    else the status to answer with, the reason on the form (403 and 404 propagate)."""
    if not form.validate_on_submit():
        return 422
    try:
        throttle.hit("message", sender.id)
        services.post_message(sender, conversation, form.body.data)
    except (InvalidInput, RateLimited) as error:
        show_error(form, error)
        return error.code
    return None


def form_page(template: str, form: FlaskForm, **context: Any) -> tuple[str, int]:
    """A page with a form: 200 when first shown, 422 when it comes back with errors."""
    status = 422 if form.is_submitted() else 200
    return render_template(template, form=form, **context), status

"""One-click unsubscribe (RFC 8058): a signed link that works without an account."""

from __future__ import annotations

from flask import abort, render_template, request

from community.extensions import csrf, db
from community.outbox import bp, services
from community.registry import registry


def _list_label(list_key: str) -> str:
    email_list = registry().email_lists.get(list_key.split(":", 1)[0])
    return str(email_list.label) if email_list else list_key


@bp.route("/email/unsubscribe/<token>", methods=["GET", "POST"])
@csrf.exempt  # mail providers POST here without cookies; the signed token is the proof
def unsubscribe(token: str):
    decoded = services.read_unsubscribe_token(token)
    if decoded is None:
        abort(404)
    email, list_key = decoded
    done = None
    if request.method == "POST":
        if request.form.get("action") == "resubscribe":
            services.opt_in(email, list_key)
            done = "resubscribed"
        else:
            services.opt_out(email, list_key)
            done = "unsubscribed"
        db.session.commit()
    return render_template(
        "outbox/unsubscribe.html",
        token=token,
        email=email,
        list_label=_list_label(list_key),
        opted_out=services.is_opted_out(email, list_key),
        done=done,
    )

"""Tracking pages: the public lookup and timeline, and an owner's orders and shipments.

Views parse, call a service and render; a form refused by a service shows the refusal
beside its field (422), and a shipment or contact that is not the reader's is a 404.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from markupsafe import Markup
from werkzeug.wrappers import Response

from community.accounts.permissions import acting_user, confirmed_required
from community.caching import is_personal_request, reader_variant
from community.errors import InvalidInput, NotFound
from community.extensions import cache, limiter
from community.forms import CsrfOnlyForm, show_error
from community.paging import page_arg
from tracking import bp, policy, services
from tracking.codes import split_kinds
from tracking.forms import ContactEventsForm, ContactForm, LookupForm, OwnerAlertsForm
from tracking.help import help_articles, needs_help
from tracking.models import Shipment
from tracking.numbers import is_valid_number, normalise_number

# A rendered public page is cached under its shipment's version, so it is never stale.
PAGE_CACHE_SECONDS = 300


def tracking_limit() -> str:
    return current_app.config["RATE_LIMIT_TRACKING"]


@bp.get("/track")
@limiter.limit(tracking_limit, exempt_when=lambda: "numbers" not in request.args)
def track():
    form = LookupForm(request.args)
    if "numbers" not in request.args:
        return render_template("tracking/track.html", form=form, rows=None)
    if not form.validate():
        return render_template("tracking/track.html", form=form, rows=None), 422
    rows = services.lookup(form.tracking_numbers())
    if len(rows) == 1 and rows[0].found:  # one number: its shipment, not a table of one row
        return redirect(url_for("tracking.shipment_page", number=rows[0].number), 303)
    return render_template("tracking/track.html", form=form, rows=rows)


def _public_page(number: str, template: str) -> str:
    """Render a public view of a shipment: anonymous copies are cached per version."""
    if number != normalise_number(number) and is_valid_number(normalise_number(number)):
        abort(
            redirect(
                url_for(request.endpoint or "tracking.track", number=normalise_number(number)), 301
            )
        )
    version = services.public_version(number)
    if version is None:
        raise NotFound(_("We have no shipment with the tracking number %(number)s.", number=number))
    # The progress and timeline alone are the same for every reader: members share them too.
    if is_personal_request() and template != LIVE_TEMPLATE:
        return _render_public(services.public_shipment_or_404(number), template)
    return _kept(
        _public_key(template, number, version),
        lambda: _render_public(services.public_shipment_or_404(number), template),
    )


LIVE_TEMPLATE = "tracking/_live.html"


def _public_key(template: str, number: str, version: int) -> str:
    return f"tracking:{template}:{number}:{version}:{reader_variant()}"


def _kept(key: str, render: Callable[[], str]) -> str:
    """The page cache's copy under `key`, rendered and kept on the first request."""
    page = cache.get(key)
    if page is None:
        page = render()
        cache.set(key, page, timeout=PAGE_CACHE_SECONDS)
    return page  # type: ignore[no-any-return]


def _live_html(shipment: Shipment) -> Markup:
    """The progress and timeline of the owner's page: the copy every reader of this version
    shares (`/track/<number>/live` serves the same one)."""
    key = _public_key(LIVE_TEMPLATE, shipment.tracking_number, shipment.version)
    html = _kept(key, lambda: _render_public(shipment, LIVE_TEMPLATE))
    return Markup(html)  # noqa: S704 (rendered by an autoescaping template)


def _render_public(shipment: Shipment, template: str) -> str:
    user = acting_user() if current_user.is_authenticated else None
    return render_template(
        template,
        shipment=shipment,
        events=services.timeline(shipment),
        help_links=help_articles(shipment.status),
        needs_help=needs_help(shipment.status),
        is_owner=policy.can_manage(shipment, user),
    )


@bp.get("/track/<number>")
@limiter.limit(tracking_limit)
def shipment_page(number: str):
    return _public_page(number, "tracking/shipment_public.html")


@bp.get("/track/<number>/live")
@limiter.limit(tracking_limit)
def live_fragment(number: str):
    """The progress and timeline alone, fetched by the page's script after a push."""
    return _public_page(number, LIVE_TEMPLATE)


@bp.get("/track/<number>/row")
@limiter.limit(tracking_limit)
def lookup_row(number: str):
    """One row of the lookup table, fetched by the lookup page's script after a push."""
    [row] = services.lookup([normalise_number(number)])
    if not row.found:
        raise NotFound()
    return render_template("tracking/_lookup_row_alone.html", row=row)


@bp.get("/account/orders")
@confirmed_required
def orders():
    page = services.own_orders(acting_user(), page_arg())
    return render_template("tracking/orders.html", page=page)


@bp.get("/account/shipments")
@confirmed_required
def shipments():
    page = services.own_shipments(acting_user(), page_arg())
    return render_template("tracking/shipments.html", page=page)


def _owner_page(shipment: Shipment, status: int = 200, **forms: Any):
    """The owner's page, with any submitted form (and its errors) in place of a blank one."""
    owner_form = forms.get("owner_form") or OwnerAlertsForm(
        prefix="owner", data={"events": sorted(shipment.owner_alert_kinds)}
    )
    contact_form = forms.get("contact_form") or ContactForm(prefix="contact", formdata=None)
    contact_forms = {
        contact.id: ContactEventsForm(
            prefix=f"c{contact.id}",
            formdata=None,
            data={"events": sorted(split_kinds(contact.events))},
        )
        for contact in shipment.contacts
    }
    contact_forms.update(forms.get("contact_forms") or {})
    return (
        render_template(
            "tracking/shipment.html",
            shipment=shipment,
            live_html=_live_html(shipment),
            owner_form=owner_form,
            contact_form=contact_form,
            contact_forms=contact_forms,
            button_form=CsrfOnlyForm(),
            alerts_stopped=services.owner_alerts_stopped(shipment),
            unsubscribed=services.unsubscribed_contacts(shipment),
            max_contacts=services.MAX_CONTACTS,
        ),
        status,
    )


def _back_to(shipment: Shipment) -> Response:
    return redirect(url_for("tracking.shipment", number=shipment.tracking_number))


@bp.get("/account/shipments/<number>")
@confirmed_required
def shipment(number: str):
    return _owner_page(services.own_shipment_or_404(acting_user(), number))


@bp.post("/account/shipments/<number>/alerts")
@confirmed_required
def owner_alerts(number: str):
    shipment = services.own_shipment_or_404(acting_user(), number)
    form = OwnerAlertsForm(prefix="owner")
    if form.validate_on_submit():
        try:
            services.set_owner_alerts(shipment, form.events.data or [], by=acting_user())
        except InvalidInput as error:
            show_error(form, error)
        else:
            flash(_("Your alert choices are saved."), "success")
            return _back_to(shipment)
    return _owner_page(shipment, 422, owner_form=form)


@bp.post("/account/shipments/<number>/alerts/resume")
@confirmed_required
def resume_alerts(number: str):
    shipment = services.own_shipment_or_404(acting_user(), number)
    if CsrfOnlyForm().validate_on_submit():
        services.resume_owner_alerts(shipment, by=acting_user())
        flash(_("Emails about this shipment are on again."), "success")
    return _back_to(shipment)


@bp.post("/account/shipments/<number>/contacts")
@confirmed_required
def add_contact(number: str):
    shipment = services.own_shipment_or_404(acting_user(), number)
    form = ContactForm(prefix="contact")
    if form.validate_on_submit():
        try:
            contact = services.add_contact(
                shipment,
                name=form.name.data,
                email=form.email.data,
                kinds=form.events.data or [],
                by=acting_user(),
            )
        except InvalidInput as error:
            show_error(form, error)
        else:
            flash(_("%(name)s will get the alerts you chose.", name=contact.name), "success")
            return _back_to(shipment)
    return _owner_page(shipment, 422, contact_form=form)


@bp.post("/account/shipments/<number>/contacts/<int:contact_id>")
@confirmed_required
def update_contact(number: str, contact_id: int):
    shipment = services.own_shipment_or_404(acting_user(), number)
    # Another shipment's contact is a 404 even when the form would be refused.
    services.shipment_contact_or_404(shipment, contact_id)
    form = ContactEventsForm(prefix=f"c{contact_id}")
    if form.validate_on_submit():
        try:
            services.update_contact(
                shipment, contact_id, kinds=form.events.data or [], by=acting_user()
            )
        except InvalidInput as error:
            show_error(form, error)
        else:
            flash(_("The contact's alerts are saved."), "success")
            return _back_to(shipment)
    return _owner_page(shipment, 422, contact_forms={contact_id: form})


@bp.post("/account/shipments/<number>/contacts/<int:contact_id>/remove")
@confirmed_required
def remove_contact(number: str, contact_id: int):
    shipment = services.own_shipment_or_404(acting_user(), number)
    if CsrfOnlyForm().validate_on_submit():
        name = services.remove_contact(shipment, contact_id, by=acting_user())
        flash(_("%(name)s will no longer get alerts for this shipment.", name=name), "info")
    return _back_to(shipment)

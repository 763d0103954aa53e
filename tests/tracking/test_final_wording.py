"""Final states read as final: a delivered alert gives the day it arrived (no estimate), and
an order whose every shipment came back reads Returned, not Shipped."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import update

from community.accounts.models import User
from community.extensions import db
from tests.community.outbox_helpers import queued_to
from tests.helpers import logged_in
from tests.tracking.conftest import event

CHINESE_DELIVERED_ON = "签收日期"


def _set_profile(app, user_id: int, **values: str) -> None:
    with app.app_context():
        db.session.execute(update(User).where(User.id == user_id).values(**values))
        db.session.commit()


@pytest.mark.parametrize("locale", ["en", "zh_Hans_CN"])
def test_a_delivered_alert_says_when_it_arrived_and_drops_the_estimate(
    app, make_user, make_shipment, record, locale
):
    """The out-for-delivery email still shows the estimate; the delivered one shows the day
    of delivery in the owner's zone (already the next day in Shanghai) and no estimate."""
    owner = make_user("olive@example.com")
    _set_profile(app, owner.id, locale=locale, timezone="Asia/Shanghai")
    shipment = make_shipment(owner, estimated_delivery="2026-03-09")
    record(event(shipment.number, "out_for_delivery", 1))
    record(event(shipment.number, "delivered", 14))  # 22:00 UTC on 2 March: 3 March in Shanghai
    out_for_delivery, delivered = queued_to(app, owner.email)

    if locale == "en":
        assert "Estimated delivery: Monday, March 9, 2026" in out_for_delivery.body_text
        assert "Delivered on: Tuesday, March 3, 2026" in delivered.body_text
        assert "Delivered on</td><td>Tuesday, March 3, 2026" in delivered.body_html
        assert "Estimated" not in delivered.body_text + delivered.body_html
    else:
        assert "2026年3月9日" in out_for_delivery.body_text
        assert "2026年3月3日星期二" in delivered.body_text
        assert CHINESE_DELIVERED_ON in delivered.body_text
        assert "预计" not in delivered.body_text + delivered.body_html


def test_an_order_whose_shipments_all_came_back_reads_returned(
    app, make_user, make_shipment, make_order, record
):
    """All shipments returned: Returned, marked at the Shipped step, never Delivered. One of
    two returned: the order still shows its progress at Shipped, without the mark."""
    owner = make_user("olive@example.com")
    make_order(owner, "PO-RET")
    make_order(owner, "PO-HALF")
    gone = [make_shipment(owner, order="PO-RET") for _ in range(2)]
    half = [make_shipment(owner, order="PO-HALF") for _ in range(2)]
    for shipment in [*gone, *half]:
        record(event(shipment.number, "picked_up", 1))
    for shipment in [*gone, half[0]]:
        record(event(shipment.number, "returned", 5))
    page = logged_in(app, owner).get("/account/orders").text

    returned, still_going = re.split(r'<article class="card trk-order"', page)[1:3]
    if "PO-HALF" in returned:
        returned, still_going = still_going, returned
    assert "PO-RET" in returned and ">Returned</span>" in returned
    steps = re.findall(r'class="trk-step trk-step-(\w+)"', returned)
    assert steps == ["done", "done", "trouble", "todo"]
    assert "PO-HALF" in still_going and "Returned</span>" not in still_going
    assert "Order progress" in still_going
    assert re.findall(r'class="trk-step trk-step-(\w+)"', still_going)[2] == "current"

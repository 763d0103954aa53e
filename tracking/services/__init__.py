"""Tracking rules: every write, commit, alert and live push of the feature lives here.

Views and the API call these functions; they own the transaction and the authorization.
"""

from __future__ import annotations

from tracking.services.contacts import (
    MAX_CONTACTS,
    add_contact,
    owner_alerts_stopped,
    remove_contact,
    resume_owner_alerts,
    set_owner_alerts,
    unsubscribed_contacts,
    update_contact,
)
from tracking.services.errors import IngestRejected, TrackingError
from tracking.services.ingest import IngestResult, record_events, unknown_numbers
from tracking.services.queries import (
    LookupRow,
    can_manage,
    find_shipment,
    lookup,
    own_orders,
    own_shipment_or_404,
    own_shipments,
    public_shipment_or_404,
    public_version,
    shipments_on_the_way,
    timeline,
)
from tracking.services.registration import register_shipment, upsert_order

__all__ = [
    "MAX_CONTACTS",
    "IngestRejected",
    "IngestResult",
    "LookupRow",
    "TrackingError",
    "add_contact",
    "can_manage",
    "find_shipment",
    "lookup",
    "own_orders",
    "own_shipment_or_404",
    "own_shipments",
    "owner_alerts_stopped",
    "public_shipment_or_404",
    "public_version",
    "record_events",
    "register_shipment",
    "remove_contact",
    "resume_owner_alerts",
    "set_owner_alerts",
    "shipments_on_the_way",
    "timeline",
    "unknown_numbers",
    "unsubscribed_contacts",
    "update_contact",
    "upsert_order",
]

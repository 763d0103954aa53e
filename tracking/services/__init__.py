"""Tracking rules: every write, commit, alert and live push of the feature lives here.

Views and the API call these functions; they own the transaction and the authorization
(stated once in `tracking.policy`). A refusal is one of the core's domain errors
(`community.errors`); a rejected batch of events is an `IngestRejected` naming each item.
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
from tracking.services.ingest import (
    IngestRejected,
    IngestResult,
    record_events,
    unknown_number_problems,
)
from tracking.services.queries import (
    LookupRow,
    find_order,
    find_shipment,
    lookup,
    own_orders,
    own_shipment_or_404,
    own_shipments,
    public_shipment_or_404,
    public_version,
    shipment_contact_or_404,
    shipments_on_the_way,
    timeline,
)
from tracking.services.registration import register_shipment, upsert_order

__all__ = [
    "MAX_CONTACTS",
    "IngestRejected",
    "IngestResult",
    "LookupRow",
    "add_contact",
    "find_order",
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
    "shipment_contact_or_404",
    "shipments_on_the_way",
    "timeline",
    "unknown_number_problems",
    "unsubscribed_contacts",
    "update_contact",
    "upsert_order",
]

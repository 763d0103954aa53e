"""Tracking's data for demos and benchmarks.

`demo` fills `seed-demo` (shipments at every stage, through the real ingest service),
`bulk` fills `seed-bulk` (many shipments at once, for benchmarks), and `simulation` is the
pretend carrier that `flask tracking simulate` plays to move the demo shipments along.
"""

from __future__ import annotations

from tracking.seeding.bulk import seed_bulk
from tracking.seeding.demo import DEMO_OWNERS, new_demo_shipment, seed_demo

__all__ = ["DEMO_OWNERS", "new_demo_shipment", "seed_bulk", "seed_demo"]

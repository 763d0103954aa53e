"""Demo topics for `seed-demo`, and generated ones for `seed-bulk --topics N --posts-per-topic N`.

Seeding writes rows directly (the sandbox would rightly stop brand-new demo accounts from
posting a dozen times a minute), then brings the stored counters and the search index up
to date through the same functions the services use.

- `demo`: the demo categories and topics (their words are in `demo_content`);
- `bulk`: generated topics and replies, inserted in batches with a progress bar.
"""

from __future__ import annotations

from forum.seeding.bulk import seed_bulk
from forum.seeding.demo import seed_demo

__all__ = ["seed_bulk", "seed_demo"]

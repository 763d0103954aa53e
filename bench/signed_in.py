"""Signed-in pages beside the same pages anonymous and the bare app, from one run's numbers.

The feature modules measure each page; this puts the pairs side by side, with the two
ratios the signed-in pages are judged by: the share of the bare app's rate (aim 15%) and the
share of the same page served anonymously (aim one half).
"""

from __future__ import annotations

from bench.harness import Measurement

# (page, signed-in measurement's label, anonymous measurement's label or None)
PAIRS = [
    (
        "forum topic, 20 posts",
        "topic page, 20 posts (logged in)",
        "topic page, 20 posts (anonymous)",
    ),
    (
        "forum category",
        "category page, latest (logged in)",
        "category page, latest (anonymous)",
    ),
    ("home page", "home page `/` (logged in)", "home page `/` (anonymous)"),
    ("knowledge-base article", "article page (logged in)", "article page (anonymous)"),
    (
        "owner's shipment page (anonymous: its tracking page)",
        "owner's shipment page (logged in)",
        "tracking page `/track/<number>` (anonymous)",
    ),
    (
        "VIP club (anonymous: the club offer)",
        "VIP club `/vip/` (the demo VIP: card, news, 30 messages)",
        "VIP club offer `/vip/` (anonymous)",
    ),
    ("agents' inbox, mine", "agents' inbox, mine (agent)", None),
]


def summary(results: dict, baseline: float) -> list[str]:
    """A Markdown table of every pair measured in this run (pairs not measured are left out)."""
    measured: dict[str, Measurement] = {
        row.label: row for rows in results.values() for row in rows if isinstance(row, Measurement)
    }
    lines = [
        "| page | signed in (req/s) | % of bare | anonymous (req/s) | signed in / anonymous |",
        "| --- | ---: | ---: | ---: | ---: |",
    ]
    for page, signed_label, anonymous_label in PAIRS:
        signed = measured.get(signed_label)
        if signed is None:
            continue
        anonymous = measured.get(anonymous_label) if anonymous_label else None
        rate = signed.requests_per_second
        lines.append(
            f"| {page} | {rate:,.0f} | {rate / baseline:.0%} | "
            + (
                f"{anonymous.requests_per_second:,.0f} | "
                f"{rate / anonymous.requests_per_second:.0%} |"
                if anonymous
                else "— | — |"
            )
        )
    return lines

"""Tracking and order numbers: one spelling everywhere, and the parsing of pasted lists.

Carriers print numbers in either case and with spaces; we store them upper-case, so a
lookup finds a number however a person typed it.
"""

from __future__ import annotations

import re

MAX_LOOKUP = 30
NUMBER_PATTERN = re.compile(r"^[A-Z0-9][A-Z0-9-]{3,39}$")
# Pasted lists are separated by spaces, commas, semicolons or new lines.
_SEPARATORS = re.compile(r"[\s,;，；、]+")


def normalise_number(raw: str) -> str:
    return raw.strip().upper()


def is_valid_number(number: str) -> bool:
    return bool(NUMBER_PATTERN.match(number))


def parse_numbers(text: str) -> list[str]:
    """Each distinct number in the order given, upper-cased; empty pieces dropped."""
    seen: dict[str, None] = {}
    for piece in _SEPARATORS.split(text or ""):
        number = normalise_number(piece)
        if number:
            seen.setdefault(number, None)
    return list(seen)

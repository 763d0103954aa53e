"""Work through many rows so that one that fails stops only itself.

Sweeps and relays take whatever rows are due and act on each. If one row makes the work raise
(a bug, a value no template expected) and the whole pass rolls back, the next pass meets the
same row first and fails again: every row after it waits forever. Here each row is its own
transaction; one that raises is rolled back, logged with its key, and set aside (marked done
without its side effect) so the next pass does not trip on it again.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from typing import TypeVar

from community.extensions import db

log = logging.getLogger(__name__)
Key = TypeVar("Key")


def each_on_its_own(
    keys: Iterable[Key],
    work: Callable[[Key], bool],
    set_aside: Callable[[Key], object],
    what: str,
) -> int:
    """Run `work(key)` for each key in a transaction of its own; how many returned True."""
    done = 0
    for key in keys:
        try:
            if work(key):
                done += 1
            db.session.commit()
        except Exception:
            db.session.rollback()
            log.exception("%s %s failed; it is set aside and the others go on", what, key)
            _set_aside(key, set_aside, what)
    return done


def _set_aside(key: Key, set_aside: Callable[[Key], object], what: str) -> None:
    try:
        set_aside(key)
        db.session.commit()
    except Exception:  # the database itself is failing: the next pass tries again
        db.session.rollback()
        log.exception("%s %s could not be set aside either", what, key)

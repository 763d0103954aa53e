"""Write conflicts between concurrent transactions: retried inside the service, never a 500.

PostgreSQL ends one of two transactions that wait on each other (deadlock, SQLSTATE 40P01)
or that cannot both be serialised (40001). Nothing of the loser was stored, so running it
again is safe. Services whose writes touch many rows at once wrap themselves in
`retry_on_conflict`; past its attempts the caller gets `Busy` (503 with `Retry-After`), and
any conflict that escapes elsewhere is answered the same way by the app's error handler.
"""

from __future__ import annotations

import functools
import logging
import random
import time
from collections.abc import Callable
from typing import ParamSpec, TypeVar

from sqlalchemy.exc import DBAPIError

from community.errors import Busy, is_write_conflict
from community.extensions import db

log = logging.getLogger(__name__)
ATTEMPTS = 4

P = ParamSpec("P")
R = TypeVar("R")


def retry_on_conflict(function: Callable[P, R]) -> Callable[P, R]:
    """Run a service that owns its transaction again after a write conflict, a few times."""

    @functools.wraps(function)
    def run(*args: P.args, **kwargs: P.kwargs) -> R:
        for attempt in range(1, ATTEMPTS + 1):
            try:
                return function(*args, **kwargs)
            except DBAPIError as error:
                db.session.rollback()
                if not is_write_conflict(error):
                    raise
                log.warning(
                    "%s: write conflict, attempt %d of %d", function.__name__, attempt, ATTEMPTS
                )
                if attempt == ATTEMPTS:
                    raise Busy() from error
                # Jitter, so the two losers of one conflict do not meet again at once.
                time.sleep(random.uniform(0, 0.01 * 2**attempt))
        raise AssertionError("unreachable")

    return run

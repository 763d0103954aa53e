"""Cross-process file locks that poll instead of blocking.

`fcntl.flock` locks belong to an open file, so two threads of one process exclude each other
as two processes do. Polling (rather than a blocking `flock`) lets a gevent worker keep
serving other requests while it waits.
"""

from __future__ import annotations

import fcntl
import os
import time
from pathlib import Path
from types import TracebackType


class LockTimeout(Exception):
    """The lock stayed busy for the whole wait."""


class FileMutex:
    def __init__(self, path: Path) -> None:
        self.path = path
        self._fd: int | None = None

    def acquire(self, timeout: float = 30.0, delay: float = 0.01) -> None:
        deadline = time.monotonic() + timeout
        fd = os.open(self.path, os.O_CREAT | os.O_RDWR, 0o600)
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    os.close(fd)
                    raise LockTimeout(str(self.path)) from None
                time.sleep(delay)
                delay = min(delay * 2, 0.2)
                continue
            self._fd = fd
            return

    def try_acquire(self) -> bool:
        try:
            self.acquire(timeout=0)
        except LockTimeout:
            return False
        return True

    def release(self) -> None:
        if self._fd is not None:
            fcntl.flock(self._fd, fcntl.LOCK_UN)
            os.close(self._fd)
            self._fd = None

    @property
    def held(self) -> bool:
        return self._fd is not None

    def is_held_elsewhere(self) -> bool:
        """True when another open file (any process) holds the lock right now."""
        if self.try_acquire():
            self.release()
            return False
        return True

    def __enter__(self) -> FileMutex:
        self.acquire()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.release()

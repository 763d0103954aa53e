"""One instance of each Flask extension, bound to an app by `create_app`.

Two are adapted to a Redis that goes away. The limiter moves to memory when its Redis
storage stops answering (Flask-Limiter's own fallback, logged once per outage, back to
Redis when a later check finds it), also for code that counts through `limiter.limiter`
directly. Socket.IO's Redis queue is `community.pushqueue.PushQueue`, which drops pushes
instead of waiting for a dead server.
"""

from __future__ import annotations

from contextlib import AbstractContextManager, nullcontext
from typing import Any

from flask import Flask
from flask_babel import Babel
from flask_caching import Cache
from flask_limiter import Limiter
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_socketio import SocketIO
from flask_sqlalchemy import SQLAlchemy
from flask_wtf.csrf import CSRFProtect
from limits.errors import StorageError
from limits.strategies import RateLimiter
from redis.exceptions import RedisError
from sqlalchemy.dialects import postgresql, sqlite

from community.db import Base
from community.pushqueue import PushQueue
from community.ratelimits import client_address

STORAGE_ERRORS = (RedisError, StorageError, OSError)
FALLING_BACK = "Rate limit storage unreachable - falling back to in-memory storage"


class _Failover:
    """A rate-limiting strategy that counts in memory once its storage stops answering."""

    def __init__(self, owner: PortalLimiter, strategy: RateLimiter) -> None:
        self._owner = owner
        self._strategy = strategy

    def __getattr__(self, name: str) -> Any:
        method = getattr(self._strategy, name)

        def call(*args: Any, **kwargs: Any) -> Any:
            try:
                return method(*args, **kwargs)
            except STORAGE_ERRORS:
                fallback = self._owner.fall_back()
                if fallback is None:
                    raise
                return getattr(fallback, name)(*args, **kwargs)

        return call


class PortalLimiter(Limiter):
    """Flask-Limiter whose Redis outage never fails a request, however the limit is hit."""

    def init_app(self, app: Flask) -> None:
        # One instance serves every app a process builds: a new app starts on its storage.
        self._storage_dead = False
        super().init_app(app)

    @property
    def limiter(self) -> Any:
        strategy = super().limiter
        if self._storage_dead or strategy is self._fallback_limiter:
            return strategy
        return _Failover(self, strategy)

    @property
    def storage_dead(self) -> bool:
        """True while limits are counted in memory because the storage does not answer."""
        return self._storage_dead

    def fall_back(self) -> RateLimiter | None:
        """Count in memory from now on (logged once); None when no fallback is configured."""
        if not self._in_memory_fallback_enabled or self._fallback_limiter is None:
            return None
        if not self._storage_dead:
            self.logger.warning(FALLING_BACK)
            self._storage_dead = True
        return self._fallback_limiter


class PortalSocketIO(SocketIO):
    """Flask-SocketIO whose Redis message queue fails fast (`PushQueue`)."""

    def init_app(self, app: Flask | None, **kwargs: Any) -> None:
        url = kwargs.get("message_queue")
        if url and url.startswith(("redis://", "rediss://")) and "client_manager" not in kwargs:
            channel = kwargs.pop("channel", "flask-socketio")
            kwargs["client_manager"] = PushQueue(url, channel=channel, write_only=app is None)
        super().init_app(app, **kwargs)

    def batched(self) -> AbstractContextManager[None]:
        """Pushes emitted inside the block leave together (one Redis round trip)."""
        manager = getattr(self.server, "manager", None)
        return manager.batched() if isinstance(manager, PushQueue) else nullcontext()

    def queue_status(self) -> dict[str, Any] | None:
        """The Redis queue's last publish, or None when pushes stay in this process."""
        manager = getattr(self.server, "manager", None)
        return manager.status() if isinstance(manager, PushQueue) else None


db = SQLAlchemy(model_class=Base)
migrate = Migrate()
login_manager = LoginManager()
csrf = CSRFProtect()
limiter = PortalLimiter(key_func=client_address)
babel = Babel()
socketio = PortalSocketIO()
# Per-process page cache: pages that look the same to every anonymous visitor.
cache = Cache()


def insert_ignoring_conflicts(table: Any, index_elements: list[str] | None = None) -> Any:
    """`INSERT … ON CONFLICT DO NOTHING` in the session's dialect (PostgreSQL or SQLite).

    One statement that a concurrent writer of the same key cannot break: the loser's row is
    skipped, not an error. Chain `.values()` or `.returning()` as with any insert.
    """
    dialect = db.session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    return insert(table).on_conflict_do_nothing(index_elements=index_elements)

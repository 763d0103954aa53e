"""One instance of each Flask extension, bound to an app by `create_app`."""

from __future__ import annotations

from typing import Any

from flask_babel import Babel
from flask_caching import Cache
from flask_limiter import Limiter
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_socketio import SocketIO
from flask_sqlalchemy import SQLAlchemy
from flask_wtf.csrf import CSRFProtect
from sqlalchemy.dialects import postgresql, sqlite

from community.db import Base
from community.ratelimits import client_address

db = SQLAlchemy(model_class=Base)
migrate = Migrate()
login_manager = LoginManager()
csrf = CSRFProtect()
limiter = Limiter(key_func=client_address)
babel = Babel()
socketio = SocketIO()
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

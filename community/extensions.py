"""One instance of each Flask extension, bound to an app by `create_app`."""

from __future__ import annotations

from flask_babel import Babel
from flask_caching import Cache
from flask_limiter import Limiter
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_socketio import SocketIO
from flask_sqlalchemy import SQLAlchemy
from flask_wtf.csrf import CSRFProtect

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

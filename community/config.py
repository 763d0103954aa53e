"""Settings: the one place that reads the environment, for the core and every feature.

Every setting has an embedded default so that `make run` needs nothing but Python; the
scale-out path (PostgreSQL, Redis, an SMTP relay) is switched on by environment variables.
The core's settings are declared here; a feature declares its own `Setting`s in its
`settings` module and registers them (`community.registry.add_settings`), which reads them
through `apply_settings` below.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from redis.backoff import NoBackoff
from redis.retry import Retry

DEFAULT_PORT = 5000
# A Redis that does not answer must cost a request milliseconds, not the client's default
# of waiting for ever: rate limits then move to memory and pushes are dropped (logged).
REDIS_CONNECT_TIMEOUT = 0.25
REDIS_SOCKET_TIMEOUT = 0.5


def text(raw: str, name: str) -> str:
    return raw.strip()


def integer(raw: str, name: str) -> int:
    try:
        return int(raw.strip())
    except ValueError as exc:
        raise RuntimeError(f"{name} must be a whole number, got {raw!r}") from exc


def decimal(raw: str, name: str) -> float:
    try:
        return float(raw.strip())
    except ValueError as exc:
        raise RuntimeError(f"{name} must be a number, got {raw!r}") from exc


def flag(raw: str, name: str) -> bool:
    return raw.strip().lower() in {"1", "true", "yes", "on"}


def choice(*allowed: str) -> Callable[[str, str], str]:
    """A parser that accepts one of `allowed` words and refuses anything else at start."""

    def parse(raw: str, name: str) -> str:
        value = raw.strip().lower()
        if value not in allowed:
            raise RuntimeError(f"{name} must be one of {', '.join(allowed)}, got {raw!r}")
        return value

    return parse


def minutes_by_name(raw: str, name: str) -> dict[str, int]:
    """Read `silver:240,gold:60,platinum:15` (in the order given)."""
    result: dict[str, int] = {}
    for part in raw.split(","):
        key, _sep, minutes = part.strip().partition(":")
        if not key or not minutes.strip().isdigit():
            raise RuntimeError(f"{name} must look like silver:240,gold:60, got {raw!r}")
        result[key.strip()] = int(minutes)
    return result


@dataclass(frozen=True)
class Setting:
    """One documented environment variable: its default, how to read it, where it goes.

    The core declares its own below; each feature declares its own in `<feature>/settings.py`
    and hands them to `community.registry.add_settings`. `example` is a valid value other than
    the default, which the test that sets every setting from the environment uses.
    """

    name: str
    default: Any
    parse: Callable[[str, str], Any] = text
    example: str = ""
    key: str = ""

    @property
    def config_key(self) -> str:
        return self.key or self.name

    def read(self, environ: Mapping[str, str]) -> Any:
        raw = environ.get(self.name, "")
        return self.parse(raw, self.name) if raw.strip() else self.default


def read_settings(settings: Iterable[Setting], environ: Mapping[str, str] | None = None) -> dict:
    """Each setting's value from the environment (or its default), under its config key."""
    env = os.environ if environ is None else environ
    return {setting.config_key: setting.read(env) for setting in settings}


def apply_settings(
    config: dict[str, Any], settings: Iterable[Setting], environ: Mapping[str, str] | None = None
) -> None:
    """Fill in a feature's settings, leaving keys an override (a test, an embedder) set alone."""
    for key, value in read_settings(settings, environ).items():
        config.setdefault(key, value)


CORE_SETTINGS: tuple[Setting, ...] = (
    Setting("MAIL_URL", None, example="smtp://mail.example.com:587?starttls=1"),
    Setting("MAIL_FROM", "Portico <no-reply@portico.localhost>", example="Help <help@example.com>"),
    # "thread": a delivery thread in each web process; "worker": only `flask outbox run`.
    Setting("OUTBOX_DELIVERY", "thread", choice("thread", "worker"), example="worker"),
    Setting("OUTBOX_BATCH_SIZE", 20, integer, example="50"),
    Setting("OUTBOX_MAX_ATTEMPTS", 8, integer, example="3"),
    Setting("OUTBOX_BACKOFF_SECONDS", 30, integer, example="10"),
    Setting("OUTBOX_LEASE_SECONDS", 120, integer, example="60"),
    # 1 keeps the outbox's promise that a killed worker resends only the message in flight.
    Setting("OUTBOX_COMMIT_EVERY", 1, integer, example="50"),
    Setting("OUTBOX_POLL_SECONDS", 5, integer, example="2"),
    Setting("SMTP_TIMEOUT_SECONDS", 30, integer, example="10"),
    Setting("PROXY_COUNT", 0, integer, example="1"),
    Setting("PASSWORD_HASH_METHOD", "scrypt", example="pbkdf2:sha256"),
    Setting("PASSWORD_RESET_MAX_AGE", 3600, integer, example="600"),
    Setting("EMAIL_CONFIRM_MAX_AGE", 7 * 24 * 3600, integer, example="3600"),
    Setting("MAX_CONTENT_LENGTH", 16 * 1024 * 1024, integer, example="1048576"),
    Setting("RATELIMIT_ENABLED", True, flag, example="false"),
    Setting("RATE_LIMIT_LOGIN", "10 per minute;50 per hour", example="3 per minute"),
    Setting("RATE_LIMIT_REGISTER", "5 per minute;20 per hour", example="2 per minute"),
    Setting("RATE_LIMIT_PASSWORD_RESET", "5 per minute;20 per hour", example="2 per minute"),
    Setting("RATE_LIMIT_API", "600 per minute", example="60 per minute"),
    Setting("PORTAL_NAME", "Portico", example="Help Centre"),
    Setting("COMPANY_NAME", "Portico Demo Co.", example="Example Ltd."),
    Setting("SUPPORT_EMAIL", "support@portico.localhost", example="help@example.com"),
    Setting("PAGE_CACHE_SECONDS", 30, integer, example="5", key="CACHE_DEFAULT_TIMEOUT"),
    # PostgreSQL connections each process keeps open (see `engine_options`).
    Setting("DB_POOL_SIZE", 20, integer, example="10"),
    Setting("DB_POOL_OVERFLOW", 0, integer, example="5"),
    Setting("DB_POOL_TIMEOUT", 10, integer, example="5"),
)


def engine_options(config: Mapping[str, Any]) -> dict[str, Any]:
    """SQLAlchemy's pool for PostgreSQL, sized for one gevent worker; SQLite keeps its own.

    A gevent worker runs many requests at once and each holds a connection from its first
    query until it ends. With SQLAlchemy's default (5, plus 10 overflow opened and closed on
    demand) a busy process opened and closed hundreds of PostgreSQL sessions a second; a
    fixed pool that is never exceeded keeps its connections open, and a request beyond it
    waits up to DB_POOL_TIMEOUT for one. Processes x (size + overflow) must stay below the
    server's `max_connections` (`/healthz` shows both); past that, put PgBouncer in
    transaction mode in front.
    """
    if not str(config.get("SQLALCHEMY_DATABASE_URI", "")).startswith("postgresql"):
        return {}
    return {
        "pool_size": config["DB_POOL_SIZE"],
        "max_overflow": config["DB_POOL_OVERFLOW"],
        "pool_timeout": config["DB_POOL_TIMEOUT"],
        "pool_pre_ping": True,  # a connection the server or PgBouncer closed is replaced
        "pool_recycle": 1800,
    }


def redis_options(*, socket_timeout: bool = True) -> dict[str, Any]:
    """Client options for every Redis connection: fail in milliseconds, retry once.

    The one retry reconnects a pooled connection that a restarted Redis closed; more would
    multiply the wait when Redis is gone. A subscriber idles on its socket between
    messages, so it is given no `socket_timeout` (`socket_timeout=False`).
    """
    options: dict[str, Any] = {
        "socket_connect_timeout": REDIS_CONNECT_TIMEOUT,
        "retry": Retry(NoBackoff(), 1),
    }
    if socket_timeout:
        options["socket_timeout"] = REDIS_SOCKET_TIMEOUT
    return options


def normalise_database_url(url: str) -> str:
    """Point PostgreSQL URLs at psycopg 3, whatever spelling the operator used."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def load_secret_key(instance_path: Path) -> str:
    """Return the instance's secret key, creating it (mode 0600) on first start."""
    key_file = instance_path / "secret_key"
    if key_file.exists():
        return key_file.read_text().strip()
    instance_path.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(48)
    fd = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(key + "\n")
    return key


def instance_path_from(environ: Mapping[str, str] | None = None) -> Path:
    env = os.environ if environ is None else environ
    return Path(env.get("PORTAL_INSTANCE") or "instance").resolve()


def build_settings(instance_path: Path, environ: Mapping[str, str] | None = None) -> dict[str, Any]:
    """Turn the environment into Flask config keys, with the embedded defaults."""
    env = os.environ if environ is None else environ
    port = integer(env.get("PORT") or str(DEFAULT_PORT), "PORT")
    base_url = (env.get("BASE_URL") or f"http://127.0.0.1:{port}").rstrip("/")
    https = urlsplit(base_url).scheme == "https"
    redis_url = env.get("REDIS_URL") or None
    database_url = normalise_database_url(
        env.get("DATABASE_URL") or f"sqlite:///{instance_path / 'portico.db'}"
    )

    return {
        **read_settings(CORE_SETTINGS, env),
        "PORT": port,
        "BASE_URL": base_url,
        "SECRET_KEY": env.get("SECRET_KEY") or None,
        "SQLALCHEMY_DATABASE_URI": database_url,
        "REDIS_URL": redis_url,
        "MAIL_DIR": str(instance_path / "mail"),
        "SESSION_COOKIE_NAME": "portico_session",
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": https,
        "REMEMBER_COOKIE_NAME": "portico_remember",
        "REMEMBER_COOKIE_HTTPONLY": True,
        "REMEMBER_COOKIE_SAMESITE": "Lax",
        "REMEMBER_COOKIE_SECURE": https,
        "REMEMBER_COOKIE_DURATION": 30 * 24 * 3600,
        "PREFERRED_URL_SCHEME": "https" if https else "http",
        "WTF_CSRF_TIME_LIMIT": None,  # the token lives as long as the session
        "RATELIMIT_STORAGE_URI": redis_url or "memory://",
        "RATELIMIT_STORAGE_OPTIONS": redis_options(),
        # Redis away: count in this process's memory (logged once), back to Redis when it
        # answers again; a limit is never skipped and a page never fails for it.
        "RATELIMIT_IN_MEMORY_FALLBACK_ENABLED": True,
        "RATELIMIT_HEADERS_ENABLED": True,
        "RATELIMIT_KEY_PREFIX": "portico",
        "BABEL_DEFAULT_LOCALE": "en",
        "BABEL_DEFAULT_TIMEZONE": "UTC",
        "PORTAL_LOCALES": ("en", "zh_Hans_CN"),
        "SOCKETIO_MESSAGE_QUEUE": redis_url,
        # /healthz probes Redis and the mail server at most this often per process.
        "HEALTH_PROBE_SECONDS": 5.0,
        "CACHE_TYPE": "SimpleCache",
        "CACHE_THRESHOLD": 2000,
    }


def apply_overrides(config: dict[str, Any], overrides: Mapping[str, Any] | None) -> None:
    """Let tests and embedders replace any key; a database URL is normalised like the env."""
    if not overrides:
        return
    config.update(overrides)
    if "SQLALCHEMY_DATABASE_URI" in overrides:
        config["SQLALCHEMY_DATABASE_URI"] = normalise_database_url(
            overrides["SQLALCHEMY_DATABASE_URI"]
        )

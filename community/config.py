"""Settings: the one place that reads the environment.

Every setting has an embedded default so that `make run` needs nothing but Python; the
scale-out path (PostgreSQL, Redis, an SMTP relay) is switched on by environment variables.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Mapping
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

DEFAULT_PORT = 5000


def _flag(value: str | None, default: bool = False) -> bool:
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _int(environ: Mapping[str, str], name: str, default: int) -> int:
    raw = environ.get(name, "")
    try:
        return int(raw) if raw.strip() else default
    except ValueError as exc:
        raise RuntimeError(f"{name} must be a whole number, got {raw!r}") from exc


def _minutes_by_name(raw: str | None, name: str) -> dict[str, int] | None:
    """Read `silver:240,gold:60,platinum:15` (lowest tier first)."""
    if not raw or not raw.strip():
        return None
    result: dict[str, int] = {}
    for part in raw.split(","):
        key, _sep, minutes = part.strip().partition(":")
        if not key or not minutes.strip().isdigit():
            raise RuntimeError(f"{name} must look like silver:240,gold:60, got {raw!r}")
        result[key.strip()] = int(minutes)
    return result


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
    port = _int(env, "PORT", DEFAULT_PORT)
    base_url = (env.get("BASE_URL") or f"http://127.0.0.1:{port}").rstrip("/")
    https = urlsplit(base_url).scheme == "https"
    redis_url = env.get("REDIS_URL") or None
    database_url = normalise_database_url(
        env.get("DATABASE_URL") or f"sqlite:///{instance_path / 'portico.db'}"
    )

    return {
        "PORT": port,
        "BASE_URL": base_url,
        "SECRET_KEY": env.get("SECRET_KEY") or None,
        "SQLALCHEMY_DATABASE_URI": database_url,
        "REDIS_URL": redis_url,
        "MAIL_URL": env.get("MAIL_URL") or None,
        "MAIL_FROM": env.get("MAIL_FROM") or "Portico <no-reply@portico.localhost>",
        "MAIL_DIR": str(instance_path / "mail"),
        # "thread": a delivery thread in each web process; "worker": only `flask outbox run`.
        "OUTBOX_DELIVERY": env.get("OUTBOX_DELIVERY") or "thread",
        "OUTBOX_BATCH_SIZE": _int(env, "OUTBOX_BATCH_SIZE", 20),
        "OUTBOX_MAX_ATTEMPTS": _int(env, "OUTBOX_MAX_ATTEMPTS", 8),
        "OUTBOX_BACKOFF_SECONDS": _int(env, "OUTBOX_BACKOFF_SECONDS", 30),
        "OUTBOX_LEASE_SECONDS": _int(env, "OUTBOX_LEASE_SECONDS", 120),
        "OUTBOX_POLL_SECONDS": _int(env, "OUTBOX_POLL_SECONDS", 5),
        "SMTP_TIMEOUT_SECONDS": _int(env, "SMTP_TIMEOUT_SECONDS", 30),
        "PROXY_COUNT": _int(env, "PROXY_COUNT", 0),
        "PASSWORD_HASH_METHOD": env.get("PASSWORD_HASH_METHOD") or "scrypt",
        "PASSWORD_RESET_MAX_AGE": _int(env, "PASSWORD_RESET_MAX_AGE", 3600),
        "EMAIL_CONFIRM_MAX_AGE": _int(env, "EMAIL_CONFIRM_MAX_AGE", 7 * 24 * 3600),
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
        "MAX_CONTENT_LENGTH": _int(env, "MAX_CONTENT_LENGTH", 16 * 1024 * 1024),
        "WTF_CSRF_TIME_LIMIT": None,  # the token lives as long as the session
        "RATELIMIT_ENABLED": _flag(env.get("RATELIMIT_ENABLED"), default=True),
        "RATELIMIT_STORAGE_URI": redis_url or "memory://",
        "RATELIMIT_HEADERS_ENABLED": True,
        "RATELIMIT_KEY_PREFIX": "portico",
        "RATE_LIMIT_LOGIN": env.get("RATE_LIMIT_LOGIN") or "10 per minute;50 per hour",
        "RATE_LIMIT_REGISTER": env.get("RATE_LIMIT_REGISTER") or "5 per minute;20 per hour",
        "RATE_LIMIT_PASSWORD_RESET": env.get("RATE_LIMIT_PASSWORD_RESET")
        or "5 per minute;20 per hour",
        "RATE_LIMIT_API": env.get("RATE_LIMIT_API") or "600 per minute",
        "RATE_LIMIT_TRACKING": env.get("RATE_LIMIT_TRACKING") or "120 per minute;3000 per hour",
        "VIP_TIERS": _minutes_by_name(env.get("VIP_TIERS"), "VIP_TIERS")
        or {"silver": 240, "gold": 60, "platinum": 15},
        "VIP_UNREAD_EMAIL_MINUTES": _int(env, "VIP_UNREAD_EMAIL_MINUTES", 10),
        "VIP_SWEEP": env.get("VIP_SWEEP") or "thread",
        "VIP_SWEEP_SECONDS": _int(env, "VIP_SWEEP_SECONDS", 60),
        "VIP_MESSAGE_RATE_LIMIT": env.get("VIP_MESSAGE_RATE_LIMIT") or "20 per minute;300 per hour",
        "VIP_EVENT_RATE_LIMIT": env.get("VIP_EVENT_RATE_LIMIT") or "120 per minute",
        "KB_RATE_LIMIT_FEEDBACK": env.get("KB_RATE_LIMIT_FEEDBACK") or "10 per minute;100 per day",
        "BABEL_DEFAULT_LOCALE": "en",
        "BABEL_DEFAULT_TIMEZONE": "UTC",
        "PORTAL_LOCALES": ("en", "zh_Hans_CN"),
        "PORTAL_NAME": env.get("PORTAL_NAME") or "Portico",
        "COMPANY_NAME": env.get("COMPANY_NAME") or "Portico Demo Co.",
        "SUPPORT_EMAIL": env.get("SUPPORT_EMAIL") or "support@portico.localhost",
        "SOCKETIO_MESSAGE_QUEUE": redis_url,
        "CACHE_TYPE": "SimpleCache",
        "CACHE_DEFAULT_TIMEOUT": _int(env, "PAGE_CACHE_SECONDS", 30),
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

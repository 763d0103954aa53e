"""Settings from the environment, with embedded defaults."""

from __future__ import annotations

import stat

import pytest

from community.config import build_settings, load_secret_key, normalise_database_url
from community.outbox.transports import SmtpSettings


def test_defaults_need_nothing_but_python(tmp_path):
    """With an empty environment: SQLite in the instance folder, files for mail, memory limits."""
    settings = build_settings(tmp_path, {})
    assert settings["SQLALCHEMY_DATABASE_URI"] == f"sqlite:///{tmp_path / 'portico.db'}"
    assert settings["MAIL_URL"] is None
    assert settings["RATELIMIT_STORAGE_URI"] == "memory://"
    assert settings["SOCKETIO_MESSAGE_QUEUE"] is None
    assert settings["BASE_URL"] == "http://127.0.0.1:5000"


def test_scale_out_settings_come_from_the_environment(tmp_path):
    """DATABASE_URL, REDIS_URL, MAIL_URL and PORT switch on the scale-out path."""
    settings = build_settings(
        tmp_path,
        {
            "DATABASE_URL": "postgres://portico@db/portico",
            "REDIS_URL": "redis://cache:6379/0",
            "MAIL_URL": "smtp://u:p@mail:587?starttls=1",
            "PORT": "8080",
        },
    )
    assert settings["SQLALCHEMY_DATABASE_URI"] == "postgresql+psycopg://portico@db/portico"
    assert settings["RATELIMIT_STORAGE_URI"] == "redis://cache:6379/0"
    assert settings["SOCKETIO_MESSAGE_QUEUE"] == "redis://cache:6379/0"
    assert settings["BASE_URL"] == "http://127.0.0.1:8080"


def test_a_bad_number_is_a_clear_error(tmp_path):
    """PORT=abc stops start-up with a message naming the variable."""
    with pytest.raises(RuntimeError, match="PORT must be a whole number"):
        build_settings(tmp_path, {"PORT": "abc"})


def test_secret_key_is_generated_once_with_owner_only_permissions(tmp_path):
    """Without SECRET_KEY, one is written to the instance folder (0600) and reused."""
    first = load_secret_key(tmp_path)
    second = load_secret_key(tmp_path)
    assert first == second and len(first) >= 40
    mode = stat.S_IMODE((tmp_path / "secret_key").stat().st_mode)
    assert mode == 0o600


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("postgresql://a@b/c", "postgresql+psycopg://a@b/c"),
        ("postgres://a@b/c", "postgresql+psycopg://a@b/c"),
        ("postgresql+psycopg://a@b/c", "postgresql+psycopg://a@b/c"),
        ("sqlite:///x.db", "sqlite:///x.db"),
    ],
)
def test_database_urls_use_psycopg_3(url, expected):
    assert normalise_database_url(url) == expected


def test_mail_url_is_parsed_with_tls_options():
    """MAIL_URL carries credentials, port and STARTTLS or implicit TLS."""
    plain = SmtpSettings.from_url("smtp://user%40x:p%2Fw@mail.example:587?starttls=1")
    assert (plain.host, plain.port, plain.username, plain.password) == (
        "mail.example",
        587,
        "user@x",
        "p/w",
    )
    assert plain.starttls and not plain.implicit_tls
    tls = SmtpSettings.from_url("smtps://mail.example")
    assert tls.port == 465 and tls.implicit_tls and not tls.starttls
    with pytest.raises(ValueError, match="smtp://"):
        SmtpSettings.from_url("http://mail.example")

"""Every setting the README documents is read from the environment, core and features alike."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from community.app import create_app
from community.config import CORE_SETTINGS, Setting, build_settings
from community.registry import registry

README = Path(__file__).resolve().parents[2] / "README.md"
# Read by build_settings with rules of their own (derived values), each checked below.
DERIVED = {"PORT", "PORTAL_INSTANCE", "DATABASE_URL", "REDIS_URL", "SECRET_KEY", "BASE_URL"}


def documented_names() -> set[str]:
    """Names in the first column of the README's settings tables."""
    names: set[str] = set()
    for line in README.read_text(encoding="utf-8").splitlines():
        if not line.startswith("| `"):
            continue
        first_cell = line.split("|")[1]
        names.update(re.findall(r"`([A-Z][A-Z0-9_]+)`", first_cell))
    return names


def declared(app) -> dict[str, Setting]:
    return {**{s.name: s for s in CORE_SETTINGS}, **registry(app).settings}


def test_every_documented_setting_is_declared_and_every_declared_one_documented(tmp_path):
    """The README's tables and the settings the code reads are the same list."""
    app = create_app({"TESTING": True, "INSTANCE_PATH": str(tmp_path), "SECRET_KEY": "x"})
    assert documented_names() - DERIVED == set(declared(app))


def test_every_setting_is_set_from_the_environment(tmp_path, monkeypatch):
    """Each setting given its example value in the environment reaches `app.config`."""
    settings = declared(create_app({"TESTING": True, "INSTANCE_PATH": str(tmp_path / "a")}))
    for setting in settings.values():
        assert setting.example, f"{setting.name} needs an example value"
        monkeypatch.setenv(setting.name, setting.example)
    monkeypatch.setenv("SECRET_KEY", "from-the-environment")
    monkeypatch.setenv("PORTAL_INSTANCE", str(tmp_path / "from-env"))
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'env.db'}")
    monkeypatch.setenv("BASE_URL", "https://help.example.com/")

    app = create_app({"TESTING": True})

    for setting in settings.values():
        expected = setting.parse(setting.example, setting.name)
        assert expected != setting.default, setting.name
        assert app.config[setting.config_key] == expected, setting.name
    assert app.config["SECRET_KEY"] == "from-the-environment"
    assert Path(app.instance_path) == tmp_path / "from-env"
    assert app.config["SQLALCHEMY_DATABASE_URI"] == f"sqlite:///{tmp_path / 'env.db'}"
    assert app.config["BASE_URL"] == "https://help.example.com"
    assert app.config["SESSION_COOKIE_SECURE"] is True


def test_port_and_redis_url_are_read_from_the_environment(tmp_path):
    """PORT sets the default public address; REDIS_URL the rate limits and the socket queue."""
    settings = build_settings(tmp_path, {"PORT": "8123", "REDIS_URL": "redis://cache:6379/2"})
    assert settings["PORT"] == 8123
    assert settings["BASE_URL"] == "http://127.0.0.1:8123"
    assert settings["RATELIMIT_STORAGE_URI"] == "redis://cache:6379/2"
    assert settings["SOCKETIO_MESSAGE_QUEUE"] == "redis://cache:6379/2"


def test_a_bad_value_stops_start_up_naming_the_setting(tmp_path, monkeypatch):
    """FORUM_SANDBOX_HOURS=soon is refused at start with the variable's name."""
    monkeypatch.setenv("FORUM_SANDBOX_HOURS", "soon")
    with pytest.raises(RuntimeError, match="FORUM_SANDBOX_HOURS must be a whole number"):
        create_app({"TESTING": True, "INSTANCE_PATH": str(tmp_path)})


def test_an_override_wins_over_the_environment(tmp_path, monkeypatch):
    """Tests and embedders pass overrides; the environment fills in only what they leave."""
    monkeypatch.setenv("FORUM_SANDBOX_HOURS", "5")
    app = create_app({"TESTING": True, "INSTANCE_PATH": str(tmp_path), "FORUM_SANDBOX_HOURS": 2})
    assert app.config["FORUM_SANDBOX_HOURS"] == 2

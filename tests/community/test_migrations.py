"""Migrations build the same schema as the models, from empty, on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import create_engine

from community.config import normalise_database_url
from community.extensions import db
from tests.conftest import TEST_SECRET, create_postgres_database, drop_postgres_database
from tests.services import (
    ROOT,
    postgres_available,
    require_service,
    run_flask,
)

pytestmark = pytest.mark.slow


def fresh_database(kind: str, tmp_path) -> str:
    if kind == "sqlite":
        return f"sqlite:///{tmp_path / 'migrated.db'}"
    require_service("PostgreSQL", postgres_available())
    return create_postgres_database("migrations")


def test_there_is_one_head():
    """Revisions form one line: `db upgrade` never meets two heads."""
    assert len(ScriptDirectory.from_config(_alembic_config()).get_heads()) == 1


def _alembic_config() -> Config:
    config = Config()
    config.set_main_option("script_location", str(ROOT / "migrations"))
    return config


@pytest.mark.parametrize("kind", ["sqlite", "postgresql"])
def test_upgrade_from_empty_matches_the_models(kind, tmp_path):
    """`flask db upgrade` on an empty database gives exactly the models' schema."""
    url = fresh_database(kind, tmp_path)
    env = {"DATABASE_URL": url, "SECRET_KEY": TEST_SECRET}
    run_flask(tmp_path / "instance", env, "db", "upgrade")
    engine = create_engine(normalise_database_url(url))
    with engine.connect() as connection:
        context = MigrationContext.configure(
            connection, opts={"compare_type": True, "render_as_batch": True}
        )
        differences = compare_metadata(context, db.metadata)
    engine.dispose()
    if kind == "postgresql":
        drop_postgres_database(url)
    assert differences == [], f"models and migrations differ: {differences}"

"""Migrations build the same schema as the models, from empty, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import JSON, Boolean, Engine, column, create_engine, select, table

from community.config import normalise_database_url
from community.db import UTCDateTime
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


RETURNED_REVISION = "0014_orders_returned"
WHEN = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)
# The three tables as the revision before 0014 has them, with just the columns it needs.
OLD_USERS = table(
    "users",
    column("id"),
    column("email"),
    column("display_name"),
    column("password_hash"),
    column("timezone"),
    column("locale"),
    column("is_active_account", Boolean()),
    column("created_at", UTCDateTime()),
)
OLD_ORDERS = table(
    "orders",
    column("id"),
    column("number"),
    column("owner_id"),
    column("status"),
    column("placed_at", UTCDateTime()),
    column("items", JSON()),
    column("total_amount"),
    column("currency"),
    column("created_at", UTCDateTime()),
    column("updated_at", UTCDateTime()),
)
OLD_SHIPMENTS = table(
    "shipments",
    column("id"),
    column("tracking_number"),
    column("carrier"),
    column("order_id"),
    column("owner_id"),
    column("status"),
    column("owner_alerts"),
    column("version"),
    column("created_at", UTCDateTime()),
    column("updated_at", UTCDateTime()),
)
# Order number, its status before 0014, its shipments' statuses, its status after 0014.
RETURNED_CASES = [
    ("PO-ALL", "shipped", ["returned", "returned"], "returned"),
    ("PO-ONE", "processing", ["returned"], "returned"),
    ("PO-HALF", "shipped", ["returned", "delivered"], "shipped"),
    ("PO-GOING", "shipped", ["returned", "in_transit"], "shipped"),
    ("PO-CAN", "cancelled", ["returned"], "cancelled"),
    ("PO-NONE", "processing", [], "processing"),
]


def _seed_orders_before_0014(engine: Engine) -> None:
    """One customer with an order for each case, written as the old schema stored them."""
    with engine.begin() as connection:
        connection.execute(
            OLD_USERS.insert(),
            {
                "id": 1,
                "email": "olive@example.com",
                "display_name": "Olive",
                "password_hash": "x",
                "timezone": "UTC",
                "locale": "en",
                "is_active_account": True,
                "created_at": WHEN,
            },
        )
        shipment_id = 0
        for order_id, (number, status, shipment_statuses, _after) in enumerate(
            RETURNED_CASES, start=1
        ):
            connection.execute(
                OLD_ORDERS.insert(),
                {
                    "id": order_id,
                    "number": number,
                    "owner_id": 1,
                    "status": status,
                    "placed_at": WHEN,
                    "items": [{"name": "Kettle", "quantity": 1}],
                    "total_amount": "35.00",
                    "currency": "USD",
                    "created_at": WHEN,
                    "updated_at": WHEN,
                },
            )
            for shipment_status in shipment_statuses:
                shipment_id += 1
                connection.execute(
                    OLD_SHIPMENTS.insert(),
                    {
                        "id": shipment_id,
                        "tracking_number": f"PT{shipment_id:08d}",
                        "carrier": "UPS",
                        "order_id": order_id,
                        "owner_id": 1,
                        "status": shipment_status,
                        "owner_alerts": "delivered",
                        "version": 1,
                        "created_at": WHEN,
                        "updated_at": WHEN,
                    },
                )


def _order_statuses(engine: Engine) -> dict[str, str]:
    with engine.connect() as connection:
        return dict(connection.execute(select(OLD_ORDERS.c.number, OLD_ORDERS.c.status)).all())


@pytest.mark.parametrize("kind", ["sqlite", "postgresql"])
def test_orders_whose_shipments_all_came_back_become_returned_and_back(kind, tmp_path):
    """0014 marks returned the orders whose every shipment was returned (never a cancelled
    one, nor one without shipments); its downgrade puts them back to shipped."""
    url = fresh_database(kind, tmp_path)
    env = {"DATABASE_URL": url, "SECRET_KEY": TEST_SECRET}
    instance = tmp_path / "instance"
    script = ScriptDirectory.from_config(_alembic_config()).get_revision(RETURNED_REVISION)
    previous = script.down_revision if script else None
    assert isinstance(previous, str)
    run_flask(instance, env, "db", "upgrade", previous)
    engine = create_engine(normalise_database_url(url))
    try:
        _seed_orders_before_0014(engine)
        before = {number: status for number, status, _shipments, _after in RETURNED_CASES}
        assert _order_statuses(engine) == before

        run_flask(instance, env, "db", "upgrade", RETURNED_REVISION)
        after = {number: status for number, _before, _shipments, status in RETURNED_CASES}
        assert _order_statuses(engine) == after

        run_flask(instance, env, "db", "downgrade", previous)
        assert _order_statuses(engine) == before | {"PO-ONE": "shipped"}

        run_flask(instance, env, "db", "upgrade", RETURNED_REVISION)
        assert _order_statuses(engine) == after
    finally:
        engine.dispose()
        if kind == "postgresql":
            drop_postgres_database(url)

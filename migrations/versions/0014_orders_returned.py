"""orders: an order whose shipments all came back is stored as returned

Revision ID: 0014_orders_returned
Revises: 0013_content_language
Create Date: 2026-12-08 10:00:00.000000

Until now such an order kept the status "shipped" and only its page read Returned. A data
step only, in plain SQL for SQLite and PostgreSQL alike: cancelled orders, and orders
without shipments, are left alone.
"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '0014_orders_returned'
down_revision = '0013_content_language'
branch_labels = None
depends_on = None


ALL_SHIPMENTS_RETURNED = """
    EXISTS (SELECT 1 FROM shipments WHERE shipments.order_id = orders.id)
    AND NOT EXISTS (
        SELECT 1 FROM shipments
        WHERE shipments.order_id = orders.id AND shipments.status <> 'returned'
    )
"""


def upgrade():
    op.execute(
        "UPDATE orders SET status = 'returned' "
        f"WHERE status NOT IN ('cancelled', 'returned') AND {ALL_SHIPMENTS_RETURNED}"
    )


def downgrade():
    # Before this revision "returned" was no order status: every returned order goes back
    # to "shipped", the status the old code kept for it.
    op.execute("UPDATE orders SET status = 'shipped' WHERE status = 'returned'")

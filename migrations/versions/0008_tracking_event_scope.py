"""tracking: event ids unique per sender and shipment, not across every shipment

Carriers number events per shipment (`seq-1`, `seq-2`…): with one global unique id, every
shipment's second `seq-1` was dropped as a duplicate. Events now record their sender (the
API token, or the portal itself) and an id repeats only within one sender and shipment.

Existing rows keep their events: their ids were unique everywhere, so any sender they get
keeps them unique. Going down, ids shared by several senders or shipments get `#<row id>`
appended to every copy but the oldest, so the global constraint fits again and no event
is lost.

Revision ID: 0008_tracking_event_scope
Revises: 0007_login_sessions
Create Date: 2026-12-14 10:12:40.118203

"""

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "0008_tracking_event_scope"
down_revision = "0007_login_sessions"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("tracking_events", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("sender", sa.String(length=40), server_default="local", nullable=False)
        )
        batch_op.drop_constraint("uq_tracking_events_sender_event_id", type_="unique")
        batch_op.create_unique_constraint(
            batch_op.f("uq_tracking_events_sender"), ["sender", "shipment_id", "sender_event_id"]
        )

    # Events posted through the API belong to their token (tracking.models.event_sender).
    op.execute(
        "UPDATE tracking_events SET sender = 'token:' || CAST(api_token_id AS VARCHAR(20)) "
        "WHERE api_token_id IS NOT NULL"
    )


def downgrade():
    # 80 characters, '#' and at most 19 digits still fit the column's 100.
    op.execute(
        "UPDATE tracking_events "
        "SET sender_event_id = substr(sender_event_id, 1, 80) || '#' || CAST(id AS VARCHAR(20)) "
        "WHERE id NOT IN (SELECT min(id) FROM tracking_events GROUP BY sender_event_id)"
    )
    with op.batch_alter_table("tracking_events", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("uq_tracking_events_sender"), type_="unique")
        batch_op.create_unique_constraint(
            batch_op.f("uq_tracking_events_sender_event_id"), ["sender_event_id"]
        )
        batch_op.drop_column("sender")

"""core: worker_heartbeats, the last round each background worker finished (for /healthz)

Revision ID: 0009_worker_heartbeats
Revises: 0008_tracking_event_scope
Create Date: 2026-12-07 18:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0009_worker_heartbeats'
down_revision = '0008_tracking_event_scope'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('worker_heartbeats',
    sa.Column('name', sa.String(length=64), nullable=False),
    sa.Column('beat_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('stale_after_seconds', sa.Integer(), nullable=False),
    sa.Column('process', sa.String(length=120), nullable=False),
    sa.PrimaryKeyConstraint('name', name=op.f('pk_worker_heartbeats'))
    )


def downgrade():
    op.drop_table('worker_heartbeats')

"""support: support_requests.timezone, a visitor's browser zone for the times in their emails

Revision ID: 0012_support_request_timezone
Revises: 0011_kb_search_log
Create Date: 2026-12-07 22:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0012_support_request_timezone'
down_revision = '0011_kb_search_log'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('support_requests', schema=None) as batch_op:
        batch_op.add_column(sa.Column('timezone', sa.String(length=64), nullable=True))


def downgrade():
    with op.batch_alter_table('support_requests', schema=None) as batch_op:
        batch_op.drop_column('timezone')

"""kb: kb_search_changes, the search change log every index replica follows

Revision ID: 0011_kb_search_log
Revises: 0010_kb_import_sources
Create Date: 2026-12-09 12:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0011_kb_search_log'
down_revision = '0010_kb_import_sources'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('kb_search_changes',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('kind', sa.String(length=40), nullable=False),
    sa.Column('key', sa.String(length=120), nullable=False),
    sa.Column('action', sa.String(length=8), nullable=False),
    sa.Column('document', sa.Text(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_kb_search_changes')),
    sqlite_autoincrement=True
    )
    with op.batch_alter_table('kb_search_changes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_kb_search_changes_created_at'), ['created_at'], unique=False)


def downgrade():
    with op.batch_alter_table('kb_search_changes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_kb_search_changes_created_at'))

    op.drop_table('kb_search_changes')

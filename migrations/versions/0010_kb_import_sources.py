"""kb: kb_import_sources (an imported article's source file) and kb_article_aliases

Revision ID: 0010_kb_import_sources
Revises: 0009_worker_heartbeats
Create Date: 2026-12-07 18:30:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0010_kb_import_sources'
down_revision = '0009_worker_heartbeats'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('kb_import_sources',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('article_id', sa.Integer(), nullable=False),
    sa.Column('path', sa.String(length=500), nullable=False),
    sa.Column('key', sa.String(length=200), nullable=True),
    sa.Column('content_hash', sa.String(length=64), nullable=False),
    sa.Column('extra', sa.JSON(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=True),
    sa.Column('imported_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['article_id'], ['kb_articles.id'], name=op.f('fk_kb_import_sources_article_id_kb_articles'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_kb_import_sources')),
    sa.UniqueConstraint('article_id', name=op.f('uq_kb_import_sources_article_id')),
    sa.UniqueConstraint('key', name=op.f('uq_kb_import_sources_key')),
    sa.UniqueConstraint('path', name=op.f('uq_kb_import_sources_path'))
    )
    op.create_table('kb_article_aliases',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('article_id', sa.Integer(), nullable=False),
    sa.Column('path', sa.String(length=500), nullable=False),
    sa.ForeignKeyConstraint(['article_id'], ['kb_articles.id'], name=op.f('fk_kb_article_aliases_article_id_kb_articles'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_kb_article_aliases')),
    sa.UniqueConstraint('path', name=op.f('uq_kb_article_aliases_path'))
    )
    with op.batch_alter_table('kb_article_aliases', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_kb_article_aliases_article_id'), ['article_id'], unique=False)


def downgrade():
    with op.batch_alter_table('kb_article_aliases', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_kb_article_aliases_article_id'))
    op.drop_table('kb_article_aliases')
    op.drop_table('kb_import_sources')

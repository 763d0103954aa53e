"""vip club: conversations, messages, manager cards, announcements

Revision ID: 0004_vip
Revises: 0003_tracking
Create Date: 2026-11-23 13:32:41.156936

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0004_vip'
down_revision = '0003_tracking'
branch_labels = None
depends_on = None


def upgrade():
    
    op.create_table('vip_announcements',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=160), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('body_html', sa.Text(), nullable=False),
    sa.Column('author_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['author_id'], ['users.id'], name=op.f('fk_vip_announcements_author_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_vip_announcements'))
    )
    with op.batch_alter_table('vip_announcements', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_vip_announcements_created_at'), ['created_at'], unique=False)

    op.create_table('vip_conversations',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('client_id', sa.Integer(), nullable=False),
    sa.Column('manager_id', sa.Integer(), nullable=True),
    sa.Column('backup_manager_id', sa.Integer(), nullable=True),
    sa.Column('assigned_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('waiting_since', sa.DateTime(timezone=True), nullable=True),
    sa.Column('reply_due_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('escalated_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('last_message_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['backup_manager_id'], ['users.id'], name=op.f('fk_vip_conversations_backup_manager_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['client_id'], ['users.id'], name=op.f('fk_vip_conversations_client_id_users'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['manager_id'], ['users.id'], name=op.f('fk_vip_conversations_manager_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_vip_conversations')),
    sa.UniqueConstraint('client_id', name=op.f('uq_vip_conversations_client_id'))
    )
    with op.batch_alter_table('vip_conversations', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_vip_conversations_backup_manager_id'), ['backup_manager_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_vip_conversations_manager_id'), ['manager_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_vip_conversations_reply_due_at'), ['reply_due_at'], unique=False)

    op.create_table('vip_manager_profiles',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=80), nullable=False),
    sa.Column('working_hours', sa.String(length=120), nullable=False),
    sa.Column('photo_url', sa.String(length=500), nullable=True),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_vip_manager_profiles_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_vip_manager_profiles')),
    sa.UniqueConstraint('user_id', name=op.f('uq_vip_manager_profiles_user_id'))
    )
    op.create_table('vip_messages',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('conversation_id', sa.Integer(), nullable=False),
    sa.Column('author_id', sa.Integer(), nullable=True),
    sa.Column('from_staff', sa.Boolean(), nullable=False),
    sa.Column('by_backup', sa.Boolean(), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('body_html', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('read_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('emailed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('reply_seconds', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['author_id'], ['users.id'], name=op.f('fk_vip_messages_author_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['conversation_id'], ['vip_conversations.id'], name=op.f('fk_vip_messages_conversation_id_vip_conversations'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_vip_messages'))
    )
    with op.batch_alter_table('vip_messages', schema=None) as batch_op:
        batch_op.create_index('ix_vip_messages_author', ['author_id', 'created_at'], unique=False)
        batch_op.create_index('ix_vip_messages_history', ['conversation_id', 'id'], unique=False)
        batch_op.create_index('ix_vip_messages_unemailed', ['created_at'], unique=False, sqlite_where=sa.text('read_at IS NULL AND emailed_at IS NULL'), postgresql_where=sa.text('read_at IS NULL AND emailed_at IS NULL'))
        batch_op.create_index('ix_vip_messages_unread', ['conversation_id', 'from_staff'], unique=False, sqlite_where=sa.text('read_at IS NULL'), postgresql_where=sa.text('read_at IS NULL'))




def downgrade():
    
    with op.batch_alter_table('vip_messages', schema=None) as batch_op:
        batch_op.drop_index('ix_vip_messages_unread', sqlite_where=sa.text('read_at IS NULL'), postgresql_where=sa.text('read_at IS NULL'))
        batch_op.drop_index('ix_vip_messages_unemailed', sqlite_where=sa.text('read_at IS NULL AND emailed_at IS NULL'), postgresql_where=sa.text('read_at IS NULL AND emailed_at IS NULL'))
        batch_op.drop_index('ix_vip_messages_history')
        batch_op.drop_index('ix_vip_messages_author')

    op.drop_table('vip_messages')
    op.drop_table('vip_manager_profiles')
    with op.batch_alter_table('vip_conversations', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_vip_conversations_reply_due_at'))
        batch_op.drop_index(batch_op.f('ix_vip_conversations_manager_id'))
        batch_op.drop_index(batch_op.f('ix_vip_conversations_backup_manager_id'))

    op.drop_table('vip_conversations')
    with op.batch_alter_table('vip_announcements', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_vip_announcements_created_at'))

    op.drop_table('vip_announcements')


"""forum: categories, topics, posts, votes, flags, notifications, moderation

Revision ID: 0005_forum
Revises: 0004_vip
Create Date: 2026-11-23 14:23:25.600193

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0005_forum'
down_revision = '0004_vip'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('forum_categories',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('slug', sa.String(length=80), nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('announcement_only', sa.Boolean(), nullable=False),
    sa.Column('topic_count', sa.Integer(), nullable=False),
    sa.Column('post_count', sa.Integer(), nullable=False),
    sa.Column('last_topic_id', sa.Integer(), nullable=True),
    sa.Column('last_posted_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_forum_categories')),
    sa.UniqueConstraint('slug', name=op.f('uq_forum_categories_slug'))
    )
    op.create_table('forum_profiles',
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('handle', sa.String(length=40), nullable=False),
    sa.Column('handle_key', sa.String(length=40), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_forum_profiles_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('user_id', name=op.f('pk_forum_profiles')),
    sa.UniqueConstraint('handle_key', name=op.f('uq_forum_profiles_handle_key'))
    )
    op.create_table('forum_topics',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('category_id', sa.Integer(), nullable=False),
    sa.Column('author_id', sa.Integer(), nullable=True),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('slug', sa.String(length=120), nullable=False),
    sa.Column('tags', sa.JSON(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('last_posted_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('last_poster_id', sa.Integer(), nullable=True),
    sa.Column('post_count', sa.Integer(), nullable=False),
    sa.Column('highest_number', sa.Integer(), nullable=False),
    sa.Column('vote_count', sa.Integer(), nullable=False),
    sa.Column('accepted_post_id', sa.Integer(), nullable=True),
    sa.Column('solved_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('is_pinned', sa.Boolean(), nullable=False),
    sa.Column('is_locked', sa.Boolean(), nullable=False),
    sa.Column('is_hidden', sa.Boolean(), nullable=False),
    sa.Column('deleted_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('kb_article_id', sa.Integer(), nullable=True),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['author_id'], ['users.id'], name=op.f('fk_forum_topics_author_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['category_id'], ['forum_categories.id'], name=op.f('fk_forum_topics_category_id_forum_categories')),
    sa.ForeignKeyConstraint(['kb_article_id'], ['kb_articles.id'], name=op.f('fk_forum_topics_kb_article_id_kb_articles'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['last_poster_id'], ['users.id'], name=op.f('fk_forum_topics_last_poster_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_forum_topics'))
    )
    with op.batch_alter_table('forum_topics', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_forum_topics_accepted_post_id'), ['accepted_post_id'], unique=False)
        batch_op.create_index('ix_forum_topics_author_created', ['author_id', 'created_at'], unique=False)
        batch_op.create_index('ix_forum_topics_category_latest', ['category_id', 'is_pinned', 'last_posted_at'], unique=False)
        batch_op.create_index('ix_forum_topics_category_solved', ['category_id', 'solved_at'], unique=False)
        batch_op.create_index('ix_forum_topics_category_top', ['category_id', 'vote_count', 'post_count', 'last_posted_at'], unique=False)
        batch_op.create_index('ix_forum_topics_category_unanswered', ['category_id', 'post_count', 'created_at'], unique=False)
        batch_op.create_index('ix_forum_topics_last_posted', ['last_posted_at'], unique=False)

    op.create_table('forum_posts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('topic_id', sa.Integer(), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('author_id', sa.Integer(), nullable=True),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('body_html', sa.Text(), nullable=False),
    sa.Column('by_staff', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('edited_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('edit_count', sa.Integer(), nullable=False),
    sa.Column('is_hidden', sa.Boolean(), nullable=False),
    sa.Column('hidden_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('hidden_by_id', sa.Integer(), nullable=True),
    sa.Column('deleted_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('deleted_by_id', sa.Integer(), nullable=True),
    sa.Column('vote_count', sa.Integer(), nullable=False),
    sa.Column('open_flag_count', sa.Integer(), nullable=False),
    sa.Column('mentioned_ids', sa.JSON(), nullable=False),
    sa.Column('nonce', sa.String(length=64), nullable=True),
    sa.ForeignKeyConstraint(['author_id'], ['users.id'], name=op.f('fk_forum_posts_author_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['deleted_by_id'], ['users.id'], name=op.f('fk_forum_posts_deleted_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['hidden_by_id'], ['users.id'], name=op.f('fk_forum_posts_hidden_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['topic_id'], ['forum_topics.id'], name=op.f('fk_forum_posts_topic_id_forum_topics'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_forum_posts')),
    sa.UniqueConstraint('author_id', 'nonce', name=op.f('uq_forum_posts_author_id')),
    sa.UniqueConstraint('topic_id', 'number', name=op.f('uq_forum_posts_topic_id'))
    )
    with op.batch_alter_table('forum_posts', schema=None) as batch_op:
        batch_op.create_index('ix_forum_posts_author_created', ['author_id', 'created_at'], unique=False)

    op.create_table('forum_topic_tags',
    sa.Column('topic_id', sa.Integer(), nullable=False),
    sa.Column('tag', sa.String(length=30), nullable=False),
    sa.ForeignKeyConstraint(['topic_id'], ['forum_topics.id'], name=op.f('fk_forum_topic_tags_topic_id_forum_topics'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('topic_id', 'tag', name=op.f('pk_forum_topic_tags'))
    )
    with op.batch_alter_table('forum_topic_tags', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_forum_topic_tags_tag'), ['tag'], unique=False)

    op.create_table('forum_topic_users',
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('topic_id', sa.Integer(), nullable=False),
    sa.Column('watching', sa.Boolean(), nullable=False),
    sa.Column('emailed', sa.Boolean(), nullable=False),
    sa.Column('unread', sa.Boolean(), nullable=False),
    sa.Column('last_visited_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['topic_id'], ['forum_topics.id'], name=op.f('fk_forum_topic_users_topic_id_forum_topics'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_forum_topic_users_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('user_id', 'topic_id', name=op.f('pk_forum_topic_users'))
    )
    with op.batch_alter_table('forum_topic_users', schema=None) as batch_op:
        batch_op.create_index('ix_forum_topic_users_watchers', ['topic_id', 'watching'], unique=False)

    op.create_table('forum_flags',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('post_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('reason', sa.String(length=20), nullable=False),
    sa.Column('note', sa.String(length=500), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('resolved_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('resolved_by_id', sa.Integer(), nullable=True),
    sa.Column('resolution', sa.String(length=20), nullable=True),
    sa.ForeignKeyConstraint(['post_id'], ['forum_posts.id'], name=op.f('fk_forum_flags_post_id_forum_posts'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['resolved_by_id'], ['users.id'], name=op.f('fk_forum_flags_resolved_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_forum_flags_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_forum_flags')),
    sa.UniqueConstraint('post_id', 'user_id', name=op.f('uq_forum_flags_post_id'))
    )
    with op.batch_alter_table('forum_flags', schema=None) as batch_op:
        batch_op.create_index('ix_forum_flags_open', ['resolved_at', 'post_id'], unique=False)

    op.create_table('forum_moderation_actions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('moderator_id', sa.Integer(), nullable=True),
    sa.Column('action', sa.String(length=20), nullable=False),
    sa.Column('topic_id', sa.Integer(), nullable=True),
    sa.Column('post_id', sa.Integer(), nullable=True),
    sa.Column('detail', sa.String(length=200), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['moderator_id'], ['users.id'], name=op.f('fk_forum_moderation_actions_moderator_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['post_id'], ['forum_posts.id'], name=op.f('fk_forum_moderation_actions_post_id_forum_posts'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['topic_id'], ['forum_topics.id'], name=op.f('fk_forum_moderation_actions_topic_id_forum_topics'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_forum_moderation_actions'))
    )
    with op.batch_alter_table('forum_moderation_actions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_forum_moderation_actions_created_at'), ['created_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_forum_moderation_actions_topic_id'), ['topic_id'], unique=False)

    op.create_table('forum_notifications',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('topic_id', sa.Integer(), nullable=False),
    sa.Column('post_id', sa.Integer(), nullable=True),
    sa.Column('actor_id', sa.Integer(), nullable=True),
    sa.Column('count', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('read_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['actor_id'], ['users.id'], name=op.f('fk_forum_notifications_actor_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['post_id'], ['forum_posts.id'], name=op.f('fk_forum_notifications_post_id_forum_posts'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['topic_id'], ['forum_topics.id'], name=op.f('fk_forum_notifications_topic_id_forum_topics'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_forum_notifications_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_forum_notifications'))
    )
    with op.batch_alter_table('forum_notifications', schema=None) as batch_op:
        batch_op.create_index('ix_forum_notifications_recent', ['user_id', 'created_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_forum_notifications_topic_id'), ['topic_id'], unique=False)
        batch_op.create_index('ix_forum_notifications_unread', ['user_id', 'read_at'], unique=False)

    op.create_table('forum_post_revisions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('post_id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=True),
    sa.Column('tags', sa.JSON(), nullable=True),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('written_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('replaced_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('replaced_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['post_id'], ['forum_posts.id'], name=op.f('fk_forum_post_revisions_post_id_forum_posts'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['replaced_by_id'], ['users.id'], name=op.f('fk_forum_post_revisions_replaced_by_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_forum_post_revisions'))
    )
    with op.batch_alter_table('forum_post_revisions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_forum_post_revisions_post_id'), ['post_id'], unique=False)

    op.create_table('forum_post_votes',
    sa.Column('post_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['post_id'], ['forum_posts.id'], name=op.f('fk_forum_post_votes_post_id_forum_posts'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_forum_post_votes_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('post_id', 'user_id', name=op.f('pk_forum_post_votes'))
    )
    with op.batch_alter_table('forum_post_votes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_forum_post_votes_user_id'), ['user_id'], unique=False)



def downgrade():
    with op.batch_alter_table('forum_post_votes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_forum_post_votes_user_id'))

    op.drop_table('forum_post_votes')
    with op.batch_alter_table('forum_post_revisions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_forum_post_revisions_post_id'))

    op.drop_table('forum_post_revisions')
    with op.batch_alter_table('forum_notifications', schema=None) as batch_op:
        batch_op.drop_index('ix_forum_notifications_unread')
        batch_op.drop_index(batch_op.f('ix_forum_notifications_topic_id'))
        batch_op.drop_index('ix_forum_notifications_recent')

    op.drop_table('forum_notifications')
    with op.batch_alter_table('forum_moderation_actions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_forum_moderation_actions_topic_id'))
        batch_op.drop_index(batch_op.f('ix_forum_moderation_actions_created_at'))

    op.drop_table('forum_moderation_actions')
    with op.batch_alter_table('forum_flags', schema=None) as batch_op:
        batch_op.drop_index('ix_forum_flags_open')

    op.drop_table('forum_flags')
    with op.batch_alter_table('forum_topic_users', schema=None) as batch_op:
        batch_op.drop_index('ix_forum_topic_users_watchers')

    op.drop_table('forum_topic_users')
    with op.batch_alter_table('forum_topic_tags', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_forum_topic_tags_tag'))

    op.drop_table('forum_topic_tags')
    with op.batch_alter_table('forum_posts', schema=None) as batch_op:
        batch_op.drop_index('ix_forum_posts_author_created')

    op.drop_table('forum_posts')
    with op.batch_alter_table('forum_topics', schema=None) as batch_op:
        batch_op.drop_index('ix_forum_topics_last_posted')
        batch_op.drop_index('ix_forum_topics_category_unanswered')
        batch_op.drop_index('ix_forum_topics_category_top')
        batch_op.drop_index('ix_forum_topics_category_solved')
        batch_op.drop_index('ix_forum_topics_category_latest')
        batch_op.drop_index('ix_forum_topics_author_created')
        batch_op.drop_index(batch_op.f('ix_forum_topics_accepted_post_id'))

    op.drop_table('forum_topics')
    op.drop_table('forum_profiles')
    op.drop_table('forum_categories')

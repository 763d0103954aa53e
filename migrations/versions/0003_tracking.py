"""tracking: orders, shipments, events, alert contacts, change feed

Revision ID: 0003_tracking
Revises: 0002_kb
Create Date: 2026-11-23 13:00:36.340077

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0003_tracking'
down_revision = '0002_kb'
branch_labels = None
depends_on = None


def upgrade():
    
    op.create_table('tracking_changes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('tracking_number', sa.String(length=40), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('origin', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_tracking_changes'))
    )
    with op.batch_alter_table('tracking_changes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_tracking_changes_created_at'), ['created_at'], unique=False)

    op.create_table('orders',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('number', sa.String(length=40), nullable=False),
    sa.Column('owner_id', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('placed_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('items', sa.JSON(), nullable=False),
    sa.Column('total_amount', sa.Numeric(precision=12, scale=2), nullable=False),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['owner_id'], ['users.id'], name=op.f('fk_orders_owner_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_orders')),
    sa.UniqueConstraint('number', name=op.f('uq_orders_number'))
    )
    with op.batch_alter_table('orders', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_orders_owner_id'), ['owner_id'], unique=False)

    op.create_table('shipments',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('tracking_number', sa.String(length=40), nullable=False),
    sa.Column('carrier', sa.String(length=60), nullable=False),
    sa.Column('order_id', sa.Integer(), nullable=True),
    sa.Column('owner_id', sa.Integer(), nullable=False),
    sa.Column('origin', sa.String(length=120), nullable=True),
    sa.Column('destination', sa.String(length=120), nullable=True),
    sa.Column('delivery_address', sa.String(length=300), nullable=True),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('status_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('estimated_delivery', sa.Date(), nullable=True),
    sa.Column('eta_set_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('delivered_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('last_event_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('last_event_code', sa.String(length=20), nullable=True),
    sa.Column('last_location', sa.String(length=120), nullable=True),
    sa.Column('last_description', sa.String(length=500), nullable=True),
    sa.Column('owner_alerts', sa.String(length=100), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['order_id'], ['orders.id'], name=op.f('fk_shipments_order_id_orders'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['owner_id'], ['users.id'], name=op.f('fk_shipments_owner_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_shipments')),
    sa.UniqueConstraint('tracking_number', name=op.f('uq_shipments_tracking_number'))
    )
    with op.batch_alter_table('shipments', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_shipments_order_id'), ['order_id'], unique=False)
        batch_op.create_index('ix_shipments_owner_recent', ['owner_id', 'created_at'], unique=False)

    op.create_table('alert_contacts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('shipment_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=80), nullable=False),
    sa.Column('email', sa.String(length=254), nullable=False),
    sa.Column('events', sa.String(length=100), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['shipment_id'], ['shipments.id'], name=op.f('fk_alert_contacts_shipment_id_shipments'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_alert_contacts')),
    sa.UniqueConstraint('shipment_id', 'email', name=op.f('uq_alert_contacts_shipment_id'))
    )
    with op.batch_alter_table('alert_contacts', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_alert_contacts_shipment_id'), ['shipment_id'], unique=False)

    op.create_table('tracking_events',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('shipment_id', sa.Integer(), nullable=False),
    sa.Column('sender_event_id', sa.String(length=100), nullable=False),
    sa.Column('code', sa.String(length=20), nullable=False),
    sa.Column('occurred_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('location', sa.String(length=120), nullable=False),
    sa.Column('description', sa.String(length=500), nullable=False),
    sa.Column('estimated_delivery', sa.Date(), nullable=True),
    sa.Column('received_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('api_token_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['api_token_id'], ['api_tokens.id'], name=op.f('fk_tracking_events_api_token_id_api_tokens'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['shipment_id'], ['shipments.id'], name=op.f('fk_tracking_events_shipment_id_shipments'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_tracking_events')),
    sa.UniqueConstraint('sender_event_id', name=op.f('uq_tracking_events_sender_event_id'))
    )
    with op.batch_alter_table('tracking_events', schema=None) as batch_op:
        batch_op.create_index('ix_tracking_events_timeline', ['shipment_id', 'occurred_at'], unique=False)




def downgrade():
    
    with op.batch_alter_table('tracking_events', schema=None) as batch_op:
        batch_op.drop_index('ix_tracking_events_timeline')

    op.drop_table('tracking_events')
    with op.batch_alter_table('alert_contacts', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_alert_contacts_shipment_id'))

    op.drop_table('alert_contacts')
    with op.batch_alter_table('shipments', schema=None) as batch_op:
        batch_op.drop_index('ix_shipments_owner_recent')
        batch_op.drop_index(batch_op.f('ix_shipments_order_id'))

    op.drop_table('shipments')
    with op.batch_alter_table('orders', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_orders_owner_id'))

    op.drop_table('orders')
    with op.batch_alter_table('tracking_changes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_tracking_changes_created_at'))

    op.drop_table('tracking_changes')


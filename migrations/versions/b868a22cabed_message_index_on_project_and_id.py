"""A thread's latest message reads one index: message (project_id, id)

Revision ID: b868a22cabed
Revises: 9cdeb121b789
Create Date: 2026-12-03 02:50:42.091709

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = 'b868a22cabed'
down_revision = '9cdeb121b789'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('message', schema=None) as batch_op:
        batch_op.create_index('ix_message_project_id', ['project_id', 'id'], unique=False)


def downgrade():
    with op.batch_alter_table('message', schema=None) as batch_op:
        batch_op.drop_index('ix_message_project_id')

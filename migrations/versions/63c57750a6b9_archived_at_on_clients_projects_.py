"""archived_at on clients, projects, deliverables and proposals

Revision ID: 63c57750a6b9
Revises: a617d086e711
Create Date: 2026-12-02 14:21:32.640477

"""
from alembic import op
import sqlalchemy as sa
import portal.models.base


# revision identifiers, used by Alembic.
revision = '63c57750a6b9'
down_revision = 'a617d086e711'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('client', schema=None) as batch_op:
        batch_op.add_column(sa.Column('archived_at', portal.models.base.UTCDateTime(timezone=True), nullable=True))

    with op.batch_alter_table('deliverable', schema=None) as batch_op:
        batch_op.add_column(sa.Column('archived_at', portal.models.base.UTCDateTime(timezone=True), nullable=True))

    with op.batch_alter_table('project', schema=None) as batch_op:
        batch_op.add_column(sa.Column('archived_at', portal.models.base.UTCDateTime(timezone=True), nullable=True))

    with op.batch_alter_table('proposal', schema=None) as batch_op:
        batch_op.add_column(sa.Column('archived_at', portal.models.base.UTCDateTime(timezone=True), nullable=True))



def downgrade():
    with op.batch_alter_table('proposal', schema=None) as batch_op:
        batch_op.drop_column('archived_at')

    with op.batch_alter_table('project', schema=None) as batch_op:
        batch_op.drop_column('archived_at')

    with op.batch_alter_table('deliverable', schema=None) as batch_op:
        batch_op.drop_column('archived_at')

    with op.batch_alter_table('client', schema=None) as batch_op:
        batch_op.drop_column('archived_at')


"""Organization business details: address, tax/VAT number and payment instructions, printed on PDFs

Existing organizations start with none of them; their PDFs look as before until an owner fills them in.

Revision ID: 35adbc520723
Revises: 63c57750a6b9
Create Date: 2026-12-02 14:21:35.896514

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '35adbc520723'
down_revision = '63c57750a6b9'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('organization', schema=None) as batch_op:
        batch_op.add_column(sa.Column('business_address', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('tax_id', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('payment_instructions', sa.Text(), nullable=True))


def downgrade():
    with op.batch_alter_table('organization', schema=None) as batch_op:
        batch_op.drop_column('payment_instructions')
        batch_op.drop_column('tax_id')
        batch_op.drop_column('business_address')

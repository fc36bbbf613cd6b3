"""Uploads in parts: one row per multipart upload until its file is checked

Revision ID: 0d1d4663a7a2
Revises: 35adbc520723
Create Date: 2026-12-02 14:23:21.197701

"""

from alembic import op
import sqlalchemy as sa
import portal.models.base


# revision identifiers, used by Alembic.
revision = "0d1d4663a7a2"
down_revision = '35adbc520723'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "upload",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("public_id", sa.String(length=43), nullable=False),
        sa.Column("org_id", sa.Integer(), nullable=False),
        sa.Column("project_id", sa.Integer(), nullable=False),
        sa.Column("deliverable_id", sa.Integer(), nullable=True),
        sa.Column("file_id", sa.Integer(), nullable=True),
        sa.Column("filename", sa.String(length=255), nullable=False),
        sa.Column("extension", sa.String(length=10), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("part_size", sa.BigInteger(), nullable=False),
        sa.Column("storage_key", sa.String(length=255), nullable=False),
        sa.Column("backend_upload_id", sa.String(length=255), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("error", sa.String(length=400), nullable=True),
        sa.Column("client_visible", sa.Boolean(), nullable=False),
        sa.Column("uploaded_by_type", sa.String(length=10), nullable=False),
        sa.Column("uploaded_by_label", sa.String(length=254), nullable=True),
        sa.Column("uploaded_by_user_id", sa.Integer(), nullable=True),
        sa.Column("parts_completed", sa.Integer(), nullable=False),
        sa.Column("created_at", portal.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("completed_at", portal.models.base.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["deliverable_id"],
            ["deliverable.id"],
            name=op.f("fk_upload_deliverable_id_deliverable"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(["file_id"], ["file.id"], name=op.f("fk_upload_file_id_file"), ondelete="SET NULL"),
        sa.ForeignKeyConstraint(
            ["org_id"], ["organization.id"], name=op.f("fk_upload_org_id_organization"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["project_id"], ["project.id"], name=op.f("fk_upload_project_id_project"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["uploaded_by_user_id"], ["user.id"], name=op.f("fk_upload_uploaded_by_user_id_user"), ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_upload")),
        sa.UniqueConstraint("public_id", name=op.f("uq_upload_public_id")),
        sa.UniqueConstraint("storage_key", name=op.f("uq_upload_storage_key")),
    )
    with op.batch_alter_table("upload", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_upload_org_id"), ["org_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_upload_project_id"), ["project_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_upload_status"), ["status"], unique=False)


def downgrade():
    with op.batch_alter_table("upload", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_upload_status"))
        batch_op.drop_index(batch_op.f("ix_upload_project_id"))
        batch_op.drop_index(batch_op.f("ix_upload_org_id"))

    op.drop_table("upload")

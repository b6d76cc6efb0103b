"""The scheduled job: each issue's send time, the editor's review and the one-sender lease.

Revision ID: 0004
Revises: 0003
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Nullable columns: a plain ALTER TABLE ADD on both databases, existing issues untouched.
    op.add_column("issues", sa.Column("send_at", sa.DateTime(timezone=True)))
    op.add_column("issues", sa.Column("review", sa.String(16)))
    op.add_column("issues", sa.Column("note", sa.Text))
    op.add_column("issues", sa.Column("notified", sa.DateTime(timezone=True)))
    op.create_table(
        "leases",
        sa.Column("name", sa.String(64), primary_key=True),
        sa.Column("holder", sa.Text, nullable=False),
        sa.Column("expires", sa.DateTime(timezone=True), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("leases")
    with op.batch_alter_table("issues") as batch:
        for column in ("notified", "note", "review", "send_at"):
            batch.drop_column(column)

"""Deferred retries in the send ledger, bounce and complaint evidence, and mailbox messages already read.

Revision ID: 0007
Revises: 0004
"""

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Nullable or defaulted columns: a plain ALTER TABLE ADD on both databases, existing rows untouched.
    op.add_column("sends", sa.Column("retry_at", sa.DateTime(timezone=True)))
    op.add_column("sends", sa.Column("deferred_since", sa.DateTime(timezone=True)))
    op.add_column("subscribers", sa.Column("soft_bounces", sa.Integer, nullable=False, server_default="0"))
    op.create_table(
        "bounces",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("subscriber", sa.Integer, sa.ForeignKey("subscribers.id", ondelete="CASCADE"), nullable=False),
        sa.Column("issue", sa.Integer),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("code", sa.String(16), nullable=False, server_default=""),
        sa.Column("detail", sa.Text, nullable=False, server_default=""),
        sa.Column("report_id", sa.Text, nullable=False),
        sa.Column("received", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("bounces_subscriber", "bounces", ["subscriber"])
    op.create_table(
        "mailbox_seen",
        sa.Column("mailbox", sa.String(64), primary_key=True),
        sa.Column("message_id", sa.String(255), primary_key=True),
        sa.Column("taken", sa.DateTime(timezone=True), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("mailbox_seen")
    op.drop_index("bounces_subscriber", "bounces")
    op.drop_table("bounces")
    with op.batch_alter_table("subscribers") as batch:
        batch.drop_column("soft_bounces")
    with op.batch_alter_table("sends") as batch:
        for column in ("deferred_since", "retry_at"):
            batch.drop_column(column)

"""Readers' tips for "I'm hearing": their text in one table, who sent them in another (purged apart).

Revision ID: 0010
Revises: 0008
"""

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # New tables only: existing rows are untouched on both databases.
    op.create_table(
        "tips",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("received", sa.DateTime(timezone=True), nullable=False),
        sa.Column("channel", sa.String(16), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("text", sa.Text, nullable=False),
        sa.Column("attachments", sa.Integer, nullable=False, server_default="0"),
        sa.Column("line", sa.Text),
        sa.Column("issue", sa.Integer),
        sa.Column("decided", sa.DateTime(timezone=True)),
    )
    op.create_index("tips_status", "tips", ["status"])
    op.create_table(
        "tip_sources",
        sa.Column("tip", sa.Integer, sa.ForeignKey("tips.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("received", sa.DateTime(timezone=True), nullable=False),
        sa.Column("address", sa.String(320), nullable=False, server_default=""),
        sa.Column("name", sa.Text, nullable=False, server_default=""),
        sa.Column("client", sa.String(64), nullable=False, server_default=""),
    )


def downgrade() -> None:
    op.drop_table("tip_sources")
    op.drop_index("tips_status", "tips")
    op.drop_table("tips")

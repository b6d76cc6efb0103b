"""Feed state between runs, and the dedup bookkeeping: each item's keys and the duplicates set aside.

Revision ID: 0003
Revises: 0002
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "feeds",
        sa.Column("url", sa.Text, primary_key=True),
        sa.Column("moved_to", sa.Text),
        sa.Column("etag", sa.Text),
        sa.Column("last_modified", sa.Text),
        sa.Column("retry_after", sa.DateTime(timezone=True)),
        sa.Column("gone", sa.DateTime(timezone=True)),
        sa.Column("last_attempt", sa.DateTime(timezone=True)),
        sa.Column("last_success", sa.DateTime(timezone=True)),
        sa.Column("last_error", sa.Text),
        sa.Column("last_status", sa.Integer),
        sa.Column("failures", sa.Integer, nullable=False, server_default="0"),
        sa.Column("entries", sa.Integer, nullable=False, server_default="0"),
    )
    op.create_table(
        "item_keys",
        sa.Column("key", sa.String(64), primary_key=True),
        sa.Column("item", sa.String(64), sa.ForeignKey("items.id"), primary_key=True),
    )
    op.create_table(
        "duplicates",
        sa.Column("item", sa.String(64), primary_key=True),
        sa.Column("of_item", sa.String(64), sa.ForeignKey("items.id"), nullable=False),
        sa.Column("source", sa.Text, nullable=False),
        sa.Column("title", sa.Text, nullable=False),
        sa.Column("link", sa.Text),
        sa.Column("first_seen", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("duplicates_of_item", "duplicates", ["of_item"])
    op.create_index("items_source", "items", ["source"])


def downgrade() -> None:
    op.drop_index("items_source", "items")
    op.drop_table("duplicates")
    op.drop_table("item_keys")
    op.drop_table("feeds")

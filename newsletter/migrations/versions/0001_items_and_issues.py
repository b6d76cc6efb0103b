"""Items read from sources, issues, and which items each issue holds.

Revision ID: 0001
Revises:
"""

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "items",
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("source", sa.Text, nullable=False),
        sa.Column("published", sa.DateTime(timezone=True)),
        sa.Column("first_seen", sa.DateTime(timezone=True), nullable=False),
        sa.Column("data", sa.JSON, nullable=False),
    )
    op.create_table(
        "issues",
        sa.Column("number", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("day", sa.Date, nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("subject", sa.Text, nullable=False),
        sa.Column("updated", sa.DateTime(timezone=True), nullable=False),
        sa.Column("sent", sa.DateTime(timezone=True)),
    )
    op.create_table(
        "issue_items",
        sa.Column("issue", sa.Integer, sa.ForeignKey("issues.number", ondelete="CASCADE"), primary_key=True),
        sa.Column("item", sa.String(64), sa.ForeignKey("items.id"), primary_key=True),
        sa.Column("section", sa.String(16), nullable=False),
        sa.Column("position", sa.Integer, nullable=False),
    )
    op.create_index("issue_items_item", "issue_items", ["item"])


def downgrade() -> None:
    op.drop_table("issue_items")
    op.drop_table("issues")
    op.drop_table("items")

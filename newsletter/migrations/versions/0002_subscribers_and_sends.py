"""Subscribers and the send ledger: one row per (issue, subscriber) recording its outcome.

`crashes` counts how often a row was found in flight ("sending") after its sender died, so
the summary can name who may have the issue twice; `round` numbers forced re-sends, so
each round's Message-IDs differ.

Revision ID: 0002
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "subscribers",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("email", sa.String(320), nullable=False),
        sa.Column("email_key", sa.String(320), nullable=False, unique=True),
        sa.Column("name", sa.Text, nullable=False, server_default=""),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("reason", sa.Text),
        sa.Column("created", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "sends",
        sa.Column("issue", sa.Integer, sa.ForeignKey("issues.number"), primary_key=True),
        sa.Column("subscriber", sa.Integer, sa.ForeignKey("subscribers.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("message_id", sa.Text),
        sa.Column("reply", sa.Text),
        sa.Column("attempts", sa.Integer, nullable=False, server_default="0"),
        sa.Column("crashes", sa.Integer, nullable=False, server_default="0"),
        sa.Column("round", sa.Integer, nullable=False, server_default="1"),
        sa.Column("claimed_by", sa.Text),
        sa.Column("claimed_until", sa.DateTime(timezone=True)),
        sa.Column("updated", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("sends_issue_status", "sends", ["issue", "status", "subscriber"])


def downgrade() -> None:
    op.drop_table("sends")
    op.drop_table("subscribers")

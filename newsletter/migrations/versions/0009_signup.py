"""Readers sign themselves up: a pause date per subscriber, and every confirmation mail kept.

`paused_until` lets a reader skip issues for a while (send records them as skipped). The
`confirmations` table holds each confirmation mail sent (sign-up, address change, a link
to the manage page): when, to which address, from which form, and when it was followed,
which is the consent record. Existing subscribers keep their status and get no pause.

Revision ID: 0009
Revises: 0008
"""

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("subscribers", sa.Column("paused_until", sa.DateTime(timezone=True)))
    op.create_table(
        "confirmations",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("subscriber", sa.Integer, sa.ForeignKey("subscribers.id", ondelete="CASCADE"), nullable=False),
        sa.Column("purpose", sa.String(16), nullable=False),
        sa.Column("email", sa.String(320), nullable=False),
        sa.Column("email_key", sa.String(320), nullable=False),
        sa.Column("name", sa.Text),
        sa.Column("form", sa.String(64), nullable=False),
        sa.Column("key", sa.String(32), nullable=False),
        sa.Column("mailed", sa.DateTime(timezone=True), nullable=False),
        sa.Column("confirmed", sa.DateTime(timezone=True)),
        sa.Column("previous", sa.String(320)),
    )
    op.create_index("confirmations_email_key", "confirmations", ["email_key", "mailed"])
    op.create_index("confirmations_subscriber", "confirmations", ["subscriber"])


def downgrade() -> None:
    op.drop_table("confirmations")
    with op.batch_alter_table("subscribers") as batch:
        batch.drop_column("paused_until")

"""The fingerprint of what was built: a draft's HTML and text as the editor last built (and saw).

Revision ID: 0008
Revises: 0004
"""

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Nullable: issues built before it have no fingerprint, and send takes them as built.
    op.add_column("issues", sa.Column("built", sa.String(64)))


def downgrade() -> None:
    with op.batch_alter_table("issues") as batch:
        batch.drop_column("built")

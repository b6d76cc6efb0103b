"""A random key per subscriber, carried in unsubscribe tokens, so a token names one subscription.

SQLite reuses the id of a deleted last row (and a store copied across may too), and tokens
carried only the id: an old link could unsubscribe whoever got the id next. Existing rows
keep NULL, and with it their id-only tokens, which stay valid for them and for no keyed row.

Revision ID: 0006
Revises: 0004
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("subscribers", sa.Column("token_key", sa.String(32)))


def downgrade() -> None:
    with op.batch_alter_table("subscribers") as batch:
        batch.drop_column("token_key")

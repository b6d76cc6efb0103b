"""The tables as the code sees them; Alembic migrations (../migrations) create and change them."""

import sqlalchemy as sa

metadata = sa.MetaData()

items = sa.Table(
    "items",
    metadata,
    sa.Column("id", sa.String(64), primary_key=True),
    sa.Column("kind", sa.String(16), nullable=False),
    sa.Column("source", sa.Text, nullable=False),
    sa.Column("published", sa.DateTime(timezone=True)),
    sa.Column("first_seen", sa.DateTime(timezone=True), nullable=False),
    sa.Column("data", sa.JSON, nullable=False),
)

issues = sa.Table(
    "issues",
    metadata,
    sa.Column("number", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("day", sa.Date, nullable=False),
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("subject", sa.Text, nullable=False),
    sa.Column("updated", sa.DateTime(timezone=True), nullable=False),
    sa.Column("sent", sa.DateTime(timezone=True)),
)

issue_items = sa.Table(
    "issue_items",
    metadata,
    sa.Column("issue", sa.Integer, sa.ForeignKey("issues.number", ondelete="CASCADE"), primary_key=True),
    sa.Column("item", sa.String(64), sa.ForeignKey("items.id"), primary_key=True),
    sa.Column("section", sa.String(16), nullable=False),
    sa.Column("position", sa.Integer, nullable=False),
)

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
    # The scheduled job's (store/reviews.py): the send time it was composed for, the editor's
    # review (approved, held), why it was held, and when the editor was told of it.
    sa.Column("send_at", sa.DateTime(timezone=True)),
    sa.Column("review", sa.String(16)),
    sa.Column("note", sa.Text),
    sa.Column("notified", sa.DateTime(timezone=True)),
    # What `build` made of it last (pipeline/freeze.py): send refuses a draft that would differ.
    sa.Column("built", sa.String(64)),
)

issue_items = sa.Table(
    "issue_items",
    metadata,
    sa.Column("issue", sa.Integer, sa.ForeignKey("issues.number", ondelete="CASCADE"), primary_key=True),
    sa.Column("item", sa.String(64), sa.ForeignKey("items.id"), primary_key=True),
    sa.Column("section", sa.String(16), nullable=False),
    sa.Column("position", sa.Integer, nullable=False),
)

subscribers = sa.Table(
    "subscribers",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("email", sa.String(320), nullable=False),
    sa.Column("email_key", sa.String(320), nullable=False, unique=True),
    sa.Column("name", sa.Text, nullable=False, server_default=""),
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("reason", sa.Text),
    sa.Column("created", sa.DateTime(timezone=True), nullable=False),
    sa.Column("updated", sa.DateTime(timezone=True), nullable=False),
    # Random (hex), in unsubscribe tokens, so a token names one subscription even if an id is
    # reused; NULL for rows added before migration 0006 (their tokens carry the id alone).
    sa.Column("token_key", sa.String(32)),
    sa.Column("soft_bounces", sa.Integer, nullable=False, server_default="0"),  # in a row; see store/bounces.py
    sa.Column("paused_until", sa.DateTime(timezone=True)),  # the reader's pause: send skips them until then
)

sends = sa.Table(
    "sends",
    metadata,
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
    # A 4xx answer: the row is pending again, not claimable before retry_at; deferred_since
    # is the first such answer, from which [smtp] retry_for_hours is counted.
    sa.Column("retry_at", sa.DateTime(timezone=True)),
    sa.Column("deferred_since", sa.DateTime(timezone=True)),
)

feeds = sa.Table(
    "feeds",
    metadata,
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

item_keys = sa.Table(
    "item_keys",
    metadata,
    sa.Column("key", sa.String(64), primary_key=True),
    sa.Column("item", sa.String(64), sa.ForeignKey("items.id"), primary_key=True),
)

duplicates = sa.Table(
    "duplicates",
    metadata,
    sa.Column("item", sa.String(64), primary_key=True),
    sa.Column("of_item", sa.String(64), sa.ForeignKey("items.id"), nullable=False),
    sa.Column("source", sa.Text, nullable=False),
    sa.Column("title", sa.Text, nullable=False),
    sa.Column("link", sa.Text),
    sa.Column("first_seen", sa.DateTime(timezone=True), nullable=False),
)

leases = sa.Table(
    "leases",
    metadata,
    sa.Column("name", sa.String(64), primary_key=True),
    sa.Column("holder", sa.Text, nullable=False),
    sa.Column("expires", sa.DateTime(timezone=True), nullable=False),
)

bounces = sa.Table(  # the evidence for each bounce, complaint and unsubscribe mail (store/bounces.py)
    "bounces",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("subscriber", sa.Integer, sa.ForeignKey("subscribers.id", ondelete="CASCADE"), nullable=False),
    sa.Column("issue", sa.Integer),
    sa.Column("kind", sa.String(16), nullable=False),  # hard, soft, complaint, unsubscribe
    sa.Column("code", sa.String(16), nullable=False, server_default=""),  # e.g. 5.1.1
    sa.Column("detail", sa.Text, nullable=False, server_default=""),
    sa.Column("report_id", sa.Text, nullable=False),  # the Message-ID of the report in the mailbox
    sa.Column("received", sa.DateTime(timezone=True), nullable=False),
    sa.Index("bounces_subscriber", "subscriber"),
)

mailbox_seen = sa.Table(  # messages a mailbox reader has taken, by Message-ID: read once, however often fetched
    "mailbox_seen",
    metadata,
    sa.Column("mailbox", sa.String(64), primary_key=True),
    sa.Column("message_id", sa.String(255), primary_key=True),
    sa.Column("taken", sa.DateTime(timezone=True), nullable=False),
)

confirmations = sa.Table(  # every confirmation mail and whether it was followed: the consent record (store/consents.py)
    "confirmations",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("subscriber", sa.Integer, sa.ForeignKey("subscribers.id", ondelete="CASCADE"), nullable=False),
    sa.Column("purpose", sa.String(16), nullable=False),  # subscribe, change (of address), manage (a link mailed)
    sa.Column("email", sa.String(320), nullable=False),  # the address mailed
    sa.Column("email_key", sa.String(320), nullable=False),
    sa.Column("name", sa.Text),  # the name given on the form, taken when confirmed
    sa.Column("form", sa.String(64), nullable=False),  # which form asked: "sign-up page", an embedding's name...
    sa.Column("key", sa.String(32), nullable=False),  # random, in the confirmation link's token
    sa.Column("mailed", sa.DateTime(timezone=True), nullable=False),
    sa.Column("confirmed", sa.DateTime(timezone=True)),
    sa.Column("previous", sa.String(320)),  # a change of address: the address it replaced
    sa.Index("confirmations_email_key", "email_key", "mailed"),
    sa.Index("confirmations_subscriber", "subscriber"),
)

"""Clean the text already stored: what sanitize.clean_text now removes at the door goes from old rows too.

A lone surrogate stored before the door was there stopped every build; a control
character made the archive's Atom file ill-formed. Only rows that change are written.

Revision ID: 0005
Revises: 0004
"""

import sqlalchemy as sa
from alembic import op

from newsletter.sources.sanitize import clean_text

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

# table -> (key column, text columns, JSON columns)
_TEXT = {
    "items": ("id", ("source",), ("data",)),
    "duplicates": ("item", ("source", "title", "link"), ()),
    "issues": ("number", ("subject", "note"), ()),
    "feeds": ("url", ("last_error",), ()),
}


def upgrade() -> None:
    connection = op.get_bind()
    for name, (key, texts, documents) in _TEXT.items():
        table = sa.table(
            name, sa.column(key), *(sa.column(c) for c in texts), *(sa.column(c, sa.JSON) for c in documents)
        )
        changed = []
        for row in connection.execute(sa.select(table)).mappings():
            values = {c: _cleaned(row[c]) for c in (*texts, *documents)}
            if any(values[c] != row[c] for c in values):
                changed.append((row[key], values))
        for ident, values in changed:
            connection.execute(table.update().where(table.c[key] == ident).values(**values))


def _cleaned(value):
    """Every string in `value` (a column's text, or a JSON document's strings and keys) cleaned."""
    if isinstance(value, str):
        return clean_text(value)
    if isinstance(value, list):
        return [_cleaned(v) for v in value]
    if isinstance(value, dict):
        return {_cleaned(k): _cleaned(v) for k, v in value.items()}
    return value


def downgrade() -> None:
    """Nothing to undo: the removed characters were never text anyone meant."""

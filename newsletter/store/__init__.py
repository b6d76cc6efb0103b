"""The store: the only code that runs SQL. SQLite by default, any SQLAlchemy URL by config.

One module per table it owns (issues.py, items.py, feeds.py, subscribers.py, ledger.py for
the sends, leases.py, bounces.py); `Store` opens the database once and holds one of each.
"""

from __future__ import annotations

import sqlalchemy as sa

from ..errors import StoreError
from ..models import Issue
from . import dialects, migrate
from .bounces import Bounces
from .consents import Consents
from .feeds import FeedStore
from .issues import Issues
from .items import Items
from .leases import Leases
from .ledger import Ledger
from .subscribers import Subscribers
from .tips import Tips


class Store:
    """The database, migrated to the newest schema on open; shells open one per command or request."""

    def __init__(self, url: str):
        self.url = url
        try:
            self.engine = dialects.engine(url)
            migrate.upgrade(self.engine)
            self.items = Items(self.engine)
            self.issues = Issues(self.engine)
            self.feeds = FeedStore(self.engine)
            self.subscribers = Subscribers(self.engine)
            self.ledger = Ledger(self.engine)
            self.leases = Leases(self.engine)
            self.bounces = Bounces(self.engine)
            self.tips = Tips(self.engine)
            self.consents = Consents(self.engine)
        except (sa.exc.SQLAlchemyError, OSError) as e:
            raise StoreError(f"{dialects.masked(url)}: cannot open store: {e}") from None

    def close(self) -> None:
        self.engine.dispose()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def issue(self, number: int) -> Issue | None:
        """Issue `number` as last built (its subject and items, section by section), if stored."""
        return self.issues.issue(number)

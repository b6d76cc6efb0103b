"""Call a pipeline verb as the shells do: on a store opened for the call, with the clock as `now`."""

from __future__ import annotations

import datetime as dt
import inspect

from newsletter.store import Store


def on_store(verb, config, *args, **kwargs):
    """`verb(config, store, *args, **kwargs)` on a store opened (and closed) for this call; a verb that
    takes `now` gets the clock unless the test gives one (a test of time passes its own)."""
    if "now" in inspect.signature(verb).parameters and "now" not in kwargs:
        kwargs["now"] = dt.datetime.now(config.zone)
    with Store(config.store_url) as store:
        return verb(config, store, *args, **kwargs)

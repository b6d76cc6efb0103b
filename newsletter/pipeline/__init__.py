"""One function per user-visible verb; the only place one stage's output feeds the next.

Each verb lives in its own module; they are gathered here so the shells call `pipeline.X`.
"""

from .build import BuildResult, build
from .gather import FeedStatus, FetchResult, feeds, fetch
from .lint import CheckResult, check
from .send import SendResult, send
from .subscribers import (
    ImportResult,
    add_subscriber,
    export_subscribers,
    import_subscribers,
    list_subscribers,
    remove_subscriber,
)
from .templates import copy_templates, templates

__all__ = [
    "BuildResult", "build", "FeedStatus", "FetchResult", "feeds", "fetch", "CheckResult", "check",
    "SendResult", "send", "ImportResult", "add_subscriber", "export_subscribers", "import_subscribers",
    "list_subscribers", "remove_subscriber", "copy_templates", "templates",
]  # fmt: skip

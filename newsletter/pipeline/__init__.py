"""One function per user-visible verb; the only place one stage's output feeds the next.

Each verb lives in its own module; they are gathered here so the shells call `pipeline.X`.
"""

from .audio import AudioResult, audio
from .bounces import BounceResult, fetch_bounces
from .build import BuildResult, build
from .check import CheckResult, check
from .corpus import FileReading, corpus
from .db import MigrateResult, SchemaState, db_current, db_upgrade, migrate_from
from .due import RunReport, run_due
from .fetch import FeedStatus, FetchResult, feeds, fetch
from .publish import PublishResult, publish
from .review import ScheduleStatus, approve, hold, status
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
from .tips import (
    TipFetchResult,
    TipRefused,
    accept_tip,
    check_tip,
    decide_tip,
    discard_tip,
    fetch_tips,
    list_tips,
    submit_tip,
    tips_to_decide,
)  # fmt: skip

__all__ = [
    "RunReport", "run_due", "PublishResult", "publish", "ScheduleStatus", "approve", "hold", "status",
    "BuildResult", "build", "FeedStatus", "FetchResult", "feeds", "fetch", "CheckResult", "check",
    "SendResult", "send", "ImportResult", "add_subscriber", "export_subscribers", "import_subscribers",
    "list_subscribers", "remove_subscriber", "copy_templates", "templates",
    "MigrateResult", "SchemaState", "db_current", "db_upgrade", "migrate_from",
    "AudioResult", "audio",
    "FileReading", "corpus",
    "BounceResult", "fetch_bounces",
    "TipFetchResult", "TipRefused", "accept_tip", "check_tip", "decide_tip", "discard_tip", "fetch_tips", "list_tips",
    "submit_tip", "tips_to_decide",
]  # fmt: skip

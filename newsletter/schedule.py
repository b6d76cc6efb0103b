"""APScheduler wiring for `newsletter schedule`: two cron jobs that call `pipeline.run_due`, and a
third every RETRY_MINUTES so recipients deferred by a 4xx answer are tried again when their time comes.

No decisions live here. Jobs are kept in the store's database (SQLAlchemyJobStore, table
`apscheduler_jobs`), so a daemon that was down finds its missed runs: `coalesce` makes
several missed runs one, and `misfire_grace_time` ([schedule] max_lateness) drops a run
that is too late; `run_due` then decides from the calendar and the send ledger, which is
what guarantees that a restart or a second daemon never sends an issue twice.
"""

from __future__ import annotations

import datetime as dt

from .config import Config, load
from .pipeline import run_due
from .pipeline.calendar import calendar

JOBS_TABLE = "apscheduler_jobs"
RETRY_MINUTES = 10


def tick(config_path: str | None, now: dt.datetime | None = None) -> None:
    """The job: reload the config (an edit applies from the next run) and do what is due."""
    from .store import Store

    config = load(config_path)
    with Store(config.store_url) as store:
        run_due(config, store, now=now or dt.datetime.now(dt.timezone.utc))


def make_scheduler(config: Config, *, scheduler_class=None, clock=None):
    """A scheduler (BlockingScheduler by default) with the compose and send jobs in the store.

    A job already stored with the same trigger and settings is kept as it is, so its missed
    run times survive a restart and APScheduler's misfire rules apply to them; a changed one
    is replaced. `clock` (a function returning now) lets a test fix the time jobs are built at.
    """
    from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
    from apscheduler.schedulers.blocking import BlockingScheduler
    from apscheduler.triggers.interval import IntervalTrigger

    cal = calendar(config)
    grace = config.schedule.max_lateness * 60
    scheduler = (scheduler_class or BlockingScheduler)(
        jobstores={"default": SQLAlchemyJobStore(url=config.store_url, tablename=JOBS_TABLE)},
        job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": grace},
        timezone=cal.zone,
    )
    args = [str(config.source) if config.source else None]
    stored = _stored_jobs(config.store_url)
    now = clock() if clock else dt.datetime.now(cal.zone)
    retry = IntervalTrigger(minutes=RETRY_MINUTES, start_date=now, timezone=cal.zone)
    for job_id, trigger in (("compose", cal.compose), ("send", cal.send), ("retry", retry)):
        if stored.get(job_id) == (str(trigger), grace, args):
            continue
        scheduler.add_job(
            tick,
            trigger,
            args=args,
            id=job_id,
            name=f"newsletter {job_id}",
            replace_existing=True,
            next_run_time=trigger.get_next_fire_time(None, now),
        )
    return scheduler


def _stored_jobs(url: str) -> dict[str, tuple[str, int, list]]:
    """job id -> (trigger, grace, args) of the jobs a previous daemon left in the store."""
    from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
    from apscheduler.schedulers.background import BackgroundScheduler

    probe = SQLAlchemyJobStore(url=url, tablename=JOBS_TABLE)
    probe.start(BackgroundScheduler(), "default")
    try:
        return {job.id: (str(job.trigger), job.misfire_grace_time, list(job.args)) for job in probe.get_all_jobs()}
    finally:
        probe.shutdown()

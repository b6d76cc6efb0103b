"""The schedule's calendar: when drafts are composed and issues sent, in the editor's time zone.

Pure: APScheduler's CronTrigger computes fire times for any given `now` (DST included),
so every decision about the calendar is testable without a scheduler or a clock.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from ..config import Config

_LONGEST_GAP = dt.timedelta(days=800)  # a cron expression fires at least once in this long (Feb 29th)


@dataclass(frozen=True)
class Calendar:
    compose: object  # CronTrigger
    send: object
    zone: ZoneInfo

    def next_compose(self, now: dt.datetime) -> dt.datetime | None:
        return self.compose.get_next_fire_time(None, now.astimezone(self.zone))

    def next_send(self, now: dt.datetime) -> dt.datetime | None:
        return self.send.get_next_fire_time(None, now.astimezone(self.zone))

    def slot(self, now: dt.datetime) -> dt.datetime | None:
        """The send time the work due at `now` is for: the first send at or after the latest
        compose time that has come. None before the first compose time ever."""
        composed = previous_fire(self.compose, now.astimezone(self.zone))
        return composed and self.send.get_next_fire_time(None, composed)


def calendar(config: Config) -> Calendar:
    from apscheduler.triggers.cron import CronTrigger

    zone = ZoneInfo(config.schedule.timezone or config.newsletter.timezone)
    return Calendar(
        CronTrigger.from_crontab(config.schedule.compose_at, timezone=zone),
        CronTrigger.from_crontab(config.schedule.send_at, timezone=zone),
        zone,
    )


def previous_fire(trigger, now: dt.datetime) -> dt.datetime | None:
    """The latest fire time at or before `now`. CronTrigger only looks forward, so look back
    over a window that doubles until it holds one: a few steps for any calendar."""
    window = dt.timedelta(minutes=1)
    while window <= _LONGEST_GAP:
        fire = trigger.get_next_fire_time(None, now - window)
        if fire is not None and fire <= now:
            while (later := trigger.get_next_fire_time(None, fire + dt.timedelta(seconds=1))) and later <= now:
                fire = later
            return fire
        window *= 2
    return None

"""Helpers for the scheduler tests: a project with a calendar, subscribers and the seeds."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from zoneinfo import ZoneInfo

from projectkit import write_config
from sendkit import BASE_URL

LONDON = ZoneInfo("Europe/London")
SEEDS = Path(__file__).resolve().parent.parent / "seeds"


def at(*args) -> dt.datetime:
    """A London wall-clock time: the calendar's zone."""
    return dt.datetime(*args, tzinfo=LONDON)


def make_project(folder: Path, smtp_port: int, **schedule) -> Path:
    """config.toml: the seeds as corpus, the test SMTP server, weekday compose 05:00 and send 07:00."""
    return write_config(folder, project_data(smtp_port, **schedule))


def project_data(smtp_port: int, **schedule) -> dict:
    """`make_project`'s config as a dict, for a test to add sections to."""
    return {
        "corpus": {"path": str(SEEDS)},
        "web": {"base_url": BASE_URL},
        "smtp": {"host": "127.0.0.1", "port": smtp_port, "security": "none", "claim_seconds": 1},
        "schedule": {
            "send_at": "0 7 * * mon-fri",
            "compose_at": "0 5 * * mon-fri",
            "editor_email": "editor@example.org",
            "max_lateness": 120,
            **schedule,
        },
    }

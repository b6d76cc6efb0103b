"""The scheduler's wiring (APScheduler jobs in the store) and two real runners against one database."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from apscheduler.schedulers.background import BackgroundScheduler
from schedulekit import at, make_project
from sendkit import SECRET, add_people, load

from newsletter.schedule import make_scheduler, tick
from newsletter.store import Store


@pytest.fixture(autouse=True)
def secret(monkeypatch):
    monkeypatch.setenv("NEWSLETTER_SECRET", SECRET)


def jobs(config, when):
    """The stored jobs after a start at `when` (in the future: nothing is due, so nothing runs)."""
    scheduler = make_scheduler(config, scheduler_class=BackgroundScheduler, clock=lambda: when)
    scheduler.start(paused=True)
    try:
        return {job.id: job for job in scheduler.get_jobs()}
    finally:
        scheduler.shutdown(wait=False)


def test_jobs_live_in_the_store_and_keep_their_missed_runs_over_a_restart(tmp_path):
    config = load(make_project(tmp_path, 8025))
    first = jobs(config, at(2030, 3, 4, 4, 0))
    assert first["compose"].next_run_time == at(2030, 3, 4, 5) and first["send"].next_run_time == at(2030, 3, 4, 7)
    send = first["send"]
    assert (send.coalesce, send.max_instances, send.misfire_grace_time) == (True, 1, 120 * 60)
    retry = first["retry"]  # deferred recipients are looked at on start, then every 10 minutes
    assert retry.next_run_time == at(2030, 3, 4, 4, 0) and retry.trigger.interval.total_seconds() == 600
    # Down from Monday 04:00 to Wednesday: the stored runs are kept, so on start APScheduler
    # runs each job once (coalesce) if within max_lateness, and run_due decides the rest.
    again = jobs(config, at(2030, 3, 6, 8, 0))
    assert again["send"].next_run_time == at(2030, 3, 4, 7)


def test_a_changed_calendar_replaces_the_stored_jobs(tmp_path):
    path = make_project(tmp_path, 8025)
    jobs(load(path), at(2030, 3, 4, 4, 0))
    path.write_text(path.read_text().replace('send_at = "0 7 * * mon-fri"', 'send_at = "30 8 * * *"'))
    assert jobs(load(path), at(2030, 3, 9, 4, 0))["send"].next_run_time == at(2030, 3, 9, 8, 30)


def test_the_job_runs_the_due_step_for_its_config_file(tmp_path, smtp_server):
    path = make_project(tmp_path, smtp_server.port)
    add_people(path, 1)
    tick(str(path), now=at(2030, 3, 4, 5, 0))
    tick(str(path), now=at(2030, 3, 4, 7, 0))
    assert [r.recipient for r in smtp_server.received] == ["editor@example.org", "person0@example.com"]


def test_two_runners_started_together_compose_and_send_one_issue(tmp_path, smtp_server):
    path = make_project(tmp_path, smtp_server.port, send_at="* * * * *", compose_at="* * * * *")
    add_people(path, 3)
    env = {**os.environ, "NEWSLETTER_SECRET": SECRET}
    command = [sys.executable, "-m", "newsletter", "run-once", "--at", "2024-03-04 07:00", "--config", str(path)]
    runners = [subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env) for _ in range(2)]
    outputs = [runner.communicate(timeout=60) for runner in runners]
    assert [runner.returncode for runner in runners] == [0, 0], outputs
    lines = sorted(out.decode() for out, _ in outputs)
    assert sum(" sent: sent issue 1" in line for line in lines) == 1, lines
    with Store(load(path).store_url) as store:
        assert [(r.number, r.status) for r in store.issues.all()] == [(1, "sent")]
    people = [r.recipient for r in smtp_server.received if r.recipient != "editor@example.org"]
    assert sorted(people) == ["person0@example.com", "person1@example.com", "person2@example.com"]
    assert len(smtp_server.to("editor@example.org")) == 1

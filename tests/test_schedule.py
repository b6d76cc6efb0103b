"""The scheduled job's decisions (`run_due`) at injected times, on real SQLite files and a real SMTP server."""

from __future__ import annotations

import datetime as dt

import pytest
from click.testing import CliRunner
from schedulekit import LONDON, at, make_project
from sendkit import SECRET, add_people, load
from shellkit import on_store

from newsletter.cli import cli
from newsletter.pipeline import run_due
from newsletter.pipeline.calendar import calendar
from newsletter.store import Store


@pytest.fixture(autouse=True)
def secret(monkeypatch):
    monkeypatch.setenv("NEWSLETTER_SECRET", SECRET)


@pytest.fixture
def project(tmp_path, smtp_server):
    path = make_project(tmp_path, smtp_server.port)
    add_people(path, 2)
    return path


def run(path, when, holder="daemon-1"):
    return on_store(run_due, load(path), now=when, holder=holder)


def subscribers_mail(smtp_server):
    return [r for r in smtp_server.received if r.recipient != "editor@example.org"]


def issue(path, number=1):
    with Store(load(path).store_url) as store:
        return store.issues.get(number)


def test_the_calendar_keeps_wall_clock_time_across_dst(project):
    cal = calendar(load(project))
    assert cal.next_send(at(2024, 3, 29, 8)) == at(2024, 4, 1, 7)  # Friday -> Monday, over the spring change
    assert cal.next_send(at(2024, 3, 29, 8)).utcoffset() == dt.timedelta(hours=1)
    assert cal.next_send(at(2024, 10, 25, 8)).astimezone(dt.timezone.utc).hour == 7  # back to GMT
    assert cal.slot(at(2024, 4, 1, 6)) == at(2024, 4, 1, 7)
    assert cal.slot(at(2024, 3, 30, 12)) == at(2024, 3, 29, 7)  # Saturday: Friday's issue


def test_compose_notifies_the_editor_then_send_goes_out_once(project, smtp_server):
    composed = run(project, at(2024, 4, 1, 5, 0))  # the Monday after the clocks went forward
    assert composed.action == "composed" and composed.issue == 1 and composed.sent == 0
    [note] = smtp_server.to("editor@example.org")
    body = note.message.get_content()
    assert "newsletter hold 1" in body and "Preview: http://127.0.0.1:8000/draft" in body and "check found" in body
    assert run(project, at(2024, 4, 1, 6, 30)).action == "idle"  # the review window
    assert subscribers_mail(smtp_server) == []
    sent = run(project, at(2024, 4, 1, 7, 0))
    assert (sent.action, sent.issue, sent.sent, sent.failed) == ("sent", 1, 2, 0)
    again = run(project, at(2024, 4, 1, 7, 5), holder="restarted")
    assert again.action == "idle" and "was sent already" in again.message
    assert len(subscribers_mail(smtp_server)) == 2
    assert issue(project).send_at == at(2024, 4, 1, 7)


def test_downtime_over_two_send_times_sends_one_issue(project, smtp_server):
    assert run(project, at(2024, 3, 4, 5, 0)).issue == 1  # Monday's draft; then down till Wednesday
    back = run(project, at(2024, 3, 6, 7, 30))
    assert (back.action, back.issue) == ("sent", 1)  # Monday's draft, rebuilt for Wednesday, sent once
    assert issue(project).send_at == at(2024, 3, 6, 7)
    assert len(subscribers_mail(smtp_server)) == 2
    assert run(project, at(2024, 3, 6, 8, 0)).sent == 0


def test_an_issue_past_max_lateness_is_held_and_the_editor_told(project, smtp_server):
    run(project, at(2024, 3, 4, 5, 0))
    late = run(project, at(2024, 3, 4, 9, 30))
    assert late.action == "late" and "more than 120 minutes" in late.message
    assert subscribers_mail(smtp_server) == []
    assert issue(project).state == "held"
    assert "was not sent: late" in smtp_server.to("editor@example.org")[-1].message.get_content()


def test_a_held_issue_is_not_sent_until_approved(project, smtp_server):
    run(project, at(2024, 3, 4, 5, 0))
    result = CliRunner().invoke(cli, ["hold", "1", "--config", str(project)])
    assert result.exit_code == 0 and result.output == "Issue 1 is held; newsletter approve 1 lets it go\n"
    assert run(project, at(2024, 3, 4, 7, 0)).action == "held"
    assert subscribers_mail(smtp_server) == []
    CliRunner().invoke(cli, ["approve", "1", "--config", str(project)])
    assert run(project, at(2024, 3, 4, 7, 10)).action == "sent"


def test_approve_mode_holds_an_unapproved_issue_and_sends_an_approved_one(tmp_path, smtp_server):
    path = make_project(tmp_path, smtp_server.port, mode="approve")
    add_people(path, 1)
    run(path, at(2024, 3, 4, 5, 0))
    assert "newsletter approve 1" in smtp_server.to("editor@example.org")[0].message.get_content()
    held = run(path, at(2024, 3, 4, 7, 0))
    assert held.action == "held" and "not approved" in held.message and subscribers_mail(smtp_server) == []
    run(path, at(2024, 3, 5, 5, 0))  # Tuesday: the draft is rebuilt, the editor approves it in time
    CliRunner().invoke(cli, ["approve", "1", "--config", str(path)])
    assert run(path, at(2024, 3, 5, 7, 0)).action == "sent"


def test_too_few_new_items_means_no_issue(tmp_path, smtp_server):
    path = make_project(tmp_path, smtp_server.port, min_new_items=50)
    add_people(path, 1)
    report = run(path, at(2024, 3, 4, 5, 0))
    assert report.action == "no-issue" and "fewer than min_new_items (50)" in report.message
    assert run(path, at(2024, 3, 4, 7, 0)).action == "held"
    assert smtp_server.received == []


def test_a_crash_between_compose_and_send_resumes_the_same_issue(project, smtp_server):
    run(project, at(2024, 3, 4, 5, 0), holder="crashed")
    with Store(load(project).store_url) as store:  # the crashed daemon's lease is still in the store
        assert store.leases.acquire("schedule", "crashed", at(2024, 3, 4, 5, 1), 600)
        built = store.issues.draft().updated
    assert run(project, at(2024, 3, 4, 5, 5), holder="new").action == "busy"
    resumed = run(project, at(2024, 3, 4, 7, 0), holder="new")  # the lease has expired by then
    assert (resumed.action, resumed.issue) == ("sent", 1)
    with Store(load(project).store_url) as store:
        assert [r.updated for r in store.issues.all()] == [built]  # sent as composed, not rebuilt


def test_status_shows_the_calendar_the_draft_and_the_last_send(project, smtp_server):
    run(project, at(2024, 3, 4, 5, 0))
    out = CliRunner().invoke(cli, ["status", "--config", str(project)]).output
    assert "Mode:         auto" in out and "Next send:" in out
    assert "Current:      issue 1: draft, for Mon 04 Mar 2024 07:00 GMT:" in out
    run(project, at(2024, 3, 4, 7, 0))
    out = CliRunner().invoke(cli, ["status", "--config", str(project)]).output
    assert "Current:      no draft" in out and "Last sent:    issue 1 on " in out and "sent 2, failed 0" in out


def test_leases_admit_one_holder_until_released_or_expired(tmp_path):
    with Store(f"sqlite:///{tmp_path}/n.db") as store:
        now = at(2024, 3, 4, 5, 0).astimezone(LONDON)
        assert store.leases.acquire("x", "a", now, 60)
        assert not store.leases.acquire("x", "b", now, 60)
        assert store.leases.acquire("x", "a", now + dt.timedelta(seconds=30), 60)  # renewed
        assert not store.leases.acquire("x", "b", now + dt.timedelta(seconds=80), 60)
        assert store.leases.acquire("x", "b", now + dt.timedelta(seconds=91), 60)  # expired
        store.leases.release("x", "b")
        assert store.leases.holder("x", now) is None and store.leases.acquire("x", "a", now, 60)


def test_the_scheduled_send_refuses_an_issue_check_finds_errors_in(project, smtp_server):
    override = project.parent / "mine" / "email" / "_overflow.html"
    override.parent.mkdir(parents=True)
    override.write_text('<tr><td><a href="javascript:alert(1)">Win a prize</a></td></tr>\n', encoding="utf-8")
    with project.open("a", encoding="utf-8") as config:
        config.write('[templates]\ndir = "mine"\n')
    assert run(project, at(2024, 4, 1, 5, 0)).action == "composed"
    refused = run(project, at(2024, 4, 1, 7, 0))
    assert refused.action == "failed" and "issue 1 has 1 check error(s), so it is not sent" in refused.message
    assert subscribers_mail(smtp_server) == [] and issue(project).status == "draft"

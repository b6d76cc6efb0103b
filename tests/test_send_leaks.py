"""What a send shows that it should not (issue 14, item 10): a dry run's sample carries no
working unsubscribe token, and Message-IDs tell nothing of a subscriber's place on the list."""

from __future__ import annotations

import os
import re
import sqlite3
import subprocess
import sys
from pathlib import Path

from sendkit import BASE_URL, SECRET, add_people, draft_issue, load, make_project
from shellkit import on_store

from newsletter import pipeline
from newsletter.deliver.tokens import Tokens
from newsletter.pipeline.send import DRY_RUN_TOKEN

ROOT = Path(__file__).resolve().parent.parent


def test_a_dry_run_prints_a_placeholder_not_a_working_token(tmp_path):
    path = make_project(tmp_path, 2525)
    draft_issue(path)
    add_people(path, 2)
    env = {**os.environ, "PYTHONPATH": str(ROOT), "NEWSLETTER_SECRET": SECRET}
    done = subprocess.run(
        [sys.executable, "-m", "newsletter", "send", "--dry-run", "--config", str(path)],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    text = re.sub(r"=\r?\n", "", done.stdout)  # undo quoted-printable soft breaks in the body
    links = set(re.findall(re.escape(BASE_URL) + r"/unsubscribe/([A-Za-z0-9_=-]+)", text))
    assert links == {DRY_RUN_TOKEN}
    assert all(Tokens(SECRET).read(token) is None for token in re.findall(r"[A-Za-z0-9_-]{32,44}", text))


def test_message_ids_are_opaque_and_stable_per_recipient_and_round(tmp_path, smtp_server, monkeypatch):
    monkeypatch.setenv("NEWSLETTER_SECRET", SECRET)
    path = make_project(tmp_path, smtp_server.port)
    draft_issue(path)
    add_people(path, 12)
    on_store(pipeline.send, load(path))
    ids = [r.message["Message-ID"] for r in smtp_server.received]
    assert len(set(ids)) == 12
    for message_id in ids:
        left = re.fullmatch(r"<([a-z2-7]{26})@example\.org>", message_id)
        assert left, message_id  # no issue number, round or subscriber id to count from
    with sqlite3.connect(tmp_path / "newsletter.db") as db:  # issue 14, item 16: one timestamp format
        stamps = [row[0] for row in db.execute("SELECT updated FROM sends UNION ALL SELECT updated FROM subscribers")]
    assert len(stamps) == 24 and all(re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{6}", s) for s in stamps), stamps

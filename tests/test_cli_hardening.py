"""Attacks on the commands (issue 14, items 4, 6, 7, 8, 9), each run as a real `newsletter`
subprocess or against a real preview server: concurrent edits, file modes, hostile nesting,
malformed database URLs and secrets that are not random."""

from __future__ import annotations

import http.client
import os
import re
import shutil
import stat
import subprocess
import sys
import tomllib
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from sendkit import SECRET

from newsletter.store import Store

ROOT = Path(__file__).resolve().parent.parent
DAY = "2016-08-31"


def newsletter(project: Path, *args: str, env: dict | None = None, umask: int = 0o022) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "NEWSLETTER_SECRET": SECRET, **(env or {})}
    return subprocess.run(
        [sys.executable, "-m", "newsletter", *args, "--config", str(project / "config.toml")],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
        preexec_fn=lambda: os.umask(umask),
    )


@pytest.fixture
def project(tmp_path):
    shutil.copytree(ROOT / "seeds", tmp_path / "seeds")
    shutil.copy(ROOT / "config.toml", tmp_path / "config.toml")
    return tmp_path


def test_forty_simultaneous_edits_of_one_drafts_file_are_all_kept(project):
    command = [
        sys.executable,
        "-m",
        "newsletter",
        "preview",
        "--port",
        "0",
        "--date",
        DAY,
        "--config",
        str(project / "config.toml"),
    ]
    env = {**os.environ, "PYTHONPATH": str(ROOT), "NEWSLETTER_SECRET": SECRET}
    with subprocess.Popen(command, stderr=subprocess.PIPE, text=True, env=env) as process:
        try:
            port = int(re.search(r":(\d+)/draft", process.stderr.readline())[1])

            def add(n: int) -> int:
                connection = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
                try:
                    connection.request(
                        "POST",
                        "/draft/shape",
                        body=f"action=hearing&text=line+{n}".encode(),
                        headers={"Content-Type": "application/x-www-form-urlencoded"},
                    )
                    return connection.getresponse().status
                finally:
                    connection.close()

            with ThreadPoolExecutor(40) as pool:
                answers = list(pool.map(add, range(40)))
        finally:
            process.terminate()
            process.wait(timeout=30)
    assert answers == [303] * 40
    drafts = project / "drafts"
    saved = tomllib.loads((drafts / "issue-0001.toml").read_text(encoding="utf-8"))["hearing"]
    assert sorted(saved) == sorted(f"line {n}" for n in range(40))
    assert [p.name for p in drafts.iterdir()] == ["issue-0001.toml"]  # no temporary file left behind


def test_the_store_is_private_and_built_files_public_whatever_the_umask(project):
    for umask in (0o000, 0o022):
        for name in ("newsletter.db", "newsletter.db-wal", "newsletter.db-shm"):
            (project / name).unlink(missing_ok=True)
        assert newsletter(project, "subscribers", "add", "reader@example.com", umask=umask).returncode == 0
        assert newsletter(project, "build", "--no-fetch", "--date", DAY, umask=umask).returncode == 0
        store = [
            project / n for n in ("newsletter.db", "newsletter.db-wal", "newsletter.db-shm") if (project / n).exists()
        ]
        assert store and {stat.S_IMODE(p.stat().st_mode) for p in store} == {0o600}, umask
        built = project / "out" / "issue-0001"
        assert stat.S_IMODE(built.stat().st_mode) == 0o755
        assert {stat.S_IMODE(p.stat().st_mode) for p in built.iterdir()} == {0o644}
    (project / "newsletter.db").chmod(0o644)  # a store made before this: made private on the next open
    assert newsletter(project, "subscribers", "list").returncode == 0
    assert stat.S_IMODE((project / "newsletter.db").stat().st_mode) == 0o600
    old = os.umask(0)
    try:  # -wal and -shm exist while the store is open (SQLite removes them at the last close)
        with Store(f"sqlite:///{project / 'newsletter.db'}") as store, store.engine.begin() as conn:
            store.subscribers.count()
            conn.exec_driver_sql("CREATE TEMP TABLE t (x)")
            open_files = [project / f"newsletter.db{suffix}" for suffix in ("", "-wal", "-shm")]
            assert {stat.S_IMODE(p.stat().st_mode) for p in open_files} == {0o600}
    finally:
        os.umask(old)


def nested(depth: int, kind: str) -> str:
    """A TOML value `depth` levels deep: arrays [[[...]]] or inline tables {a={a=...}}."""
    return "[" * depth + "]" * depth if kind == "array" else "{a=" * depth + "1" + "}" * depth


@pytest.mark.parametrize("kind", ["array", "table"])
def test_a_deeply_nested_drafts_file_is_one_warning_and_a_config_one_error_line(project, kind):
    (project / "drafts").mkdir()
    (project / "drafts" / "issue-0001.toml").write_text(f"subject = {nested(100_000, kind)}\n", encoding="utf-8")
    built = newsletter(project, "build", "--dry-run", "--no-fetch", "--date", DAY)
    assert built.returncode == 0 and "Traceback" not in built.stderr
    assert [line for line in built.stderr.splitlines() if "issue-0001.toml" in line] == [
        f"warning: {project / 'drafts' / 'issue-0001.toml'}: arrays or tables nested too deeply to read; "
        "the editor's choices are ignored"
    ]
    config = project / "config.toml"
    config.write_text(config.read_text(encoding="utf-8") + f"\n[extra]\nkey = {nested(100_000, kind)}\n")
    refused = newsletter(project, "build", "--dry-run", "--no-fetch", "--date", DAY)
    assert refused.returncode == 1
    assert refused.stderr == f"Error: {config}: arrays or tables nested too deeply to read\n"


BAD_URLS = [
    "postgresql+psycopg://editor:{pw}@db.example:notaport/newsletter",
    "postgresql+psycopg://editor:{pw}@[::1/newsletter",
    "nosuchdb://editor:{pw}@db.example/newsletter",
    "postgresql+nodriver://editor:{pw}@db.example/newsletter",
    "mysql://editor:{pw}@127.0.0.1/newsletter",
    "not a url at all {pw}",
]


@pytest.mark.parametrize("template", BAD_URLS)
@pytest.mark.parametrize("password", ["s3cr3t-pw", "p@ss:w@rd/x"])
def test_a_malformed_database_url_is_one_line_with_the_password_masked(project, template, password):
    url = template.format(pw=password)
    for args in (("db", "current"), ("subscribers", "list")):
        done = newsletter(project, *args, env={"NEWSLETTER_DATABASE_URL": url})
        assert done.returncode == 1 and done.stdout == "", done.stderr
        assert done.stderr.count("\n") == 1 and done.stderr.startswith("Error: "), done.stderr
        if "://" in url:
            assert password not in done.stderr and "***" in done.stderr, done.stderr


def weak_secrets() -> list[str]:
    """Values of NEWSLETTER_SECRET a person types by mistake, one per kind of non-randomness."""
    return [
        " " * 16,
        "\t" * 20,
        "x" * 40,
        "ab" * 20,
        "abc" * 12,
        "0123456789abcdef",
        "abcdefghijklmnopqrstuvwxyz",
        "correct horse battery staple",
        "secret\n" * 4,
        "short",
    ]


@pytest.mark.parametrize("weak", weak_secrets(), ids=repr)
def test_a_secret_that_is_obviously_not_random_is_refused_saying_how_to_make_one(project, weak):
    done = newsletter(project, "serve", "--port", "0", env={"NEWSLETTER_SECRET": weak})
    assert done.returncode == 1 and done.stderr.count("\n") == 1, done.stderr
    assert done.stderr.startswith("Error: NEWSLETTER_SECRET ") and "secrets.token_urlsafe(32)" in done.stderr


def test_random_secrets_of_every_usual_shape_are_accepted():
    import secrets

    from newsletter.deliver.tokens import tokens_from

    for _ in range(200):
        for value in (secrets.token_urlsafe(12), secrets.token_hex(16), secrets.token_urlsafe(32), SECRET):
            tokens_from(value)

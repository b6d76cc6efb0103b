"""The README's recipes, run as a reader would: each shell block the reader is told to run is
executed by bash in a temporary copy of the project, with the SMTP server and the ports it names
(8025, 8000, 8080); the command examples of the reference are parsed by the real CLI.

Two stand-ins, both said here: `pip install -e .` is the test environment's job (the
`newsletter` command of this tree is on PATH), and the scheduler recipe's daemon,
`newsletter schedule`, is run as the one `newsletter run-once` its first minute amounts to
(compose and send are both due at once), since a test must not wait for the clock.
"""

from __future__ import annotations

import email.header
import os
import re
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")
PORTS = {"smtp": 8025, "preview": 8000, "serve": 8080}


def shell_blocks() -> list[tuple[int, str]]:
    """(line, text) of every ```sh block."""
    return [(README[: m.start()].count("\n") + 1, m.group(1)) for m in re.finditer(r"```sh\n(.*?)```", README, re.S)]


def block(starting: str, containing: str = "") -> str:
    found = [text for _, text in shell_blocks() if text.lstrip().startswith(starting) and containing in text]
    assert len(found) == 1, f"no single README block starts with {starting!r}"
    return found[0]


@pytest.fixture
def clone(tmp_path, monkeypatch):
    """A fresh copy of what a clone holds that the recipes use, and the named ports free."""
    busy = [f"{name} {port}" for name, port in PORTS.items() if _answers(port)]
    if busy:
        reason = f"the README's ports are in use on this machine: {', '.join(busy)}"
        if os.environ.get("CI"):
            pytest.fail(reason)
        pytest.skip(reason)
    folder = tmp_path / "newsletter"
    folder.mkdir()
    shutil.copytree(ROOT / "seeds", folder / "seeds")
    shutil.copy(ROOT / "config.toml", folder / "config.toml")
    return folder


class Shell:
    """Runs README blocks with bash in one session, so every process a block leaves running ends with the test."""

    def __init__(self, folder: Path):
        self.folder, self.sessions = folder, []
        self.env = {k: v for k, v in os.environ.items() if not k.startswith("NEWSLETTER_")}
        self.env |= {
            "PYTHONPATH": str(ROOT),
            "BROWSER": "true",
            "PATH": f"{Path(sys.executable).parent}:{os.environ['PATH']}",
        }

    def run(self, script: str, *, wait: bool = True, timeout: float = 120) -> tuple[int | None, str, str]:
        out, err = (self.folder / f".out{len(self.sessions)}", self.folder / f".err{len(self.sessions)}")
        with open(out, "wb") as o, open(err, "wb") as e:
            process = subprocess.Popen(
                ["bash", "-e", "-c", script], cwd=self.folder, env=self.env, stdout=o, stderr=e, start_new_session=True
            )
        self.sessions.append((process, out, err))
        code = process.wait(timeout) if wait else None
        return code, out.read_text(errors="replace"), err.read_text(errors="replace")

    def output(self, index: int) -> str:
        return self.sessions[index][1].read_text(errors="replace")

    def close(self) -> None:
        """End every process the blocks started (their sessions), and wait until they are gone."""
        for process, _, _ in self.sessions:
            for sig in (signal.SIGTERM, signal.SIGKILL):
                end = time.monotonic() + 10
                try:
                    os.killpg(process.pid, sig)
                    while time.monotonic() < end:
                        process.poll()
                        os.killpg(process.pid, 0)  # raises once no process of the session is left
                        time.sleep(0.02)
                except ProcessLookupError:
                    break


@pytest.fixture
def shell(clone):
    running = Shell(clone)
    yield running
    running.close()


def _answers(port: int) -> bool:
    with socket.socket() as s:
        return s.connect_ex(("127.0.0.1", port)) == 0


def get(port: int, path: str, *, deadline: float = 30) -> tuple[int, str]:
    """GET once the server answers (it is started in the background by the recipe)."""
    end = time.monotonic() + deadline
    while True:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=10) as response:
                return response.status, response.read().decode("utf-8", "replace")
        except urllib.error.HTTPError as e:
            return e.code, e.read().decode("utf-8", "replace")
        except OSError:
            assert time.monotonic() < end, f"nothing answers on port {port}"
            time.sleep(0.05)  # polling for a server to come up, not waiting for time


def test_the_quick_start_builds_previews_and_sends_the_previewed_issue(shell, clone):
    install_and_build = block("pip install -e . &&")
    assert install_and_build.startswith("pip install -e . && newsletter build --date 2016-08-31")
    code, out, err = shell.run(install_and_build.removeprefix("pip install -e . && "))
    assert code == 0, err
    assert out.startswith("Issue 1 (draft) for 2016-08-31: The Daily eLetter")
    built = (clone / "out" / "issue-0001" / "issue.eml").read_bytes()
    assert b"%%" not in built and b"http://127.0.0.1:8080/unsubscribe" in built

    shell.run(block("newsletter preview --date 2016-08-31 --open      #"), wait=False)
    status, page = get(PORTS["preview"], "/draft")
    assert status == 200 and "The Daily eLetter: As health services management" in page  # the lead's first words

    code, _, err = shell.run(block("export NEWSLETTER_SECRET=", "people.csv"))
    assert code == 0, err
    assert "Issue 1 is sent" in shell.output(2), shell.output(2) + err
    mail = shell.output(2)  # aiosmtpd -n prints what it receives
    subject = re.search(r"^Subject: (.*(?:\n[ \t].*)*)", mail, re.M).group(1)
    subject = str(email.header.make_header(email.header.decode_header(subject)))
    assert "To: Ada Lovelace <ada@example.org>" in mail
    assert subject.startswith("The Daily eLetter: As health services management")
    link = re.search(r"List-Unsubscribe: <(http://127\.0\.0\.1:8080/unsubscribe/[\w-]+)>", mail).group(1)
    assert get(PORTS["serve"], "/archive/issue-0001.html")[0] == 200
    assert get(PORTS["serve"], "/unsubscribe")[0] == 200
    assert get(PORTS["serve"], link.removeprefix("http://127.0.0.1:8080"))[0] == 200


def test_the_schedule_trial_composes_sends_and_publishes_the_archive(shell, clone):
    recipe = block(
        "export NEWSLETTER_SECRET=\"$(python -c 'import secrets; print(secrets.token_urlsafe(32))')\"\n"
        "python -m aiosmtpd -n -l 127.0.0.1:8025 &\nnewsletter subscribers add"
    )
    daemon = re.search(r"^newsletter schedule\b.*$", recipe, re.M).group()
    code, _, err = shell.run(recipe.replace(daemon, "newsletter run-once"))
    assert code == 0, err
    assert " sent: sent issue 1; archive: 3 file(s)" in err + shell.output(0), err
    assert (clone / "config.toml.bak").exists()
    assert "Subject: The Daily eLetter" in shell.output(0)
    status, index = get(PORTS["serve"], "/archive/")
    assert status == 200 and "issue-0001.html" in index


REFERENCE_SKIPS = ("newsletter schedule --config /srv/",)  # a path on the reader's server


def test_every_command_example_in_the_reference_parses():
    """Each `newsletter ...` line of the reference: its command exists and takes those options."""
    import click

    from newsletter.cli import cli

    faults = []
    for line_number, text in shell_blocks():
        for line in text.replace("\\\n", " ").splitlines():
            words = shlex.split(line, comments=True)
            for command in _commands(words):
                if " ".join(command).startswith(REFERENCE_SKIPS):
                    continue
                try:
                    _parse(cli, command[1:])
                except click.BadParameter as e:
                    if not isinstance(getattr(e.param, "type", None), click.Path):  # the reader's own files
                        faults.append(f"README line {line_number}: {' '.join(command)}: {e.format_message()}")
                except click.UsageError as e:
                    faults.append(f"README line {line_number}: {' '.join(command)}: {e.format_message()}")
    assert faults == []


def _commands(words: list[str]):
    """The `newsletter ...` commands of one shell line, split at && ; | &."""
    current: list[str] | None = None
    for word in words + ["&&"]:
        if word in ("&&", ";", "|", "&", "||"):
            if current:
                yield current
            current = None
        elif current is None:
            current = [word] if word in ("newsletter", "venv/bin/newsletter") else []
        elif current:
            current.append(word)
        if word.startswith(">"):
            current = current[:-1] if current else current


def _parse(group, args: list[str]) -> None:
    import click

    name, command, rest = group.resolve_command(click.Context(group), args)
    if isinstance(command, click.Group):
        return _parse(command, rest)
    command.make_context(name, [a for a in rest if not a.startswith(">")], resilient_parsing=False)

"""Templates from a shared folder cannot run code (issue 14, item 12): each escape from Jinja2
into Python, put in an override of email/issue.html, fails the real `newsletter build` with one
line naming the file and line, and runs nothing; the same template shapes the issue otherwise."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
MASTHEAD = '<h1 class="masthead-title">{{ newsletter.title }}</h1>'

ESCAPES = {  # each would write the file PWNED (or read the environment) in a plain Environment
    "cycler globals": "{{ cycler.__init__.__globals__.os.system('touch PWNED') }}",
    "joiner globals": "{{ joiner.__init__.__globals__.os.popen('touch PWNED').read() }}",
    "subclasses": "{% for c in ().__class__.__base__.__subclasses__() %}{% if c.__name__ == 'Popen' %}"
    "{{ c(['touch', 'PWNED']) }}{% endif %}{% endfor %}",
    "format string": "{{ '{0.__init__.__globals__[os].system}'.format(cycler) }}",
    "environ through a global": "{{ lipsum.__globals__['os'].environ.NEWSLETTER_SECRET }}",
    "environ through the namespace": "{{ namespace.__init__.__globals__.sys.modules.os.environ }}",
    "mutating context": "{% set x = issue.pieces.__class__ %}{{ [].append.__self__.__class__.__base__ }}"
    "{{ email.__class__.__init__.__globals__.os.system('touch PWNED') }}",
    "list mutation": "{% set xs = [1] %}{{ xs.append(2) }}{{ xs }}",
}


@pytest.fixture
def project(tmp_path):
    shutil.copytree(ROOT / "seeds", tmp_path / "seeds")
    shutil.copytree(ROOT / "templates", tmp_path / "mine")
    text = (ROOT / "config.toml").read_text(encoding="utf-8")
    (tmp_path / "config.toml").write_text(text.replace('\ndir = ""\n', '\ndir = "mine"\n'), encoding="utf-8")
    return tmp_path


def build(project: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "NEWSLETTER_SECRET": "sensitive-value-0123456789abcdefXYZ"}
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "newsletter",
            "build",
            "--dry-run",
            "--no-fetch",
            "--date",
            "2016-08-31",
            "--config",
            str(project / "config.toml"),
        ],
        cwd=project,
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
    )


@pytest.mark.parametrize("name", ESCAPES)
def test_a_template_cannot_run_commands_or_read_the_environment(project, name):
    template = project / "mine" / "email" / "issue.html"
    text = template.read_text(encoding="utf-8")
    template.write_text(text.replace(MASTHEAD, MASTHEAD + ESCAPES[name]), encoding="utf-8")
    done = build(project)
    assert done.returncode == 1 and "Traceback" not in done.stderr, done.stderr
    assert done.stderr.startswith(f"Error: {template}, line ") and "SecurityError" in done.stderr, done.stderr
    assert done.stderr.count("\n") == 1
    assert not (project / "PWNED").exists() and "sensitive-value" not in done.stdout + done.stderr


def test_the_sandboxed_template_still_shapes_the_issue(project):
    template = project / "mine" / "email" / "issue.html"
    text = template.read_text(encoding="utf-8")
    shaped = MASTHEAD + "{% for piece in issue.pieces[:1] %}<p>First: {{ piece.title | upper }}</p>{% endfor %}"
    template.write_text(text.replace(MASTHEAD, shaped), encoding="utf-8")
    done = build(project)
    assert done.returncode == 0, done.stderr

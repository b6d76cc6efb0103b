"""A real IMAP server for tests: Debian's dovecot on 127.0.0.1, a free port, TLS only, one user.

Everything lives in a throwaway folder (config, passwords, certificate, mail, logs) and the
server is stopped and the folder removed on exit. Root-safe: as root, dovecot's own
unprivileged users run the login processes and the mail is served as `nobody` (dovecot
refuses uid 0), which owns the Maildir; tests drop readable files into its new/. Used by the bounce tests and
the tips tests (the `imap` fixture in conftest.py). `skip_or_fail` skips with the reason on a machine without dovecot and
fails under CI=true, where .ci/run installs dovecot-imapd.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import ssl
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

DOVECOT = shutil.which("dovecot") or "/usr/sbin/dovecot"
DATA = Path(__file__).parent / "data"
USER, PASSWORD = "bounces", "imap-test-password"

CONFIG = """\
base_dir = {dir}/run
state_dir = {dir}/state
log_path = {dir}/dovecot.log
protocols = imap
listen = 127.0.0.1
ssl = required
ssl_cert = <{cert}
ssl_key = <{key}
auth_mechanisms = plain
first_valid_uid = 1
default_internal_user = {internal}
default_login_user = {login}
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {dir}/passwd
}}
userdb {{
  driver = static
  args = uid={uid} gid={gid} home={dir}/home/%u
}}
mail_location = maildir:~/Maildir
service imap-login {{
  inet_listener imap {{
    port = 0
  }}
  inet_listener imaps {{
    port = {port}
    ssl = yes
  }}
}}
service anvil {{
  chroot =
}}
service imap-login {{
  chroot =
}}
"""


@dataclass(frozen=True)
class ImapServer:
    port: int
    user: str
    password: str
    maildir: Path  # the user's Maildir, for tests to deliver into (new/) and look at (cur/)
    context: ssl.SSLContext  # trusts the test certificate

    @property
    def url(self) -> str:
        return f"imaps://{self.user}@127.0.0.1:{self.port}/INBOX"


def missing() -> str | None:
    """Why no IMAP server can be started here, or None."""
    if not os.path.exists(DOVECOT):
        return "dovecot is not installed (apt-get install dovecot-imapd)"
    return None


def skip_or_fail(reason: str) -> None:
    import pytest

    if os.environ.get("CI"):
        pytest.fail(f"{reason}; .ci/run installs dovecot-imapd", pytrace=False)
    pytest.skip(reason)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def running():
    """Start dovecot; yield an ImapServer; stop it and remove everything."""
    folder = Path(tempfile.mkdtemp(prefix="newsletter-imap-"))
    root = os.getuid() == 0
    try:
        folder.chmod(0o755)
        maildir = folder / "home" / USER / "Maildir"
        for sub in ("new", "cur", "tmp"):
            (maildir / sub).mkdir(parents=True)
        (folder / "passwd").write_text(f"{USER}:{{PLAIN}}{PASSWORD}\n")
        port = _free_port()
        import pwd

        name = pwd.getpwuid(os.getuid()).pw_name
        owner = pwd.getpwnam("nobody") if root else pwd.getpwuid(os.getuid())  # dovecot serves no mail as root
        me = owner.pw_uid, owner.pw_gid
        for path in [folder / "home", *(folder / "home").rglob("*")]:
            os.chown(path, *me)
        config = folder / "dovecot.conf"
        config.write_text(
            CONFIG.format(
                dir=folder,
                cert=DATA / "smtp-test-cert.pem",
                key=DATA / "smtp-test-key.pem",
                port=port,
                uid=me[0],
                gid=me[1],
                internal="dovecot" if root else name,
                login="dovenull" if root else name,
            )
        )
        with (folder / "start.log").open("wb") as log:  # dovecot forks away: no pipe for it to hold open
            subprocess.run([DOVECOT, "-c", str(config)], check=True, stdout=log, stderr=log, timeout=30)
        try:
            _wait(port, folder)
            context = ssl.create_default_context(cafile=str(DATA / "smtp-test-cert.pem"))
            yield ImapServer(port, USER, PASSWORD, maildir, context)
        finally:
            subprocess.run(
                [DOVECOT, "-c", str(config), "stop"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=30
            )
            _wait_gone(folder)
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def _wait(port: int, folder: Path) -> None:
    deadline = time.monotonic() + 15
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            if time.monotonic() > deadline:
                log = folder / "dovecot.log"
                raise RuntimeError(
                    f"dovecot did not listen on {port}: {log.read_text()[-2000:] if log.exists() else 'no log'}"
                ) from None
            time.sleep(0.05)


def _wait_gone(folder: Path) -> None:
    """Until dovecot's master has exited (its pid file goes), so the folder can be removed under nobody."""
    deadline = time.monotonic() + 15
    while (folder / "run" / "master.pid").exists() and time.monotonic() < deadline:
        time.sleep(0.05)

"""The one mailbox reader: new messages from a Maildir folder or an IMAP mailbox over TLS.

Used for bounces and complaints (pipeline/bounces.py) and readers' tips (pipeline/tips.py). It
reads; the caller records what it took, then calls `mark` so the mailbox moves on (a
Maildir message goes from new/ to cur/ with the Seen flag; an IMAP one is flagged \\Seen):
a crash in between reads the message again, and the caller's record of Message-IDs
(`known`) makes that harmless, as it does a message delivered twice. Mail is untrusted: a
message over `max_bytes` is not downloaded, nothing is parsed beyond the email package's
own (defect-tolerant) parser, and a message that cannot be read is one warning line, never
an exception. IMAP is stdlib imaplib: a handful of commands (UID SEARCH UNSEEN, FETCH
RFC822.SIZE before the body, BODY.PEEK[], STORE +FLAGS) is all this needs, and it keeps the
size check ahead of the download in our hands; imap-tools would add a dependency for no more.
"""

from __future__ import annotations

import email
import email.policy
import hashlib
import imaplib
import re
import ssl
from collections.abc import Container
from dataclasses import dataclass, field
from email.message import EmailMessage
from pathlib import Path
from urllib.parse import unquote, urlsplit

from ..errors import SourceError

DEFAULT_MAX_BYTES = 1 << 20
MAX_MESSAGES = 5000  # at most this many a run: a flooded mailbox is worked through over several runs
MESSAGE_ID = re.compile(r"<[^<>\s]{1,250}>")


class MailboxError(SourceError):
    """The mailbox cannot be opened at all (a wrong path, host or password)."""


@dataclass(frozen=True)
class Mail:
    """One message taken from the mailbox: its Message-ID (or a digest of it), the bytes, the parse."""

    key: str  # where it is in the mailbox (Maildir key or IMAP UID)
    message_id: str
    raw: bytes
    message: EmailMessage


@dataclass
class Batch:
    """What one read found: the messages, and one line per message skipped (too large, unreadable)."""

    mails: list[Mail] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    skipped_keys: list[str] = field(default_factory=list)  # marked too, so they do not block the mailbox


@dataclass(frozen=True)
class Source:
    """Where a mailbox is: a Maildir path, or imaps://user@host[:port][/folder] with the password apart."""

    location: str
    password: str | None = field(default=None, repr=False)  # never in a log or traceback
    max_bytes: int = DEFAULT_MAX_BYTES
    timeout: float = 30.0

    @property
    def is_imap(self) -> bool:
        return self.location.startswith("imaps://")


def open_mailbox(source: Source):
    """A reader for `source` (a context manager with `read(known)` and `mark(batch)`)."""
    return _Imap(source) if source.is_imap else _Maildir(source)


def parse(raw: bytes, key: str) -> Mail:
    """The message as the email package reads it; a missing or odd Message-ID is replaced by a digest."""
    message = email.message_from_bytes(raw, policy=email.policy.default)
    try:
        found = MESSAGE_ID.search(str(message.get("Message-ID", "")))
    except Exception:  # a header the policy cannot parse: hostile or broken, still a message
        found = None
    message_id = found.group(0) if found else f"<sha256.{hashlib.sha256(raw).hexdigest()}@mailbox>"
    return Mail(key, message_id, raw, message)


def _taken(batch: Batch, key: str, raw: bytes, known: Container[str], where: str) -> None:
    try:
        mail = parse(raw, key)
    except Exception as e:  # the email package's parser is lenient; anything left is one line
        batch.warnings.append(f"{where}: message {key} cannot be read ({type(e).__name__}); set aside")
        batch.skipped_keys.append(key)
        return
    if mail.message_id in known or any(m.message_id == mail.message_id for m in batch.mails):
        batch.skipped_keys.append(key)  # read before (a crash before marking), or a copy
    else:
        batch.mails.append(mail)


class _Maildir:
    def __init__(self, source: Source):
        self.source = source
        self.path = Path(source.location)

    def __enter__(self):
        if not (self.path / "new").is_dir() or not (self.path / "cur").is_dir():
            raise MailboxError(f"{self.path}: not a Maildir (no new/ and cur/ folders)")
        return self

    def __exit__(self, *exc) -> None:
        """Nothing to close: a Maildir is read file by file (the IMAP reader's __exit__ logs out)."""

    def read(self, known: Container[str]) -> Batch:
        batch = Batch()
        new = self.path / "new"
        for entry in sorted(new.iterdir())[:MAX_MESSAGES]:
            if not entry.is_file() or entry.is_symlink() or entry.name.startswith("."):
                continue  # never followed outside the folder
            size = entry.stat().st_size
            if size > self.source.max_bytes:
                batch.warnings.append(f"{entry}: {size} bytes, over the {self.source.max_bytes}-byte limit; set aside")
                batch.skipped_keys.append(entry.name)
                continue
            _taken(batch, entry.name, entry.read_bytes(), known, str(self.path))
        return batch

    def mark(self, batch: Batch) -> None:
        """new/NAME -> cur/NAME:2,S (Maildir's "seen"): the next read does not see it again."""
        for key in [m.key for m in batch.mails] + batch.skipped_keys:
            source = self.path / "new" / key
            if source.exists():
                source.rename(self.path / "cur" / f"{key}:2,S")


class _Imap:
    def __init__(self, source: Source):
        self.source = source
        parts = urlsplit(source.location)
        self.host, self.port = parts.hostname or "", parts.port or 993
        self.user = unquote(parts.username or "")
        self.folder = unquote(parts.path.strip("/")) or "INBOX"
        self.where = f"imaps://{self.host}:{self.port}/{self.folder}"
        self.imap: imaplib.IMAP4_SSL | None = None

    def __enter__(self):
        if not self.source.password:
            raise MailboxError(f"{self.where}: no password (set it in the environment)")
        context = ssl.create_default_context()  # verifies the certificate and the host name
        try:
            self.imap = imaplib.IMAP4_SSL(self.host, self.port, ssl_context=context, timeout=self.source.timeout)
            self.imap.login(self.user, self.source.password)
            status, _ = self.imap.select(_quoted(self.folder))
        except (OSError, imaplib.IMAP4.error) as e:
            self.__exit__()
            raise MailboxError(f"{self.where}: {e}") from None
        if status != "OK":
            self.__exit__()
            raise MailboxError(f"{self.where}: no such folder")
        return self

    def __exit__(self, *exc) -> None:
        imap, self.imap = self.imap, None
        if imap is not None:
            try:
                imap.logout()
            except (OSError, imaplib.IMAP4.error):
                pass  # the connection is gone either way

    def read(self, known: Container[str]) -> Batch:
        batch = Batch()
        _, data = self.imap.uid("SEARCH", None, "UNSEEN")
        uids = [uid.decode() for uid in (data[0] or b"").split()][:MAX_MESSAGES]
        for uid in uids:
            _, sized = self.imap.uid("FETCH", uid, "(RFC822.SIZE)")
            found = re.search(rb"RFC822\.SIZE (\d+)", sized[0] or b"") if sized and sized[0] else None
            size = int(found.group(1)) if found else 0
            if size > self.source.max_bytes:
                batch.warnings.append(
                    f"{self.where}: message {uid} is {size} bytes, over the "
                    f"{self.source.max_bytes}-byte limit; set aside"
                )
                batch.skipped_keys.append(uid)
                continue
            _, fetched = self.imap.uid("FETCH", uid, "(BODY.PEEK[])")
            raw = next((part[1] for part in fetched if isinstance(part, tuple)), None)
            if raw is None:
                batch.warnings.append(f"{self.where}: message {uid} vanished while read")
                continue
            _taken(batch, uid, raw[: self.source.max_bytes], known, self.where)
        return batch

    def mark(self, batch: Batch) -> None:
        for uid in [m.key for m in batch.mails] + batch.skipped_keys:
            self.imap.uid("STORE", uid, "+FLAGS", "(\\Seen)")


def _quoted(folder: str) -> str:
    return '"' + folder.replace("\\", "\\\\").replace('"', '\\"') + '"'

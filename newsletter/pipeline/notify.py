"""The editor's emails from the scheduled job: a draft is ready (with the preview link and
`check`'s findings), or an issue was held or is late. Sent through the delivery stage's SMTP
client, like `send --test`; a failure is a warning in the run's log line, never a stop."""

from __future__ import annotations

import datetime as dt

from ..config import Config
from ..errors import NewsletterError
from ..models import Finding
from .outgoing import send_one


def notify_editor(
    config: Config,
    kind: str,
    number: int,
    subject: str,
    send_at: dt.datetime | None,
    findings: tuple[Finding, ...],
    *,
    now: dt.datetime,
    note: str | None = None,
) -> str | None:
    """Email [schedule] editor_email about issue `number`; returns a warning when that failed."""
    address = config.schedule.editor_email
    if not address:
        return None
    from ..deliver.message import message_bytes, plain_message, random_message_id

    message = plain_message(
        sender=config.email.from_address,
        to=address,
        subject=f"[{config.newsletter.title}] issue {number} {kind}: {subject}",
        text=_body(config, kind, number, send_at, findings, note),
        date=now,
        message_id=random_message_id(config.email.message_id_domain),
    )
    try:
        reply = send_one(config, address, message_bytes(message))
    except NewsletterError as e:
        return f"could not tell the editor: {e}"
    return None if reply and reply.status == "sent" else f"could not tell the editor: {reply}"


def _body(config: Config, kind: str, number: int, send_at, findings, note) -> str:
    when = send_at.astimezone(config.zone).strftime("%A %d %B %Y at %H:%M %Z") if send_at else "its send time"
    if kind == "ready" and config.schedule.mode == "approve":
        lines = [
            f"Issue {number} is ready. It goes out {when} only if you approve it:",
            f"  newsletter approve {number}",
        ]
    elif kind == "ready":
        lines = [f"Issue {number} is ready and goes out {when} unless you hold it:", f"  newsletter hold {number}"]
    else:
        lines = [f"Issue {number} was not sent: {note}.", f"Send it by hand with: newsletter send --issue {number}"]
    lines += ["", f"Preview: {config.schedule.preview_url}", ""]
    if kind == "ready":
        lines += ["The check found:" if findings else "The check found no problems."]
        lines += [f"  {finding}" for finding in findings]
    return "\n".join(lines) + "\n"

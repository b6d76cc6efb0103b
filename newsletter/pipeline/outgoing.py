"""The config as the delivery stage takes it: SMTP settings, the envelope sender, the DKIM signer,
this sender's name; and one-off messages (a test, a notice, an unsubscribe link) sent through it."""

from __future__ import annotations

import os
import secrets
import socket
from email.utils import parseaddr

from ..config import Config, secret


def smtp_settings(config: Config):
    """[smtp] as the delivery stage takes it, with the password from the environment."""
    from ..deliver.smtp import SmtpSettings

    s = config.smtp
    return SmtpSettings(
        s.host, s.port, s.security, s.username, secret("smtp_password"), s.timeout, helo=config.email.message_id_domain
    )


def envelope_sender(config: Config) -> str:
    """The MAIL FROM address: the bare address of [email] from_address."""
    return parseaddr(config.email.from_address)[1]


def sender_name() -> str:
    """This sender's name in the ledger and leases: which host and process, plus a random part for uniqueness."""
    return f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(3)}"


def dkim_signer(config: Config):
    """The DKIM signing function when a key is configured, else None."""
    if not config.smtp.dkim_key_file:
        return None
    from ..deliver.dkim import Signer

    s = config.smtp
    domain = s.dkim_domain or config.email.message_id_domain
    second = config.folder / s.dkim_ed25519_key_file if s.dkim_ed25519_key_file else None
    return Signer(
        config.folder / s.dkim_key_file,
        s.dkim_selector,
        domain,
        second_key=second,
        second_selector=s.dkim_ed25519_selector,
    ).sign


def send_one(config: Config, to: str, data: bytes, *, sleep=None):
    """One message outside the ledger, on a connection of its own; the server's final reply."""
    from ..deliver.smtp import send_one as deliver_one

    return deliver_one(
        smtp_settings(config),
        envelope_sender(config),
        to,
        data,
        retries=config.smtp.retries,
        **({"sleep": sleep} if sleep else {}),
    )

"""The general unsubscribe page's errand: mail an active subscriber their own signed unsubscribe link.

A built issue (one forwarded, or opened from out/) links to this page rather than to anyone's
token. The page answers the same whether or not the address is on the list, so it tells no one
who subscribes; only the subscriber's own mailbox learns the link.
"""

from __future__ import annotations

import datetime as dt

from ..config import Config, secret
from ..errors import DeliverError
from ..models import ACTIVE


def mail_unsubscribe_link(config: Config, address: str, *, now: dt.datetime | None = None) -> bool:
    """Send the subscriber at `address` their unsubscribe link; False (and nothing sent) when the
    address is not an active subscriber. Raises AddressError for a malformed address."""
    from ..deliver.addresses import checked
    from ..deliver.message import message_bytes
    from ..deliver.smtp import Connection, deliver
    from ..deliver.tokens import tokens_from, unsubscribe_url
    from ..render import render_page
    from ..store import Store
    from .send import _envelope_sender, _smtp_settings

    row = checked(address)
    tokens = tokens_from(secret("secret"))
    with Store(config.store_url) as store:
        found = store.subscribers.find(row.key)
    if found is None or found.status != ACTIVE:
        return False
    now = now or dt.datetime.now(dt.timezone.utc)
    link = unsubscribe_url(config.web.base_url, tokens.make(found.id, found.key))
    text = render_page(config, "email/unsubscribe_link.txt", title=config.newsletter.title, link=link)
    message = _message(config, found.email, text, now)
    connection = Connection(_smtp_settings(config))
    try:
        reply, _ = deliver(connection, _envelope_sender(config), found.email, message_bytes(message),
                           retries=config.smtp.retries)
    finally:
        connection.close()
    if reply.status != "sent":
        raise DeliverError(f"{found.email}: the server answered {reply}")
    return True


def _message(config: Config, to: str, text: str, now: dt.datetime):
    """A plain-text message: the template's first line is the subject, the rest after a blank line the body."""
    import secrets as random
    from email.message import EmailMessage
    from email.policy import SMTP
    from email.utils import format_datetime

    from ..deliver.headers import clean_header
    from ..deliver.message import new_message_id

    subject, _, body = text.strip().partition("\n\n")
    message = EmailMessage(policy=SMTP)
    message["From"] = clean_header(config.email.from_address)
    message["To"] = clean_header(to)
    message["Subject"] = clean_header(subject)
    message["Date"] = format_datetime(now)
    message["Message-ID"] = new_message_id(config.email.message_id_domain, f"unsubscribe.{random.token_hex(8)}")
    message.set_content(body, charset="utf-8", cte="quoted-printable")
    return message

"""The general unsubscribe page's errand: mail an active subscriber their own signed unsubscribe link.

A built issue (one forwarded, or opened from out/) links to this page rather than to anyone's
token. The page answers the same whether or not the address is on the list, so it tells no one
who subscribes; only the subscriber's own mailbox learns the link.
"""

from __future__ import annotations

import datetime as dt
import secrets
from typing import TYPE_CHECKING

from ..config import Config, secret
from ..deliver.tokens import UNSUBSCRIBE_PATH, Tokens, tokens_from
from ..errors import DeliverError
from ..models import ACTIVE
from .outgoing import send_one

__all__ = ["UNSUBSCRIBE_PATH", "address_on_list", "link_tokens", "mail_unsubscribe_link", "unsubscribe_link"]

if TYPE_CHECKING:
    from ..store import Store


def mail_unsubscribe_link(config: Config, store: Store, address: str, *, now: dt.datetime) -> bool:
    """Send the subscriber at `address` their unsubscribe link; False (and nothing sent) when the
    address is not an active subscriber. Raises AddressError for a malformed address."""
    from ..deliver.addresses import checked
    from ..deliver.message import message_bytes, new_message_id, plain_message
    from ..deliver.tokens import unsubscribe_url
    from ..render import render_page

    row = checked(address)
    tokens = link_tokens(config)
    found = store.subscribers.find(row.key)
    if found is None or found.status != ACTIVE:
        return False
    link = unsubscribe_url(config.web.base_url, tokens.make(found.id, found.key))
    text = render_page(config, "email/unsubscribe_link.txt", title=config.newsletter.title, link=link)
    subject, _, body = text.strip().partition("\n\n")  # the template's first line is the subject
    message = plain_message(
        sender=config.email.from_address,
        to=found.email,
        subject=subject,
        text=body,
        date=now,
        message_id=new_message_id(config.email.message_id_domain, f"unsubscribe.{secrets.token_hex(8)}"),
    )
    reply = send_one(config, found.email, message_bytes(message))
    if reply.status != "sent":
        raise DeliverError(f"{found.email}: the server answered {reply}")
    return True


def link_tokens(config: Config) -> Tokens:
    """What signs and reads unsubscribe links; raises when NEWSLETTER_SECRET is missing or not random."""
    return tokens_from(secret("secret"))


def unsubscribe_link(
    config: Config, store: Store, named: tuple[int, str | None], how: str, *, now: dt.datetime
) -> None:
    """Unsubscribe the one subscription a link's token names (`link_tokens(config).read(token)`);
    `how` (one-click, web page) goes into the reason recorded."""
    store.subscribers.unsubscribe_link(*named, now, f"unsubscribed ({how})")


def address_on_list(address: str) -> str:
    """`address` as a message can be sent to it; AddressError (a DeliverError) says what is wrong with it."""
    from ..deliver.addresses import checked

    return checked(address).email

"""Readers sign themselves up and look after their own subscription: the public forms' errands.

Double opt-in: a sign-up only mails a confirmation link; following it makes the subscriber
active, and the followed confirmation is the consent record (store/consents.py). Every mail
these verbs send is counted per address in the store, so however often a form is posted and
however often the server restarts, one address gets at most [subscribe] mails_per_address in
mail_window_hours. Links are signed per purpose and expire (deliver/tokens.py `make_until`):
a confirmation link after [subscribe] confirm_hours, a manage link after manage_days.

Each verb takes the open store and `now`; the web shell (web/signup.py) answers the reader
before it runs the ones that mail, so the answer never says whether an address is on the list.
"""

from __future__ import annotations

import datetime as dt
import logging
import secrets
from dataclasses import dataclass

from ..config import Config, secret
from ..deliver.addresses import AddressError, checked  # noqa: F401 - the web shell's, through the pipeline
from ..deliver.tokens import CONFIRM_PATH, MANAGE_PATH  # noqa: F401 - likewise
from ..errors import DeliverError
from ..models import ACTIVE, Rendered, Subscriber
from ..store.consents import CHANGE, MANAGE, SUBSCRIBE

log = logging.getLogger("newsletter.signup")
PAUSES = (1, 2, 4)  # weeks a reader may pause for
MAILED, LIMITED, UNKNOWN = "mailed", "limited", "unknown"  # what a mailing verb did (for the log and tests)
INVALID, EXPIRED = "invalid", "expired"  # a link that names nothing, or names something too late


@dataclass(frozen=True)
class Followed:
    """A confirmation link followed: what it did (store/consents.py SUBSCRIBED, CHANGED, ALREADY,
    TAKEN) and the subscriber as it is now."""

    outcome: str
    subscriber: Subscriber


def sign_up(config: Config, store, address: str, name: str, form: str, *, now: dt.datetime) -> str:
    """Mail `address` a confirmation link (or, when it is subscribed already, its manage link).

    A new address becomes a pending subscriber; one that unsubscribed or bounced stays so
    until the link is followed. Raises AddressError for a malformed address.
    """
    row = checked(address, name)
    found = store.subscribers.signed_up(row.email, row.key, now)
    if found.status == ACTIVE:
        return _mail_manage_link(config, store, found, form, now)
    confirmation = _record(config, store, found.id, SUBSCRIBE, found.email, row.key, form, now, row.name or None)
    if confirmation is None:
        return LIMITED
    _mail(config, SUBSCRIBE, found.email, _confirm_link(config, confirmation, now), now)
    return MAILED


def request_manage_link(config: Config, store, address: str, *, now: dt.datetime) -> str:
    """Mail a subscriber (in any status) their manage link; nothing for an address not on the list."""
    row = checked(address)
    found = store.subscribers.find(row.key)
    if found is None:
        return UNKNOWN
    return _mail_manage_link(config, store, found, "manage page", now)


def link_state(token: str, *, now: dt.datetime) -> str | None:
    """INVALID or EXPIRED for a confirmation link that will not work, None for one that will (changes nothing)."""
    named = _tokens("confirm").read_until(token, now)
    if named is None or named.key is None:
        return INVALID
    return EXPIRED if named.expired else None


def confirm(config: Config, store, token: str, *, now: dt.datetime) -> Followed | str:
    """Follow a confirmation link: INVALID or EXPIRED, else what it did."""
    problem = link_state(token, now=now)
    if problem:
        return problem
    named = _tokens("confirm").read_until(token, now)
    done = store.consents.confirm(named.id, named.key, now)
    if done is None:
        return INVALID
    outcome, confirmation = done
    return Followed(outcome, store.subscribers.get(confirmation.subscriber))


def manage_link(config: Config, subscriber: Subscriber, now: dt.datetime) -> str:
    """The subscriber's manage page, good for [subscribe] manage_days from `now`."""
    from ..deliver.tokens import manage_url

    until = now + dt.timedelta(days=config.subscribe.manage_days)
    return manage_url(config.web.base_url, _tokens("manage").make_until(subscriber.id, subscriber.key, until))


def managed(store, token: str, *, now: dt.datetime) -> Subscriber | str:
    """The subscriber a manage link names, or INVALID or EXPIRED."""
    named = _tokens("manage").read_until(token, now)
    if named is None:
        return INVALID
    if named.expired:
        return EXPIRED
    return store.subscribers.named(named.id, named.key) or INVALID


def change_address(config: Config, store, subscriber: Subscriber, address: str, *, now: dt.datetime) -> str:
    """Mail a confirmation to the new address; the old one stays in use until it is followed.
    Raises AddressError for a malformed address."""
    row = checked(address)
    confirmation = _record(config, store, subscriber.id, CHANGE, row.email, row.key, "manage page", now)
    if confirmation is None:
        return LIMITED
    _mail(config, CHANGE, row.email, _confirm_link(config, confirmation, now), now, previous=subscriber.email)
    return MAILED


def resubscribe(config: Config, store, subscriber: Subscriber, *, now: dt.datetime) -> str:
    """After unsubscribing (or bouncing): a fresh confirmation to the address, which stays off the list until followed."""
    key = checked(subscriber.email).key
    confirmation = _record(config, store, subscriber.id, SUBSCRIBE, subscriber.email, key, "manage page", now)
    if confirmation is None:
        return LIMITED
    _mail(config, SUBSCRIBE, subscriber.email, _confirm_link(config, confirmation, now), now)
    return MAILED


def pause(store, subscriber: Subscriber, weeks: int, *, now: dt.datetime) -> Subscriber:
    """No issues for `weeks` (one of PAUSES) from `now`; 0 resumes at once."""
    if weeks not in (0, *PAUSES):
        raise ValueError(f"a pause is {', '.join(map(str, PAUSES))} weeks, not {weeks}")
    until = now + dt.timedelta(weeks=weeks) if weeks else None
    return store.subscribers.pause(subscriber.id, subscriber.key, until, now)


def rename(store, subscriber: Subscriber, name: str, *, now: dt.datetime) -> Subscriber:
    """The name in the To line; cleaned and bounded as an import's names are."""
    return store.subscribers.rename(subscriber.id, subscriber.key, checked(subscriber.email, name).name, now)


def unsubscribe(store, subscriber: Subscriber, *, now: dt.datetime) -> Subscriber:
    return store.subscribers.unsubscribe_link(subscriber.id, subscriber.key, now, "unsubscribed (manage page)")


def recent(store, *, now: dt.datetime, days: int = 7) -> tuple[int, int]:
    """(sign-ups, confirmations) of the last `days` days, for `newsletter status`."""
    return store.consents.since(now - dt.timedelta(days=days))


def _record(
    config: Config,
    store,
    subscriber: int,
    purpose: str,
    email: str,
    key: str,
    form: str,
    now: dt.datetime,
    name: str | None = None,
):
    """Keep the mail about to go to `email`, or None when the address has had its [subscribe]
    mails_per_address in the window (counted in the store, so a restart does not reset it)."""
    s = config.subscribe
    since = now - dt.timedelta(hours=s.mail_window_hours)
    kept = store.consents.record(
        subscriber, purpose, email, key, form, now, name, limit=s.mails_per_address, since=since
    )
    if kept is None:
        log.warning("not mailing %s: %d mails in %g hours already", email, s.mails_per_address, s.mail_window_hours)
    return kept


def _mail_manage_link(config: Config, store, subscriber: Subscriber, form: str, now: dt.datetime) -> str:
    key = checked(subscriber.email).key
    if _record(config, store, subscriber.id, MANAGE, subscriber.email, key, form, now) is None:
        return LIMITED
    _mail(config, MANAGE, subscriber.email, manage_link(config, subscriber, now), now)
    return MAILED


def _confirm_link(config: Config, confirmation, now: dt.datetime) -> str:
    from ..deliver.tokens import confirm_url

    until = now + dt.timedelta(hours=config.subscribe.confirm_hours)
    return confirm_url(config.web.base_url, _tokens("confirm").make_until(confirmation.id, confirmation.key, until))


def _tokens(purpose: str):
    from ..deliver.tokens import tokens_from

    return tokens_from(secret("secret"), purpose)


def _mail(config: Config, purpose: str, to: str, link: str, now: dt.datetime, **context) -> None:
    """One text-and-HTML message from templates email/signup.txt and .html (the text's first line is
    the subject), built and delivered as issues are."""
    from ..deliver.message import build_message, message_bytes, new_message_id
    from ..render import render_page
    from .outgoing import dkim_signer, send_one

    values = dict(
        title=config.newsletter.title,
        purpose=purpose,
        link=link,
        hours=config.subscribe.confirm_hours,
        days=config.subscribe.manage_days,
        **context,
    )
    subject, _, text = render_page(config, "email/signup.txt", **values).strip().partition("\n\n")
    html = render_page(config, "email/signup.html", subject=subject, **values)
    message = build_message(
        Rendered(subject, html, text + "\n"),
        sender=config.email.from_address,
        to=to,
        date=now,
        message_id=new_message_id(config.email.message_id_domain, f"{purpose}.{secrets.token_hex(8)}"),
    )
    data = message_bytes(message)
    sign = dkim_signer(config)
    reply = send_one(config, to, sign(data) if sign else data)
    if reply is None or reply.status != "sent":
        raise DeliverError(f"{to}: the server answered {reply}")


@dataclass(frozen=True)
class Standing:
    """One subscriber as `subscribers show` prints it: the row and its confirmation mails (the consent record)."""

    subscriber: Subscriber
    confirmations: tuple


def standing(store, address: str) -> Standing | None:
    """The subscriber at `address` and the confirmations mailed about them; None when not on the list."""
    found = store.subscribers.find(checked(address).key)
    return Standing(found, tuple(store.consents.of(found.id))) if found else None


def counts(store, *, now: dt.datetime) -> dict[str, int]:
    """Subscribers by status, and how many of the active ones are pausing at `now`."""
    from ..models import BOUNCED, UNCONFIRMED, UNSUBSCRIBED

    found = {status: store.subscribers.count(status) for status in (ACTIVE, UNCONFIRMED, UNSUBSCRIBED, BOUNCED)}
    return found | {"paused": store.subscribers.paused(now)}

"""Unsubscribe tokens: opaque, signed with NEWSLETTER_SECRET, and carrying no address.

A token is a MAC of the subscriber's id and random key followed by them masked with a key
stream drawn from that MAC (a synthetic-IV construction), in URL-safe base64: a reader
learns nothing from it, and changing any character makes it invalid. The random key
(store/subscribers.py) ties a token to one subscription: SQLite reuses the ids of deleted
rows, and a copied store can too, but never the key. Subscribers added before keys existed
(key None) keep their shorter id-only tokens. The keys are derived per purpose, so the
secret also makes opaque Message-IDs without one kind of value passing for another.

Links that change a subscription (confirm, manage) also expire: their payload carries the
moment, in whole seconds, after which `read_until` calls them expired; being inside the
MAC, it cannot be moved. They are longer than unsubscribe tokens, so neither reads as the other.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import re
from dataclasses import dataclass

from ..errors import DeliverError

SECRET_VARIABLE = "NEWSLETTER_SECRET"
MIN_SECRET = 16
ID_BYTES, KEY_BYTES, MAC_BYTES = 8, 9, 16
TOKEN = re.compile(
    r"[A-Za-z0-9_-]{%d}|[A-Za-z0-9_-]{%d}"
    % (4 * (ID_BYTES + KEY_BYTES + MAC_BYTES) // 3, 4 * (ID_BYTES + MAC_BYTES) // 3)
)
EXPIRY_BYTES = 6  # seconds since 1970: enough for millions of years
EXPIRING = re.compile(r"[A-Za-z0-9_-]{%d}" % (4 * (ID_BYTES + KEY_BYTES + EXPIRY_BYTES + MAC_BYTES) // 3))


@dataclass(frozen=True)
class Named:
    """What a genuine expiring token names: an id, its random key (None: a keyless row), and whether it is past."""

    id: int
    key: str | None
    expired: bool


class Tokens:
    """Makes and checks tokens of one purpose with one secret: "unsubscribe" (links), "bounce" (VERP
    return paths); a token of one purpose never passes for the other."""

    def __init__(self, secret: str, purpose: str = "unsubscribe"):
        def keyed(use: str):
            key = hmac.new(secret.encode("utf-8"), f"newsletter {purpose} {use} v1".encode(), hashlib.sha256).digest()
            return hmac.new(key, digestmod=hashlib.sha256)

        self._sign, self._mask = keyed("mac"), keyed("mask")
        self._message = keyed("message-id")

    def make(self, subscriber_id: int, key: str | None = None) -> str:
        """The token of subscriber `subscriber_id` whose random key (hex) is `key` (None: an old, keyless row)."""
        return self._seal(subscriber_id.to_bytes(ID_BYTES, "big") + (bytes.fromhex(key) if key else b""))

    def read(self, token: str) -> tuple[int, str | None] | None:
        """(subscriber id, key) a genuine token names; None for anything forged, altered or malformed."""
        payload = self._open(token) if TOKEN.fullmatch(token) else None
        if payload is None:
            return None
        return int.from_bytes(payload[:ID_BYTES], "big"), payload[ID_BYTES:].hex() or None

    def make_until(self, id_: int, key: str | None, until: dt.datetime) -> str:
        """A token for `id_` and `key` that `read_until` calls expired from `until` on."""
        seconds = max(0, int(until.timestamp()))
        return self._seal(
            id_.to_bytes(ID_BYTES, "big")
            + (bytes.fromhex(key) if key else bytes(KEY_BYTES))
            + seconds.to_bytes(EXPIRY_BYTES, "big")
        )

    def read_until(self, token: str, now: dt.datetime) -> Named | None:
        """What a genuine expiring token names, and whether it has expired at `now`; None when forged or altered."""
        payload = self._open(token) if EXPIRING.fullmatch(token) else None
        if payload is None:
            return None
        key = payload[ID_BYTES : ID_BYTES + KEY_BYTES]
        until = int.from_bytes(payload[ID_BYTES + KEY_BYTES :], "big")
        return Named(
            int.from_bytes(payload[:ID_BYTES], "big"), key.hex() if any(key) else None, now.timestamp() >= until
        )

    def _seal(self, payload: bytes) -> str:
        mac = _digest(self._sign, payload)[:MAC_BYTES]
        return base64.urlsafe_b64encode(mac + _xor(payload, _digest(self._mask, mac))).decode("ascii")

    def _open(self, token: str) -> bytes | None:
        """The payload of a well-formed token, if its MAC is right."""
        raw = base64.urlsafe_b64decode(token.encode("ascii"))
        mac, masked = raw[:MAC_BYTES], raw[MAC_BYTES:]
        payload = _xor(masked, _digest(self._mask, mac))
        return payload if hmac.compare_digest(mac, _digest(self._sign, payload)[:MAC_BYTES]) else None

    def opaque(self, text: str) -> str:
        """A fixed name for `text` that reveals nothing of it (26 base32 characters): for Message-IDs."""
        return base64.b32encode(_digest(self._message, text.encode("utf-8"))[:16]).decode("ascii")[:26].lower()


def _digest(keyed, data: bytes) -> bytes:
    mac = keyed.copy()  # copies of one keyed object: no key schedule per token, and safe across threads
    mac.update(data)
    return mac.digest()


def _xor(data: bytes, stream: bytes) -> bytes:
    return bytes(a ^ b for a, b in zip(data, stream))


MAKE_ONE = "make one with: python -c 'import secrets; print(secrets.token_urlsafe(32))'"
MIN_DISTINCT = 10


def tokens_from(secret: str | None, purpose: str = "unsubscribe") -> Tokens:
    """Tokens for the configured secret; a clear error naming the variable when it is missing or not random."""
    if not secret:
        raise DeliverError(
            f"{SECRET_VARIABLE} is not set: unsubscribe links are signed with it; {MAKE_ONE}, and keep it"
        )
    problem = _not_random(secret)
    if problem:
        raise DeliverError(f"{SECRET_VARIABLE} {problem}, so links signed with it could be forged; {MAKE_ONE}")
    return Tokens(secret, purpose)


def _not_random(secret: str) -> str | None:
    """Why `secret` is obviously not a random value, or None. (A check for accidents, not a proof of randomness.)"""
    if len(secret) < MIN_SECRET:
        return f"is too short (under {MIN_SECRET} characters)"
    if any(c.isspace() or not c.isprintable() for c in secret):
        return "holds spaces or control characters"
    if len(set(secret)) < MIN_DISTINCT:
        return f"repeats a few characters (fewer than {MIN_DISTINCT} different ones)"
    run = longest = 1
    for a, b in zip(secret, secret[1:]):
        run = run + 1 if abs(ord(b) - ord(a)) <= 1 else 1
        longest = max(longest, run)
    if longest * 2 > len(secret):
        return "is mostly a run such as 0123456789 or aaaa"
    return None


UNSUBSCRIBE_PATH = "/unsubscribe/"


def unsubscribe_url(base_url: str, token: str) -> str:
    """Where one subscriber's unsubscribe page is: served by `newsletter serve` (see web/)."""
    return base_url.rstrip("/") + UNSUBSCRIBE_PATH + token


CONFIRM_PATH, MANAGE_PATH = "/confirm/", "/manage/"


def confirm_url(base_url: str, token: str) -> str:
    """Where a confirmation link goes: served by `newsletter serve` (web/signup.py)."""
    return base_url.rstrip("/") + CONFIRM_PATH + token


def manage_url(base_url: str, token: str) -> str:
    """One subscriber's manage page (change address or name, pause, unsubscribe)."""
    return base_url.rstrip("/") + MANAGE_PATH + token

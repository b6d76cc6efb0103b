"""Unsubscribe tokens: opaque, signed with NEWSLETTER_SECRET, and carrying no address.

A token is a MAC of the subscriber's id followed by the id masked with a key stream drawn
from that MAC (a synthetic-IV construction), in URL-safe base64: a reader learns nothing
from it, and changing any character makes it invalid. The keys are derived for this one
purpose, so the secret can sign other things later without one kind of token passing for another.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re

from ..errors import DeliverError

SECRET_VARIABLE = "NEWSLETTER_SECRET"
MIN_SECRET = 16
ID_BYTES, MAC_BYTES = 8, 16
TOKEN = re.compile(r"[A-Za-z0-9_-]{%d}" % (4 * (ID_BYTES + MAC_BYTES) // 3))


class Tokens:
    """Makes and checks tokens of one purpose with one secret: "unsubscribe" (links), "bounce" (VERP
    return paths); a token of one purpose never passes for the other."""

    def __init__(self, secret: str, purpose: str = "unsubscribe"):
        def keyed(use: str):
            key = hmac.new(secret.encode("utf-8"), f"newsletter {purpose} {use} v1".encode(), hashlib.sha256).digest()
            return hmac.new(key, digestmod=hashlib.sha256)

        self._sign, self._mask = keyed("mac"), keyed("mask")

    def make(self, subscriber_id: int) -> str:
        payload = subscriber_id.to_bytes(ID_BYTES, "big")
        mac = _digest(self._sign, payload)[:MAC_BYTES]
        return base64.urlsafe_b64encode(mac + _xor(payload, _digest(self._mask, mac))).decode("ascii")

    def read(self, token: str) -> int | None:
        """The subscriber id a genuine token names; None for anything forged, altered or malformed."""
        if not TOKEN.fullmatch(token):
            return None
        raw = base64.urlsafe_b64decode(token.encode("ascii"))
        mac, masked = raw[:MAC_BYTES], raw[MAC_BYTES:]
        payload = _xor(masked, _digest(self._mask, mac))
        if not hmac.compare_digest(mac, _digest(self._sign, payload)[:MAC_BYTES]):
            return None
        return int.from_bytes(payload, "big")


def _digest(keyed, data: bytes) -> bytes:
    mac = keyed.copy()  # copies of one keyed object: no key schedule per token, and safe across threads
    mac.update(data)
    return mac.digest()


def _xor(data: bytes, stream: bytes) -> bytes:
    return bytes(a ^ b for a, b in zip(data, stream))


def tokens_from(secret: str | None, purpose: str = "unsubscribe") -> Tokens:
    """Tokens for the configured secret; a clear error naming the variable when it is missing or short."""
    if not secret:
        raise DeliverError(
            f"{SECRET_VARIABLE} is not set: unsubscribe links are signed with it. Set it to a long random "
            "value, e.g. python -c 'import secrets; print(secrets.token_urlsafe(32))', and keep it"
        )
    if len(secret) < MIN_SECRET:
        raise DeliverError(f"{SECRET_VARIABLE} is too short: use at least {MIN_SECRET} random characters")
    return Tokens(secret, purpose)


UNSUBSCRIBE_PATH = "/unsubscribe/"


def unsubscribe_url(base_url: str, token: str) -> str:
    """Where one subscriber's unsubscribe page is: served by `newsletter serve` (see web/)."""
    return base_url.rstrip("/") + UNSUBSCRIBE_PATH + token

"""Unsubscribe tokens: known answers that pin the format, and the secret's rules.

Every unsubscribe link already sent carries a token made by today's code; a change to the
format would break them all, so these literal answers must only change on purpose (and
then old links need a reader that still accepts them).
"""

from __future__ import annotations

import base64
import hashlib
import hmac

import pytest

from newsletter.deliver.tokens import Tokens, tokens_from, unsubscribe_url
from newsletter.errors import DeliverError

SECRET = "0123456789abcdef"
KNOWN = {
    0: "EhjPUs0ewDQyd3ZGwclyBdhSX12nIyFk",
    1: "bnWV1G0OkQN4Yvus76PJNOpkAF9Jes7e",
    42: "Ngm9YVJ1xWhi9RUWX4Nf60vPMD-mb8fY",
    2**63: "5H2KREDD-tDXJHdCyoAYNI57Nh5iV2me",
    2**64 - 1: "-INCtwU83HHTzKHHqvLLxKyGaaydf-kJ",
}


@pytest.mark.parametrize("subscriber_id, token", KNOWN.items())
def test_known_answers(subscriber_id, token):
    tokens = Tokens(SECRET)
    assert tokens.make(subscriber_id, None) == token  # a keyless (pre-0006) subscriber's token
    assert tokens.read(token) == (subscriber_id, None)


def test_the_format_is_the_documented_construction():
    """MAC of the id (16 bytes), then the id masked with a stream drawn from the MAC; keys derived per purpose."""

    def key(purpose: bytes) -> bytes:
        return hmac.new(SECRET.encode(), purpose, hashlib.sha256).digest()

    payload = (42).to_bytes(8, "big")
    mac = hmac.new(key(b"newsletter unsubscribe mac v1"), payload, hashlib.sha256).digest()[:16]
    stream = hmac.new(key(b"newsletter unsubscribe mask v1"), mac, hashlib.sha256).digest()
    masked = bytes(a ^ b for a, b in zip(payload, stream))
    assert Tokens(SECRET).make(42, None) == base64.urlsafe_b64encode(mac + masked).decode()


def test_another_secret_makes_other_tokens_and_reads_none_of_these():
    other = Tokens("another secret, also long")
    assert other.make(1, None) == "eWer4_oS2fL9OzDLDx0Vukdyd7Dbeh6W"
    assert all(other.read(token) is None for token in KNOWN.values())


@pytest.mark.parametrize(
    "token",
    [
        "",
        KNOWN[1][:-1],  # one character short
        KNOWN[1] + "A",  # one too many
        KNOWN[1][:-1] + "+",  # standard, not URL-safe, base64
        KNOWN[1][:-1] + "=",
        " " + KNOWN[1][1:],
        KNOWN[1][:10] + ("A" if KNOWN[1][10] != "A" else "B") + KNOWN[1][11:],  # one character changed
        KNOWN[1][:-1] + ("f" if KNOWN[1][-1] != "f" else "g"),  # the masked id's last character changed
    ],
)
def test_anything_but_a_genuine_token_reads_as_none(token):
    assert Tokens(SECRET).read(token) is None


@pytest.mark.parametrize("secret", [None, ""])
def test_a_missing_secret_is_a_clear_error(secret):
    with pytest.raises(DeliverError) as caught:
        tokens_from(secret)
    assert str(caught.value) == (
        "NEWSLETTER_SECRET is not set: unsubscribe links are signed with it; "
        "make one with: python -c 'import secrets; print(secrets.token_urlsafe(32))', and keep it"
    )


def test_a_secret_of_15_characters_is_too_short_and_16_is_enough():
    random16 = "q7Zx2LmP9wRt4KbN"
    with pytest.raises(DeliverError) as caught:
        tokens_from(random16[:15])
    assert str(caught.value) == (
        "NEWSLETTER_SECRET is too short (under 16 characters), so links signed with it could be forged; "
        "make one with: python -c 'import secrets; print(secrets.token_urlsafe(32))'"
    )
    assert tokens_from(random16).make(42, None) == Tokens(random16).make(42, None)


@pytest.mark.parametrize(
    "base, url",
    [
        ("https://news.example", "https://news.example/unsubscribe/"),
        ("https://news.example/", "https://news.example/unsubscribe/"),
        ("https://news.example//", "https://news.example/unsubscribe/"),
        ("https://news.example/BOX/", "https://news.example/BOX/unsubscribe/"),  # only slashes are trimmed
    ],
)
def test_the_unsubscribe_url_has_one_slash_before_its_path(base, url):
    assert unsubscribe_url(base, KNOWN[1]) == url + KNOWN[1]

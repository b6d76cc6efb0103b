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


# Tokens with a subscription key (migration 0006), per purpose, and the secret's rules (issue 21).
KEY = "001122334455667788"  # 9 random bytes, as store/subscribers.py makes them
KEYED = "qPq40CeXWbldNszJ9LbDhdZxbZpxT2G_Lro2OZmVtWT1"
BOUNCE_KEYED = "t-e9YWRCQ-i6OBPvYIzBf-oJ4rccm_IaoxK0bzMFNyPa"
BOUNCE_KEYLESS = "D_rBDO2F3SWMQOPHBlS0ZwhurSBKwOSg"


def test_known_answers_with_a_key_and_for_bounces():
    unsubscribe, bounce = Tokens(SECRET), Tokens(SECRET, "bounce")
    assert (unsubscribe.make(42, KEY), bounce.make(42, KEY), bounce.make(42)) == (KEYED, BOUNCE_KEYED, BOUNCE_KEYLESS)
    assert unsubscribe.read(KEYED) == (42, KEY) and bounce.read(BOUNCE_KEYED) == (42, KEY)
    assert bounce.read(BOUNCE_KEYLESS) == (42, None)
    # A token of one purpose never passes for the other, keyed or not.
    assert bounce.read(KEYED) is None and unsubscribe.read(BOUNCE_KEYED) is None
    assert unsubscribe.read(BOUNCE_KEYLESS) is None and bounce.read(KNOWN[42]) is None


def test_a_keyed_token_is_the_documented_construction_over_id_and_key():
    def key(use: bytes) -> bytes:
        return hmac.new(SECRET.encode(), b"newsletter unsubscribe " + use + b" v1", hashlib.sha256).digest()

    payload = (42).to_bytes(8, "big") + bytes.fromhex(KEY)
    mac = hmac.new(key(b"mac"), payload, hashlib.sha256).digest()[:16]
    stream = hmac.new(key(b"mask"), mac, hashlib.sha256).digest()
    assert KEYED == base64.urlsafe_b64encode(mac + bytes(a ^ b for a, b in zip(payload, stream))).decode()
    assert len(KEYED) == 44 and len(KNOWN[42]) == 32  # the two lengths a genuine token can have
    assert Tokens(SECRET).read(KEYED[:-1]) is None and Tokens(SECRET).read(KEYED + "A") is None


@pytest.mark.parametrize(
    "purpose, text", [("unsubscribe", "7.1.42.abc"), ("bounce", "7.1.42.abc"), ("unsubscribe", "")]
)
def test_an_opaque_name_is_26_lowercase_base32_characters_of_the_purposes_message_id_key(purpose, text):
    key = hmac.new(SECRET.encode(), f"newsletter {purpose} message-id v1".encode(), hashlib.sha256).digest()
    digest = hmac.new(key, text.encode(), hashlib.sha256).digest()
    expected = base64.b32encode(digest[:16]).decode()[:26].lower()
    assert Tokens(SECRET, purpose).opaque(text) == expected and len(expected) == 26


def test_opaque_names_have_known_answers():
    assert Tokens(SECRET).opaque("issue-7") == "y7yrme3445lq5xeex2ptqgztha"
    assert Tokens(SECRET, "bounce").opaque("issue-7") == "hqlhnwv6n24i6marjdtle3cf2y"
    assert Tokens(SECRET).opaque("é") == "ughhrh5oedcd3xpoifqxdh5uvq"


def refusal(secret: str) -> str:
    with pytest.raises(DeliverError) as caught:
        tokens_from(secret)
    message = str(caught.value)
    prefix, suffix = (
        "NEWSLETTER_SECRET ",
        (
            ", so links signed with it could be forged; make one with: "
            "python -c 'import secrets; print(secrets.token_urlsafe(32))'"
        ),
    )
    assert message.startswith(prefix) and message.endswith(suffix), message
    return message[len(prefix) : -len(suffix)]


@pytest.mark.parametrize(
    "secret",
    ["q7Zx2LmP9wRt4Kb N", "q7Zx2LmP9wRt4Kb\tN", "q7Zx2LmP9wRt4Kb\x01N", "q7Zx2LmP9wRt4Kb\x7fN"],
    ids=["space", "tab", "control", "delete"],
)
def test_a_secret_with_a_space_or_a_control_character_is_refused(secret):
    assert refusal(secret) == "holds spaces or control characters"


def test_ten_different_characters_are_enough_and_nine_are_not():
    ten = "acegikmoqs" + "acegik"  # 16 characters, no two neighbours adjacent in the alphabet
    nine = "acegikmoq" + "acegikmo"
    assert tokens_from(ten).make(1) == Tokens(ten).make(1)
    assert refusal(nine) == "repeats a few characters (fewer than 10 different ones)"


@pytest.mark.parametrize(
    "secret",
    [
        "0123456789" + "acegikmoqs",  # a run of exactly half, first
        "acegikmoqs" + "0123456789",  # ... last, after characters that are no run
        "zyxwvutsrq" + "02468ACEGI",  # descending runs count the same
        "aaaaabbbbb" + "02468ACEGI",  # so do repeats and steps of one
        "acegikmoqsuwy" + "0Z5Q8X2",  # characters two apart are no run
    ],
)
def test_a_run_of_at_most_half_the_secret_is_accepted(secret):
    assert tokens_from(secret).make(1) == Tokens(secret).make(1)


@pytest.mark.parametrize(
    "secret", ["0123456789:" + "acegikmoq", "acegikmoq" + "0123456789:", "aaaaaabbbbb" + "02468ACEG"]
)
def test_a_run_of_more_than_half_the_secret_is_refused(secret):
    assert refusal(secret) == "is mostly a run such as 0123456789 or aaaa"

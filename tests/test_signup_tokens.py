"""Expiring links (deliver/tokens.py `make_until`/`read_until`): what they name, when they expire, and
that no altered character, other purpose or other secret passes."""

from __future__ import annotations

import datetime as dt

import pytest

from newsletter.deliver.tokens import EXPIRING, TOKEN, Named, Tokens, confirm_url, manage_url

SECRET = "tokens-secret-0123456789abcdef"
NOW = dt.datetime(2024, 3, 1, 7, 0, 30, tzinfo=dt.timezone.utc)
KEY = "0123456789abcdef01"
OPAQUE = "g35vm3m2ooltywf642wfqmmy5e"  # pinned: a changed derivation would orphan the Message-IDs of sends under way


@pytest.mark.parametrize("id_", [0, 1, 255, 256, 2**31, 2**64 - 1])
@pytest.mark.parametrize("key", [KEY, "ff" * 9, None])
def test_a_link_names_its_id_and_key_until_it_expires(id_, key):
    tokens = Tokens(SECRET, "manage")
    until = NOW + dt.timedelta(hours=48)
    token = tokens.make_until(id_, key, until)
    assert EXPIRING.fullmatch(token) and not TOKEN.fullmatch(token)  # never read as an unsubscribe token
    assert tokens.read_until(token, NOW) == Named(id_, key, False)
    assert tokens.read_until(token, until - dt.timedelta(seconds=1)).expired is False
    assert tokens.read_until(token, until).expired is True  # the moment itself is too late
    assert tokens.read(token) is None


def test_the_expiry_is_whole_seconds_and_a_past_one_is_expired_at_once():
    tokens = Tokens(SECRET, "confirm")
    assert tokens.read_until(tokens.make_until(7, KEY, NOW), NOW).expired  # NOW has 30.0 s: exactly then
    rounded = tokens.make_until(7, KEY, NOW + dt.timedelta(milliseconds=999))  # down: never longer than asked
    assert (
        tokens.read_until(rounded, NOW).expired
        and not tokens.read_until(rounded, NOW - dt.timedelta(seconds=1)).expired
    )
    old = tokens.make_until(7, KEY, dt.datetime(1960, 1, 1, tzinfo=dt.timezone.utc))
    assert tokens.read_until(old, dt.datetime(1970, 1, 1, tzinfo=dt.timezone.utc)).expired


def test_no_altered_character_other_purpose_or_secret_passes():
    tokens = Tokens(SECRET, "confirm")
    token = tokens.make_until(42, KEY, NOW + dt.timedelta(days=1))
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
    for at in range(len(token)):
        for c in alphabet[::7]:
            if c != token[at]:
                assert tokens.read_until(token[:at] + c + token[at + 1 :], NOW) is None
    assert Tokens(SECRET, "manage").read_until(token, NOW) is None
    assert Tokens(SECRET + "x", "confirm").read_until(token, NOW) is None
    assert Tokens(SECRET).read_until(Tokens(SECRET).make(42, KEY), NOW) is None  # an unsubscribe token is no link
    for junk in ("", token[:-1], token + "A", "=" * len(token), token[:-1] + "="):
        assert tokens.read_until(junk, NOW) is None


def test_tokens_differ_per_subscriber_key_and_expiry():
    tokens = Tokens(SECRET, "manage")
    made = {tokens.make_until(i, k, NOW + dt.timedelta(seconds=s)) for i in (1, 2) for k in (KEY, None) for s in (1, 2)}
    assert len(made) == 8


def test_urls():
    assert confirm_url("https://e.example.org/boX/", "T") == "https://e.example.org/boX/confirm/T"
    assert manage_url("https://e.example.org/boX", "T") == "https://e.example.org/boX/manage/T"


def test_named_links_are_values():
    named = Tokens(SECRET, "manage").read_until(Tokens(SECRET, "manage").make_until(1, KEY, NOW), NOW)
    assert {named: 1}[Named(1, KEY, True)] == 1


def test_opaque_names_are_fixed_per_secret():
    tokens = Tokens(SECRET)
    assert tokens.opaque("1.1.7.abc") == OPAQUE
    assert len({tokens.opaque(str(n)) for n in range(100)}) == 100


@pytest.mark.parametrize(
    "secret, problem",
    [
        ("qwzmtrplkxvbnhgf", None),  # 16 characters, the shortest taken
        ("acegikmoqsuwyACEG", None),  # steps of 2 are no run
        ("0123456789" + "qwzmtrplkx", None),  # a run of exactly half, at the start
        ("qwzmtrplkx" + "0123456789", None),  # and after a break
        ("0123456789:" + "qwzmtrpkx", "is mostly a run such as 0123456789 or aaaa"),
        ("98765432100" + "qwzmtrpkx", "is mostly a run such as 0123456789 or aaaa"),
        ("qwzmtrplkxvbnhg", "is too short (under 16 characters)"),
        ("qwzmtrpl kxvbnhgf", "holds spaces or control characters"),
        ("qwzmtrpl\x07kxvbnhgf", "holds spaces or control characters"),
        ("aqbwcedrftgyhuij" * 2, None),
        ("qwertyuiop" * 2, None),  # exactly 10 different characters
        ("qwertyuioq" * 2, "repeats a few characters (fewer than 10 different ones)"),
    ],
)
def test_obviously_not_random_secrets(secret, problem):
    from newsletter.deliver.tokens import _not_random

    assert _not_random(secret) == problem

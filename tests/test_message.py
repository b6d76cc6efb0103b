"""build_message / message_bytes / clean_header: a repeatable, well-formed, injection-proof MIME message."""

from __future__ import annotations

import datetime as dt
import email
import email.policy
from email.message import EmailMessage
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from newsletter.deliver.headers import ENCODED_WORD, clean_header
from newsletter.deliver.message import build_message, message_bytes, new_message_id
from newsletter.errors import DeliverError
from newsletter.models import Rendered

SENDER = "The Daily eLetter <eletter@example.org>"
TO = "Subscriber <subscriber@example.invalid>"
DATE = dt.datetime(2016, 8, 31, 7, 0, tzinfo=ZoneInfo("Europe/London"))
MESSAGE_ID = "<issue-0001.0123abcd@example.org>"
RENDERED = Rendered(
    subject="The Daily eLetter: News and Comment from Roy Lilley",
    html='<!DOCTYPE html>\n<html lang="en-GB"><body><p style="color:#1f2933">Caf\u00e9 \u00a3100k</p>'
    '<a href="%%UNSUBSCRIBE_URL%%">Unsubscribe</a></body></html>\n',
    text="The Daily eLetter\n=================\n\nCaf\u00e9 \u00a3100k\n",
)


def build(rendered: Rendered = RENDERED, **changes) -> EmailMessage:
    args = dict(sender=SENDER, to=TO, date=DATE, message_id=MESSAGE_ID) | changes
    return build_message(rendered, **args)


def parsed(msg: EmailMessage) -> EmailMessage:
    return email.message_from_bytes(message_bytes(msg), policy=email.policy.default)


def content(part: EmailMessage) -> str:
    """A part's text as it was given: the wire form has CRLF line ends and a final newline."""
    return part.get_content().replace("\r\n", "\n")


def test_message_is_multipart_alternative_text_then_html_both_quoted_printable():
    message = parsed(build())
    assert message.get_content_type() == "multipart/alternative"
    parts = list(message.iter_parts())
    assert [p.get_content_type() for p in parts] == ["text/plain", "text/html"]
    assert [p["Content-Transfer-Encoding"] for p in parts] == ["quoted-printable"] * 2
    assert [p.get_content_charset() for p in parts] == ["utf-8"] * 2
    assert content(parts[0]) == RENDERED.text and content(parts[1]) == RENDERED.html


def test_headers_are_set_as_given():
    message = parsed(build())
    assert message["From"] == SENDER and message["To"] == TO
    assert message["Subject"] == RENDERED.subject
    assert message["Message-ID"] == MESSAGE_ID
    assert message["MIME-Version"] == "1.0"
    assert message["Date"].datetime == DATE and message["Date"].datetime.utcoffset() == dt.timedelta(hours=1)


def test_the_bytes_are_repeatable_and_use_crlf():
    first, second = message_bytes(build()), message_bytes(build())
    assert first == second
    assert b"\r\n" in first and b"\n" not in first.replace(b"\r\n", b"")


def test_no_line_exceeds_998_octets_even_for_a_huge_html_line():
    rendered = Rendered(subject="Long " * 60, html="<p>" + "x" * 20_000 + "</p>" + " y" * 5000, text="z" * 3000)
    raw = message_bytes(build(rendered))
    assert max(len(line) for line in raw.split(b"\r\n")) <= 998
    assert content(parsed(build(rendered)).get_body(("html",))) == rendered.html + "\n"


@pytest.mark.parametrize(
    "subject",
    [
        "Hello\r\nBcc: victim@example.com",
        "Hello\nBcc: victim@example.com",
        "=?utf-8?q?a=0D=0Ab?=",
        "=?utf-8?q?x=0D=0ABcc:=20victim@example.com?=",
        "x =?utf-8?q?=0D=0ABcc:=20victim@example.com ?= y",  # whitespace inside: Python still decodes it
        "=?utf-8?b?eA0KQmNjOiB2aWN0aW1AZXhhbXBsZS5jb20=?=",
        "a\x00b\x0bc\u2028Bcc: victim@example.com",
    ],
)
def test_a_hostile_subject_injects_no_header(subject):
    rendered = Rendered(subject=subject, html="<p>x</p>", text="x\n")
    message = parsed(build(rendered))
    assert sorted(message.keys()) == sorted(parsed(build()).keys())
    assert message["Bcc"] is None
    assert "\n" not in message["Subject"] and "\r" not in message["Subject"]


def test_extra_headers_are_cleaned_and_checked():
    extra = {
        "List-Unsubscribe": "<https://example.org/u/tok>, <mailto:unsubscribe@example.org>",
        "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
        "X-Note": "one\r\nBcc: victim@example.com",
    }
    message = parsed(build(extra_headers=extra))
    assert message["List-Unsubscribe"].strip() == extra["List-Unsubscribe"]  # folded after the colon
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert message["X-Note"] == "one Bcc: victim@example.com" and message["Bcc"] is None
    with pytest.raises(DeliverError, match="header name"):
        build(extra_headers={"Bad Name": "x"})
    with pytest.raises(DeliverError):
        build(extra_headers={"Subject": "a second subject"})


def test_a_date_without_a_zone_is_refused():
    with pytest.raises(DeliverError, match="zone"):
        build(date=dt.datetime(2016, 8, 31, 7, 0))


def test_one_recipient_and_one_sender():
    with pytest.raises(DeliverError, match="To"):
        build(to="a@example.org, b@example.org")
    with pytest.raises(DeliverError, match="From"):
        build(sender="not an address")


def test_new_message_id_is_deterministic_and_checked():
    assert new_message_id("example.org", "issue-0001.abc") == "<issue-0001.abc@example.org>"
    assert new_message_id("example.org", "issue-0001.abc") == new_message_id("example.org", "issue-0001.abc")
    for domain, unique in (("example.org", "has space"), ("example.org", "a@b"), ("exa mple.org", "x"), ("", "x")):
        with pytest.raises(DeliverError):
            new_message_id(domain, unique)
    with pytest.raises(DeliverError, match="Message-ID"):
        build(message_id="no-angle-brackets@example.org")


# --- clean_header ---------------------------------------------------------------------------

NASTY = st.sampled_from(
    ["\r\n", "\n", "\r", "\0", "\t", "\x85", "\u2028", "=?", "?=", "=?utf-8?q?", "=?utf-8?b?", "?q?", "?Q?",
     "=0D=0A", "=0A", "DQo=", "Bcc: x@y", " ", "_", "é", "=3D=3F"]
)  # fmt: skip
HEADER_TEXT = st.lists(st.one_of(st.text(max_size=8), NASTY), max_size=20).map("".join)


@settings(max_examples=400, database=None)
@given(HEADER_TEXT)
def test_clean_header_leaves_one_line_without_encoded_words(value):
    cleaned = clean_header(value)
    assert not any(c in cleaned for c in "\r\n\0")
    assert not ENCODED_WORD.search(cleaned)
    assert cleaned == cleaned.strip() and "  " not in cleaned
    assert clean_header(cleaned) == cleaned


@settings(max_examples=200, database=None)
@given(HEADER_TEXT)
def test_a_cleaned_subject_is_exactly_one_header_after_a_round_trip(value):
    message = parsed(build(Rendered(subject=value, html="<p>x</p>", text="x\n")))
    assert sorted(message.keys()) == sorted(parsed(build()).keys())
    assert "\n" not in str(message["Subject"]) and "\r" not in str(message["Subject"])


def test_clean_header_keeps_ordinary_text_and_decodes_encoded_words():
    assert clean_header("  News and  Comment\tfrom Roy ") == "News and Comment from Roy"
    assert clean_header("Caf\u00e9 \u00a3100k") == "Caf\u00e9 \u00a3100k"
    assert clean_header("=?utf-8?q?Caf=C3=A9?= time") == "Caf\u00e9 time"
    assert clean_header("=?no-such-charset?q?x?= y") == "y"
    assert clean_header("2+2=? four?") == "2+2=? four?"


def test_an_unclosed_encoded_word_cannot_smuggle_a_newline():
    """Found by hypothesis: the email package folds "=?utf-8?q?=0D=0A" into a real line break."""
    for value in ("=?utf-8?q?=0D=0A", "\u00a1 =?utf-8?b?=0D=0A", "=?=?utf-8?q?=0D=0A"):
        message = parsed(build(Rendered(subject=value, html="<p>x</p>", text="x\n")))
        assert sorted(message.keys()) == sorted(parsed(build()).keys())
        assert clean_header(clean_header(value)) == clean_header(value)

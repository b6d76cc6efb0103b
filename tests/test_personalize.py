"""Per-recipient substitution into the message built once: it must parse and decode exactly."""

from __future__ import annotations

import datetime as dt
import email
import email.policy
import html

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from newsletter.deliver.headers import clean_header
from newsletter.deliver.personalize import Recipient, Template, issue_template, quoted_printable
from newsletter.errors import DeliverError
from newsletter.models import Rendered

TOKEN = "%%UNSUBSCRIBE_URL%%"
DATE = dt.datetime(2024, 3, 1, 7, 0, tzinfo=dt.timezone.utc)


def template(text: str, page: str) -> Template:
    return issue_template(
        Rendered("Subject", page, text),
        sender="List <list@example.org>",
        date=DATE,
        list_name="The List",
        list_id="list.example.org",
        body_fields={TOKEN: "unsubscribe_url"},
    )


names = st.text(st.characters(blacklist_categories=("Cs",)), max_size=80)
addresses = st.from_regex(r"[a-z0-9]{1,20}(\.[a-z0-9+_-]{1,10})?@[a-z0-9]{1,20}\.(org|example|co\.uk)", fullmatch=True)
urls = st.from_regex(
    r"https://[a-z0-9.-]{1,40}\.org(/[a-z0-9_-]{1,60})?/unsubscribe/[A-Za-z0-9_-]{32}(\?a=b&c=d)?", fullmatch=True
)
fillers = st.text(st.characters(min_codepoint=32, max_codepoint=0x24F), max_size=160)


@settings(max_examples=150, deadline=None)
@given(names, addresses, urls, fillers, fillers, st.integers(0, 90))
def test_every_filled_message_parses_and_decodes_to_its_values(name, address, url, before, after, pad):
    text = f"{before}\n{'x' * pad} {TOKEN}{after}\n[1] {TOKEN}\n"
    page = f'<p>{html.escape(before)}</p><p>{"y" * pad}<a href="{TOKEN}">{html.escape(after)}</a></p>'
    recipient = Recipient(address, name, "<0001.1.42.abc@example.org>", url, "mailto:u@example.org?subject=x")
    raw = template(text, page).fill(recipient)
    message = email.message_from_bytes(raw, policy=email.policy.default)
    [to] = message["To"].addresses
    assert to.addr_spec == address
    if clean_header(name).isascii():
        assert to.display_name == clean_header(name)
    else:  # Python's parser keeps the space between adjacent encoded-words that RFC 2047 drops
        assert "".join(to.display_name.split()) == "".join(clean_header(name).split())
    assert message["Message-ID"] == "<0001.1.42.abc@example.org>"
    assert str(message["List-Unsubscribe"]) == f"<{url}>, <mailto:u@example.org?subject=x>"
    plain, rich = (part.get_content().replace("\r\n", "\n") for part in message.iter_parts())
    assert plain == text.replace(TOKEN, url)
    assert rich == page.replace(TOKEN, html.escape(url)) + "\n"
    lines = raw.split(b"\r\n")
    body = lines[lines.index(b"") + 1 :]
    assert max(len(line) for line in lines) <= 998
    assert max(len(line) for line in body) <= 78  # what Python's own encoder allows itself (RFC 2045: 76)
    assert not message.defects and all(not part.defects for part in message.iter_parts())


def test_a_sentinel_cut_by_a_soft_line_break_is_still_found():
    text = "z" * 70 + TOKEN + "\n"  # the encoder breaks the line inside the sentinel
    recipient = Recipient("a@example.org", "A", "<1@example.org>", "https://e.org/unsubscribe/x")
    message = email.message_from_bytes(template(text, "<p>p</p>").fill(recipient), policy=email.policy.default)
    assert next(message.iter_parts()).get_content() == "z" * 70 + "https://e.org/unsubscribe/x\r\n"


def test_header_values_cannot_add_headers():
    recipient = Recipient("a@example.org", "Eve\r\nBcc: b@example.org", "<1@example.org>", "https://e.org/u/x")
    message = email.message_from_bytes(template("t\n", "<p>p</p>").fill(recipient), policy=email.policy.default)
    assert message["Bcc"] is None and message["To"].addresses[0].display_name == "Eve Bcc: b@example.org"
    with pytest.raises(DeliverError):
        template("t\n", "<p>p</p>").fill(Recipient("a@example.org", "", "<1@example.org>", "https://e.org/u x>"))


def test_long_values_are_wrapped_without_splitting_escapes():
    encoded = quoted_printable(("é" * 60).encode())
    assert all(len(line) <= 76 for line in encoded.split(b"=\r\n"))
    assert b"=C3=A9" * 12 in encoded.replace(b"=\r\n", b"")

"""Template and its header writers, byte for byte, on messages written out by hand.

test_personalize.py checks that filled messages parse and decode to their values for
any input; these pin the exact bytes at each boundary (line widths, where a sentinel
sits on its line, folding) and the exact message for each thing refused.
"""

from __future__ import annotations

import datetime as dt

import pytest

from newsletter.deliver.personalize import Recipient, Template, issue_template, quoted_printable, to_header
from newsletter.errors import DeliverError
from newsletter.models import Rendered

SENTINEL = "%%U%%"
URL = "https://e.org/u/x?a=1&b=2"
ANN = Recipient("ann@example.org", "Ann", "<1@example.org>", URL, "mailto:u@example.org?subject=x")
HEAD = (
    b"From: List <list@example.org>\r\n"
    b"To: stand-in@example.invalid\r\n"
    b"Subject: Hello\r\n"
    b"Message-ID: <stand-in@example.invalid>\r\n"
    b"List-Unsubscribe: <https://example.invalid/>\r\n"
    b'Content-Type: multipart/alternative; boundary="BB"\r\n'
)


def message(text: bytes, page: bytes = b"<p>p</p>", head: bytes = HEAD, encoding: bytes = b"quoted-printable") -> bytes:
    return (
        head + b"\r\n--BB\r\n"
        b'Content-Type: text/plain; charset="utf-8"\r\nContent-Transfer-Encoding: '
        + encoding
        + b"\r\n\r\n"
        + text
        + b"\r\n--BB\r\n"
        b'Content-Type: text/html; charset="utf-8"\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n'
        + page
        + b"\r\n--BB--\r\n"
    )


def filled(text: bytes, page: bytes = b"<p>p</p>", recipient: Recipient = ANN, head: bytes = HEAD) -> bytes:
    return Template(message(text, page, head), {SENTINEL: "unsubscribe_url"}).fill(recipient)


def test_the_per_recipient_headers_are_replaced_whole_and_nothing_else_changes():
    assert filled(b"no sentinel") == message(
        b"no sentinel",
        head=(
            b"From: List <list@example.org>\r\n"
            b"To: Ann <ann@example.org>\r\n"
            b"Subject: Hello\r\n"
            b"Message-ID: <1@example.org>\r\n"
            b"List-Unsubscribe: <https://e.org/u/x?a=1&b=2>,\r\n <mailto:u@example.org?subject=x>\r\n"
            b'Content-Type: multipart/alternative; boundary="BB"\r\n'
        ),
    )


def test_folded_and_oddly_cased_header_fields_are_replaced_with_their_continuation_lines():
    head = (
        b"to: first@example.invalid,\r\n second@example.invalid\r\n"
        b"MESSAGE-ID :\r\n\t<stand-in@example.invalid>\r\n"
        b"List-unsubscribe: <https://example.invalid/>\r\n"
        b"Content-Type: multipart/alternative; boundary=BB\r\n"
    )
    assert filled(b"x", head=head).split(b"\r\n\r\n")[0] == (
        b"To: Ann <ann@example.org>\r\n"
        b"Message-ID: <1@example.org>\r\n"
        b"List-Unsubscribe: <https://e.org/u/x?a=1&b=2>,\r\n <mailto:u@example.org?subject=x>\r\n"
        b"Content-Type: multipart/alternative; boundary=BB"
    )


@pytest.mark.parametrize(
    "text, body",
    [
        # Alone on its line: the value needs no soft breaks around it.
        (b"%%U%%", b"https://e.org/u/x?a=3D1&b=3D2"),
        # After text: a soft break before; at the end of its line: none after.
        (b"Hi %%U%%\r\nBye", b"Hi =\r\nhttps://e.org/u/x?a=3D1&b=3D2\r\nBye"),
        # Inside a line: soft breaks on both sides.
        (b"(%%U%%)", b"(=\r\nhttps://e.org/u/x?a=3D1&b=3D2=\r\n)"),
        # Already followed by a soft break, or at a line's start: no second one.
        (b"%%U%%=\r\nmore", b"https://e.org/u/x?a=3D1&b=3D2=\r\nmore"),
        # Cut by the encoder's own soft break: still found, and the break goes with it.
        (b"x%%=\r\nU%%y", b"x=\r\nhttps://e.org/u/x?a=3D1&b=3D2=\r\ny"),
        (b"%=\r\n%U%%", b"https://e.org/u/x?a=3D1&b=3D2"),
        # Twice: both filled.
        (b"%%U%%\r\n%%U%%", b"https://e.org/u/x?a=3D1&b=3D2\r\nhttps://e.org/u/x?a=3D1&b=3D2"),
    ],
)
def test_a_sentinel_in_the_text_part_becomes_the_value_on_a_line_of_its_own(text, body):
    assert filled(text) == message(body).replace(HEAD, filled(b"").split(b"\r\n\r\n")[0] + b"\r\n")


def test_a_value_in_the_html_part_is_escaped_then_encoded():
    page = filled(b"t", b'<a href=3D"%%U%%">x</a>').split(b"--BB\r\n")[2]
    assert page.endswith(b'\r\n\r\n<a href=3D"=\r\nhttps://e.org/u/x?a=3D1&amp;b=3D2=\r\n">x</a>\r\n--BB--\r\n')


def test_a_long_value_is_wrapped_at_76_characters():
    long = Recipient("a@example.org", "", "<1@example.org>", "https://e.org/" + "u" * 100)
    text = filled(b"%%U%%", recipient=long).split(b"--BB\r\n")[1].split(b"\r\n\r\n", 1)[1]
    assert text == b"https://e.org/" + b"u" * 61 + b"=\r\n" + b"u" * 39 + b"\r\n"


@pytest.mark.parametrize(
    "data, encoded",
    [
        (b"", b""),
        (b"a" * 75, b"a" * 75),  # exactly one line
        (b"a" * 76, b"a" * 75 + b"=\r\na"),
        (b"a" * 150, b"a" * 75 + b"=\r\n" + b"a" * 75),
        (b"a" * 74 + b"=", b"a" * 74 + b"=\r\n=3D"),  # an escape is never split over a break
        (b"a" * 73 + b"=b", b"a" * 73 + b"=\r\n=3Db"),
        (b"a" * 72 + b"=bb", b"a" * 72 + b"=3D=\r\nbb"),
        ("\u00e9".encode(), b"=C3=A9"),
        (b"a b\t", b"a=20b=09"),
        (b"\x00=\x7f~!", b"=00=3D=7F~!"),
    ],
)
def test_quoted_printable_known_answers(data, encoded):
    assert quoted_printable(data) == encoded


def recipient(name: str, address: str = "a@example.org") -> Recipient:
    return Recipient(address, name, "<1@example.org>", "https://e.org/u")


@pytest.mark.parametrize(
    "name, field",
    [
        ("", b"To: a@example.org\r\n"),
        ("  Ann \t  Lee ", b"To: Ann Lee <a@example.org>\r\n"),
        ("Ann O'Neil", b"To: Ann O'Neil <a@example.org>\r\n"),
        ("Lee, Ann", b'To: "Lee, Ann" <a@example.org>\r\n'),
        ('Say "hi" \\ there', b'To: "Say \\"hi\\" \\\\ there" <a@example.org>\r\n'),
        ("Ann\r\nBcc: x@y", b'To: "Ann Bcc: x@y" <a@example.org>\r\n'),
        ("=?utf-8?q?x?= Lee", b"To: x Lee <a@example.org>\r\n"),
        ("Zo\u00eb", b"To: =?utf-8?q?Zo=C3=AB?= <a@example.org>\r\n"),
        ("=?utf-8?q?Zo=C3=AB?=", b"To: =?utf-8?q?Zo=C3=AB?= <a@example.org>\r\n"),
        ("A" * 58, b"To: " + b"A" * 58 + b" <a@example.org>\r\n"),  # 78 characters: one line
        ("A" * 59, b"To: " + b"A" * 59 + b"\r\n <a@example.org>\r\n"),  # 79: folded
        ("A, " + "b" * 56, b'To: "A, ' + b"b" * 56 + b'"\r\n <a@example.org>\r\n'),
        (
            "Zo\u00eb " + "c" * 80,
            b"To: =?utf-8?q?Zo=C3=AB_" + b"c" * 53 + b"?=\r\n =?utf-8?q?" + b"c" * 27 + b"?= <a@example.org>\r\n",
        ),
    ],
)
def test_the_to_field_exactly(name, field):
    assert to_header(recipient(name)) == field


@pytest.mark.parametrize("address", ["not an address", "a@b@c", "a b@example.org", "<a@example.org>", "a@exa_mple.org"])
def test_an_address_a_header_cannot_carry_is_refused_by_name(address):
    with pytest.raises(DeliverError) as caught:
        to_header(recipient("Ann", address))
    assert str(caught.value) == f"{address!r} is not an address a header can carry"


@pytest.mark.parametrize(
    "changes, problem",
    [
        ({"message_id": "1@example.org"}, "Message-ID '1@example.org' is not of the form <left@domain>"),
        (
            {"message_id": "<1@example.org>\r\nBcc: x"},
            "Message-ID '<1@example.org>\\r\\nBcc: x' is not of the form <left@domain>",
        ),
        ({"unsubscribe_url": "https://e.org/u x"}, "'https://e.org/u x' cannot go into List-Unsubscribe"),
        ({"unsubscribe_url": "https://e.org/u>"}, "'https://e.org/u>' cannot go into List-Unsubscribe"),
        ({"unsubscribe_mailto": "mailto:u@e.org\r\n"}, "'mailto:u@e.org\\r\\n' cannot go into List-Unsubscribe"),
        ({"unsubscribe_url": "ftp://e.org/u"}, "'ftp://e.org/u' cannot go into List-Unsubscribe"),
    ],
)
def test_a_header_value_that_would_break_the_header_is_refused(changes, problem):
    import dataclasses

    with pytest.raises(DeliverError) as caught:
        filled(b"x", recipient=dataclasses.replace(ANN, **changes))
    assert str(caught.value) == problem


def test_list_unsubscribe_without_a_mailto_is_the_link_alone():
    bare = Recipient("a@example.org", "", "<1@example.org>", "https://e.org/u")
    assert b"\r\nList-Unsubscribe: <https://e.org/u>\r\nContent-Type" in filled(b"x", recipient=bare)


@pytest.mark.parametrize(
    "raw, fields, problem",
    [
        (
            message(b"x", head=HEAD.replace(b"To: stand-in@example.invalid\r\n", b"")),
            {},
            "the built message lacks the header(s) to",
        ),
        (
            message(b"x", head=b"From: a@example.org\r\nContent-Type: multipart/alternative; boundary=BB\r\n"),
            {},
            "the built message lacks the header(s) list_unsubscribe, message_id, to",
        ),
        (
            HEAD.replace(b"multipart/alternative", b"text/plain").replace(b'; boundary="BB"', b"") + b"\r\nx\r\n",
            {SENTINEL: "unsubscribe_url"},
            "the built message is not multipart",
        ),
        (
            message(b"%%U%%", encoding=b"8bit"),
            {SENTINEL: "unsubscribe_url"},
            "unsubscribe_url: its part is not quoted-printable, so it cannot be filled in",
        ),
        (message(b"x"), {"a b": "unsubscribe_url"}, "sentinel 'a b' must be printable ASCII without '=' or spaces"),
        (message(b"x"), {"a=b": "unsubscribe_url"}, "sentinel 'a=b' must be printable ASCII without '=' or spaces"),
        (message(b"x"), {"": "unsubscribe_url"}, "sentinel '' must be printable ASCII without '=' or spaces"),
    ],
)
def test_a_message_that_cannot_be_a_template_is_refused(raw, fields, problem):
    with pytest.raises(DeliverError) as caught:
        Template(raw, fields)
    assert str(caught.value) == problem


def test_an_8bit_part_without_a_sentinel_is_left_alone():
    raw = message(b"plain", encoding=b"8bit")
    assert Template(raw, {SENTINEL: "unsubscribe_url"}).fill(ANN).endswith(raw[raw.index(b"\r\n\r\n--BB") :])


def test_an_issue_template_carries_the_list_headers_and_one_click_post():
    template = issue_template(
        Rendered("Subject", "<p>x</p>", "x\n"),
        sender="List <list@example.org>",
        date=dt.datetime(2024, 3, 1, 7, 0, tzinfo=dt.timezone.utc),
        list_name="The List",
        list_id="list.example.org",
        body_fields={},
    )
    head = template.fill(ANN).split(b"\r\n\r\n")[0].split(b"\r\nMIME-Version")[0]
    assert head == (
        b"From: List <list@example.org>\r\n"
        b"To: Ann <ann@example.org>\r\n"
        b"Subject: Subject\r\n"
        b"Date: Fri, 01 Mar 2024 07:00:00 +0000\r\n"
        b"Message-ID: <1@example.org>\r\n"
        b"List-Unsubscribe: <https://e.org/u/x?a=1&b=2>,\r\n <mailto:u@example.org?subject=x>\r\n"
        b"List-Unsubscribe-Post: List-Unsubscribe=One-Click\r\n"
        b"List-Id: The List <list.example.org>"
    )


def test_a_value_in_an_html_attribute_cannot_close_it():
    quoting = Recipient("a@example.org", "O\"Brien's <b>", "<1@example.org>", "https://e.org/u")
    raw = Template(message(b"t", b'<a title=3D"%%N%%">x</a>'), {"%%N%%": "name"}).fill(quoting)
    page = raw.split(b"--BB\r\n")[2].split(b"\r\n\r\n", 1)[1]
    assert page == b'<a title=3D"=\r\nO&quot;Brien&#x27;s=20&lt;b&gt;=\r\n">x</a>\r\n--BB--\r\n'

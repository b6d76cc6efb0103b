"""Readers' tips as text (sources/tips.py): every class of mail a tip can come in (tests/tipkit.py)
becomes clean bounded text or a reason to skip it, and the first sentence starts an accepted line."""

from __future__ import annotations

import base64
import email
import email.message
import email.policy
import re

import pytest
from tipkit import MAILS, TIPSTER, TIPSTER_NAME, Skip

from newsletter.sources.tips import (
    Unusable,
    clean,
    contact,
    first_sentence,
    from_mail,
    trimmed,
)


def parsed(raw: bytes):
    return email.message_from_bytes(raw, policy=email.policy.default)


@pytest.mark.parametrize("name", list(MAILS))
def test_each_kind_of_mail_is_a_clean_tip_or_a_reason(name):
    raw, expected = MAILS[name]
    if isinstance(expected, Skip):
        with pytest.raises(Unusable) as refused:
            from_mail(parsed(raw), 4000)
        assert re.fullmatch(expected.reason, str(refused.value)), str(refused.value)
        return
    cleaned = from_mail(parsed(raw), 4000)
    assert cleaned.text == expected
    assert (cleaned.address, cleaned.name) == (TIPSTER, TIPSTER_NAME)
    assert "<" not in cleaned.text and TIPSTER not in cleaned.text


def test_attachments_are_counted_and_never_read():
    cleaned = from_mail(parsed(MAILS["alternative-with-attachments"][0]), 4000)
    assert cleaned.attachments == 2 and "HTML part" not in cleaned.text and "PDF" not in cleaned.text


def test_the_text_part_wins_over_the_html_part_whichever_comes_first():
    message = email.message.EmailMessage()
    message["From"] = TIPSTER
    message.set_content("<p>HTML first.</p>", subtype="html")
    message.add_alternative("Text second.")
    assert from_mail(parsed(message.as_bytes()), 4000).text == "Text second."


def test_a_mail_without_from_is_a_tip_from_nobody_known():
    cleaned = from_mail(parsed(b"Subject: x\r\n\r\nNo sender here.\r\n"), 4000)
    assert (cleaned.text, cleaned.address, cleaned.name, cleaned.attachments) == ("No sender here.", "", "", 0)


def test_two_from_headers_are_refused():
    with pytest.raises(Unusable, match="^more than one From header$"):
        from_mail(parsed(f"From: {TIPSTER}\r\nFrom: b@example.org\r\n\r\nHi.\r\n".encode()), 4000)


@pytest.mark.parametrize("sender", [
    "Someone <nobody>",  # no domain
    "a@one.example, b@two.example",  # two addresses
    "Jane <jane@tipster.example",  # a defect (no closing bracket) around one address
    f"=?utf-8?b?{base64.b64encode(b'ceo@bank.example').decode()}?= <attacker@evil.example>",  # an address as name
    f"=?utf-8?b?{base64.b64encode(b'The CEO <ceo>').decode()}?= <attacker@evil.example>",  # a bracket in the name
])  # fmt: skip
def test_a_from_that_does_not_name_one_address_plainly_is_refused(sender):
    with pytest.raises(Unusable, match="^the From header does not name one address$"):
        from_mail(parsed(f"From: {sender}\r\n\r\nHi.\r\n".encode()), 4000)


@pytest.mark.parametrize("header", ["From", "Subject", "Reply-To", "Sender"])
def test_line_breaks_encoded_in_a_shown_header_are_refused(header):
    hidden = base64.b64encode(b"x\r\nBcc: all@list.example").decode()
    value = f"=?utf-8?b?{hidden}?=" if header == "Subject" else f"=?utf-8?b?{hidden}?= <a@b.example>"
    with pytest.raises(Unusable, match=f"{header} header"):
        from_mail(parsed(f"{header}: {value}\r\n\r\nHi.\r\n".encode()), 4000)


def test_a_long_unknown_charset_is_named_cut_short():
    raw = f"Content-Type: text/plain; charset={'x' * 60}\r\n\r\nHi.\r\n".encode()
    with pytest.raises(Unusable, match=f"^unknown charset '{'x' * 40}'$"):
        from_mail(parsed(raw), 4000)


def test_an_inline_image_and_a_text_attachment_are_counted_not_read():
    message = email.message.EmailMessage()
    message["From"] = TIPSTER
    message.set_content("The body.")
    message.make_mixed()
    image = email.message.EmailMessage()
    image.set_content(b"\x89PNG", maintype="image", subtype="png")  # no Content-Disposition
    message.attach(image)
    message.add_attachment("Attached notes, not the tip.", filename="notes.txt")
    cleaned = from_mail(parsed(message.as_bytes()), 4000)
    assert (cleaned.text, cleaned.attachments) == ("The body.", 2)


def test_of_two_text_parts_the_first_is_the_tip():
    message = email.message.EmailMessage()
    message["From"] = TIPSTER
    message.set_content("First part.")
    message.make_mixed()
    second = email.message.EmailMessage()
    second.set_content("Second part.")
    message.attach(second)
    assert from_mail(parsed(message.as_bytes()), 4000) == ("First part.", TIPSTER, "", 0)


def test_a_mail_over_the_character_limit_is_refused_whole():
    body = "w" * 5000
    with pytest.raises(Unusable, match="^5000 characters, over the 4999-character limit$"):
        from_mail(parsed(f"From: {TIPSTER}\r\n\r\n{body}\r\n".encode()), 4999)


def test_clean_keeps_paragraphs_and_removes_what_no_stored_text_may_hold():
    assert clean("  One\u202e  line\x00\r\nstill one.\r\n\r\n\r\nTwo.  ", 100) == "One line still one.\n\nTwo."


@pytest.mark.parametrize("text", ["", "   \n\n  ", "\x00\x01"])
def test_clean_refuses_empty_text(text):
    with pytest.raises(Unusable, match="^no text$"):
        clean(text, 100)


def test_clean_allows_exactly_the_limit():
    assert clean("x" * 10, 10) == "x" * 10
    with pytest.raises(Unusable, match="^11 characters, over the 10-character limit$"):
        clean("x" * 11, 10)


def test_contact_is_one_bounded_line():
    assert contact("  me@example.org\r\nBcc: x@y\x00 ") == "me@example.org Bcc: x@y"
    assert contact("") == ""
    assert contact("a" * 320) == "a" * 320
    with pytest.raises(Unusable, match="^the contact is over 320 characters$"):
        contact("a" * 321)


@pytest.mark.parametrize("text, first", [
    ("The pier is sold. Two people said so.", "The pier is sold."),
    ("Is it true? Yes.", "Is it true?"),
    ("It is! Really.", "It is!"),
    ("She said \u201cgo.\u201d Then left.", "She said \u201cgo.\u201d"),
    ("It costs 3.5 million and more", "It costs 3.5 million and more"),
    ("No end in the first paragraph\n\nSecond. Paragraph.", "No end in the first paragraph"),
    ("Ends here.", "Ends here."),
])  # fmt: skip
def test_the_first_sentence_starts_an_accepted_line(text, first):
    assert first_sentence(text) == first


def test_trimming_cuts_the_signature_and_the_quoted_mail():
    text = "Real news.\n\nMore.\n\n-- \nWendy\n\nOn Mon, 1 Dec 2026, Ed <e@x.example> wrote:\n> old\n"
    assert trimmed(text).strip() == "Real news.\n\nMore."
    assert trimmed("> only a quote\nnot quoted\n").strip() == "not quoted"
    assert trimmed("") == ""


@pytest.mark.parametrize("header", [
    "Am Mo., 30. Nov. 2026 um 07:00 Uhr schrieb Redaktion <ed@x.example>:",
    "Le lun. 30 nov. 2026 \u00e0 07:00, R\u00e9daction <ed@x.example> a \u00e9crit :",
    "Il giorno lun 30 nov 2026 alle ore 07:00 Redazione <ed@x.example> ha scritto:",
])  # fmt: skip
def test_quote_headers_in_german_french_and_italian_are_cut_too(header):
    assert trimmed(f"Real tip here.\n\n{header}\nquoted old text without marks\n").strip() == "Real tip here."

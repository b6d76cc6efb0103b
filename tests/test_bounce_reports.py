"""The bounce classifier on its own: exact reports for every shape a mail server writes, who each
names and in which order of trust, and the bounds on what it keeps from untrusted mail.

tests/test_bounces.py sends real mail and reads the reports from a mailbox; here the reports
are built directly (tests/bouncekit.py, and hand-made variations of each class), so each
field of the Report can be stated exactly.
"""

from __future__ import annotations

import bouncekit
import pytest

from newsletter.deliver.bounces import MAX_DETAIL, Reader, Report
from newsletter.deliver.tokens import Tokens
from newsletter.sources.mailbox import parse

SECRET = "q7Zx2LmP9wRt4KbN-mutation"
BOUNCES, LINKS = Tokens(SECRET, "bounce"), Tokens(SECRET)
VERP = "bounces+{token}@example.org"
READER = Reader(BOUNCES, LINKS, VERP, "unsubscribe@example.org")
RECIPIENT = "Jane.Doe+news@Mail.Example.com"
KEY = "a1b2c3d4e5f6a7b8c9"


def original(n: int = 7, key: str | None = KEY, recipient: str = RECIPIENT) -> bytes:
    """The message as we sent it to subscriber `n`: its Message-ID and List-Unsubscribe carry what names them."""
    return (
        f"From: The Daily <news@example.org>\r\nTo: Jane <{recipient}>\r\nSubject: The Daily: issue 3\r\n"
        f"Message-ID: <{n}.issue3@example.org>\r\n"
        f"List-Unsubscribe: <https://news.example.org/unsubscribe/{LINKS.make(n, key)}>,\r\n"
        f" <mailto:unsubscribe@example.org?subject=unsubscribe%20{LINKS.make(n, key)}>\r\n"
        f"\r\nHello\r\n"
    ).encode()


def verp(n: int, key: str | None = None) -> str:
    return VERP.replace("{token}", BOUNCES.make(n, key))


def classify(raw: bytes, reader: Reader = READER) -> Report:
    return reader.classify(parse(raw, "k").message)


POSTFIX_WORDS = "Recipient address rejected: User unknown in virtual mailbox table"
RCPT = RECIPIENT.lower()


def test_a_postfix_hard_bounce_names_its_subscriber_recipient_code_and_words():
    assert classify(bouncekit.postfix(original(), verp(7), RECIPIENT)) == Report(
        "hard", 7, (RCPT,), ("<7.issue3@example.org>",), "5.1.1", f"550 5.1.1 <{RECIPIENT}>: {POSTFIX_WORDS}"
    )


def test_a_postfix_temporary_failure_is_a_soft_bounce():
    report = classify(bouncekit.postfix(original(), verp(7), RECIPIENT, status="4.2.2", words="Mailbox full"))
    assert (report.kind, report.code, report.detail) == ("soft", "4.2.2", f"452 4.2.2 <{RECIPIENT}>: Mailbox full")


def test_an_exchange_report_returning_the_whole_message_is_read_from_it():
    assert classify(bouncekit.exchange(original(), verp(7), RECIPIENT)) == Report(
        "hard",
        7,
        (RCPT,),
        ("<7.issue3@example.org>",),
        "5.1.10",
        "550 5.1.10 RESOLVER.ADR.RecipientNotFound; Recipient not found by SMTP address lookup",
    )


@pytest.mark.parametrize(
    "status, kind, words",
    [
        ("4.2.2", "soft", "is over quota"),
        ("5.1.1", "hard", "does not exist"),
    ],
)
def test_a_gmail_report_with_a_folded_diagnostic_is_one_line(status, kind, words):
    report = classify(bouncekit.gmail(original(), verp(7), RECIPIENT, status=status))
    smtp = "452" if kind == "soft" else "550"
    assert report == Report(
        kind,
        7,
        (RCPT,),
        ("<7.issue3@example.org>",),
        status,
        f"{smtp}-{status} The email account that you tried to reach {words}. Learn more at "
        "https://support.google.com/mail/?p=OverQuotaTemp",
    )


@pytest.mark.parametrize(
    "code, kind, found",
    [("550 5.1.1", "hard", "5.1.1"), ("452 4.2.2", "soft", "4.2.2"), ("550", "hard", "550"), ("421", "soft", "421")],
)
def test_an_exim_plain_text_bounce_gives_the_code_and_its_line(code, kind, found):
    report = classify(bouncekit.exim(original(), verp(7), RECIPIENT, code=code))
    assert report == Report(
        kind,
        7,
        (RCPT,),
        ("<7.issue3@example.org>",),
        found,
        f"{code} <{RECIPIENT}>: Recipient address rejected: User unknown",
    )


def test_a_complaint_names_the_recipient_from_the_report_or_else_the_returned_to():
    named = classify(bouncekit.arf(original(), verp(7), RECIPIENT))
    assert named == Report("complaint", 7, (RCPT,), ("<7.issue3@example.org>",), "", "complaint (abuse)")
    redacted = classify(bouncekit.arf(original(), verp(7), None))
    assert redacted == Report("complaint", 7, (), ("<7.issue3@example.org>",), "", "complaint (abuse)")
    report_only = classify(bouncekit.arf(original(), "postmaster@example.org", None))
    assert report_only.subscriber == 7  # from the returned List-Unsubscribe


def test_a_complaint_without_a_recipient_field_takes_the_returned_to_and_its_feedback_type():
    raw = bouncekit.arf(original(), "postmaster@example.org", None).replace(
        b"To: [redacted]", b"To: Jane\r\n <Jane@X.example>"
    )
    raw = raw.replace(b"Feedback-Type: abuse", b"Feedback-Type:  fraud ")
    report = classify(raw)
    assert (report.kind, report.addresses, report.detail) == ("complaint", ("jane@x.example",), "complaint (fraud)")


def test_an_unsubscribe_mail_names_the_subscriber_from_its_subject_token():
    mail = bouncekit.unsubscribe_mail(original(), "unsubscribe@example.org", "Jane <Jane@Mail.example.com>")
    assert classify(mail) == Report(
        "unsubscribe", 7, (), (), "", f"unsubscribe mail: unsubscribe {LINKS.make(7, KEY)}", keyed=True, key=KEY
    )


def test_an_unsubscribe_mail_without_a_genuine_token_names_its_sender():
    mail = bouncekit.unsubscribe_mail(
        original(), "Unsubscribe@Example.org", "Jane <Jane@Mail.example.com>, other@x.example"
    )
    forged = mail.replace(LINKS.make(7, KEY).encode(), b"A" * 44)
    assert classify(forged) == Report(
        "unsubscribe", None, ("jane@mail.example.com",), (), "", "unsubscribe mail: unsubscribe " + "A" * 44
    )
    # Addressed elsewhere (and no report), it is not ours to act on.
    assert classify(forged.replace(b"To: Unsubscribe@Example.org", b"To: editor@example.org")) == Report("")


def test_a_bounce_token_never_passes_for_an_unsubscribe_token_in_a_subject():
    mail = bouncekit.unsubscribe_mail(original(), "unsubscribe@example.org", "jane@mail.example.com")
    swapped = mail.replace(LINKS.make(7, KEY).encode(), BOUNCES.make(7, KEY).encode())
    assert classify(swapped).subscriber is None


def test_without_a_bounce_address_no_unsubscribe_address_is_matched_and_no_verp_is_read():
    bare = Reader(BOUNCES, LINKS)
    mail = bouncekit.unsubscribe_mail(original(), "unsubscribe@example.org", "jane@mail.example.com")
    assert classify(mail, bare) == Report("")
    report = classify(bouncekit.postfix(original(key=None), verp(9), RECIPIENT), bare)
    assert report.subscriber == 7  # the VERP token (9) is not read; the returned link's is


ORDINARY = (
    b"From: Jane <jane@x.example>\r\nTo: news@example.org\r\nSubject: Re: The Daily\r\n"
    b"Message-ID: <r@x.example>\r\n\r\nThanks, 550 readers agree: 5.1.1\r\n"
)


def test_an_ordinary_reply_is_no_report_even_with_codes_in_its_text():
    assert classify(ORDINARY) == Report("")


def test_who_a_report_names_goes_by_verp_then_the_returned_link_then_nobody():
    assert classify(bouncekit.postfix(original(7), verp(3), RECIPIENT)).subscriber == 3  # VERP wins
    assert classify(bouncekit.postfix(original(7), "bounces@example.org", RECIPIENT)).subscriber == 7
    forged_verp = verp(3).replace("bounces+", "bounces+A")
    assert classify(bouncekit.postfix(original(7), forged_verp, RECIPIENT)).subscriber == 7
    anonymous = b"To: someone@example.net\r\nMessage-ID: <x@y.example>\r\n\r\n"
    report = classify(bouncekit.postfix(anonymous, "bounces@example.org", RECIPIENT))
    assert (report.kind, report.subscriber, report.addresses) == ("hard", None, (RCPT,))


@pytest.mark.parametrize("header", ["Delivered-To", "X-Original-To", "Envelope-To", "X-Envelope-To"])
def test_the_verp_address_is_found_in_any_header_that_names_the_recipient(header):
    raw = bouncekit.postfix(original(7), "postmaster@example.org", RECIPIENT)
    raw = raw.replace(b"To: postmaster@example.org", f"To: postmaster@example.org\r\n{header}: {verp(3)}".encode(), 1)
    assert classify(raw).subscriber == 3


def test_the_verp_address_matches_whatever_its_case_and_only_around_the_token():
    upper = verp(3).replace("bounces+", "BOUNCES+").replace("@example.org", "@EXAMPLE.ORG")
    assert classify(bouncekit.postfix(original(7), upper, RECIPIENT)).subscriber == 3
    other_domain = verp(3).replace("@example.org", "@example.net")
    assert classify(bouncekit.postfix(original(7), other_domain, RECIPIENT)).subscriber == 7


def dsn(groups: list[str], subject: str = "Undelivered Mail Returned to Sender", returned: str = "") -> bytes:
    machine = "Reporting-MTA: dns; mx.example.net\n\n" + "\n\n".join(groups)
    return bouncekit._report(
        "bounces@example.org",
        "MAILER-DAEMON@mx.example.net",
        subject,
        "delivery-status",
        "Your message could not be delivered.",
        machine,
        returned,
    )


def group(recipient: str, action: str = "failed", status: str | None = "5.1.1", diagnostic: str | None = None) -> str:
    lines = [f"Final-Recipient: rfc822; {recipient}", f"Action: {action}"]
    lines += [f"Status: {status}"] if status is not None else []
    lines += [f"Diagnostic-Code: {diagnostic}"] if diagnostic is not None else []
    return "\n".join(lines)


def test_a_delay_notice_is_no_bounce():
    assert classify(dsn([group("a@x.example", "delayed", "4.4.7")])) == Report("")
    assert classify(
        dsn([group("a@x.example", "delivered", "2.0.0"), group("b@x.example", "relayed", "2.0.0")])
    ) == Report("")


def test_of_several_failed_recipients_the_permanent_failure_decides_and_all_are_named():
    report = classify(
        dsn(
            [
                group("a@x.example", "failed", "4.2.2", "smtp; 452 full"),
                group("b@x.example", "delayed", "4.4.7"),
                group("c@x.example", "FAILED", "5.1.1", "smtp; 550 no such user"),
            ]
        )
    )
    assert report == Report("hard", None, ("a@x.example", "c@x.example"), (), "5.1.1", "550 no such user")


def test_without_a_status_the_code_comes_from_the_diagnostic_and_without_any_code_it_is_hard():
    enhanced = classify(dsn([group("a@x.example", status=None, diagnostic="smtp; 452 4.2.2 full")]))
    assert (enhanced.kind, enhanced.code, enhanced.detail) == ("soft", "4.2.2", "452 4.2.2 full")
    basic = classify(dsn([group("a@x.example", status="", diagnostic="smtp;421-try later")]))
    assert (basic.kind, basic.code, basic.detail) == ("soft", "421", "421-try later")
    unknown = classify(dsn([group("a@x.example", status="unknown", diagnostic="X-Unix; mailbox gone")]))
    assert (unknown.kind, unknown.code, unknown.detail) == ("hard", "", "mailbox gone")
    bare = classify(dsn([group("a@x.example", status=None)]))
    assert (bare.kind, bare.code, bare.detail) == ("hard", "", "")


def test_a_diagnostic_without_a_type_is_kept_whole():
    report = classify(dsn([group("a@x.example", diagnostic="550 5.1.1 no such user")]))
    assert report.detail == "550 5.1.1 no such user"


def test_the_original_recipient_stands_in_for_a_missing_final_recipient():
    block = "Original-Recipient: rfc822; Orig@X.example\nAction: failed\nStatus: 5.1.1"
    assert classify(dsn([block])).addresses == ("orig@x.example",)


def test_a_report_keeps_at_most_five_addresses_and_five_message_ids():
    returned = "".join(f"Message-ID: <{n}@example.org>\n" for n in range(8))
    report = classify(dsn([group(f"r{n}@x.example") for n in range(8)], returned=returned))
    assert report.addresses == tuple(f"r{n}@x.example" for n in range(5))
    assert report.message_ids == tuple(f"<{n}@example.org>" for n in range(5))


def test_evidence_is_one_printable_line_of_at_most_300_characters():
    long = classify(dsn([group("a@x.example", diagnostic="smtp; 550 " + "word " * 100)]))
    assert long.detail == ("550 " + "word " * 100)[:MAX_DETAIL] and MAX_DETAIL == 300
    raw = bouncekit.exim(original(), verp(7), RECIPIENT).replace(
        b"Recipient address rejected", b"Recipient\x07\x1b[31m rejected"
    )
    assert classify(raw).detail == f"550 5.1.1 <{RECIPIENT}>: Recipient [31m rejected: User unknown"


@pytest.mark.parametrize(
    "subject",
    [
        "Undeliverable: The Daily",
        "Delivery Status Notification (Failure)",
        "Delivery failure",
        "Delivery has failed",
        "Mail delivery failed: returning message to sender",
        "Returned mail: see transcript for details",
        "failure notice",
        "Non-delivery report",
        "NON DELIVERY",
        "Delivery problem",
        "UNDELIVERED MAIL",
    ],
)
def test_a_plain_text_bounce_is_known_by_its_subject(subject):
    raw = (
        f"From: mx@example.net\r\nTo: bounces@example.org\r\nSubject: {subject}\r\n\r\n"
        f"<a@x.example>: 550 5.1.1 no such user\r\n"
    ).encode()
    assert classify(raw) == Report("hard", None, ("a@x.example",), (), "5.1.1", "<a@x.example>: 550 5.1.1 no such user")


@pytest.mark.parametrize("sender", ["MAILER-DAEMON@mx.example.net", "Mail System <Postmaster@mx.example.net>"])
def test_a_plain_text_bounce_is_known_by_its_sender(sender):
    raw = (
        f"From: {sender}\r\nTo: bounces@example.org\r\nSubject: Your message\r\n\r\n<a@x.example>: 452 mailbox full\r\n"
    ).encode()
    assert classify(raw) == Report("soft", None, ("a@x.example",), (), "452", "<a@x.example>: 452 mailbox full")


@pytest.mark.parametrize(
    "marker",
    [
        "------ This is a copy of the message, including all the headers. ------",
        "--- Below this line is a copy of the message.",
        "ORIGINAL MESSAGE FOLLOWS",
    ],
)
def test_only_the_part_above_the_returned_copy_names_the_failures(marker):
    raw = (
        f"From: MAILER-DAEMON@mx.example.net\r\nTo: bounces@example.org\r\nSubject: failure notice\r\n\r\n"
        f"Sorry.\r\n<a@x.example>:\r\n421 4.4.2 connection dropped\r\n\r\n{marker}\r\n\r\n"
        f"To: b@x.example, c@x.example\r\nMessage-ID: <7.issue3@example.org>\r\n"
        f"List-Unsubscribe: <https://news.example.org/unsubscribe/{LINKS.make(7, KEY)}>\r\n\r\n550 5.1.1 text\r\n"
    ).encode()
    assert classify(raw) == Report(
        "soft",
        7,
        ("a@x.example",),
        ("<7.issue3@example.org>",),
        "4.4.2",
        "421 4.4.2 connection dropped",
        keyed=True,
        key=KEY,
    )


def test_a_plain_text_bounce_without_a_code_is_no_report_and_repeated_addresses_count_once():
    head = "From: MAILER-DAEMON@mx.example.net\r\nTo: bounces@example.org\r\nSubject: failure notice\r\n\r\n"
    assert classify((head + "<a@x.example>: mailbox unavailable\r\n").encode()) == Report("")
    twice = classify((head + "<A@x.example>: 550 gone\r\n<a@x.example> again\r\n<b@x.example>\r\n").encode())
    assert twice.addresses == ("a@x.example", "b@x.example")


def test_a_plain_text_bounce_reads_a_returned_message_attached_as_a_part():
    boundary = "b1"
    raw = (
        (
            f"From: MAILER-DAEMON@mx.example.net\r\nTo: bounces@example.org\r\nSubject: Undeliverable\r\n"
            f'MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary="{boundary}"\r\n\r\n'
            f"--{boundary}\r\nContent-Type: text/plain\r\n\r\n<a@x.example>: 550 5.1.1 unknown\r\n"
            f"--{boundary}\r\nContent-Type: message/rfc822\r\n\r\n"
        ).encode()
        + original(7)
        + f"\r\n--{boundary}--\r\n".encode()
    )
    assert classify(raw) == Report(
        "hard",
        7,
        ("a@x.example",),
        ("<7.issue3@example.org>",),
        "5.1.1",
        "<a@x.example>: 550 5.1.1 unknown",
        keyed=True,
        key=KEY,
    )


def test_a_header_value_the_parser_chokes_on_is_skipped_and_the_report_still_read():
    """The email package raises on some broken addresses ("a@["); the rest of the report still counts."""
    raw = (
        f"From: MAILER-DAEMON@[\r\nFrom: MAILER-DAEMON@mx.example.net\r\nTo: a@[\r\nTo: {verp(5)}\r\n"
        "Subject: failure notice\r\n\r\n<a@x.example>: 550 5.1.1 no such user\r\n"
    ).encode()
    assert classify(raw) == Report("hard", 5, ("a@x.example",), (), "5.1.1", "<a@x.example>: 550 5.1.1 no such user")


def test_reports_and_readers_cannot_change_once_made_and_a_bare_reader_has_no_addresses():
    report = classify(ORDINARY)
    assert report == Report("", None, (), (), "", "")
    bare = Reader(BOUNCES, LINKS)
    assert (bare.bounce_address, bare.unsubscribe_address) == ("", "")
    with pytest.raises(AttributeError):
        report.kind = "hard"
    with pytest.raises(AttributeError):
        bare.bounce_address = VERP


def test_only_64_kib_of_a_human_part_is_read():
    head = "From: MAILER-DAEMON@mx.example.net\r\nTo: bounces@example.org\r\nSubject: failure notice\r\n\r\n"
    line = "<a@x.example>: mailbox gone 5.1.1"
    at_the_end = "x" * (64 * 1024 - len(line) - 1) + "\n" + line  # the code ends at exactly 64 KiB
    assert classify((head + at_the_end + "\n").encode()).code == "5.1.1"
    assert classify((head + "x" + at_the_end + "\n").encode()) == Report("")  # one character further: unread


def test_a_subject_given_twice_is_read_as_one_line():
    raw = (
        "From: mx@example.net\r\nSubject: Mail delivery\r\nSubject: failed\r\nTo: bounces@example.org\r\n\r\n"
        "<a@x.example>: 550 5.1.1 gone\r\n"
    )
    assert classify(raw.encode()).kind == "hard"


def test_an_unsubscribe_mail_with_two_subjects_shows_both():
    raw = (
        b"From: jane@mail.example.com\r\nTo: unsubscribe@example.org\r\nSubject: please\r\nSubject: remove me\r\n"
        b"\r\nThanks\r\n"
    )
    assert classify(raw).detail == "unsubscribe mail: please remove me"


def test_a_complaint_without_its_machine_part_or_type_is_abuse():
    raw = bouncekit.arf(original(), "postmaster@example.org", RECIPIENT)
    untyped = raw.replace(b"Feedback-Type: abuse\r\n", b"")
    assert classify(untyped).detail == "complaint (abuse)"
    machine = raw.index(b"Content-Type: message/feedback-report")
    unlabelled = raw[:machine] + raw[machine:].replace(b"message/feedback-report", b"text/plain", 1)
    report = classify(unlabelled)
    assert (report.kind, report.addresses, report.detail) == ("complaint", (RCPT,), "complaint (abuse)")


def test_a_complaint_names_the_reported_recipient_over_the_returned_to_and_at_most_five():
    forwarded = original(recipient="list-alias@example.org")
    assert classify(bouncekit.arf(forwarded, "postmaster@example.org", RECIPIENT)).addresses == (RCPT,)
    many = (
        bouncekit.arf(original(), "postmaster@example.org", RECIPIENT)
        .replace(f"Original-Rcpt-To: <{RECIPIENT}>\r\n".encode(), b"")
        .replace(
            f"To: Jane <{RECIPIENT}>".encode(),
            ", ".join(f"<r{n}@x.example>" for n in range(7)).join(["To: ", ""]).encode(),
        )
    )
    ids = "".join(f"Message-ID: <{n}@example.org>\r\n" for n in range(7)).encode()
    many = many.replace(b"Message-ID: <7.issue3@example.org>\r\n", ids)
    report = classify(many)
    assert report.addresses == tuple(f"r{n}@x.example" for n in range(5))
    assert report.message_ids == tuple(f"<{n}@example.org>" for n in range(5))


def test_a_plain_text_bounce_keeps_at_most_five_addresses_and_five_message_ids():
    head = "".join(f"<r{n}@x.example>: 550 5.1.1 gone\r\n" for n in range(7))
    copy = "".join(f"Message-ID: <{n}@example.org>\r\n" for n in range(7))
    raw = (
        f"From: MAILER-DAEMON@mx.example.net\r\nTo: bounces@example.org\r\nSubject: failure notice\r\n\r\n{head}"
        f"--- Below this line is a copy of the message.\r\n{copy}\r\nHello\r\n"
    ).encode()
    report = classify(raw)
    assert report.addresses == tuple(f"r{n}@x.example" for n in range(5))
    assert report.message_ids == tuple(f"<{n}@example.org>" for n in range(5))


def multipart_bounce(*parts: tuple[str, str], subject: str = "Undeliverable") -> bytes:
    """A bounce of several parts: (content type, body) each."""
    body = "".join(f"--b1\r\nContent-Type: {kind}\r\n\r\n{text}\r\n" for kind, text in parts)
    return (
        f"From: MAILER-DAEMON@mx.example.net\r\nTo: bounces@example.org\r\nSubject: {subject}\r\n"
        f'MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary="b1"\r\n\r\n{body}--b1--\r\n'
    ).encode()


def test_a_plain_text_bounce_reads_returned_headers_and_both_an_inline_and_an_attached_copy():
    text = (
        "<a@x.example>: 550 5.1.1 unknown\r\n\r\nThis is a copy of the message\r\n\r\n"
        "Message-ID: <inline@example.org>\r\n"
    )
    raw = multipart_bounce(
        ("text/plain", text), ("text/rfc822-headers", "Message-ID: <attached@example.org>\r\nTo: x@y.example")
    )
    assert classify(raw).message_ids == ("<inline@example.org>", "<attached@example.org>")


def test_only_plain_text_parts_are_read_for_the_failure():
    raw = multipart_bounce(
        ("text/html", "<p>&lt;b@x.example&gt;: 421 4.4.2 busy</p>"), ("text/plain", "<a@x.example>: 550 5.1.1 unknown")
    )
    assert (classify(raw).code, classify(raw).addresses) == ("5.1.1", ("a@x.example",))


def test_text_that_is_not_utf8_is_read_with_its_bad_bytes_replaced():
    raw = (
        b"From: MAILER-DAEMON@mx.example.net\r\nTo: bounces@example.org\r\nSubject: failure notice\r\n\r\n"
        b"<a@x.example>: 550 5.1.1 Empf\xe4nger unbekannt\r\n\r\nThis is a copy of the message\r\n\r\n"
    )
    assert classify(raw).detail == "<a@x.example>: 550 5.1.1 Empf\ufffdnger unbekannt"
    returned = multipart_bounce(
        ("text/plain", "<a@x.example>: 550 5.1.1 unknown"),
        ("text/rfc822-headers", "Subject: Gr@@\r\nMessage-ID: <7@example.org>"),
    )
    assert classify(returned.replace(b"@@", b"\xe4")).message_ids == ("<7@example.org>",)


def test_only_the_returned_message_gives_message_ids_not_the_human_text():
    raw = bouncekit.postfix(original(), verp(7), RECIPIENT).replace(
        b"This is the mail system", b"Message-ID: <quoted@example.net>\r\nThis is the mail system"
    )
    assert classify(raw).message_ids == ("<7.issue3@example.org>",)


@pytest.mark.parametrize("returned", ["message/rfc822-headers", "text/rfc822-headers", "message/rfc822"])
def test_the_returned_message_is_read_whichever_type_it_is_labelled(returned):
    raw = bouncekit.postfix(original(), verp(7), RECIPIENT).replace(
        b"Content-Type: text/rfc822-headers", f"Content-Type: {returned}".encode()
    )
    assert classify(raw).message_ids == ("<7.issue3@example.org>",)


def test_every_machine_readable_part_is_read():
    raw = dsn([group("a@x.example", "failed", "4.2.2")])
    boundary = raw.split(b'boundary="', 1)[1].split(b'"', 1)[0]
    second = (
        b"--" + boundary + b"\r\nContent-Type: message/delivery-status\r\n\r\nReporting-MTA: dns; b\r\n\r\n"
        b"Final-Recipient: rfc822; b@x.example\r\nAction: failed\r\nStatus: 5.1.1\r\n\r\n"
    )
    raw = raw.replace(b"--" + boundary + b"--", second + b"--" + boundary + b"--")
    report = classify(raw)
    assert (report.kind, report.addresses, report.code) == ("hard", ("a@x.example", "b@x.example"), "5.1.1")


def test_a_report_built_by_a_program_with_its_fields_as_text_is_read_too():
    """The email package splits a parsed report's fields into blocks; a built one holds them as text."""
    from email.message import EmailMessage

    report = EmailMessage()
    report["From"], report["To"], report["Subject"] = (
        "MAILER-DAEMON@mx.example.net",
        "bounces@example.org",
        "Undelivered",
    )
    report.set_content("Your message could not be delivered.")
    report.make_mixed()
    report.set_param("report-type", "delivery-status")
    report.replace_header("Content-Type", report["Content-Type"].replace("multipart/mixed", "multipart/report"))
    for text in (
        "Reporting-MTA: dns; a\n\nFinal-Recipient: rfc822; a@x.example\nAction: failed\nStatus: 4.2.2\n",
        "Reporting-MTA: dns; b\n \nFinal-Recipient: rfc822; b@x.example\nAction: failed\nStatus: 5.1.1\n"
        "Diagnostic-Code: smtp; 550 5.1.1 gone",
    ):
        machine = EmailMessage()
        machine["Content-Type"] = "message/delivery-status"
        machine.set_payload(text)
        report.attach(machine)
    assert READER.classify(report) == Report(
        "hard", None, ("a@x.example", "b@x.example"), (), "5.1.1", "550 5.1.1 gone"
    )


def test_only_the_first_2000_characters_of_a_header_are_read():
    address = verp(3)

    def report_to(filler: int) -> bytes:
        return bouncekit.postfix(original(7), "postmaster@example.org", RECIPIENT).replace(
            b"To: postmaster@example.org",
            f"To: postmaster@example.org\r\nX-Original-To: {'x' * filler} {address}".encode(),
            1,
        )

    within = 2000 - len(address) - 1  # the address ends at character 2,000
    assert classify(report_to(within)).subscriber == 3
    assert classify(report_to(within + 1)).subscriber == 7  # cut: the returned link names the subscriber instead


def test_a_returned_unsubscribe_link_names_its_subscription_by_id_and_key_a_verp_address_by_id_alone():
    """A bounce found through the returned copy's link must match the subscription's key in the store (a
    token kept from a deleted subscriber names nobody); a VERP bounce token has no key to match."""
    head = "From: MAILER-DAEMON@mx.example.net\r\nSubject: failure notice\r\n"
    body = "\r\n<a@x.example>: 550 5.1.1 gone\r\n\r\n--- Below this line is a copy of the message.\r\n\r\n"
    by_link = classify((head + "To: bounces@example.org\r\n" + body).encode() + original(9, key="ab" * 9))
    assert (by_link.subscriber, by_link.keyed, by_link.key) == (9, True, "ab" * 9)
    by_verp = classify((head + f"To: {verp(5)}\r\n" + body).encode() + original(9, key="ab" * 9))
    assert (by_verp.subscriber, by_verp.keyed, by_verp.key) == (5, False, None)

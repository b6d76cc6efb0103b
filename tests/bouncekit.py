"""Reports as real mail servers write them, made from a message we really sent: for the bounce tests.

Shapes: Postfix, Exchange and Gmail delivery status notifications (RFC 3464, each with its own
human part and quirks), Exim's plain-text bounce, an ARF complaint (RFC 5965) with the
recipient redacted as feedback loops do, and a reader's mail to the unsubscribe address.
`original` is the message as the list server received it; `to` the address the report goes to
(the VERP return path, or a plain one when a test wants the report identified otherwise).
"""

from __future__ import annotations

import re
import secrets

DATE = "Fri, 01 Mar 2024 07:05:00 +0000"


def _headers(original: bytes) -> str:
    return original.split(b"\r\n\r\n", 1)[0].decode("ascii", "replace").replace("\r\n", "\n")


def _id(host: str) -> str:
    return f"<{secrets.token_hex(8)}@{host}>"


def _report(
    to: str,
    sender: str,
    subject: str,
    report_type: str,
    human: str,
    machine: str,
    returned: str,
    *,
    returned_type: str = "text/rfc822-headers",
    extra: str = "",
) -> bytes:
    boundary = f"=_{secrets.token_hex(6)}"
    text = (
        f"From: {sender}\nTo: {to}\nSubject: {subject}\nDate: {DATE}\nMessage-ID: {_id('mx.example.net')}\n"
        f"Auto-Submitted: auto-replied\n{extra}MIME-Version: 1.0\n"
        f'Content-Type: multipart/report; report-type={report_type}; boundary="{boundary}"\n\n'
        f"--{boundary}\nContent-Type: text/plain; charset=us-ascii\n\n{human}\n\n"
        f"--{boundary}\nContent-Type: message/{'feedback-report' if report_type == 'feedback-report' else 'delivery-status'}\n\n"
        f"{machine}\n\n--{boundary}\nContent-Type: {returned_type}\n\n{returned}\n--{boundary}--\n"
    )
    return text.replace("\n", "\r\n").encode()


def postfix(
    original: bytes,
    to: str,
    recipient: str,
    status: str = "5.1.1",
    words: str = "Recipient address rejected: User unknown in virtual mailbox table",
) -> bytes:
    smtp = "550" if status.startswith("5") else "452"
    human = (
        f"This is the mail system at host mx.example.net.\n\nI'm sorry to have to inform you that your message "
        f"could not\nbe delivered to one or more recipients. It's attached below.\n\n"
        f"<{recipient}>: host mx.example.com[93.184.216.34] said: {smtp} {status}\n    <{recipient}>: {words} "
        f"(in reply to RCPT TO command)"
    )
    machine = (
        f"Reporting-MTA: dns; mx.example.net\nX-Postfix-Queue-ID: 4Tq9Xk\nX-Postfix-Sender: rfc822; x\n"
        f"Arrival-Date: {DATE}\n\nFinal-Recipient: rfc822; {recipient}\nOriginal-Recipient: rfc822;{recipient}\n"
        f"Action: failed\nStatus: {status}\nRemote-MTA: dns; mx.example.com\n"
        f"Diagnostic-Code: smtp; {smtp} {status} <{recipient}>: {words}"
    )
    return _report(
        to,
        "MAILER-DAEMON@mx.example.net (Mail Delivery System)",
        "Undelivered Mail Returned to Sender",
        "delivery-status",
        human,
        machine,
        _headers(original),
    )


def exchange(original: bytes, to: str, recipient: str) -> bytes:
    human = (
        f"Delivery has failed to these recipients or groups:\n\n{recipient}\nThe email address you entered "
        f"couldn't be found.\n\nDiagnostic information for administrators:\nGenerating server: "
        f"EX01.corp.example.com\n{recipient}\nRemote Server returned '550 5.1.10 RESOLVER.ADR.RecipientNotFound; "
        f"Recipient not found by SMTP address lookup'"
    )
    machine = (
        f"Reporting-MTA: dns;EX01.corp.example.com\nReceived-From-MTA: dns;mail.example.org\n"
        f"Arrival-Date: {DATE}\n\nFinal-Recipient: rfc822;{recipient}\nAction: failed\nStatus: 5.1.10\n"
        f"Diagnostic-Code: smtp;550 5.1.10 RESOLVER.ADR.RecipientNotFound; Recipient not found by SMTP address lookup\n"
        f"X-Display-Name: {recipient}"
    )
    return _report(
        to,
        "postmaster@corp.example.com",
        "Undeliverable: The Test eLetter",
        "delivery-status",
        human,
        machine,
        original.decode("ascii", "replace").replace("\r\n", "\n"),
        returned_type="message/rfc822",
        extra="X-MS-Exchange-Message-Is-Ndr: \nThread-Topic: The Test eLetter\n",
    )


def gmail(original: bytes, to: str, recipient: str, status: str = "4.2.2") -> bytes:
    words = (
        "The email account that you tried to reach is over quota"
        if status.startswith("4")
        else "The email account that you tried to reach does not exist"
    )
    human = f"** Address not found **\n\nYour message wasn't delivered to {recipient}.\n\n{words}."
    machine = (
        f"Reporting-MTA: dns; googlemail.com\nReceived-From-MTA: dns; mail.example.org\nArrival-Date: {DATE}\n"
        f"X-Original-Message-ID: {_message_id(original)}\n\nFinal-Recipient: rfc822; {recipient}\n"
        f"Action: failed\nStatus: {status}\nRemote-MTA: dns; gmail-smtp-in.l.google.com. (2607:f8b0::1b)\n"
        f"Diagnostic-Code: smtp; {'452' if status.startswith('4') else '550'}-{status} {words}. "
        f"Learn more at\n https://support.google.com/mail/?p=OverQuotaTemp"
    )
    return _report(
        to,
        "Mail Delivery Subsystem <mailer-daemon@googlemail.com>",
        "Delivery Status Notification (Failure)",
        "delivery-status",
        human,
        machine,
        _headers(original),
    )


def exim(original: bytes, to: str, recipient: str, code: str = "550 5.1.1") -> bytes:
    text = (
        f"From: Mail Delivery System <Mailer-Daemon@mx.example.net>\nTo: {to}\n"
        f"Subject: Mail delivery failed: returning message to sender\nDate: {DATE}\n"
        f"Message-Id: {_id('mx.example.net')}\nAuto-Submitted: auto-replied\n\n"
        "This message was created automatically by mail delivery software.\n\n"
        "A message that you sent could not be delivered to one or more of its\nrecipients. This is a permanent "
        f"error. The following address(es) failed:\n\n  {recipient}\n    host mx.example.com [93.184.216.34]\n"
        f"    SMTP error from remote mail server after RCPT TO:<{recipient}>:\n    {code} <{recipient}>: "
        "Recipient address rejected: User unknown\n\n"
        "------ This is a copy of the message, including all the headers. ------\n\n"
        + original.decode("ascii", "replace").replace("\r\n", "\n")
    )
    return text.replace("\n", "\r\n").encode()


def arf(original: bytes, to: str, recipient: str | None) -> bytes:
    """A feedback-loop complaint; `recipient` None: redacted, as most loops do."""
    headers = _headers(original)
    if recipient is None:
        headers = re.sub(r"^To: .*(\n[ \t].*)*", "To: [redacted]", headers, flags=re.M)
    machine = (
        "Feedback-Type: abuse\nUser-Agent: ExampleFBL/1.0\nVersion: 1\nOriginal-Mail-From: <x@example.org>\n"
        + (f"Original-Rcpt-To: <{recipient}>\n" if recipient else "")
        + f"Arrival-Date: {DATE}\n"
        "Reported-Domain: example.org\nSource-IP: 93.184.216.34"
    )
    return _report(
        to,
        "Feedback Loop <fbl@isp.example>",
        "complaint about message from 93.184.216.34",
        "feedback-report",
        "This is an email abuse report for an email message received from IP 93.184.216.34.",
        machine,
        headers,
    )


def unsubscribe_mail(original: bytes, to: str, sender: str) -> bytes:
    """What a mail client sends for the mailto: choice of List-Unsubscribe (its subject carries the token)."""
    link = re.search(rb"<mailto:([^?>]+)\?subject=([^>]+)>", original.replace(b"\r\n ", b" "))
    subject = link.group(2).decode().replace("%20", " ")
    text = (
        f"From: {sender}\nTo: {to}\nSubject: {subject}\nDate: {DATE}\nMessage-ID: {_id('client.example')}\n"
        f"MIME-Version: 1.0\nContent-Type: text/plain\n\nThis message was automatically generated by Mail.\n"
    )
    return text.replace("\n", "\r\n").encode()


def _message_id(original: bytes) -> str:
    return re.search(rb"^Message-ID: (<[^>]+>)", original, re.M | re.I).group(1).decode()

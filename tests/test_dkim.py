"""DKIM: every signature our OpenSSL signer makes must verify with dkimpy (no DNS: the record is passed in)."""

from __future__ import annotations

import base64
import datetime as dt
import html
from pathlib import Path

import dkim
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519
from hypothesis import given, settings
from hypothesis import strategies as st

from newsletter.deliver.dkim import Signer, relaxed_body
from newsletter.deliver.personalize import Recipient, issue_template
from newsletter.deliver.smtp import dot_stuffed
from newsletter.errors import DeliverError
from newsletter.models import Rendered

DATA = Path(__file__).parent / "data"
RSA_RECORD = (DATA / "dkim-test-key.txt").read_bytes().strip()
TOKEN = "%%UNSUBSCRIBE_URL%%"
DATE = dt.datetime(2024, 3, 1, 7, 0, tzinfo=dt.timezone.utc)


def verified(message: bytes, records: dict[bytes, bytes]) -> bool:
    """dkimpy's verdict on every signature in `message`, the keys looked up in `records` only."""
    signatures = message.count(b"DKIM-Signature:")
    asked: list[bytes] = []

    def dns(name: bytes, timeout: int = 5) -> bytes:
        asked.append(name)
        return records[name]

    verifier = dkim.DKIM(message)
    try:
        results = [verifier.verify(idx=i, dnsfunc=dns) for i in range(signatures)]
    except dkim.ValidationError:  # a tampered message: dkimpy raises for some mismatches
        return False
    return signatures > 0 and all(results) and len(asked) == signatures


@pytest.fixture(scope="module")
def ed25519_key(tmp_path_factory) -> tuple[Path, bytes]:
    key = ed25519.Ed25519PrivateKey.generate()
    path = tmp_path_factory.mktemp("keys") / "ed.pem"
    path.write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    public = key.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return path, b"v=DKIM1; k=ed25519; p=" + base64.b64encode(public)


names = st.text(st.characters(blacklist_categories=("Cs",)), max_size=60)
subjects = st.text(st.characters(blacklist_categories=("Cs", "Cc")), min_size=1, max_size=120)
bodies = st.text(st.characters(min_codepoint=9, max_codepoint=0x24F, blacklist_characters="\r\x0b\x0c"), max_size=400)


@settings(max_examples=120)
@given(names, subjects, bodies, st.booleans())
def test_every_issue_message_we_sign_verifies_with_dkimpy(ed25519_key, name, subject, text, both):
    """Real issue messages (built once, filled per recipient) with random subjects, names and bodies."""
    ed_path, ed_record = ed25519_key
    signer = Signer(
        DATA / "dkim-test-key.pem", "test", "example.org", second_key=ed_path if both else None, second_selector="ed"
    )
    page = f'<p>{html.escape(text)}</p><p><a href="{TOKEN}">unsubscribe</a></p>'
    template = issue_template(
        Rendered(subject, page, f"{text}\n{TOKEN}\n"),
        sender="List <list@example.org>",
        date=DATE,
        list_name="The List",
        list_id="list.example.org",
        body_fields={TOKEN: "unsubscribe_url"},
    )
    raw, parts = template.fill_parts(
        Recipient(
            "reader@example.com",
            name,
            "<1.1.7.abc@example.org>",
            "https://example.org/unsubscribe/x",
            "mailto:u@example.org?subject=x",
        )
    )
    assert b"".join(parts) == raw[raw.index(b"\r\n\r\n") + 4 :]
    signed = signer.sign(raw, parts)  # the body hash from pieces, canonical forms remembered
    assert signed.endswith(raw) and signed == signer.sign(raw)  # the same as from the whole body
    records = {b"test._domainkey.example.org.": RSA_RECORD, b"ed._domainkey.example.org.": ed_record}
    assert verified(signed, records)
    assert signed.count(b"DKIM-Signature:") == (2 if both else 1)
    tampered = signed.replace(b"unsubscribe/x", b"unsubscribe/y")
    assert not verified(tampered, records)


header_values = st.lists(st.sampled_from([" ", "\t", "a", "B", ":", ";", "\r\n ", "\r\n\t", "x y"]), max_size=20).map(
    "".join
)
raw_bodies = st.lists(
    st.lists(st.sampled_from([" ", "\t", "a", ".", "=", "z z"]), max_size=12).map("".join), max_size=12
)


@settings(max_examples=200)
@given(header_values, header_values, raw_bodies, st.sampled_from(["\r\n", ""]))
def test_odd_whitespace_in_headers_and_body_canonicalises_as_dkimpy_does(subject, to, lines, end):
    """Folded headers, whitespace runs, trailing blanks and empty lines: the cases relaxed mode exists for.

    A body without a final CRLF is checked as the server receives it: SMTP ends it with one."""
    message = (
        f"From: a@example.org\r\nTo: b@example.org{to}\r\nSubject: {subject}\r\n\r\n" + "\r\n".join(lines) + end
    ).encode()
    signed = Signer(DATA / "dkim-test-key.pem", "test", "example.org").sign(message)
    received = dot_stuffed(signed)[:-3].replace(b"\r\n..", b"\r\n.")  # as the server stores it
    assert verified(received, {b"test._domainkey.example.org.": RSA_RECORD})


def test_relaxed_body_of_nothing_but_blank_lines_is_empty():
    assert relaxed_body(b"\r\n \r\n\t\r\n") == b""
    assert relaxed_body(b"a  b \t\r\n\r\n") == b"a b\r\n"


def test_a_body_shared_by_every_recipient_is_hashed_once(monkeypatch):
    import newsletter.deliver.dkim as module

    signer = Signer(DATA / "dkim-test-key.pem", "test", "example.org")
    calls = []
    real = module.relaxed_body
    monkeypatch.setattr(module, "relaxed_body", lambda body: calls.append(1) or real(body))
    for n in range(3):
        signer.sign(f"From: a@example.org\r\nTo: r{n}@example.org\r\n\r\nthe same body\r\n".encode())
    signer.sign(b"From: a@example.org\r\nTo: r@example.org\r\n\r\nanother body\r\n")
    assert len(calls) == 2


@pytest.mark.parametrize(
    "content, problem",
    [
        (b"not a key", "not a usable DKIM private key"),
        (None, "cannot read the DKIM key"),
        ("ec", "DKIM keys are RSA or Ed25519"),
    ],
)
def test_a_bad_key_file_is_named_before_anything_is_sent(tmp_path, content, problem):
    path = tmp_path / "key.pem"
    if content == "ec":
        key = ec.generate_private_key(ec.SECP256R1())
        content = key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    if content is not None:
        path.write_bytes(content)
    with pytest.raises(DeliverError, match=problem) as error:
        Signer(path, "test", "example.org")
    assert str(path) in str(error.value)


@settings(max_examples=150)
@given(raw_bodies, st.lists(st.integers(0, 400), max_size=6))
def test_a_body_hashed_in_pieces_hashes_as_the_whole(lines, cuts):
    """Cut anywhere (mid-line, inside whitespace runs, between CR and LF), the pieces give the same signature."""
    body = ("\r\n".join(lines) + "\r\n").encode()
    message = b"From: a@example.org\r\nTo: b@example.org\r\n\r\n" + body
    at = sorted([min(c, len(body)) for c in cuts] + [0, len(body)])  # repeated cuts: empty pieces too
    parts = [body[a:b] for a, b in zip(at, at[1:])]
    signer = Signer(DATA / "dkim-test-key.pem", "test", "example.org")
    assert signer.sign(message, [bytes(p) for p in parts]) == signer.sign(message)

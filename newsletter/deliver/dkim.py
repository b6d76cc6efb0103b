"""DKIM signing (RFC 6376, relaxed/relaxed) with OpenSSL through `cryptography`, applied to each
finished message so the signature covers its own List-Unsubscribe headers, as the bulk-sender rules ask.

dkimpy signs with pure-Python RSA (about 56 messages a second here); OpenSSL signs thousands.
The canonicalisation is ours, a few byte replacements per message, and every signature it
makes is checked by dkimpy in tests/test_dkim.py. Keys are RSA (rsa-sha256) or Ed25519
(ed25519-sha256, RFC 8463); given both, a message carries both signatures. The body hash is
remembered for the last body seen, so an issue whose body is the same for everyone hashes it once.
"""

from __future__ import annotations

import base64
import hashlib
import re
import threading
from dataclasses import dataclass
from pathlib import Path

from ..errors import DeliverError

SIGNED_HEADERS = (
    b"from",
    b"to",
    b"subject",
    b"date",
    b"message-id",
    b"list-unsubscribe",
    b"list-unsubscribe-post",
    b"list-id",
    b"mime-version",
    b"content-type",
)
CRLF = b"\r\n"
WSP = re.compile(rb"[ \t]+")
SPACES = re.compile(rb"  +")  # starts with a literal: the regex engine skips to each match at memchr speed
FOLD = re.compile(rb"\r\n(?=[ \t])")
LINE = 76


@dataclass(frozen=True)
class _Key:
    algorithm: bytes  # the a= tag
    sign: object  # bytes to sign -> signature


class Signer:
    """Signs messages with one or two keys; each is tried on creation so a bad file fails before sending."""

    def __init__(
        self, key_file: Path, selector: str, domain: str, *, second_key: Path | None = None, second_selector: str = ""
    ):
        self._domain = domain.encode("ascii")
        self._keys = [(_load(key_file), selector.encode("ascii"))]
        if second_key:
            self._keys.append((_load(second_key), (second_selector or selector).encode("ascii")))
        self._last = threading.local()  # (body, hash) of the last body this thread signed
        self._memo: dict[bytes, bytes] = {}  # a recurring body piece -> its canonical form

    def sign(self, message: bytes, body_parts: list[bytes] | None = None) -> bytes:
        """The message with a DKIM-Signature header in front for each key (relaxed/relaxed).

        `body_parts`, when given, is the body cut at line ends into pieces of which the long
        ones recur from message to message (personalize.Template.fill_parts): each piece's
        canonical form is remembered, so only the per-recipient values are canonicalised.
        """
        split = message.find(CRLF + CRLF)
        head, body = (message[: split + 2], message[split + 4 :]) if split >= 0 else (message, b"")
        fields = _fields(head)
        names = [name for name in SIGNED_HEADERS if name in fields]
        signed = b"".join(fields[name] for name in names)
        body_hash = self._parts_hash(body_parts) if body_parts else self._body_hash(body)
        out = []
        for key, selector in self._keys:
            tags = [
                b"v=1",
                b"a=" + key.algorithm,
                b"c=relaxed/relaxed",
                b"d=" + self._domain,
                b"s=" + selector,
                b"h=" + b":".join(names),
                b"bh=" + body_hash,
                b"b=",
            ]
            header = _folded(b"DKIM-Signature: ", tags)
            data = signed + _relaxed_header(header)[:-2]  # the signature's own field, b= empty, no CRLF
            out.append(header + _wrapped(base64.b64encode(key.sign(data))) + CRLF)
        return b"".join(out) + message

    def _parts_hash(self, parts: list[bytes]) -> bytes:
        """The body hash from pieces; whitespace at a piece's edge could join the next piece's, so then the whole."""
        parts = [part for part in parts if part]
        if not parts:
            return self._body_hash(b"")
        # Whitespace ending a piece joins a next one starting with whitespace or a line end; so does a
        # CR split from its LF: such a body is canonicalised whole.
        if any(
            a[-1:] == b"\r" or (a[-1:] in (b" ", b"\t") and b[:1] in (b" ", b"\t", b"\r"))
            for a, b in zip(parts, parts[1:])
        ) or not parts[-1].endswith(CRLF):
            return self._body_hash(b"".join(parts))
        last = relaxed_body(parts[-1])
        if not last or last != _canonical_piece(parts[-1]):  # empty lines at the end: the rule spans pieces
            return self._body_hash(b"".join(parts))
        digest = hashlib.sha256()
        memo = self._memo
        for part in parts:
            canonical = memo.get(part) if len(part) > 256 else None
            if canonical is None:
                canonical = _canonical_piece(part)
                if len(part) > 256:
                    if len(memo) > 64:
                        memo.clear()
                    memo[part] = canonical
            digest.update(canonical)
        return base64.b64encode(digest.digest())

    def _body_hash(self, body: bytes) -> bytes:
        last = getattr(self._last, "body", None)
        if last is not None and last[0] == body:
            return last[1]
        digest = base64.b64encode(hashlib.sha256(relaxed_body(body)).digest())
        self._last.body = (body, digest)
        return digest


def _load(key_file: Path) -> _Key:
    from cryptography.exceptions import UnsupportedAlgorithm
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ed25519, padding, rsa

    try:
        pem = key_file.read_bytes()
    except OSError as e:
        raise DeliverError(f"{key_file}: cannot read the DKIM key: {e.strerror}") from None
    try:
        key = serialization.load_pem_private_key(pem, password=None)
    except (ValueError, TypeError, UnsupportedAlgorithm) as e:
        raise DeliverError(f"{key_file}: not a usable DKIM private key: {e}") from None
    if isinstance(key, rsa.RSAPrivateKey):
        return _Key(b"rsa-sha256", lambda data: key.sign(data, padding.PKCS1v15(), hashes.SHA256()))
    if isinstance(key, ed25519.Ed25519PrivateKey):  # RFC 8463: Ed25519 over the SHA-256 of the data
        return _Key(b"ed25519-sha256", lambda data: key.sign(hashlib.sha256(data).digest()))
    raise DeliverError(f"{key_file}: DKIM keys are RSA or Ed25519, not {type(key).__name__}")


def _fields(head: bytes) -> dict[bytes, bytes]:
    """Each header field's relaxed form by lower-case name; the last of a repeated name is the one signed."""
    fields: dict[bytes, bytes] = {}
    for line in FOLD.sub(b"", head).split(CRLF):  # continuation lines joined to their field
        name, colon, _ = line.partition(b":")
        if colon:
            fields[name.strip().lower()] = _relaxed_header(line)
    return fields


def _relaxed_header(raw: bytes) -> bytes:
    """RFC 6376 3.4.2: lower-case name, unfolded, whitespace runs as one space, none around the colon or at the end."""
    name, _, value = FOLD.sub(b"", raw.removesuffix(CRLF)).partition(b":")
    return name.strip().lower() + b":" + WSP.sub(b" ", value).strip(b" ") + CRLF


def _canonical_piece(piece: bytes) -> bytes:
    """relaxed_body's line rules for a piece cut at line ends, without the end-of-body rule."""
    piece = piece.replace(b"\t", b" ")
    if b"  " in piece:
        piece = SPACES.sub(b" ", piece)
    return piece.replace(b" \r\n", CRLF)


def relaxed_body(body: bytes) -> bytes:
    """RFC 6376 3.4.4: whitespace runs as one space, none at line ends, no empty lines at the end.

    A body not ending in CRLF is hashed as SMTP carries it, with the CRLF (smtp.dot_stuffed adds it).
    """
    body = _canonical_piece(body if body.endswith(CRLF) else body + CRLF).rstrip(CRLF)
    return body + CRLF if body else b""


def _folded(start: bytes, tags: list[bytes]) -> bytes:
    """The header up to b=, tags separated by "; " and folded before a tag that would pass LINE."""
    line, lines = start, []
    for n, tag in enumerate(tags):
        piece = tag + (b";" if n < len(tags) - 1 else b"")
        if len(line) + len(piece) + 1 > LINE and line.strip():
            lines.append(line.rstrip(b" "))
            line = b"\t"
        line += piece + (b" " if n < len(tags) - 1 else b"")
    return CRLF.join(lines + [line])


def _wrapped(value: bytes) -> bytes:
    """The base64 signature on continuation lines of its own (a verifier ignores whitespace in b=)."""
    width = LINE - 1
    return b"".join(CRLF + b"\t" + value[i : i + width] for i in range(0, len(value), width))

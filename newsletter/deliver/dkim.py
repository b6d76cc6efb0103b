"""DKIM signing (dkimpy), applied to each finished message so the signature covers its own
List-Unsubscribe headers, as the bulk-sender rules ask."""

from __future__ import annotations

from pathlib import Path

from ..errors import DeliverError

SIGNED_HEADERS = (
    b"from", b"to", b"subject", b"date", b"message-id", b"list-unsubscribe", b"list-unsubscribe-post",
    b"list-id", b"mime-version", b"content-type",
)


class Signer:
    """Signs messages with one key; the key is tried once on creation so a bad file fails before sending."""

    def __init__(self, key_file: Path, selector: str, domain: str):
        try:
            import dkim
        except ImportError:
            raise DeliverError("[smtp] dkim_key_file is set but dkimpy is not installed: pip install 'newsletter[dkim]'") from None
        try:
            self._key = key_file.read_bytes()
        except OSError as e:
            raise DeliverError(f"{key_file}: cannot read the DKIM key: {e.strerror}") from None
        self._dkim, self._selector, self._domain = dkim, selector.encode("ascii"), domain.encode("ascii")
        try:
            self.sign(b"From: a@example.org\r\nTo: b@example.org\r\nSubject: test\r\n\r\ntest\r\n")
        except (dkim.DKIMException, ValueError) as e:
            raise DeliverError(f"{key_file}: not a usable DKIM private key: {e}") from None

    def sign(self, message: bytes) -> bytes:
        """The message with a DKIM-Signature header in front (relaxed/relaxed canonicalisation)."""
        signature = self._dkim.sign(
            message, self._selector, self._domain, self._key,
            canonicalize=(b"relaxed", b"relaxed"), include_headers=list(SIGNED_HEADERS), linesep=b"\r\n",
        )
        return signature + message

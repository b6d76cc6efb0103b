"""clean_header's exact output for encoded-words that are unclosed, invalid, nested or hostile."""

from __future__ import annotations

import pytest

from newsletter.deliver.headers import clean_header


@pytest.mark.parametrize(
    "value, cleaned",
    [
        # Closed words are decoded, their charset honoured, in either case of B/Q.
        ("=?utf-8?B?SGVsbG8=?=", "Hello"),
        ("=?UTF-8?Q?caf=C3=A9?= ok", "caf\u00e9 ok"),
        ("=?iso-8859-1?q?caf=E9?=", "caf\u00e9"),
        ("=?utf-8?q?hi there?=", "hi there"),  # a space inside: forbidden, but Python still decodes it
        ("=??q?abc?= x", "abc x"),  # no charset: read as ASCII
        # A decoded newline or CR is a space, so an encoded header cannot start a new one.
        ("Hello =?utf-8?q?=0D=0ABcc:_x?= there", "Hello Bcc: x there"),
        ("=?utf-8?q?a=0Ab?=", "a b"),
        # A word that decodes to another word is decoded again.
        ("=?utf-8?q?=3D=3Futf-8=3Fq=3Fx=3F=3D?=", "x"),
        # Bytes the charset cannot read become U+FFFD, not an error.
        ("=?utf-8?q?caf=E9?=", "caf\ufffd"),
        # Invalid words (unknown charset, broken base64) are dropped whole.
        ("=?nope-charset?q?hi?= end", "end"),
        ("=?utf-8?b?!!!?= end", "end"),
        # Unclosed openings lose their "=", so nothing downstream reads them as encoded-words.
        ("=?utf-8?q?=0D=0ABcc: evil", "?utf-8?q?=0D=0ABcc: evil"),
        ("a ==?utf-8?q?x", "a ?utf-8?q?x"),
        ("==?UTF-8?B?x", "?UTF-8?B?x"),
        ("=?a?q?", "?a?q?"),
        # Not an encoded-word at all: left alone.
        ("=?utf-8?x?abc?=", "=?utf-8?x?abc?="),
        ("x=?", "x=?"),
        ("2+2=? four?", "2+2=? four?"),
    ],
)
def test_encoded_words_exactly(value, cleaned):
    assert clean_header(value) == cleaned


@pytest.mark.parametrize(
    "value, cleaned",
    [
        ("a\u2028b\u2029c\x00d\te\x85f\x7fg", "a b c d e f g"),  # Zl, Zp and every Cc
        ("  many \r\n  spaces  ", "many spaces"),
        ("\u00a0non-breaking\u00a0", "non-breaking"),  # str.split() counts it as a space too
        ("", ""),
    ],
)
def test_controls_and_separators_become_single_spaces(value, cleaned):
    assert clean_header(value) == cleaned


def test_controls_inside_a_decoded_word_become_spaces():
    assert clean_header("=?utf-8?q?a=00b=E2=80=A8c?=") == "a b c"

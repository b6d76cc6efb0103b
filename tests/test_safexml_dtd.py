"""The DTD cutter and the bad-reference remover (sources/safexml.py) on their own: exact bytes out,
each class of declaration, where a declaration is only text, the bounds, and wide encodings."""

from __future__ import annotations

import codecs

import pytest

from newsletter.sources.safexml import MAX_DECLARATIONS, MAX_TOKENS, without_bad_references, without_dtd


@pytest.mark.parametrize(
    "body, out",
    [
        (b'<!DOCTYPE rss [<!ENTITY a "x">]><rss/>', b"<!DOCTYPE rss><rss/>"),
        (b'<!DOCTYPE rss [\n  <!ENTITY a "x">\n] ><rss/>', b"<!DOCTYPE rss><rss/>"),  # space before the subset and ">"
        (b'<!doctype rss [<!entity a "x">]><rss/>', b"<!doctype rss><rss/>"),
        (b'<!ENTITY a "x"><rss>&a;</rss>', b"<rss>&a;</rss>"),  # a stray declaration
        (b'<!DOCTYPE r [<!ENTITY a "]>">]><r/>', b"<!DOCTYPE r><r/>"),  # "]>" inside a literal
        (b"<!DOCTYPE r [<!ENTITY a ']>'>]><r/>", b"<!DOCTYPE r><r/>"),
        (b"<!DOCTYPE r [<!-- ]> -->]><r/>", b"<!DOCTYPE r><r/>"),  # ... inside a comment
        (b"<!DOCTYPE r [ [ ] ] ><r/>", b"<!DOCTYPE r><r/>"),  # brackets nest
        (b'<r/><!ENTITY a "x"', b"<r/>"),  # an unclosed declaration runs to the end
        (b'<!DOCTYPE r [<!ENTITY a "x', b"<!DOCTYPE r>"),
        (b'<!ENTITY a "x">]]><r/>', b"]]><r/>"),  # a stray "]" is not a subset
    ],
)
def test_every_declaration_is_cut_and_the_doctype_name_kept(body, out):
    assert without_dtd(body) == (out, True, False)


@pytest.mark.parametrize(
    "body",
    [
        b"<rss><channel/></rss>",
        b'<!DOCTYPE rss PUBLIC "-//Netscape//DTD RSS 0.91//EN" "http://my.netscape.com/publish/formats/rss-0.91.dtd"><rss/>',
        b'<rss><![CDATA[<!ENTITY a "x"> <!DOCTYPE r [ ]>]]><!-- <!ENTITY b "y"> --></rss>',
        b'<rss><![CDATA[ <!ENTITY a "x">',  # an unclosed CDATA section is text to the end
        b'<rss><!-- <!ENTITY a "x">',
    ],
)
def test_a_body_without_declarations_comes_back_as_it_was(body):
    out, removed, wide = without_dtd(body)
    assert (out, removed, wide) == (body, False, False) and out is body


def test_a_declaration_after_a_cdata_section_or_comment_is_still_cut():
    body = b'<!-- c --><![CDATA[x]]><!ENTITY a "x"><r/>'
    assert without_dtd(body) == (b"<!-- c --><![CDATA[x]]><r/>", True, False)


def test_at_most_1000_declarations():
    assert MAX_DECLARATIONS == 1000
    assert without_dtd(b'<!ENTITY a "x">' * 1000 + b"<r/>") == (b"<r/>", True, False)
    with pytest.raises(ValueError, match="^not a feed: more than 1,000 DTD declarations$"):
        without_dtd(b'<!ENTITY a "x">' * 1001 + b"<r/>")


def test_a_declaration_of_at_most_10000_parts():
    assert MAX_TOKENS == 10_000
    fits = b"<!DOCTYPE r " + b"[" * 4999 + b"]" * 5000 + b"><r/>"  # 9,999 brackets and the ">"
    assert without_dtd(fits) == (b"<!DOCTYPE r><r/>", True, False)
    with pytest.raises(ValueError, match="^not a feed: a DTD of more than 10,000 parts$"):
        without_dtd(b"<!DOCTYPE r " + b"[" * 5000 + b"]" * 5000 + b"><r/>")


DOCUMENT = '<?xml version="1.0" encoding="{}"?><!DOCTYPE r [<!ENTITY a "é">]><r>é</r>'
EXPECTED = '<?xml version="1.0" encoding="utf-8"?><!DOCTYPE r><r>é</r>'.encode()


@pytest.mark.parametrize(
    "codec, bom",
    [
        ("utf-16-le", codecs.BOM_UTF16_LE),
        ("utf-16-be", codecs.BOM_UTF16_BE),
        ("utf-32-le", codecs.BOM_UTF32_LE),
        ("utf-32-be", codecs.BOM_UTF32_BE),
        ("utf-16-le", b""),
        ("utf-16-be", b""),
        ("utf-32-le", b""),
        ("utf-32-be", b""),
    ],
)
def test_a_wide_document_is_handed_on_as_utf8_saying_so(codec, bom):
    body = bom + DOCUMENT.format(codec.upper()).encode(codec)
    assert without_dtd(body) == (EXPECTED, True, True)


def test_a_wide_document_without_declarations_is_still_utf8_and_only_its_first_encoding_changes():
    body = codecs.BOM_UTF16_LE + "<?xml version='1.0' encoding='UTF-16'?><r>encoding='x'</r>".encode("utf-16-le")
    assert without_dtd(body) == (b"<?xml version='1.0' encoding='utf-8'?><r>encoding='x'</r>", False, True)


def test_a_document_that_only_looks_wide_is_left_as_it_is():
    body = codecs.BOM_UTF16_LE + b"<\x00r"  # an odd number of bytes: not UTF-16
    assert without_dtd(body) == (body, False, False)


def test_references_to_characters_no_text_may_hold_are_removed_and_the_rest_kept():
    body = b"<r>&#65;&#x42;&#X43;&#x1F600;&#xd800;&#0;&#x10FFFF;&#1114112;&#x110000;&#12;</r>"
    assert without_bad_references(body) == b"<r>&#65;&#x42;&#X43;&#x1F600;</r>"


def test_a_body_without_references_is_returned_as_it_is():
    body = b"<r>&amp; #</r>"
    assert without_bad_references(body) is body


def test_many_distinct_bad_references_are_removed_the_same_way():
    bad = b"".join(b"&#x%x;" % code for code in range(0xD800, 0xD800 + 150))  # 150 distinct lone surrogates
    assert without_bad_references(b"<r>&#65;" + bad + b"&#66;</r>") == b"<r>&#65;&#66;</r>"


@pytest.mark.parametrize(
    "body, out",
    [
        (b'<!ENTITY a "x"><!DOCTYPE r SYSTEM "r.dtd"><r/>', b'<!DOCTYPE r SYSTEM "r.dtd"><r/>'),  # one cut is enough
        (b"<!DOCTYPE r [ [ ] > ] ><r/>", b"<!DOCTYPE r><r/>"),  # a ">" inside nested brackets does not end it
        (b'<r><![CDATA[ --> ]]><!ENTITY a "x"></r>', b"<r><![CDATA[ --> ]]></r>"),  # a CDATA section ends at "]]>" only
    ],
)
def test_the_cut_follows_the_declarations_shape(body, out):
    assert without_dtd(body) == (out, True, False)

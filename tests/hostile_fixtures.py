"""Hostile inputs, generated: one maker per class of attack the feed path and the corpus must survive.

Nothing here is committed as data: every body is made at test (or benchmark) time, small
in git and as large as the case needs. Each entity bomb expands to text holding BOOM, and
each external entity names a file holding SECRET, so a test needs only to look for those
words in what was stored or built.
"""

from __future__ import annotations

import json
from pathlib import Path

BOOM = "BOOM"
SECRET = "SECRET"
# Every character class sanitize.clean_text removes, in one string, around ordinary words.
NASTY = "A\ud800B\udfffC\x00D\x07E\x1bF\x7fG\x85H\x9fI\ufffeJ\uffffK\u202eL\u2066M\ufdd0N\U0001fffeO"
NASTY_CLEAN = "ABCDEFGHIJKLMNO"


def _rss(head: str, title: str, body: str, link: str = "https://bomb.example/1") -> str:
    return (
        f'<?xml version="1.0" encoding="utf-8"?>\n{head}\n<rss version="2.0"><channel><title>Bomb</title>'
        f"<link>https://bomb.example/</link><description>d</description>"
        f"<item><title>{title}</title><link>{link}</link><guid>bomb-1</guid>"
        f"<description>{body}</description></item></channel></rss>"
    )


def entity_bombs(secret_file: Path | None = None) -> dict[str, bytes]:
    """Feeds whose DTD, if any parser honoured it, would grow to gigabytes or read a file; by shape."""
    big = BOOM * 2500  # 10,000 characters used 20,000 times, as in the report that started this
    many = "&b;" * 20_000
    # One declaration a line: the shape feedparser's own DOCTYPE filter keeps and its loose parser expands.
    laughs = ['<!ENTITY lol0 "BOOM">'] + [f'<!ENTITY lol{n} "{f"&lol{n - 1};" * 10}">' for n in range(1, 10)]
    secret = (secret_file or Path("/etc/hostname")).resolve()
    bombs = {
        "internal": _rss(f'<!DOCTYPE rss [\n<!ENTITY b "{big}">\n]>', "Internal", many),
        "one-line": _rss(f'<!DOCTYPE rss [<!ENTITY b "{big}">]>', "One line", many),
        "nested": _rss("<!DOCTYPE rss [\n" + "\n".join(laughs) + "\n]>", "Nested &lol9;", "&lol9;" * 100),
        "parameter": _rss(f"<!DOCTYPE rss [\n<!ENTITY % pe \"<!ENTITY b '{big}'>\">\n%pe;\n]>", "Parameter", many),
        "external": _rss(
            f'<!DOCTYPE rss [\n<!ENTITY ext SYSTEM "file://{secret}">\n<!ENTITY % pext SYSTEM "file://{secret}">\n'
            "%pext;\n]>",
            "External &ext;",
            "&ext;",
        ),
        "attribute": _rss(
            f'<!DOCTYPE rss [\n<!ENTITY b "{big}">\n]>',
            "Attribute",
            "plain",
            link="https://bomb.example/&b;",
        ).replace("<channel>", '<channel><atom:link xmlns:atom="http://www.w3.org/2005/Atom" href="&b;"/>'),
        "lowercase": _rss(f'<!doctype rss [\n<!entity b "{big}">\n]>', "Lowercase", many),
        "stray": _rss("", "Stray", many).replace("<channel>", f'<channel>\n<!ENTITY b "{big}">\n'),
        "quoted-bracket": _rss(f'<!DOCTYPE rss [\n<!ENTITY b "]>{big}">\n]>', "Quoted bracket", many),
        "atom": (
            f'<?xml version="1.0"?>\n<!DOCTYPE feed [\n<!ENTITY b "{big}">\n]>\n'
            '<feed xmlns="http://www.w3.org/2005/Atom"><title>&b;</title><id>urn:b</id>'
            f'<entry><title>Atom</title><id>urn:b:1</id><link href="https://bomb.example/a"/>'
            f'<content type="html">{many}</content></entry></feed>'
        ),
    }
    encoded = {name: text.encode() for name, text in bombs.items()}
    utf16 = bombs["internal"].replace('encoding="utf-8"', 'encoding="UTF-16"')
    encoded["utf-16-le"] = utf16.encode("utf-16")  # with its byte-order mark
    encoded["utf-16-be"] = utf16.encode("utf-16-be")  # none: known by its first bytes
    return encoded


def long_entry_feed(megabytes: float = 1.0) -> bytes:
    """One entry whose HTML is `megabytes` long, and one ordinary entry after it."""
    paragraph = "<p>" + "word " * 200 + "</p>"
    body = paragraph * int(megabytes * 2**20 / len(paragraph))
    from xml.sax.saxutils import escape

    return (
        _rss("", "Long", escape(body))
        .replace(
            "</channel>",
            "<item><title>Short</title><link>https://bomb.example/2</link><guid>short</guid>"
            "<description>Fine.</description></item></channel>",
        )
        .encode()
    )


def nasty_rss() -> bytes:
    """An RSS feed with NASTY in every field (as character references, the only way XML can carry most)."""
    ref = "".join(c if c.isalnum() and c.isascii() else f"&#x{ord(c):x};" for c in NASTY)
    return (
        f'<?xml version="1.0" encoding="utf-8"?><rss version="2.0" xmlns:dc="http://purl.org/dc/elements/1.1/">'
        f"<channel><title>{ref}</title><link>https://nasty.example/</link><description>{ref}</description>"
        f"<item><title>{ref}</title><link>https://nasty.example/{ref}</link><guid>{ref}</guid>"
        f"<dc:creator>{ref}</dc:creator><description>&lt;p&gt;{ref}&lt;/p&gt;</description></item>"
        "</channel></rss>"
    ).encode()


def nasty_atom() -> bytes:
    ref = "".join(c if c.isalnum() and c.isascii() else f"&#x{ord(c):x};" for c in NASTY)
    return (
        f'<?xml version="1.0"?><feed xmlns="http://www.w3.org/2005/Atom"><title>{ref}</title><id>urn:{ref}</id>'
        f'<entry><title>{ref}</title><id>urn:n:{ref}</id><link href="https://nasty.example/a{ref}"/>'
        f"<author><name>{ref}</name></author><summary>{ref}</summary>"
        f'<content type="html">&lt;p&gt;{ref}&lt;/p&gt;</content></entry></feed>'
    ).encode()


def nasty_json() -> bytes:
    """A JSON Feed with NASTY (lone surrogates as JSON escapes) in every string it has."""
    item = {
        "id": NASTY, "url": "https://nasty.example/j", "title": NASTY, "summary": NASTY,
        "content_html": f"<p>{NASTY}</p>", "authors": [{"name": NASTY}],
        "date_published": "2026-11-20T10:00:00Z",
    }  # fmt: skip
    text = json.dumps({"version": "https://jsonfeed.org/version/1.1", "title": NASTY, "items": [item]})
    return text.encode("ascii")  # json.dumps escapes every non-ASCII character, lone surrogates too


def big_corpus_file(path: Path, mebibytes: int = 5) -> Path:
    """A plain-text article of `mebibytes` MiB whose tail says TAIL-MARK, which must never be stored."""
    paragraph = "The trust board met again and discussed the winter plan at length. " * 10 + "\n\n"
    count = mebibytes * 2**20 // len(paragraph)
    path.write_text("A very long report\n\n" + paragraph * count + "TAIL-MARK\n", encoding="utf-8")
    return path

"""A feed item's sanitised HTML as the email shows it: images by the editor's rule, and the
plain-text form with numbered link references. Fixtures are nh3's output, as the store holds it."""

from __future__ import annotations

import lxml.html
import pytest

from newsletter.render.content import email_html, html_text
from newsletter.render.plaintext import LinkRefs
from newsletter.sources.sanitize import clean_html

IMAGES = clean_html(
    '<p>Before <img src="https://img.example/a.png?x=1&amp;y=2" alt=\'Say "cheese" &amp; smile\' width="2000">'
    '<img src="https://img.example/b.png" alt=""><img src="http://img.example/c.png" alt="plain http">'
    '<img src="https://img.example/d.png" alt="small" width="120"><img src="https://img.example/e.png" alt="e" '
    'width="abc" onerror="x()"> after</p>'
)


def test_images_are_dropped_unless_allowed():
    assert "<img" not in email_html(IMAGES, images=False) and "Before" in email_html(IMAGES, images=True)


def test_only_https_images_with_alt_text_stay_and_none_is_wider_than_the_column():
    images = lxml.html.fromstring(f"<div>{email_html(IMAGES, images=True)}</div>").xpath("//img")
    assert [(i.get("src"), i.get("alt"), i.get("width")) for i in images] == [
        ("https://img.example/a.png?x=1&y=2", 'Say "cheese" & smile', "536"),
        ("https://img.example/d.png", "small", "120"),
        ("https://img.example/e.png", "e", "536"),
    ]
    assert all(set(i.attrib) == {"src", "alt", "width"} for i in images)


@pytest.mark.parametrize("images", [True, False])
def test_the_text_form_keeps_structure_and_numbers_the_links(images):
    html = clean_html(
        "<p>See <a href='https://a.example/1'>the report</a> and <b>act</b>now.</p>"
        "<ul><li>one</li><li>two <a href='mailto:ed@example.org'>mail</a></li></ul>"
        "<ol start='4'><li>four</li><li>five</li></ol><blockquote><p>Quoted words</p></blockquote>"
        "<pre><code>line one\n  line two</code></pre><p><img src='https://i.example/x.png' alt='A chart'></p>"
        f"<p>{'https://long.example/' + 'segment/' * 20}</p>"
    )
    refs = LinkRefs()
    text = html_text(html, refs, images=images)
    blocks = text.split("\n\n")
    assert blocks[:2] == ["See the report [1] and actnow.", "- one"]
    assert blocks[2:6] == ["- two mail [2]", "4. four", "5. five", "> Quoted words"]
    assert blocks[6] == "line one\n  line two"
    assert ("[image: A chart]" in text) is images
    assert refs.pending() == [(1, "https://a.example/1"), (2, "mailto:ed@example.org")]
    assert all(len(line) <= 72 or " " not in line for line in text.splitlines())  # only a long URL runs on

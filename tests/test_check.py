"""`newsletter check`: each fault a broken issue can have is found, named and counted right."""

from __future__ import annotations

import datetime as dt
import re
from email.message import EmailMessage
from email.policy import SMTP
from pathlib import Path

import pytest
from click.testing import CliRunner
from shellkit import on_store

from newsletter import config as config_module
from newsletter import pipeline
from newsletter.check import check_message, check_parts
from newsletter.cli import cli
from newsletter.deliver.message import build_message, message_bytes
from newsletter.models import Rendered

ROOT = Path(__file__).resolve().parent.parent
TOKEN = "%%UNSUBSCRIBE_URL%%"
BUDGET = 90 * 1024
GOOD_HTML = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width"><title>T</title>
<style>@media screen and (max-width: 600px) { .para { font-size: 17px !important; } }
a:hover { color: red; }</style></head>
<body><div lang="en"><table role="presentation"><tr><td style="padding:8px 0">
<p class="para" style="font-size:16px; margin:0 0 16px 0">Hello, <a href="https://example.org/a">read this</a>.</p>
<img src="https://example.org/logo.png" alt="Logo" width="120">
<p style="font-size:14px"><a href="%%UNSUBSCRIBE_URL%%">Unsubscribe</a> <a href="mailto:?subject=Hi">Forward</a></p>
</td></tr></table></div></body></html>
"""
GOOD_TEXT = "Hello, read this [1].\n\n[1] https://example.org/a\n\nUnsubscribe [2]\n\n[2] %%UNSUBSCRIBE_URL%%\n"
DATE = dt.datetime(2016, 8, 31, 6, 0, tzinfo=dt.timezone.utc)


def html_findings(html: str, budget: int = BUDGET) -> list[tuple[str, str]]:
    return [(f.level, f.code) for f in check_parts(html, budget_bytes=budget, placeholders=(TOKEN,))]


def message(html: str = GOOD_HTML, text: str = GOOD_TEXT, **headers) -> bytes:
    msg = build_message(
        Rendered("Subject", html, text),
        sender="List <list@example.org>",
        to="Subscriber <s@example.invalid>",
        date=DATE,
        message_id="<1.abc@example.org>",
        extra_headers=headers,
    )
    return message_bytes(msg)


def codes(raw: bytes) -> list[tuple[str, str]]:
    return [(f.level, f.code) for f in check_message(raw, budget_bytes=BUDGET, placeholders=(TOKEN,))]


def test_a_good_issue_has_no_findings():
    assert html_findings(GOOD_HTML) == []
    assert codes(message()) == []


@pytest.mark.parametrize(
    "old, new, expected",
    [
        ('alt="Logo" ', "", ("error", "img-alt")),
        ('src="https://example.org/logo.png"', 'src="logo.png"', ("error", "img-src")),
        ('src="https://example.org/logo.png"', 'src="http://example.org/logo.png"', ("error", "img-src")),
        ('src="https://example.org/logo.png"', 'src=""', ("error", "img-src")),
        (' width="120"', "", ("warning", "img-width")),
        ('href="https://example.org/a"', 'href=""', ("error", "link-empty")),
        ('href="https://example.org/a"', 'href="/a"', ("error", "link-relative")),
        ('href="https://example.org/a"', 'href="#top"', ("error", "link-relative")),
        ('href="https://example.org/a"', 'href="javascript:alert(1)"', ("error", "link-script")),
        ('href="https://example.org/a"', 'href="http://example.org/a"', ("warning", "link-http")),
        ("Hello,", "Hello {{ name }},", ("error", "template-syntax")),
        ("Hello,", "{% if x %}Hello,", ("error", "template-syntax")),
        ('href="https://example.org/a"', 'href="{{%20url%20}}"', ("error", "template-syntax")),
        ('style="padding:8px 0"', 'style="display:flex"', ("error", "css-flex-grid")),
        ('style="padding:8px 0"', 'style="grid-template-columns:1fr 1fr"', ("error", "css-flex-grid")),
        ('style="padding:8px 0"', 'style="position:absolute; top:0"', ("error", "css-position")),
        ('style="padding:8px 0"', 'style="float:left"', ("error", "css-float")),
        ("margin:0 0 16px 0", "margin:0 0 16px -8px", ("error", "css-negative-margin")),
        ("margin:0 0 16px 0", "margin-top:-4px", ("error", "css-negative-margin")),
        ("font-size:16px;", "font-size:16px !important;", ("error", "css-important")),
        ("a:hover { color: red; }", ".para { color: red; }", ("warning", "class-only")),
        ("<img ", "<script>alert(1)</script><img ", ("error", "forbidden-element")),
        ("<img ", '<form action="https://example.org/f"></form><img ', ("error", "forbidden-element")),
        ('<html lang="en">', "<html>", ("warning", "document")),
        ('<body><div lang="en">', "<body><div>", ("warning", "document")),
        ("<!DOCTYPE html>\n", "", ("warning", "document")),
    ],
)
def test_each_html_fault_is_found(old, new, expected):
    assert GOOD_HTML.count(old) >= 1
    assert html_findings(GOOD_HTML.replace(old, new, 1)) == [expected]


def test_findings_name_the_element_and_its_line():
    html = GOOD_HTML.replace('href="https://example.org/a"', 'href="/a"')
    [finding] = check_parts(html, budget_bytes=BUDGET, placeholders=(TOKEN,))
    assert finding.message == "<a href=\"/a\"> 'read this' (line 6): a relative link leads nowhere in an email"
    assert str(finding) == f"error: {finding.message} [link-relative]"


def test_ignored_css_is_one_finding_counting_the_elements():
    html = GOOD_HTML.replace("font-size:16px;", "float:left; font-size:16px;").replace(
        'style="font-size:14px"', 'style="font-size:14px; float:right"'
    )
    [finding] = check_parts(html, budget_bytes=BUDGET, placeholders=(TOKEN,))
    assert finding.code == "css-float" and "and 1 more element(s)" in finding.message


def test_size_is_measured_against_the_budget_and_gmails_clip():
    padding = '<p style="font-size:16px">' + "x" * 1000 + "</p>\n"
    html = GOOD_HTML.replace("<img ", padding * 95 + "<img ")  # about 96 KB
    assert html_findings(html) == [("warning", "size-budget")]
    assert html_findings(html, budget=200 * 1024) == []
    assert html_findings(GOOD_HTML.replace("<img ", padding * 110 + "<img ")) == [("error", "size-gmail")]


def test_an_oversized_style_block_is_a_warning():
    html = GOOD_HTML.replace("a:hover", "/*" + "x" * 17_000 + "*/ a:hover")
    assert html_findings(html) == [("warning", "style-size")]


def test_leftover_template_syntax_in_the_text_part_is_an_error():
    [finding] = check_parts(text="Hello {{ subscriber.name }}\n", budget_bytes=BUDGET)
    assert finding.code == "template-syntax" and "line 1 of the text part" in finding.message
    assert check_parts(text="", budget_bytes=BUDGET)[0].code == "text-empty"


def replace_header(raw: bytes, name: bytes, value: bytes | None) -> bytes:
    """`raw` with header `name` given `value` (None: removed)."""
    head, body = raw.split(b"\r\n\r\n", 1)
    lines = [line for line in head.split(b"\r\n") if not line.lower().startswith(name.lower() + b":")]
    return b"\r\n".join(lines + ([name + b": " + value] if value is not None else [])) + b"\r\n\r\n" + body


@pytest.mark.parametrize(
    "name, value, code",
    [
        (b"From", None, "header-from"),
        (b"From", b"a@example.org, b@example.org", "header-from"),
        (b"From", b"not an address", "header-from"),
        (b"Date", None, "header-date"),
        (b"Date", b"Wed, 31 Aug 2016 06:00:00 -0000", "header-date"),
        (b"Date", b"yesterday", "header-date"),
        (b"Message-ID", None, "header-message-id"),
        (b"Message-ID", b"1.abc.example.org", "header-message-id"),
        (b"MIME-Version", None, "header-mime-version"),
        (b"Subject", "Caf\u00e9".encode(), "header-8bit"),
        (b"List-Unsubscribe", b"<mailto:unsubscribe@example.org>", "list-unsubscribe"),
        (b"List-Unsubscribe", b"<https://example.org/u/abc>", "list-unsubscribe"),
        (b"List-Unsubscribe", b"https://example.org/u/abc", "list-unsubscribe"),
        (b"List-Unsubscribe-Post", b"List-Unsubscribe=One-Click", "list-unsubscribe"),
    ],
)
def test_each_header_fault_is_an_error(name, value, code):
    assert codes(replace_header(message(), name, value)) == [("error", code)]


def test_a_second_from_is_an_error():
    raw = message().replace(b"\r\nTo:", b"\r\nFrom: other@example.org\r\nTo:", 1)
    assert codes(raw) == [("error", "header-from")]


def test_one_click_list_unsubscribe_passes():
    raw = message(
        **{
            "List-Unsubscribe": "<https://example.org/u/abc>, <mailto:u@example.org>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
        }
    )
    assert codes(raw) == []


def test_lines_over_998_octets_are_an_error_naming_the_line():
    raw = replace_header(message(), b"X-Long", b"a" * 1200)
    [finding] = check_message(raw, budget_bytes=BUDGET, placeholders=(TOKEN,))
    assert finding.code == "line-length" and re.search(r"line \d+ of the message is 1208 octets", finding.message)


def raw_message(*parts: tuple[str, str]) -> bytes:
    msg = EmailMessage(policy=SMTP)
    for name, value in (
        ("From", "list@example.org"),
        ("Date", "Wed, 31 Aug 2016 06:00:00 +0000"),
        ("Message-ID", "<1@example.org>"),
        ("Subject", "S"),
    ):
        msg[name] = value
    (subtype, body), *rest = parts
    msg.set_content(body, subtype=subtype, cte="quoted-printable")
    for subtype, body in rest:
        msg.add_alternative(body, subtype=subtype, cte="quoted-printable")
    return bytes(msg)


def test_the_html_part_must_come_last():
    assert codes(raw_message(("html", GOOD_HTML), ("plain", GOOD_TEXT))) == [
        ("error", "mime-order"),
        ("error", "mime-order"),
    ]


def test_an_html_only_message_lacks_its_text_part():
    assert codes(raw_message(("html", GOOD_HTML))) == [("error", "mime-structure"), ("error", "mime-structure")]


def test_findings_list_errors_before_warnings():
    html = GOOD_HTML.replace(' width="120"', "").replace('href="https://example.org/a"', 'href="/a"')
    assert codes(message(html)) == [("error", "link-relative"), ("warning", "img-width")]


# --- the command -----------------------------------------------------------------------------


def run(project, *args):
    return CliRunner().invoke(cli, [*args, "--config", str(project / "config.toml")])


def test_check_passes_the_shipped_issue_and_says_so(production):
    project = production
    assert run(project, "build", "--date", "2016-08-31", "--no-fetch").exit_code == 0
    for args in ((), ("1",), (str(project / "out" / "issue-0001"),)):
        result = run(project, "check", *args)
        assert (result.exit_code, result.output) == (0, "No problems found.\n")


def test_check_exits_1_and_prints_each_finding(project, tmp_path):
    broken = tmp_path / "broken.eml"
    broken.write_bytes(replace_header(message(GOOD_HTML.replace(' width="120"', "")), b"Date", None))
    result = run(project, "check", str(broken))
    assert result.exit_code == 1
    assert result.output.splitlines() == [
        "error: the message has no Date header [header-date]",
        'warning: <img src="https://example.org/logo.png"> (line 7) has no width attribute '
        "(Outlook shows it at its full size) [img-width]",
        f"Error: 1 error(s) in {broken}",
    ]


def test_check_without_a_built_issue_says_how_to_make_one(project):
    result = run(project, "check")
    assert result.exit_code == 1 and "no built issue here; newsletter build makes one" in result.output
    assert run(project, "check", "7").exit_code == 1


def test_build_prints_what_check_finds_and_what_it_cut(production):
    project = production
    (project / "mine" / "email").mkdir(parents=True)
    (project / "mine" / "email" / "_more.html").write_text('<p><a href="/more">More</a></p>', encoding="utf-8")
    config = project / "config.toml"
    config.write_text(
        config.read_text(encoding="utf-8")
        .replace('dir = ""', 'dir = "mine"')
        .replace("size_budget_kb = 90", "size_budget_kb = 30"),
        encoding="utf-8",
    )
    # The corpus as first seen the day before the issue, so its undated pieces are in it.
    on_store(pipeline.fetch, config_module.load(config), now=dt.datetime(2016, 8, 30, 6, tzinfo=dt.timezone.utc))
    result = run(project, "build", "--date", "2016-08-31", "--no-fetch")
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[7:10] == [
        "  cut 'How bizarre to be in this situation' to an excerpt (80 of 935 words)",
        "  cut 'As health services management comes under more and more…' to an excerpt (93 of 715 words)",
        "  the excerpts link to the web copy, https://eletter.example.org/archive/issue-0001.html",
    ]
    assert (project / "out" / "issue-0001" / "issue.html").stat().st_size <= 30 * 1024
    error = r'error: <a href="/more"> \'More\' \(line \d+\): a relative link .* \[link-relative\]'
    assert any(re.fullmatch(error, line) for line in lines), lines

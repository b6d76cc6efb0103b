"""[[feeds]] and [fetch] in config.toml: every fault names its entry and key."""

from __future__ import annotations

import pytest

from newsletter import __version__, config
from newsletter.errors import ConfigError


def load(tmp_path, text):
    path = tmp_path / "config.toml"
    path.write_text(text, encoding="utf-8")
    return config.load(path)


def test_feeds_are_read_with_paths_resolved_against_the_config_folder(tmp_path):
    loaded = load(
        tmp_path,
        """
[fetch]
connect_timeout = 3
contact = "mailto:ed@example.org"

[[feeds]]
url = "https://news.example/rss"
name = "News"
section = "news"
max_items = 20

[[feeds]]
url = "feeds/local.xml"
name = "Local"
section = "events"
enabled = false
""",
    )
    web, local = loaded.feeds
    assert (web.url, web.name, web.section) == ("https://news.example/rss", "News", "news")
    assert (web.max_items, web.enabled) == (20, True)
    assert local.url == str(tmp_path / "feeds" / "local.xml") and local.is_file and not local.enabled
    assert local.key == (tmp_path / "feeds" / "local.xml").as_uri() and web.key == web.url
    assert loaded.fetch.connect_timeout == 3.0 and loaded.fetch.max_bytes == 10 * 1024 * 1024
    assert loaded.fetch.user_agent == f"newsletter/{__version__} (+mailto:ed@example.org)"


def test_no_feeds_and_default_fetch_settings():
    loaded = config.from_dict({})
    assert loaded.feeds == () and loaded.fetch.concurrency == 8
    assert loaded.fetch.user_agent == f"newsletter/{__version__}"


FEED = 'url = "https://x.example/f"\nname = "X"\nsection = "news"\n'


@pytest.mark.parametrize(
    "text, message",
    [
        ("feeds = 3\n", r"feeds must be an array of tables, written \[\[feeds\]\]"),
        ('[[feeds]]\nname = "X"\nsection = "news"\n', r"\[\[feeds\]\]\[1\]\.url is required"),
        (f"[[feeds]]\n{FEED}colour = 1\n", r"\[\[feeds\]\]\[1\] unknown key 'colour'"),
        (
            f"[[feeds]]\n{FEED}[[feeds]]\n{FEED.replace('news', 'blog')}",
            r"\[\[feeds\]\]\[2\]\.section: must be one of news, hearing, events, not 'blog'",
        ),
        (f"[[feeds]]\n{FEED}max_items = '5'\n", r"\[\[feeds\]\]\[1\]\.max_items must be int, not str"),
        (f"[[feeds]]\n{FEED}enabled = 1\n", r"\[\[feeds\]\]\[1\]\.enabled must be bool, not int"),
        (f"[[feeds]]\n{FEED}max_items = -1\n", r"\[\[feeds\]\]\[1\]\.max_items: must be 0 or more"),
        (
            f"[[feeds]]\n{FEED.replace('https://x.example/f', 'ftp://x.example/f')}",
            r"\[\[feeds\]\]\[1\]\.url: 'ftp://x.example/f' is neither an http\(s\) URL nor a file path",
        ),
        (
            f"[[feeds]]\n{FEED.replace('https://x.example/f', 'https:///f')}",
            r"\[\[feeds\]\]\[1\]\.url: 'https:///f' has no host",
        ),
        (
            f"[[feeds]]\n{FEED}[[feeds]]\n{FEED.replace('X', 'Y')}",
            r"\[\[feeds\]\]\[2\]\.url: 'https://x.example/f' is already \[\[feeds\]\]\[1\]'s",
        ),
        (
            f"[[feeds]]\n{FEED}[[feeds]]\n{FEED.replace('x.example', 'y.example')}",
            r"\[\[feeds\]\]\[2\]\.name: 'X' is already \[\[feeds\]\]\[1\]'s",
        ),
        ("[fetch]\nconcurrency = 0\n", r"\[fetch\]\.concurrency: must be above 0"),
        ("[fetch]\nread_timeout = 'soon'\n", r"\[fetch\]\.read_timeout must be float, not str"),
        ("[fetch]\nretries = 3\n", r"\[fetch\] unknown key 'retries'"),
    ],
)
def test_a_wrong_feed_or_fetch_setting_names_its_entry_and_key(tmp_path, text, message):
    with pytest.raises(ConfigError, match=message) as caught:
        load(tmp_path, text)
    assert str(tmp_path / "config.toml") in str(caught.value)

"""The audio edition with the real engine (espeak-ng) and ffmpeg: the seed issue read aloud by the
scheduled job before its send, the email's "Listen" link, the archive's player and the podcast feed.

The seed issue is synthesised once for the module (about 20 minutes of speech); the rebuild,
failure and CLI tests use a two-item issue that takes a second.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import feedparser
import lxml.html
import pytest
from click.testing import CliRunner
from mutagen.id3 import ID3
from schedulekit import at, make_project
from sendkit import BASE_URL, NOW, SECRET, Site, add_people, draft_issue, load
from sendkit import make_project as make_send_project
from shellkit import on_store
from storekit import mark_sent

from newsletter.cli import cli
from newsletter.errors import AudioError
from newsletter.pipeline import audio, run_due
from newsletter.store import Store

TOOLS = {"espeak-ng": "espeak-ng", "ffmpeg": "ffmpeg", "ffprobe": "ffmpeg"}


@pytest.fixture(scope="module", autouse=True)
def tools():
    """Skipped on a developer's machine without the engine; in CI (CI set) their absence fails."""
    missing = sorted({package for program, package in TOOLS.items() if shutil.which(program) is None})
    if missing:
        reason = f"the audio tests need {', '.join(missing)} (apt-get install {' '.join(missing)})"
        if os.environ.get("CI"):
            pytest.fail(f"{reason}; .ci/run installs them", pytrace=False)
        pytest.skip(reason)


@pytest.fixture(scope="module")
def seed(tmp_path_factory):
    """The seeds' issue for 31 August 2016, composed, read aloud and sent by the scheduled job."""
    from smtp_server import LoopbackController, Recorder

    folder = tmp_path_factory.mktemp("seed")
    recorder = Recorder()
    controller = LoopbackController(recorder, hostname="127.0.0.1", port=0)
    controller.start()
    try:
        path = make_project(folder, controller.port)
        with path.open("a") as f:
            f.write("[audio]\nenabled = true\n")
        with pytest.MonkeyPatch.context() as patch:
            patch.setenv("NEWSLETTER_SECRET", SECRET)
            add_people(path, 1)
            composed = on_store(run_due, load(path), now=at(2016, 8, 31, 5, 0))
            sent = on_store(run_due, load(path), now=at(2016, 8, 31, 7, 0))
    finally:
        controller.stop()
    assert (composed.action, sent.action) == ("composed", "sent"), sent.message
    config = load(path)
    with Store(config.store_url) as store:
        subject = store.issues.all()[0].subject
    return config, recorder, sent, subject


def _mp3(config) -> Path:
    return config.archive.dir / "issue-0001.mp3"


def _ffmpeg(*args: str) -> str:
    done = subprocess.run(
        ["ffmpeg", "-hide_banner", "-nostdin", "-nostats", *args, "-f", "null", "-"],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr[-500:]
    return done.stderr


def _seconds(path: Path) -> float:
    """The playing time as ffprobe reads it (not mutagen, which wrote the tags)."""
    done = subprocess.run(
        ["ffprobe", "-v", "error", "-show_entries", "format=duration", "-of", "csv=p=0", str(path)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    return float(done.stdout)


def _words(config) -> int:
    from newsletter.audio.script import script
    from newsletter.pipeline.publish import whole_issue

    with Store(config.store_url) as store:
        issue = whole_issue(store, store.issues.all()[0].number)
    return sum(s.words for s in script(issue, config))


def test_the_scheduled_job_read_the_issue_aloud_before_sending_it(seed):
    config, _, sent, _ = seed
    assert "(audio made: issue-0001.mp3)" in sent.message
    assert _mp3(config).stat().st_size > 100_000


def test_the_mp3_decodes_and_lasts_as_long_as_its_words_take_to_say(seed):
    config = seed[0]
    log = _ffmpeg("-v", "error", "-i", str(_mp3(config)))
    assert log.strip() == ""  # no decoding error anywhere in the file
    seconds = _seconds(_mp3(config))
    words = _words(config)
    assert words > 2000
    assert words / 200 * 60 <= seconds <= words / 120 * 60


def test_the_mp3_has_no_silence_longer_than_three_seconds(seed):
    log = _ffmpeg("-i", str(_mp3(seed[0])), "-af", "silencedetect=noise=-50dB:d=3")
    assert "silence_start" not in log


def test_the_mp3_is_normalised_to_minus_16_lufs(seed):
    log = _ffmpeg("-i", str(_mp3(seed[0])), "-af", "ebur128=framelog=verbose:peak=true")
    summary = log[log.rindex("Summary:") :]
    loudness = float(re.search(r"I:\s+(-?[\d.]+) LUFS", summary)[1])
    peak = float(re.search(r"Peak:\s+(-?[\d.]+) dBFS", summary)[1])
    assert -17.0 <= loudness <= -15.0
    assert peak <= -0.5


def test_the_id3_tags_carry_title_date_and_a_chapter_per_section(seed):
    config, _, _, subject = seed
    tags = ID3(_mp3(config))
    assert tags["TIT2"].text == [subject]
    assert str(tags["TDRC"].text[0]) == "2016-08-31"  # stored as ID3v2.3 TYER + TDAT, read back as v2.4
    chapters = sorted(tags.getall("CHAP"), key=lambda c: c.start_time)
    titles = [c.sub_frames["TIT2"].text[0] for c in chapters]
    assert titles[0] == "The Daily eLetter" and titles[-2:] == ["I'm hearing", "Events"]
    assert "Yet Another Project" in titles
    assert all(a.end_time == b.start_time for a, b in zip(chapters, chapters[1:]))
    seconds = _seconds(_mp3(config))
    assert abs(chapters[-1].end_time / 1000 - seconds) < 1.0
    assert tags.getall("CTOC")[0].child_element_ids == [c.element_id for c in chapters]


def test_the_email_has_a_listen_link_to_the_mp3(seed):
    _, recorder, _, _ = seed
    message = recorder.to("person0@example.com")[0].message
    html = message.get_body(("html",)).get_content()
    links = {a.text_content().strip(): a.get("href") for a in lxml.html.fromstring(html).iter("a")}
    assert links["Listen"] == f"{BASE_URL}/archive/issue-0001.mp3"
    text = message.get_body(("plain",)).get_content()
    number = re.search(r"Listen \[(\d+)\]", text)[1]
    assert f"[{number}] {BASE_URL}/archive/issue-0001.mp3" in text


def test_the_podcast_feed_lists_the_episode_with_its_enclosure(seed):
    config = seed[0]
    feed = feedparser.parse((config.archive.dir / "podcast.xml").read_bytes())
    assert not feed.bozo, feed.bozo_exception
    assert feed.feed.title == "The Daily eLetter"
    [entry] = feed.entries
    [enclosure] = entry.enclosures
    assert enclosure.href == f"{BASE_URL}/archive/issue-0001.mp3"
    assert int(enclosure.length) == _mp3(config).stat().st_size
    assert enclosure.type == "audio/mpeg"
    assert entry.id == "tag:eletter.example.org,2000:issue-1/audio"
    with Store(config.store_url) as store:
        sent = store.issues.all()[0].sent
    assert entry.published_parsed[:6] == sent.utctimetuple()[:6]
    hours, minutes, seconds = (["0"] * 3 + entry.itunes_duration.split(":"))[-3:]
    assert abs(int(hours) * 3600 + int(minutes) * 60 + int(seconds) - _seconds(_mp3(config))) <= 1


def test_the_archive_page_plays_the_mp3_in_a_browser(seed, browser):
    config = seed[0]
    page_file = config.archive.dir / "issue-0001.html"
    [player] = lxml.html.fromstring(page_file.read_bytes()).iter("audio")
    assert player.get("src") == "issue-0001.mp3" and player.get("controls") is not None
    from newsletter.web import create_app

    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("NEWSLETTER_SECRET", SECRET)
        with Store(config.store_url) as store, Site(create_app(config, store)) as site:
            page = browser.new_page()
            page.goto(f"http://127.0.0.1:{site.port}/archive/issue-0001.html")
            duration = page.evaluate("""() => new Promise((resolve, reject) => {
                const audio = document.querySelector('audio');
                if (audio.readyState >= 1) return resolve(audio.duration);
                audio.addEventListener('loadedmetadata', () => resolve(audio.duration));
                audio.addEventListener('error', () => reject(new Error('audio error ' + audio.error.code)));
                audio.load();
            })""")
            page.close()
    assert abs(duration - _seconds(_mp3(config))) < 2


# The two-item issue: quick to speak, for rebuilds, failures and the command line.


@pytest.fixture
def small(tmp_path):
    path = make_send_project(tmp_path, 25)
    draft_issue(path)
    return path


def _set_audio(path: Path, **settings) -> None:
    """Append an [audio] table (JSON strings are TOML strings; a dict becomes an inline table)."""

    def toml(value) -> str:
        if isinstance(value, dict):
            return "{ " + ", ".join(f"{json.dumps(k)} = {json.dumps(v)}" for k, v in value.items()) + " }"
        return json.dumps(value)

    lines = [f"{k} = {toml(v)}" for k, v in settings.items()]
    with path.open("a") as f:
        f.write("[audio]\n" + "\n".join(lines) + "\n")


def test_audio_is_made_again_only_when_the_text_changes(small):
    first = on_store(audio, load(small))
    assert first.made and first.sections == 3 and not first.warnings
    stamp = first.path.stat().st_mtime_ns
    again = on_store(audio, load(small))
    assert not again.made and again.path.stat().st_mtime_ns == stamp
    _set_audio(small, lexicon={"rumour": "story"})  # the spoken text changes
    changed = on_store(audio, load(small))
    assert changed.made and changed.path.stat().st_mtime_ns != stamp


def test_a_section_that_fails_is_a_warning_and_the_rest_is_published(small):
    # A real engine that fails on the one section that speaks of a rumour.
    engine = 'sh -c \'if grep -q rumour "$0"; then echo refused >&2; exit 3; fi; exec espeak-ng -w "$1" -f "$0"\''
    _set_audio(small, command=f"{engine} {{text}} {{wav}}")
    result = on_store(audio, load(small))
    assert result.made and result.sections == 2
    assert result.warnings == ('section 3 ("I\'m hearing") left out: sh failed (exit 3): refused',)
    titles = [c.sub_frames["TIT2"].text[0] for c in ID3(result.path).getall("CHAP")]
    assert "I'm hearing" not in titles and "A piece worth reading" in titles
    assert on_store(audio, load(small)).made  # an incomplete MP3 is tried again next time


def test_an_engine_reading_standard_input_works_too(small):
    _set_audio(small, command="espeak-ng -v en-gb -w {wav} --stdin")
    assert on_store(audio, load(small)).sections == 3


def test_a_missing_engine_is_one_error_naming_the_package(small, tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    with pytest.raises(
        AudioError,
        match=r"^espeak-ng is not installed \(needed for \[audio\] command\): "
        r"apt-get install espeak-ng$",
    ):
        on_store(audio, load(small))


def test_the_command_says_what_it_made_and_that_it_kept_it(small):
    args = ["audio", "--config", str(small), "1", "--workers", "2"]
    first = CliRunner().invoke(cli, args)
    assert first.exit_code == 0, first.output
    lines = first.output.splitlines()
    assert re.fullmatch(r"Issue 1: .*issue-0001\.mp3 made", lines[0])
    assert re.fullmatch(r"  3 section\(s\), \d+ words, 0:\d\d", lines[1])
    second = CliRunner().invoke(cli, args)
    assert "unchanged (its text is as it was; --force makes it again)" in second.output
    missing = CliRunner().invoke(cli, ["audio", "--config", str(small), "7"])
    assert missing.exit_code == 1 and missing.output == "Error: there is no issue 7\n"


def test_reading_a_sent_issue_republishes_its_page_and_the_podcast_with_a_stable_guid(small):
    config = load(small)
    with Store(config.store_url) as store:
        mark_sent(store, 1, NOW)
    first = on_store(audio, config)
    assert first.archive is not None and config.archive.dir / "podcast.xml" in first.archive.files
    [player] = lxml.html.fromstring((config.archive.dir / "issue-0001.html").read_bytes()).iter("audio")
    assert player.get("src") == "issue-0001.mp3"
    before = feedparser.parse((config.archive.dir / "podcast.xml").read_bytes()).entries
    _set_audio(small, pause=0.5)  # a new sound for the same issue: rebuilt, same episode
    again = on_store(audio, load(small))
    after = feedparser.parse((config.archive.dir / "podcast.xml").read_bytes()).entries
    assert again.made and len(before) == len(after) == 1
    assert after[0].id == before[0].id == "tag:eletter.example.org,2000:issue-1/audio"
    assert int(after[0].enclosures[0].length) == again.path.stat().st_size != int(before[0].enclosures[0].length)


def test_an_issue_with_nothing_to_say_is_one_error(tmp_path):
    from newsletter.models import HEARING, Issue, Item

    path = make_send_project(tmp_path, 25)
    only_a_link = Item(id="l", kind=HEARING, source="test", title="", paragraphs=("https://example.org/x",))
    with Store(load(path).store_url) as store:
        store.items.add_unique([only_a_link], NOW)
        store.issues.save_draft(Issue(1, NOW.date(), "Empty", hearing=(only_a_link,)), NOW)
    with pytest.raises(AudioError, match="^issue 1 has nothing to read aloud but its masthead$"):
        on_store(audio, load(path))

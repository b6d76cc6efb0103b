"""The audio edition: `newsletter audio`."""

from __future__ import annotations

import contextlib
import sys

import click

from .base import cli, opened, shown, with_config


@cli.command()
@click.argument("number", type=int, required=False)
@click.option("--workers", type=click.IntRange(min=1), help="Sections spoken at once (default: [audio] workers).")
@click.option("--force", is_flag=True, help="Make the MP3 again even if the issue's text has not changed.")
@with_config
def audio(config, number, workers, force):
    """Read issue NUMBER (default: the newest built) aloud into the archive as an MP3.

    The masthead, the lead, each piece, the "I'm hearing" items and the events are spoken
    by [audio] command (espeak-ng by default) a section at a time, in parallel, brought to
    [audio] loudness, joined with short pauses and encoded by ffmpeg to
    ARCHIVE/issue-NNNN.mp3 with ID3 tags and one chapter per section. Nothing is made when
    the issue's text and the [audio] settings are as they were. For a sent issue, the
    archive page gets a player and podcast.xml the episode; a send after this adds
    "Listen" to the email.

    Example: newsletter audio 1
    """
    from .. import pipeline

    with _audio_progress() as progress, opened(config) as store:
        result = pipeline.audio(config, store, number, workers=workers, force=force, progress=progress)
    for warning in result.warnings:
        click.echo(f"warning: {warning}", err=True)
    minutes, seconds = divmod(round(result.seconds), 60)
    state = "made" if result.made else "unchanged (its text is as it was; --force makes it again)"
    click.echo(f"Issue {result.issue}: {shown(result.path)} {state}")
    click.echo(f"  {result.sections} section(s), {result.words} words, {minutes}:{seconds:02d}")
    if result.archive:
        click.echo(f"  archive: {len(result.archive.files)} file(s) in {shown(result.archive.folder)}")


@contextlib.contextmanager
def _audio_progress():
    """A progress bar over the sections on a terminal; nothing in a log."""
    if not sys.stderr.isatty():
        yield None
        return
    from rich.console import Console
    from rich.progress import Progress

    with Progress(console=Console(stderr=True), transient=True) as bar:
        task = bar.add_task("Reading aloud", total=None)

        def advance(section, done: int, total: int) -> None:
            bar.update(task, completed=done, total=total, description=f"Spoke {section.title[:40]}")

        yield advance

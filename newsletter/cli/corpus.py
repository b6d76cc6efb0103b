"""The `corpus` command: what the reader made of each corpus file, for an editor to check."""

from __future__ import annotations

from pathlib import Path

import click

from .base import cli, shown, with_config

_LINE_WIDTH = 100
_DROPPED = ("boilerplate", "duplicate", "sidebar")


@cli.command()
@click.option(
    "--file",
    "file",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="Show one file line by line: each paragraph, and each dropped line with why.",
)
@with_config
def corpus(config, file):
    """Show what the reader made of each corpus file: kind, title, author, date, counts, drops, warnings.

    KIND is "eLetter page" (a dated page with a lead, "I'm hearing" items or
    listings), "article" (a blog post or note) or "other" (no prose: only its events
    are kept). DROPPED counts the lines left out as boilerplate (platform and
    `[corpus] boilerplate` patterns), duplicates and eLetter sidebar. With --file,
    every line of that file is listed with its fate; lines marked "x" are dropped.

    Example: newsletter corpus --file seeds/004_294936800ec624cd.txt
    """
    from .. import pipeline

    readings = pipeline.corpus(config, file=file)
    if not readings:
        click.echo(f"{shown(config.corpus.path)}: the corpus folder is empty (no .txt or .md files).")
        return
    for reading in readings:
        _summary(reading, config.zone)
        if file is not None and reading.page is not None:
            _lines(reading.page.ledger)
    if file is None:
        kinds = [r.page.kind if r.page else "unreadable" for r in readings]
        tally = ", ".join(f"{kinds.count(k)} {k}" for k in dict.fromkeys(kinds))
        click.echo(f"{len(readings)} file(s): {tally}")


def _summary(reading, zone) -> None:
    click.echo(shown(reading.path))
    if reading.page is None:
        click.echo(f"  unreadable  {reading.problem}")
        return
    lead, counts = reading.lead, reading.page.ledger.counts()
    click.echo(f"  kind        {reading.page.kind}")
    if lead:
        click.echo(f"  title       {lead.title}")
        click.echo(f"  author      {lead.author or '-'}")
        when = lead.published.astimezone(zone) if lead.published else None
        click.echo(f"  date        {_when(when)}")
    comments = len(lead.comments) if lead else 0
    paragraphs = len(lead.paragraphs) if lead else 0
    click.echo(
        f"  found       {paragraphs} paragraph(s), {reading.hearing} hearing, {reading.events} event(s), "
        f"{comments} comment(s)"
    )
    click.echo("  dropped     " + ", ".join(f"{counts[k]} {k}" for k in _DROPPED) + " line(s)")
    for warning in reading.page.warnings:
        click.echo(f"  warning     {warning}")


def _when(moment) -> str:
    if moment is None:
        return "-"
    return moment.strftime("%Y-%m-%d" if (moment.hour, moment.minute) == (0, 0) else "%Y-%m-%d %H:%M")


def _lines(ledger) -> None:
    """Every non-blank line with its number and fate; dropped ones marked "x"."""
    click.echo("")
    for number, (line, fate) in enumerate(zip(ledger.lines, ledger.fates), 1):
        if not line:
            continue
        mark = "x" if fate in _DROPPED else " "
        text = line if len(line) <= _LINE_WIDTH else line[: _LINE_WIDTH - 1] + "…"
        click.echo(f"{mark} {number:>4}  {fate or '?':<12} {text}")

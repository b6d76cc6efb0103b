"""Sections -> one MP3: the text-to-speech command per section, in parallel, then ffmpeg.

Each section is spoken to WAV by [audio] command, gently compressed, measured (EBU R128,
ffmpeg's ebur128), brought to the target loudness by a fixed gain with a peak limiter, padded
with the pause and encoded to MP3, all in one worker; the parts are then joined without
re-encoding. Synthetic speech has peaks some 20 dB above its loudness, more than -16 LUFS
under a -1.5 dBFS ceiling allows: the compressor narrows that before the measurement, so the
gain lands on the target and the limiter only trims what is left (a limiter alone would
flatten every peak and miss the target by over a decibel). Encoding per section is what
lets workers share the heavy part. A section that fails is left out with a
warning; the rest still make the MP3.
"""

from __future__ import annotations

import re
import shlex
import shutil
import subprocess
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from ..errors import AudioError
from .script import Section

SAMPLE_RATE = 44100
SECTION_TIMEOUT = 600  # seconds one program may take on one section before it is given up
PEAK_LIMIT_DB = -1.5  # dBFS: true-peak headroom podcast platforms ask for
SILENT_LUFS = -60.0  # quieter than this, the engine said nothing
COMPRESSOR = "acompressor=threshold=0.1:ratio=4:attack=2:release=60"  # -20 dBFS, 4:1: speech stays natural
# The Debian package that provides each program we know, for the "not installed" message.
PACKAGES = {"espeak-ng": "espeak-ng", "espeak": "espeak", "ffmpeg": "ffmpeg", "ffprobe": "ffmpeg",
            "pico2wave": "libttspico-utils", "flite": "flite", "festival": "festival", "mimic": "mimic"}  # fmt: skip
LOUDNESS = re.compile(r"Integrated loudness:\s+I:\s+(-?[\d.]+|-inf) LUFS", re.S)


@dataclass(frozen=True)
class Voice:
    """How sections become sound: the engine command template and the MP3's settings."""

    command: str
    bitrate: str = "64k"
    loudness: float = -16.0
    pause: float = 1.0


@dataclass(frozen=True)
class Part:
    """One spoken section as an MP3 file, with its length in seconds."""

    section: Section
    path: Path
    seconds: float


def check_installed(voice: Voice) -> None:
    """Fail before any work when the engine or ffmpeg is missing: one line naming the package."""
    for program, why in ((_argv(voice.command, "t", "w")[0], "[audio] command"), ("ffmpeg", "MP3 encoding")):
        if shutil.which(program) is None:
            package = PACKAGES.get(Path(program).name)
            how = f"apt-get install {package}" if package else "install it or change [audio] command"
            raise AudioError(f"{program} is not installed (needed for {why}): {how}")


def speak(
    sections: tuple[Section, ...],
    voice: Voice,
    folder: Path,
    workers: int,
    progress: Callable[[Section, int, int], None] | None = None,
) -> tuple[list[Part], list[str]]:
    """Each section to an MP3 in `folder`, `workers` at a time; the parts in reading order, and a
    warning per section that failed. `progress(section, done, total)` hears of each as it ends."""
    parts: dict[int, Part] = {}
    warnings: list[tuple[int, str]] = []
    with ThreadPoolExecutor(max_workers=max(1, workers)) as pool:
        futures = {
            pool.submit(_speak_one, section, voice, folder / f"{n:03d}"): n for n, section in enumerate(sections)
        }
        for done, future in enumerate(as_completed(futures), 1):
            n = futures[future]
            try:
                parts[n] = future.result()
            except AudioError as e:
                warnings.append((n, f"section {n + 1} ({sections[n].title!r}) left out: {e}"))
            if progress:
                progress(sections[n], done, len(sections))
    return [parts[n] for n in sorted(parts)], [w for _, w in sorted(warnings)]


def join(parts: list[Part], target: Path) -> Path:
    """The parts one after the other in one MP3, copied frame by frame (no second encoding)."""
    listing = target.with_suffix(".txt")
    listing.write_text("".join(f"file '{p.path.resolve()}'\n" for p in parts), encoding="utf-8")
    _run(
        [
            "ffmpeg",
            "-hide_banner",
            "-nostdin",
            "-loglevel",
            "error",
            "-y",
            "-f",
            "concat",
            "-safe",
            "0",
            "-i",
            str(listing),
            "-c",
            "copy",
            "-id3v2_version",
            "0",
            str(target),
        ],
        "ffmpeg (join)",
    )
    return target


def _speak_one(section: Section, voice: Voice, stem: Path) -> Part:
    from mutagen.mp3 import MP3

    text, wav, mp3 = stem.with_suffix(".txt"), stem.with_suffix(".wav"), stem.with_suffix(".mp3")
    text.write_text(section.text + "\n", encoding="utf-8")
    argv = _argv(voice.command, str(text), str(wav))
    _run(argv, argv[0], stdin=None if "{text}" in voice.command else section.text)
    if not wav.exists() or wav.stat().st_size <= 44:
        raise AudioError(f"{argv[0]} wrote no sound to {{wav}}")
    gain = voice.loudness - _loudness(wav)
    limit = 10 ** (PEAK_LIMIT_DB / 20)
    chain = (
        f"{COMPRESSOR},volume={gain:.2f}dB,alimiter=limit={limit:.3f}:level=false,"
        f"aresample={SAMPLE_RATE},apad=pad_dur={voice.pause}"
    )
    _run(
        [
            "ffmpeg",
            "-hide_banner",
            "-nostdin",
            "-loglevel",
            "error",
            "-y",
            "-i",
            str(wav),
            "-af",
            chain,
            "-ac",
            "1",
            "-c:a",
            "libmp3lame",
            "-b:a",
            voice.bitrate,
            str(mp3),
        ],
        "ffmpeg (encode)",
    )
    return Part(section, mp3, MP3(mp3).info.length)


def _loudness(wav: Path) -> float:
    """Integrated loudness in LUFS (EBU R128) once compressed; a section quieter than SILENT_LUFS is an error."""
    out = _run(
        [
            "ffmpeg",
            "-hide_banner",
            "-nostdin",
            "-nostats",
            "-i",
            str(wav),
            "-af",
            f"{COMPRESSOR},ebur128=framelog=verbose",
            "-f",
            "null",
            "-",
        ],
        "ffmpeg (loudness)",
    )
    found = LOUDNESS.search(out)
    if not found:
        raise AudioError("ffmpeg's ebur128 reported no loudness")
    if found[1] == "-inf" or float(found[1]) < SILENT_LUFS:
        raise AudioError("the engine's output is silent")
    return float(found[1])


def _argv(command: str, text: str, wav: str) -> list[str]:
    """The command template split like a shell would, with {text} and {wav} put in; no shell runs it."""
    try:
        words = shlex.split(command)
    except ValueError as e:
        raise AudioError(f"[audio] command: {e}") from None
    if not words:
        raise AudioError("[audio] command is empty")
    return [w.replace("{text}", text).replace("{wav}", wav) for w in words]


def _run(argv: list[str], name: str, stdin: str | None = None) -> str:
    """Run one program; its stderr (where ffmpeg reports) is returned, a failure is an AudioError."""
    try:
        done = subprocess.run(
            argv,
            input=stdin,
            capture_output=True,
            text=True,
            timeout=SECTION_TIMEOUT,
            stdin=None if stdin is not None else subprocess.DEVNULL,
        )
    except subprocess.TimeoutExpired:
        raise AudioError(f"{name} took longer than {SECTION_TIMEOUT} s") from None
    except OSError as e:
        raise AudioError(f"{name} could not run: {e}") from None
    if done.returncode:
        last = (done.stderr.strip().splitlines() or ["no message"])[-1]
        raise AudioError(f"{name} failed (exit {done.returncode}): {last[:300]}")
    return done.stderr

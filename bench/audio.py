"""Benchmark: the seed issue read aloud (real espeak-ng and ffmpeg), with 1 and 2 workers.

Prints, as medians of RUNS forced rebuilds: wall time, CPU seconds (this process and every
program it started) per minute of audio, and the 2-vs-1 worker ratio; and, measured in the
same run, the naive way: the whole issue spoken in one engine call, then one ffmpeg pass with
the loudnorm filter (single-pass EBU R128) and the MP3 encoder, one after the other.
The issue has no time target; the figures say what a send waits for when [audio] enabled.
"""

from __future__ import annotations

import datetime as dt
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
RUNS = 3


def cpu_seconds() -> float:
    """User + system time of this process and of its finished children (the engine, ffmpeg)."""
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def measure(make) -> tuple[float, float, float]:
    """Median wall seconds, median CPU seconds, and the audio's length (seconds) of `make()`."""
    walls, cpus, length = [], [], 0.0
    for _ in range(RUNS):
        cpu, start = cpu_seconds(), time.perf_counter()
        length = make()
        walls.append(time.perf_counter() - start)
        cpus.append(cpu_seconds() - cpu)
    return statistics.median(walls), statistics.median(cpus), length


def naive(config, folder: Path) -> float:
    """One engine call for the whole text, then loudnorm and the encoder in one ffmpeg pass."""
    from mutagen.mp3 import MP3

    from newsletter.audio.script import script
    from newsletter.pipeline.publish import whole_issue
    from newsletter.store import Store

    with Store(config.store_url) as store:
        issue = whole_issue(store, store.issues.all()[0].number)
    text = folder / "all.txt"
    text.write_text("\n\n".join(s.text for s in script(issue, config)), encoding="utf-8")
    subprocess.run(
        ["espeak-ng", "-v", "en-gb", "-s", "160", "-w", str(folder / "all.wav"), "-f", str(text)], check=True
    )
    subprocess.run(
        [
            "ffmpeg",
            "-hide_banner",
            "-nostdin",
            "-loglevel",
            "error",
            "-y",
            "-i",
            str(folder / "all.wav"),
            "-af",
            "loudnorm=I=-16:TP=-1.5:LRA=11",
            "-ar",
            "44100",
            "-ac",
            "1",
            "-c:a",
            "libmp3lame",
            "-b:a",
            "64k",
            str(folder / "all.mp3"),
        ],
        check=True,
    )
    return MP3(folder / "all.mp3").info.length


def main() -> None:
    from newsletter import config as config_module
    from newsletter import pipeline
    from newsletter.store import Store

    with tempfile.TemporaryDirectory() as tmp:
        project = Path(tmp)
        shutil.copytree(ROOT / "seeds", project / "seeds")
        shutil.copy(ROOT / "config.toml", project / "config.toml")
        config = config_module.load(project / "config.toml")
        with Store(config.store_url) as store:
            pipeline.build(config, store, now=dt.datetime.now(config.zone), date=dt.date(2016, 8, 31), no_fetch=True)
            results = {}
            for workers in (1, 2):
                results[workers] = measure(
                    lambda workers=workers: pipeline.audio(config, store, 1, workers=workers, force=True).seconds
                )
        naive_wall, naive_cpu, naive_length = measure(lambda: naive(config, project))
    wall1, cpu1, length = results[1]
    wall2, cpu2, _ = results[2]
    print(f"seed issue: {length / 60:.1f} min of audio; medians of {RUNS} runs")
    print(f"1 worker   wall {wall1:6.2f} s   CPU {cpu1:6.2f} s = {cpu1 / (length / 60):.2f} s per audio minute")
    print(f"2 workers  wall {wall2:6.2f} s   CPU {cpu2:6.2f} s = {cpu2 / (length / 60):.2f} s per audio minute")
    print(f"  2 workers vs 1: {wall1 / wall2:.2f}x faster (wall)")
    print(
        f"naive (one engine call, ffmpeg loudnorm)  wall {naive_wall:6.2f} s   CPU {naive_cpu:6.2f} s = "
        f"{naive_cpu / (naive_length / 60):.2f} s per audio minute"
    )
    print(f"  1 worker vs naive: {naive_wall / wall1:.2f}x faster (wall), {naive_cpu / cpu1:.2f}x less CPU")


if __name__ == "__main__":
    main()

"""Benchmark: the corpus reader on the shipped seeds, the fixture pages, and hostile pages of growing size.

Prints medians of 5 runs. The seeds and fixtures are the everyday cost; each hostile
shape (a long share tail, a huge sidebar, thousands of hearing items, comments, events,
repeated paragraphs) is read at N and 2N lines, and the ratio of the two times is printed:
about 2 means the reader stays linear, about 4 would mean a quadratic pass crept in.
"""

from __future__ import annotations

import statistics
import time
from pathlib import Path
from zoneinfo import ZoneInfo

from newsletter.sources.corpus import read_corpus
from newsletter.sources.lines import Rules
from newsletter.sources.page import read_page

ROOT = Path(__file__).resolve().parent.parent
RUNS = 5
N = 4000
HOSTILE = {
    "share tail": lambda n: "Title\n\n" + "A sentence of prose that goes on for a while.\nShare this:\n" * n,
    "eLetter sidebar": lambda n: "31st August 2016\nNews and Comment from X\n" + "Short line\nAnother short\n" * n,
    "hearing items": lambda n: "31st August 2016\nThis is what I'm hearing\n" + ">> I'm hearing - x.\n" * n,
    "said comments": lambda n: "T\n\nA sentence of prose that goes on.\n\n7 comments:\n" + "Jo said...\nHello.\n" * n,
    "events": lambda n: "31st August 2016\nEd Smith\n" + "26th Sept Kings Fund 5.30pm.\nEd Smith\nTickets here\n" * n,
    "repeats": lambda n: "T\n\n" + "".join(f"Paragraph {i} is prose here.\nAb Cd: T. Paragraph {i} is prose here.\n"
                                            for i in range(n)),
}  # fmt: skip


def median(work) -> float:
    times = []
    for _ in range(RUNS):
        start = time.perf_counter()
        work()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    for name, folder in (("seeds", ROOT / "seeds"), ("fixtures", ROOT / "tests" / "fixtures" / "corpus")):
        read_corpus(folder)  # warm: imports, wordfreq's lists
        files = len(list(folder.iterdir()))
        print(f"{name:<16} {files:>3} files  median {median(lambda f=folder: read_corpus(f)) * 1000:7.1f} ms")
    rules = Rules.build((), {}, ZoneInfo("Europe/London"))
    for name, page in HOSTILE.items():
        small, large = page(N), page(2 * N)
        t1 = median(lambda t=small: read_page(t, "x", rules))
        t2 = median(lambda t=large: read_page(t, "x", rules))
        print(
            f"{name:<16} {N * 2:>6} lines {t1 * 1000:7.1f} ms, {N * 4:>6} lines {t2 * 1000:7.1f} ms, ratio {t2 / t1:.2f}"
        )


if __name__ == "__main__":
    main()

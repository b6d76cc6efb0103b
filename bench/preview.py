"""Benchmark: from saving a template to the reloaded preview page (`newsletter preview`).

On a copy of the shipped seeds and config (issue date 2016-08-31) with the templates in an
editor's folder, a real uvicorn server and headless Debian Chromium (/usr/bin/chromium):
each run writes email/issue.html with a new masthead and times until the open page has
reloaded by itself and shows it in place (frame sized, scroll restored). Median of 10.
Baseline, same run: a full `newsletter build --no-fetch` subprocess, the naive way to see
a change (and the editor must still reload a browser by hand). Target (issue 4): < 1 s.
Usage: python bench/preview.py
"""

from __future__ import annotations

import datetime as dt
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from newsletter import config as config_module  # noqa: E402
from newsletter import pipeline  # noqa: E402

RUNS = 10
DAY = dt.date(2016, 8, 31)
MASTHEAD = '<h1 class="masthead-title">{{ newsletter.title }}</h1>'


def make_project(folder: Path) -> Path:
    shutil.copytree(ROOT / "seeds", folder / "seeds")
    pipeline.copy_templates(folder / "my-templates")
    text = (ROOT / "config.toml").read_text(encoding="utf-8").replace('\ndir = ""\n', '\ndir = "my-templates"\n')
    (folder / "config.toml").write_text(text, encoding="utf-8")
    return folder / "config.toml"


def start_preview(config_path: Path):
    """The preview app under uvicorn in a thread on 127.0.0.1; returns (url, server, thread)."""
    import uvicorn

    from newsletter.web.preview import create_preview_app

    app = create_preview_app(config_module.load(config_path), date=DAY)
    sock = socket.create_server(("127.0.0.1", 0))
    server = uvicorn.Server(
        uvicorn.Config(app, log_level="warning", ws="none", http="h11", timeout_graceful_shutdown=1)
    )
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    return f"http://127.0.0.1:{sock.getsockname()[1]}", server, thread


def reload_times(url: str, template: Path) -> list[float]:
    """Seconds from each template save to the page showing it, reloaded by itself."""
    from playwright.sync_api import sync_playwright

    original = template.read_text(encoding="utf-8")
    times = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path="/usr/bin/chromium", args=["--headless", "--no-sandbox"])
        page = browser.new_page(viewport={"width": 1300, "height": 900})
        page.goto(url + "/draft")
        page.wait_for_selector("body[data-ready=desktop]")
        for run in range(RUNS):
            marker = f"Edition {run}"
            with page.expect_event("load", timeout=30_000):
                start = time.perf_counter()
                template.write_text(
                    original.replace(MASTHEAD, MASTHEAD.replace("{{", f"{marker}: {{{{")), encoding="utf-8"
                )
            page.wait_for_selector("body[data-ready=desktop]")
            times.append(time.perf_counter() - start)
            shown = page.frame("desktop").inner_text(".masthead-title")
            assert shown.startswith(marker), f"the page shows {shown!r}, not {marker!r}"
        browser.close()
    return times


def build_times(config_path: Path) -> list[float]:
    command = [
        sys.executable,
        "-m",
        "newsletter",
        "build",
        "--no-fetch",
        "--date",
        DAY.isoformat(),
        "--config",
        str(config_path),
    ]
    times = []
    for _ in range(RUNS):
        start = time.perf_counter()
        subprocess.run(command, check=True, capture_output=True)
        times.append(time.perf_counter() - start)
    return times


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        config_path = make_project(Path(tmp))
        url, server, thread = start_preview(config_path)
        try:
            live = reload_times(url, Path(tmp) / "my-templates" / "email" / "issue.html")
        finally:
            server.should_exit = True
            thread.join()
        naive = build_times(config_path)
    preview, build = statistics.median(live), statistics.median(naive)
    print(
        f"template save -> reloaded page   median {preview:.3f} s  (min {min(live):.3f}, max {max(live):.3f}; "
        f"target < 1 s)"
    )
    print(f"  newsletter build --no-fetch    median {build:.3f} s  (the naive loop, before a manual reload)")
    print(f"  build / preview                {build / preview:.1f}x")


if __name__ == "__main__":
    main()

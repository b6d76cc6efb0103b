"""Write a built issue's files so that a reader never sees a half-written folder."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path


def write_folder(folder: Path, files: dict[str, bytes]) -> list[Path]:
    """Write `files` into a temporary sibling of `folder`, then swap it into place."""
    folder.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{folder.name}.", dir=folder.parent))
    try:
        for name, data in files.items():
            (staging / name).write_bytes(data)
        old = None
        if folder.exists():
            old = folder.with_name(f".{folder.name}.old")
            shutil.rmtree(old, ignore_errors=True)
            folder.rename(old)
        staging.rename(folder)
        if old:
            shutil.rmtree(old, ignore_errors=True)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return [folder / name for name in files]


def write_file(path: Path, data: bytes) -> Path:
    """Write `path` through a temporary sibling renamed over it: a reader sees the old file or the new."""
    import os

    path.parent.mkdir(parents=True, exist_ok=True)
    fd, staging = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.chmod(staging, 0o644)  # a public web page, not mkstemp's private 0600
        os.replace(staging, path)
    except BaseException:
        Path(staging).unlink(missing_ok=True)
        raise
    return path

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

"""The one way the project writes files: atomically, so a reader never sees half a file or folder.

Every write goes through a uniquely named temporary sibling (mkstemp/mkdtemp: two writers at
once never share one) renamed into place. Modes are set on purpose, not left to the umask or
to mkstemp's private defaults: what we write here is public (a built issue, web pages, the
editor's drafts file, all shared through git or a web server), so files are 0644 and folders 0755.
The subscriber list lives in the store, which is private (store/dialects.py).
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

FILE_MODE, FOLDER_MODE = 0o644, 0o755


def write_folder(folder: Path, files: dict[str, bytes]) -> list[Path]:
    """Write `files` into a temporary sibling of `folder`, then swap it into place."""
    folder.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{folder.name}.", dir=folder.parent))
    try:
        staging.chmod(FOLDER_MODE)  # mkdtemp makes it 0700
        for name, data in files.items():
            (staging / name).write_bytes(data)
            (staging / name).chmod(FILE_MODE)
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
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, staging = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.chmod(staging, FILE_MODE)  # not mkstemp's private 0600
        os.replace(staging, path)
    except BaseException:
        Path(staging).unlink(missing_ok=True)
        raise
    return path

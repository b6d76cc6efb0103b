"""`templates`: which template files an issue uses, and copying the defaults for an editor."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

from ..config import Config
from ..errors import NewsletterError


def templates(config: Config) -> list[tuple[str, Path, bool]]:
    """(name, file used, whether it is the editor's) for every template an issue can use."""
    from ..render import builtin_templates, template_folders

    chosen: dict[str, Path] = {}
    for folder in template_folders(config):
        for path in sorted(folder.rglob("*")):
            name = path.relative_to(folder).as_posix()
            if path.is_file() and not name.startswith(".") and "__pycache__" not in name:
                chosen.setdefault(name, path)
    return [(name, path, not path.is_relative_to(builtin_templates())) for name, path in sorted(chosen.items())]


def builtin_folder() -> Path:
    """Where the shipped templates are (the preview watches it and renders its own pages from it)."""
    from ..render import builtin_templates

    return builtin_templates()


def web_pages(config: Config) -> Callable[..., str]:
    """`page(name, **context)`: a page of the web shell from template `name` (the editor's, else the
    built-in), in the sandboxed environment every template runs in; made once per app."""
    from ..render import make_environment

    env = make_environment(config)
    return lambda name, **context: env.get_template(name).render(**context)


def copy_templates(dest: Path, *, force: bool = False) -> list[Path]:
    """Copy the built-in templates into `dest` in the layout the loader expects (email/issue.html,
    email/style.css, ...), refusing to overwrite an editor's files unless `force`."""
    from ..render import builtin_templates

    root = builtin_templates()
    sources = [p for p in sorted(root.rglob("*")) if p.is_file() and "__pycache__" not in p.parts]
    targets = [dest / p.relative_to(root) for p in sources]
    existing = [t for t in targets if t.exists()]
    if existing and not force:
        raise NewsletterError(f"{existing[0]} exists ({len(existing)} file(s) would be overwritten; --force does it)")
    for source, target in zip(sources, targets):
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source, target)
    return targets

"""Keep the levels of DESIGN.md honest: stages never import each other or the shells."""

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "newsletter"
LEVEL = {
    "models": 0, "errors": 0, "config": 0, "textwrap_links": 0, "dedup": 0,
    "content": 0.5,  # feed HTML for the email: used by render, uses textwrap_links
    "sources": 1, "store": 1, "compose": 1, "render": 1, "deliver": 1, "outbox": 0, "check": 1, "drafts": 1,
    "audio": 1,
    "pipeline": 2,
    "preview": 2.5,  # the preview's verbs are made of pipeline's (a dry-run build; build, then send --test)
    "schedule": 3, "web": 3,
    "cli": 4,  # the outermost shell: it starts the others (serve, preview, schedule)
    "__main__": 5,
}  # fmt: skip


def imports(path: Path):
    """The top-level newsletter modules that `path` imports."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    parts = path.relative_to(PACKAGE).with_suffix("").parts
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.level:
            base = parts[: len(parts) - node.level]
            target = (*base, *(node.module or "").split(".")) if node.module else base
            names = [target] if node.module else [(*base, alias.name) for alias in node.names]
            for name in names:
                if name and name[0] in LEVEL:
                    yield name[0]
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            module = node.module if isinstance(node, ast.ImportFrom) else node.names[0].name
            if module and module.startswith("newsletter."):
                yield module.split(".")[1]


def test_modules_import_only_lower_levels_or_their_own_package():
    faults = []
    for path in PACKAGE.rglob("*.py"):
        parts = path.relative_to(PACKAGE).with_suffix("").parts
        own = parts[0] if parts[0] != "__init__" else None
        if own not in LEVEL:
            continue
        for target in set(imports(path)):
            if target != own and LEVEL[target] >= LEVEL[own] and not (LEVEL[own] == 0 and LEVEL[target] == 0):
                faults.append(f"{path.relative_to(PACKAGE)} imports {target}")
    assert faults == []

"""Keep the levels of DESIGN.md honest: stages never import each other or the shells, shells call only
the pipeline, and each third-party library stays in the layer that owns it.

Every fault is one line naming the file and the rule it breaks. A module this test does not know
fails too: give it a level below (and a line in README's package map) when you add it.
"""

import ast
import re
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "newsletter"
LEVEL = {
    "__init__": 0, "models": 0, "errors": 0, "config": 0, "dedup": 0, "files": 0,
    "sources": 1, "store": 1, "compose": 1, "render": 1, "deliver": 1, "check": 1, "choices": 1,
    "audio": 1,
    "migrations": 1.5,  # the store's Alembic scripts; a data migration applies a source's pure cleaning
    "pipeline": 2,
    "schedule": 3, "web": 3,
    "cli": 4,  # the outermost shell: it starts the others (serve, preview, schedule)
    "__main__": 5,
}  # fmt: skip
SHELLS = {"schedule", "web", "cli", "__main__"}
SHELLS_MAY_IMPORT = {"pipeline", "config", "errors", "models", "store", "__init__"}  # store: to open it
LIBRARIES = {  # a library -> the top-level modules allowed to import it
    "sqlalchemy": {"store", "migrations"},
    "alembic": {"store", "migrations"},
    "smtplib": {"deliver"},
    "httpx": {"sources"},
    "jinja2": {"render", "web"},
    "email.mime": {"deliver"},
}
STORE_OWNERS = {"store", "migrations"}  # "migrations" is the store's too (Alembic's scripts)


def modules():
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = path.relative_to(PACKAGE).with_suffix("").parts
        yield path, parts


def imports(path: Path, parts: tuple[str, ...]):
    """(newsletter module parts, names imported, whether private, line) for each import in `path`,
    and ("", library, ...) for each third-party or standard-library one."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.level:
            base = parts[: len(parts) - node.level]
            target = (*base, *node.module.split(".")) if node.module else base
            if node.module:
                yield target, [a.name for a in node.names], node.lineno
            else:  # `from .. import x`: a module, or a name in the package's __init__
                for alias in node.names:
                    module = PACKAGE.joinpath(*base, alias.name)
                    if module.is_dir() or module.with_suffix(".py").is_file():
                        yield (*base, alias.name), [], node.lineno
                    else:
                        yield (*base, "__init__") if base else ("__init__",), [alias.name], node.lineno
        elif isinstance(node, ast.ImportFrom):
            if node.module and node.module.startswith("newsletter."):
                yield tuple(node.module.split(".")[1:]), [a.name for a in node.names], node.lineno
            elif node.module:
                yield ("", node.module), [a.name for a in node.names], node.lineno
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.startswith("newsletter."):
                    yield tuple(alias.name.split(".")[1:]), [], node.lineno
                else:
                    yield ("", alias.name), [], node.lineno


def faults():
    for path, parts in modules():
        where = path.relative_to(PACKAGE)
        own = parts[0]
        if own not in LEVEL:
            yield f"{where}: unknown module {own!r}: give it a level in tests/test_layers.py"
            continue
        for target, names, line in imports(path, parts):
            if target and target[0] == "":
                library = target[1]
                for name, allowed in LIBRARIES.items():
                    if (library == name or library.startswith(name + ".")) and own not in allowed:
                        yield f"{where}:{line}: imports {library}; only {', '.join(sorted(allowed))} may"
                continue
            private = [n for n in names if n.startswith("_") and not n.startswith("__")]
            if private:
                yield f"{where}:{line}: imports private {', '.join(private)} from {'.'.join(target)}"
            if not target or target[0] == own:
                continue
            top = target[0]
            if top not in LEVEL:
                yield f"{where}:{line}: imports unknown module {'.'.join(target)}"
                continue
            if own in SHELLS:
                if top in SHELLS and LEVEL[top] < LEVEL[own]:
                    continue  # an outer shell starts an inner one (cli -> web, schedule)
                if top not in SHELLS_MAY_IMPORT:
                    yield f"{where}:{line}: a shell imports {'.'.join(target)}; shells call only the pipeline"
                elif top == "store" and (len(target) > 1 or names != ["Store"]):
                    yield f"{where}:{line}: a shell imports {'.'.join(target)} {names}; only Store, to open it"
                continue
            if LEVEL[top] >= LEVEL[own] and not (LEVEL[own] == 0 and LEVEL[top] == 0):
                yield f"{where}:{line}: level {LEVEL[own]} imports {top} (level {LEVEL[top]}): only lower levels"


def mime_builders():
    """Modules outside deliver/ that build a message (EmailMessage(...)): MIME is deliver's."""
    for path, parts in modules():
        if parts[0] == "deliver":
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (
                isinstance(node, ast.Call)
                and getattr(node.func, "id", getattr(node.func, "attr", "")) == "EmailMessage"
            ):
                yield f"{path.relative_to(PACKAGE)}:{node.lineno}: builds a MIME message; only deliver/ may"


def test_modules_import_only_lower_levels_or_their_own_package():
    assert list(faults()) == []


def test_only_deliver_builds_mime():
    assert list(mime_builders()) == []


def package_map() -> list[str]:
    """The modules README's "Package map" lists, in its order (a folder entry ends with /)."""
    readme = (PACKAGE.parent / "README.md").read_text(encoding="utf-8")
    section = readme.split("\n### Package map\n", 1)[1].split("\n#", 1)[0]
    return re.findall(r"^- `([\w/.]+)`: ", section, re.M)


def test_the_readme_package_map_matches_the_tree():
    listed = package_map()
    folders = [entry for entry in listed if entry.endswith("/")]
    tree = sorted(
        str(path.relative_to(PACKAGE))
        for path, _ in modules()
        if not any(str(path.relative_to(PACKAGE)).startswith(f) for f in folders)
    )
    assert sorted(e for e in listed if e not in folders) == tree, "README's Package map: one line per module"
    assert len(set(listed)) == len(listed)


def test_the_readme_names_examples_that_exist():
    """The three examples to follow are still where README says they are."""
    assert "def _decide(" in (PACKAGE / "sources" / "feeds.py").read_text(encoding="utf-8")
    assert "def build_message(" in (PACKAGE / "deliver" / "message.py").read_text(encoding="utf-8")
    assert (PACKAGE.parent / "tests" / "test_personalize.py").is_file()


def test_the_rules_catch_what_they_promise(tmp_path, monkeypatch):
    """Each rule fires on a module that breaks it (a test that could not fail proves nothing)."""
    fake = tmp_path / "newsletter"
    (fake / "web").mkdir(parents=True)
    (fake / "store").mkdir()
    (fake / "web" / "x.py").write_text(
        "from ..deliver.tokens import read\nfrom ..store.items import Items\nfrom ..pipeline.send import _owner\n"
    )
    (fake / "store" / "y.py").write_text("import httpx\nfrom ..pipeline import build\n")
    (fake / "newthing.py").write_text("")
    (fake / "render.py").write_text("from email.message import EmailMessage\nm = EmailMessage()\n")
    monkeypatch.setattr(__import__(__name__), "PACKAGE", fake)
    found = "\n".join([*faults(), *mime_builders()])
    for expected in (
        "web/x.py:1: a shell imports deliver.tokens",
        "web/x.py:2: a shell imports store.items",
        "web/x.py:3: imports private _owner",
        "store/y.py:1: imports httpx",
        "store/y.py:2: level 1 imports pipeline",
        "newthing.py: unknown module",
        "render.py:2: builds a MIME message",
    ):
        assert expected in found

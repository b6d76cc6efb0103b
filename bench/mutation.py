"""Mutation testing: how many small bugs planted in a module do its own tests catch?

    python bench/mutation.py [MODULE ...] [--jobs N] [--fail-under PERCENT] [--show-killed]

MODULE is a path under newsletter/ ("deliver/tokens.py"); without one, DEFAULT runs.
Mutants come from mutmut 2.5's mutation engine (pinned in the `mutation` extra: its
`list_mutations`/`mutate` operate on one source string, which mutmut 3 no longer offers);
this script only drives them. Each mutant runs against the test files TESTS maps its
module to, with `pytest -x`, in a child forked from one process that has already imported
the libraries (so a mutant costs its tests' time, not an interpreter start), on as many
cores as this process may use. A first, unmutated run records which tests execute which
function of the module; a mutant inside a function then runs only the tests that reach
that function (a mutant no test reaches survives without a run), one outside any function
runs them all. The mutant replaces the module at import time, so the
worktree is never written and a killed run leaves nothing behind. A mutant is killed when
its tests fail or outrun a timeout (a mutant can loop forever), and survives when they pass.

Mutants shown equivalent (no test could tell them apart from the original) are listed in
bench/mutation-equivalent.toml with a one-line reason; they are left out of the score.
They are matched by the source line and its mutated form (and, when an entry gives a
`scope`, the function or class around it), not by line number, so edits elsewhere in
the module keep them. Entries that no longer match any mutant are reported.
"""

from __future__ import annotations

import argparse
import ast
import contextlib
import difflib
import importlib.abc
import importlib.util
import json
import os
import signal
import sys
import tempfile
import threading
import time
import tomllib
from dataclasses import dataclass, replace
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "newsletter"
EQUIVALENT = Path(__file__).with_name("mutation-equivalent.toml")

# Module under newsletter/ -> the test files that are meant to catch its bugs. Add a line
# here for a new module; a module missing from DEFAULT can still be named on the command line.
TESTS: dict[str, list[str]] = {
    "deliver/headers.py": ["tests/test_headers_edges.py", "tests/test_message.py"],
    "deliver/tokens.py": ["tests/test_tokens_known.py", "tests/test_unsubscribe.py", "tests/test_signup_tokens.py"],
    "deliver/personalize.py": ["tests/test_personalize_edges.py", "tests/test_personalize.py"],
    "sources/feeds.py": ["tests/test_feeds_edges.py", "tests/test_feeds_http.py"],
    "sources/safexml.py": ["tests/test_safexml_dtd.py", "tests/test_safexml.py"],
    "compose.py": ["tests/test_compose_edges.py", "tests/test_compose.py"],
    "sources/page.py": ["tests/test_page_genre.py", "tests/test_corpus_fixtures.py", "tests/test_corpus.py"],
    "deliver/bounces.py": ["tests/test_bounce_reports.py", "tests/test_bounces.py"],
    "sources/tips.py": ["tests/test_tips_clean.py"],
    "store/consents.py": ["tests/test_signup_store.py"],
    "pipeline/signup.py": ["tests/test_signup.py", "tests/test_signup_flow.py"],
    "web/signup.py": ["tests/test_signup.py", "tests/test_signup_flow.py"],
}
DEFAULT = list(TESTS)

# Libraries the tests import, loaded once before forking; a missing one is only slower.
PRELOAD = (
    "pytest",
    "hypothesis",
    "httpx",
    "feedparser",
    "sqlalchemy",
    "alembic",
    "jinja2",
    "premailer",
    "starlette",
    "click",
    "click.testing",
    "aiosmtpd.controller",
    "nh3",
    "ftfy",
    "charset_normalizer",
    "dateutil.parser",
    "rich",
    "email.policy",
    "email.headerregistry",
)
POLL = 0.02  # seconds between checks on running children


@dataclass(frozen=True)
class Mutant:
    module: str
    number: int
    line_number: int
    original: str  # the changed source line(s), stripped
    mutated: str  # what the mutant has there, stripped ("" when the line is gone)
    source: str  # the whole mutated module
    tests: tuple[str, ...] = ()  # the pytest node ids it runs against
    scope: str = ""  # the innermost function or class around it ("" at module level)


@dataclass(frozen=True)
class Outcome:
    mutant: Mutant
    status: str  # "killed", "timeout", "survived", "equivalent", or "error" (pytest could not run them)


def mutants_of(module: str) -> list[Mutant]:
    """Every mutant mutmut's engine makes of one module, with the lines it changes."""
    from mutmut import Context, list_mutations, mutate

    path = PACKAGE / module
    source = path.read_text(encoding="utf-8")
    lines = source.splitlines()
    found = []
    for number, mutation in enumerate(list_mutations(Context(source=source, filename=str(path)))):
        mutated, _ = mutate(Context(source=source, mutation_id=mutation, filename=str(path)))
        before, after = _changed(lines, mutated.splitlines())
        found.append(Mutant(module, number, mutation.line_number + 1, before, after, mutated))
    return found


def _changed(old: list[str], new: list[str]) -> tuple[str, str]:
    removed, added = [], []
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(a=old, b=new, autojunk=False).get_opcodes():
        if tag != "equal":
            removed += [line.strip() for line in old[i1:i2]]
            added += [line.strip() for line in new[j1:j2]]
    return "\n".join(removed), "\n".join(added)


def load_equivalent(path: Path = EQUIVALENT) -> list[dict]:
    """The allow-list: each entry names module, line, mutant and a reason."""
    if not path.exists():
        return []
    entries = tomllib.loads(path.read_text(encoding="utf-8")).get("equivalent", [])
    for n, entry in enumerate(entries, 1):
        missing = {"module", "line", "mutant", "reason"} - set(entry)
        if missing:
            sys.exit(f"{path}: entry {n} lacks {', '.join(sorted(missing))}")
    return entries


def _matches(entry: dict, mutant: Mutant) -> bool:
    """Same module, line and mutated line; and the same function or class when the entry names one."""
    return (
        entry["module"] == mutant.module
        and entry["line"].strip() == mutant.original
        and entry["mutant"].strip() == mutant.mutated
        and entry.get("scope", mutant.scope) == mutant.scope
    )


def _is_equivalent(mutant: Mutant, entries: list[dict]) -> bool:
    return any(_matches(e, mutant) for e in entries)


class _MutantFinder(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    """Serves the mutated source for one module name; every other import goes on as usual."""

    def __init__(self, name: str, path: Path, source: str):
        self.name, self.path, self.source = name, path, source

    def find_spec(self, fullname, path=None, target=None):
        if fullname != self.name:
            return None
        return importlib.util.spec_from_loader(fullname, self, origin=str(self.path))

    def create_module(self, spec):
        return None

    def exec_module(self, module):
        module.__file__ = str(self.path)
        exec(compile(self.source, str(self.path), "exec"), module.__dict__)


def _run_tests(tests: list[str], mutant: Mutant | None, record: tuple[str, Path] | None) -> None:
    """In a forked child: run `tests` with `mutant` in place of its module; exit with pytest's code.

    With `record` (module, file), write to the file which lines of the module each test executed.
    """
    os.setpgrp()  # its own group, so a timeout kills whatever the tests started too
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    sink = os.open(os.devnull, os.O_WRONLY)
    os.dup2(sink, 1)
    os.dup2(sink, 2)
    if mutant is not None:
        name = "newsletter." + mutant.module.removesuffix(".py").replace("/", ".")
        sys.meta_path.insert(0, _MutantFinder(name, PACKAGE / mutant.module, mutant.source))
    from hypothesis import settings

    # No example database (children would share and grow it) and the same examples every run,
    # so a mutant's fate does not depend on the draw; conftest's profile inherits both.
    settings.register_profile("mutation", database=None, derandomize=True)
    settings.load_profile("mutation")
    import pytest

    # Plugins preloaded before forking cannot have their asserts rewritten; pytest says so, and
    # the project's filterwarnings = error would turn that notice into a failure.
    quiet = ["-W", "ignore::pytest.PytestAssertRewriteWarning"]
    plugins = [_LineRecorder(PACKAGE / record[0])] if record else []
    code = pytest.main(["-x", "-q", "-p", "no:cacheprovider", *quiet, "--rootdir", str(ROOT), *tests], plugins=plugins)
    if record:
        record[1].write_text(json.dumps({"order": plugins[0].order, "lines": plugins[0].lines}))
    os._exit(int(code))


class _LineRecorder:
    """A pytest plugin: which lines of one source file each test executes, in any thread."""

    def __init__(self, source: Path):
        self.path = str(source)
        self.current = "import"
        self.order: list[str] = []
        self.lines: dict[str, list[int]] = {}
        self._seen: dict[str, set[int]] = {"import": set()}
        sys.settrace(self._call)
        threading.settrace(self._call)

    def _call(self, frame, event, arg):
        return self._line if frame.f_code.co_filename == self.path else None

    def _line(self, frame, event, arg):
        if event == "line":
            self._seen[self.current].add(frame.f_lineno)
        return self._line

    def pytest_runtest_setup(self, item):
        self.current = item.nodeid
        self.order.append(item.nodeid)
        self._seen.setdefault(item.nodeid, set())

    def pytest_sessionfinish(self):
        sys.settrace(None)
        threading.settrace(None)
        self.lines = {test: sorted(lines) for test, lines in self._seen.items()}


def _spawn(tests: list[str], mutant: Mutant | None, record: tuple[str, Path] | None = None) -> int:
    pid = os.fork()
    if pid == 0:
        try:
            _run_tests(tests, mutant, record)
        except BaseException:
            import traceback

            traceback.print_exc()  # reaches the terminal only when stderr was not redirected yet
        finally:
            os._exit(70)
    return pid


@dataclass(frozen=True)
class Baseline:
    seconds: float
    order: list[str]  # every test, in the order pytest ran them
    lines: dict[str, set[int]]  # test (or "import") -> the module's lines it executed


def baseline(module: str) -> Baseline:
    """The module's tests unmutated, traced; they must pass, or no mutant means anything."""
    with tempfile.TemporaryDirectory() as folder:
        record = Path(folder) / "lines.json"
        started = time.monotonic()
        _, status = os.waitpid(_spawn(TESTS[module], None, (module, record)), 0)
        took = time.monotonic() - started
        if os.waitstatus_to_exitcode(status) != 0:
            sys.exit(f"{module}: its tests fail without any mutant: python -m pytest {' '.join(TESTS[module])}")
        traced = json.loads(record.read_text())
    return Baseline(took, traced["order"], {test: set(lines) for test, lines in traced["lines"].items()})


def functions(source: str) -> list[tuple[int, int]]:
    """The line span of every function (innermost last among nested ones)."""
    spans = [
        (n.lineno, n.end_lineno)
        for n in ast.walk(ast.parse(source))
        if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))
    ]
    return sorted(spans)


def scope_of(line: int, source: str) -> str:
    """The name of the innermost function or class holding `line`, its decorators included."""
    holders = [
        (min([n.lineno] + [d.lineno for d in n.decorator_list]), n.name)
        for n in ast.walk(ast.parse(source))
        if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef))
        and min([n.lineno] + [d.lineno for d in n.decorator_list]) <= line <= n.end_lineno
    ]
    return max(holders)[1] if holders else ""


def tests_for(mutant: Mutant, spans: list[tuple[int, int]], base: Baseline) -> tuple[str, ...]:
    """The tests that execute the function holding the mutant; outside any function, the test files.

    (Files, not node ids: a mutant that breaks the module's import then fails collection, and
    pytest says so as a failure; node ids that cannot be collected would be a usage error.)
    """
    inside = [(start, end) for start, end in spans if start <= mutant.line_number <= end]
    if not inside or not _compiles(mutant.source):  # a module that cannot compile fails every file's import
        return tuple(TESTS[mutant.module])
    start, end = max(inside)  # the innermost
    body = set(range(start + 1, end + 1))  # the def line itself runs at import
    return tuple(test for test in base.order if base.lines.get(test, set()) & body)


def _compiles(source: str) -> bool:
    try:
        compile(source, "<mutant>", "exec")
    except SyntaxError:
        return False
    return True


def run(mutants: list[Mutant], timeouts: dict[str, float], jobs: int, progress) -> list[Outcome]:
    """Run every mutant, `jobs` children at a time; a child past its module's timeout is killed."""
    waiting = list(reversed(mutants))
    running: dict[int, tuple[Mutant, float]] = {}
    outcomes = []
    try:
        _run_all(waiting, running, outcomes, timeouts, jobs, progress)
    finally:  # interrupted (Ctrl-C, a kill): the children run in their own groups, so end them too
        for pid in running:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(pid, signal.SIGKILL)
    return outcomes


def _run_all(waiting: list[Mutant], running: dict, outcomes: list[Outcome], timeouts, jobs: int, progress) -> None:
    while waiting or running:
        while waiting and len(running) < jobs:
            mutant = waiting.pop()
            if not mutant.tests:  # no test reaches it
                outcomes.append(Outcome(mutant, "survived"))
                progress(outcomes[-1])
                continue
            running[_spawn(list(mutant.tests), mutant)] = (mutant, time.monotonic() + timeouts[mutant.module])
        pid, status = os.waitpid(-1, os.WNOHANG)
        if pid:
            mutant, _ = running.pop(pid)
            outcomes.append(Outcome(mutant, _verdict(os.waitstatus_to_exitcode(status))))
            progress(outcomes[-1])
            continue
        now = time.monotonic()
        for pid, (mutant, deadline) in list(running.items()):
            if now > deadline:
                with contextlib.suppress(ProcessLookupError):  # it ended on its own meanwhile
                    os.killpg(pid, signal.SIGKILL)
                os.waitpid(pid, 0)
                del running[pid]
                outcomes.append(Outcome(mutant, "timeout"))
                progress(outcomes[-1])
        time.sleep(POLL)


def _verdict(code: int) -> str:
    """pytest's exit code as a verdict: 1 failed and 2 interrupted (say, a test module no longer imports)."""
    return {0: "survived", 1: "killed", 2: "killed"}.get(code, "error")


def report(module: str, outcomes: list[Outcome], show_killed: bool) -> float:
    """Print one module's counts and survivors; return its score in percent."""
    count = {s: sum(o.status == s for o in outcomes) for s in ("killed", "timeout", "survived", "equivalent", "error")}
    judged = len(outcomes) - count["equivalent"]
    score = 100.0 * (count["killed"] + count["timeout"]) / judged if judged else 100.0
    print(
        f"{module:<26} mutants {len(outcomes):>4}  killed {count['killed']:>4} (+{count['timeout']} timeout)  "
        f"survived {count['survived']:>3}  equivalent {count['equivalent']:>3}  score {score:5.1f} %"
        + (f"  ({count['error']} could not run: see below)" if count["error"] else "")
    )
    for o in sorted(outcomes, key=lambda o: o.mutant.number):
        if o.status in ("survived", "error") or (show_killed and o.status in ("killed", "timeout")):
            m = o.mutant
            reached = f"{len(m.tests)} test(s) reach it" if m.tests else "no test reaches it"
            where = f" in {m.scope}" if m.scope else ""
            print(f"  {o.status} {m.module}:{m.line_number}{where} (#{m.number}; {reached})")
            for line in m.original.splitlines() or [""]:
                print(f"    - {line}")
            for line in m.mutated.splitlines() or ["(line removed)"]:
                print(f"    + {line}")
    return score


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "modules", nargs="*", default=DEFAULT, help=f"paths under newsletter/ (default: {' '.join(DEFAULT)})"
    )
    parser.add_argument(
        "--jobs", type=int, default=len(os.sched_getaffinity(0)), help="children at once (default: usable cores)"
    )
    parser.add_argument("--fail-under", type=float, default=90.0, help="exit 1 when a module scores below this percent")
    parser.add_argument("--show-killed", action="store_true", help="list killed mutants too")
    args = parser.parse_args(argv)
    unknown = [m for m in args.modules if m not in TESTS]
    if unknown:
        parser.error(f"no tests mapped for {', '.join(unknown)}: add them to TESTS in {Path(__file__).name}")

    os.chdir(ROOT)
    sys.path.insert(0, str(ROOT))
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # so run() ends its children on a kill too
    for name in PRELOAD:
        with contextlib.suppress(ImportError):  # an optional library: the tests that need it skip
            __import__(name)
    equivalent = load_equivalent()
    started = time.monotonic()
    timeouts, mutants = {}, []
    for module in args.modules:
        base = baseline(module)
        timeouts[module] = 3 * base.seconds + 10  # generous: the machine is shared and children run side by side
        spans = functions((PACKAGE / module).read_text(encoding="utf-8"))
        source = (PACKAGE / module).read_text(encoding="utf-8")
        made = [
            replace(m, tests=tests_for(m, spans, base), scope=scope_of(m.line_number, source))
            for m in mutants_of(module)
        ]
        mutants += made
        print(
            f"{module}: {len(made)} mutants, {len(base.order)} tests taking {base.seconds:.1f} s unmutated (traced)",
            flush=True,
        )

    done = 0

    def progress(outcome: Outcome) -> None:
        nonlocal done
        done += 1
        if sys.stderr.isatty():
            print(f"\r{done}/{len(mutants)} mutants run", end="", file=sys.stderr, flush=True)
        elif done % 50 == 0:  # a log file still shows that it moves
            print(
                f"{done}/{len(mutants)} mutants run in {time.monotonic() - started:.0f} s", file=sys.stderr, flush=True
            )

    todo = [m for m in mutants if not _is_equivalent(m, equivalent)]
    outcomes = run(todo, timeouts, args.jobs, progress)
    outcomes += [Outcome(m, "equivalent") for m in mutants if _is_equivalent(m, equivalent)]
    if sys.stderr.isatty():
        print(file=sys.stderr)

    print()
    scores = {}
    for module in args.modules:
        scores[module] = report(module, [o for o in outcomes if o.mutant.module == module], args.show_killed)
    stale = [e for e in equivalent if e["module"] in args.modules and not any(_matches(e, m) for m in mutants)]
    for e in stale:
        print(f"stale allow-list entry in {EQUIVALENT.name}: {e['module']}: {e['line']!r} -> {e['mutant']!r}")
    print(f"\n{len(mutants)} mutants in {time.monotonic() - started:.0f} s on {args.jobs} job(s)")
    low = [m for m, s in scores.items() if s < args.fail_under]
    if low:
        print(f"below {args.fail_under:g} %: {', '.join(low)}")
    return 1 if low else 0


if __name__ == "__main__":
    sys.exit(main())

"""Every chapter of the book, executed as a test (in fast mode: smaller sizes, same checks).

Each MyST Markdown chapter is read with jupytext and run top to bottom by nbclient in a
fresh kernel, as myst-nb does at build time; any cell error fails the test, with the
failing cell's traceback.

The chapters run in the background: tests/conftest.py calls :func:`start` once collection
is done and moves these tests to the end of the run, so the kernels (``CHAPTER_JOBS`` at a
time, each in a runner process of its own) execute while the rest of the suite does. The
chapters that read the book's training run (``report.book_run()``) start after the one
that makes it (``book_run(refresh=True)``), so they never race it for the memo.
"""

from __future__ import annotations

import concurrent.futures
import contextlib
import json
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
import yaml

REPO = Path(__file__).resolve().parent.parent
BOOK = REPO / "book"
CHAPTERS = sorted(BOOK.glob("[0-9][0-9]_*.md"))
#: Chapters executing at once (``$GATENET_TEST_CHAPTER_JOBS``, default 2).
CHAPTER_JOBS = max(1, int(os.environ.get("GATENET_TEST_CHAPTER_JOBS") or 2))
#: The tests tests/conftest.py runs after every other test, once :func:`start` has set
#: them going in the background.
RUN_LAST = {"test_chapter_executes"}

_RUNNER = r"""
import json, re, sys
import jupytext
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError

nb = jupytext.read(sys.argv[1])
client = NotebookClient(nb, timeout=900, kernel_name="python3",
                        resources={"metadata": {"path": sys.argv[2]}})
try:
    client.execute()
    # cells allowed to raise still must not: any error output fails the chapter
    errors = ["\n".join(o.get("traceback") or [f"{o.get('ename')}: {o.get('evalue')}"])
              for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", [])
              if o.get("output_type") == "error"]
except CellExecutionError as e:  # the first failing cell, its source and traceback
    errors = [str(e)]
print(json.dumps({"errors": [re.sub(r"\x1b\[[0-9;]*m", "", e) for e in errors]}))  # no ANSI
"""


def _kernel_env() -> dict[str, str]:
    """The environment of every chapter's kernel: this process's (with the session cache
    of tests/conftest.py), in fast mode unless ``GATENET_FAST=0``, on the CPU, no display."""
    env = dict(os.environ)
    env["GATENET_FAST"] = env.get("GATENET_FAST") or "1"
    env["JAX_PLATFORMS"] = "cpu"
    env["MPLBACKEND"] = "Agg"
    return env


class _Runs:
    """The background executions: one future per chapter, the wall time each took."""

    def __init__(self) -> None:
        self.futures: dict[Path, concurrent.futures.Future] = {}
        self.seconds: dict[str, float] = {}
        self.procs: set[subprocess.Popen] = set()
        self.lock = threading.Lock()
        self.stopped = False
        self.pool: concurrent.futures.ThreadPoolExecutor | None = None

    def start(self, paths: list[Path]) -> None:
        env = _kernel_env()
        paths = [p for p in paths if p not in self.futures]
        text = {p: p.read_text() for p in paths}
        producers = [p for p in paths if "book_run(refresh=True)" in text[p]]
        consumers = {p for p in paths if "book_run()" in text[p] and p not in producers}
        # producers first, so a consumer waiting for them never holds the last free worker
        order = producers + [p for p in paths if p not in producers]
        if self.pool is None:
            self.pool = concurrent.futures.ThreadPoolExecutor(CHAPTER_JOBS, "chapter")
        for p in order:
            after = [self.futures[q] for q in producers] if p in consumers else []
            self.futures[p] = self.pool.submit(self._run, p, env, after)

    def _run(self, path: Path, env: dict[str, str], after: list) -> list[str]:
        concurrent.futures.wait(after)
        t0 = time.perf_counter()
        with self.lock:
            if self.stopped:
                return ["not run: the session ended first"]
            proc = subprocess.Popen(
                [sys.executable, "-c", _RUNNER, str(path), str(BOOK)], cwd=BOOK, env=env,
                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                start_new_session=True,
            )
            self.procs.add(proc)
        try:
            out, err = proc.communicate()
        finally:
            with self.lock:
                self.procs.discard(proc)
        self.seconds[path.stem] = time.perf_counter() - t0
        try:
            return json.loads(out.strip().splitlines()[-1])["errors"]
        except (IndexError, ValueError, KeyError):
            return [f"the runner failed (exit {proc.returncode}):\n{out}\n{err}"]

    def result(self, path: Path) -> list[str]:
        if path not in self.futures:  # not started by the conftest hook
            self.start([path])
        return self.futures[path].result()

    def stop(self) -> None:
        """Kill whatever still runs (the session ended early) and let the workers go."""
        with self.lock:
            self.stopped = True
            for proc in self.procs:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(proc.pid, signal.SIGKILL)  # its kernel follows: it polls its parent
        if self.pool is not None:
            self.pool.shutdown(wait=True, cancel_futures=True)


RUNS = _Runs()


def start(items) -> None:
    """Start every selected chapter in the background (called by tests/conftest.py)."""
    RUNS.start([it.callspec.params["path"] for it in items
                if it.originalname == "test_chapter_executes"])


def chapter_seconds() -> dict[str, float]:
    """Wall seconds of each chapter executed so far (the conftest prints them)."""
    return dict(RUNS.seconds)


def _toc_files() -> list[str]:
    toc = yaml.safe_load((REPO / "_toc.yml").read_text())
    files = [toc["root"]]
    for part in toc.get("parts", []):
        files += [c["file"] for c in part.get("chapters", [])]
    return files


def test_toc_lists_every_chapter_once():
    """_config.yml builds only the files _toc.yml names: a chapter missing from it would
    silently vanish from the book, a listed file that does not exist breaks the build."""
    files = _toc_files()
    assert len(files) == len(set(files)), f"listed twice: {files}"
    missing = [f for f in files if not (REPO / f"{f}.md").is_file()]
    assert not missing, f"_toc.yml names files that do not exist: {missing}"
    unlisted = sorted(
        str(p.relative_to(REPO).with_suffix("")) for p in BOOK.glob("*.md")
    )
    unlisted = [f for f in unlisted if f not in files]
    assert not unlisted, f"chapters not in _toc.yml (the build would skip them): {unlisted}"
    numbered = [f for f in files if Path(f).name[:2].isdigit()]
    assert numbered == sorted(numbered), "_toc.yml lists the chapters out of order"
    assert [REPO / f"{f}.md" for f in numbered] == CHAPTERS  # every numbered one is executed


@pytest.mark.slow
@pytest.mark.parametrize("path", CHAPTERS, ids=[p.stem for p in CHAPTERS])
def test_chapter_executes(path):
    errors = RUNS.result(path)
    assert not errors, "\n\n".join(errors)


@pytest.mark.parametrize("path", CHAPTERS, ids=[p.stem for p in CHAPTERS])
def test_every_code_cell_is_a_cell(path: Path) -> None:
    """jupytext finds every ``{code-cell}`` of the chapter as a code cell.

    A fence it misreads (a four-backtick directive around a three-backtick one, say) turns
    the rest of the chapter into one Markdown cell: its code is then never executed and its
    glue never filled, and neither the chapter test nor ``-W`` notices. Colon fences
    (``:::{admonition}``) nest safely.
    """
    import jupytext

    text = path.read_text()
    nb = jupytext.reads(text, fmt="md:myst")
    cells = sum(c.cell_type == "code" for c in nb.cells)
    assert cells == text.count("```{code-cell}"), (
        f"{path.name}: {cells} code cells parsed, {text.count('```{code-cell}')} written")

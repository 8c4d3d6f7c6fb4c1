"""The package installs anywhere: the wheel carries the C runtime, an installed copy works
with the source tree out of the way, the layout keeps its one-way imports, and the README's
Python example runs as written."""

from __future__ import annotations

import ast
import os
import re
import subprocess
import sys
import textwrap
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SRC = ROOT / "src" / "gatenet"

#: The pipeline's order: a module may import only from its own layer or those to its left.
LAYERS = ["foundation", "ir", "learn", "opt", "synth", "pipeline", "sweep", "emit", "runtime",
          "bench", "book", "cli"]
FOUNDATION = {"gates", "rules", "machine", "storage", "patterns", "progress", "colouring", "cli",
              "__init__"}


def _layer(module: str) -> str:
    """``gatenet.learn.train`` → "learn"; top-level modules by role."""
    parts = module.split(".")[1:] or ["__init__"]
    head = parts[0]
    if head in FOUNDATION:
        return "foundation"
    if head == "__main__":
        return "cli"
    return head


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("wheel")
    r = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q",
         "-w", str(out), str(ROOT)],
        capture_output=True, text=True, timeout=600,
    )
    assert r.returncode == 0, r.stderr
    (path,) = out.glob("gatenet-*.whl")
    return path


def test_wheel_carries_the_c_runtime(wheel: Path) -> None:
    names = set(zipfile.ZipFile(wheel).namelist())
    shipped = {p.name for p in (SRC / "csrc").iterdir() if p.suffix in (".c", ".h")}
    assert shipped >= {"runtime.c", "runtime.h", "fast.c", "fast.h", "expert.c",
                       "writeup_baseline.c", "fast_kernel.h", "fast_driver.h"}
    for name in shipped:
        assert f"gatenet/csrc/{name}" in names, name
    assert any(n.startswith("gatenet/data/patterns/") for n in names)
    assert "gatenet/emit/widget.html" in names
    assert not any("test_" in n and n.endswith(".c") for n in names)  # harnesses stay out


@pytest.mark.slow
def test_installed_wheel_builds_and_steps_boards(wheel: Path, tmp_path: Path) -> None:
    """Installed from the wheel (not editable) and run from elsewhere, the package finds its
    C sources, compiles both runtimes and steps boards that match the reference."""
    target = tmp_path / "site"
    r = subprocess.run(
        [sys.executable, "-m", "pip", "install", "--no-deps", "-q", "--target", str(target),
         str(wheel)],
        capture_output=True, text=True, timeout=600,
    )
    assert r.returncode == 0, r.stderr
    script = textwrap.dedent(f"""
        import numpy as np
        import gatenet
        from gatenet import rules
        from gatenet.runtime import native
        assert gatenet.__file__.startswith({str(target)!r}), gatenet.__file__
        assert str(native.c_dir()).startswith({str(target)!r}), native.c_dir()
        start = rules.random_board(37, 70, seed=4, density=0.4)
        want = rules.step(start, steps=7)
        b = gatenet.Board.from_array(start)
        assert np.array_equal(b.step(7).to_array(), want)
        f = gatenet.FastBoard(start, kernel="expert-scalar", threads=1)
        assert np.array_equal(f.step(7).to_array(), want)
        from gatenet.emit.widget import widget_html
        assert "window.gatenet" in widget_html(gatenet.Board(8, 8).circuit)
        print("ok")
    """)
    env = {**os.environ, "PYTHONPATH": str(target), "GATENET_CACHE": str(tmp_path / "cache")}
    run = subprocess.run([sys.executable, "-c", script], cwd=tmp_path, env=env,
                         capture_output=True, text=True, timeout=600)
    assert run.returncode == 0, run.stderr
    assert run.stdout.strip() == "ok"


def _imports(path: Path, package: str) -> list[str]:
    """The gatenet modules ``path`` imports, at any depth in the file."""
    out = []
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            if node.module == "gatenet":
                out += [f"gatenet.{a.name}" for a in node.names]
            elif node.module.startswith("gatenet."):
                out.append(node.module)
        elif isinstance(node, ast.Import):
            out += [a.name for a in node.names if a.name.startswith("gatenet")]
    return out


def test_imports_flow_one_way() -> None:
    """Every module imports only from its own layer or the layers to its left (the package
    docstring's order), so the layout is the pipeline and there are no circles."""
    bad = []
    for path in SRC.rglob("*.py"):
        rel = path.relative_to(SRC.parent).with_suffix("")
        module = ".".join(rel.parts)
        if module == "gatenet.__init__":
            continue  # the public API names every layer, lazily
        mine = LAYERS.index(_layer(module.removesuffix(".__init__")))
        for imported in _imports(path, module):
            theirs = _layer(imported)
            if theirs in LAYERS and LAYERS.index(theirs) > mine:
                bad.append(f"{module} imports {imported}")
    assert not bad, "\n".join(bad)


def test_core_imports_without_matplotlib() -> None:
    """matplotlib is a book extra: everything outside gatenet.book imports without it."""
    script = textwrap.dedent("""
        import sys
        sys.modules["matplotlib"] = None  # any import of it now fails
        import gatenet, gatenet.pipeline, gatenet.runtime.fast, gatenet.bench.steps
        import gatenet.bench.__main__, gatenet.__main__, gatenet.synth.flow
        print("ok")
    """)
    r = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                       timeout=300)
    assert r.returncode == 0, r.stderr


@pytest.mark.slow
def test_readme_python_example_runs() -> None:
    text = (ROOT / "README.md").read_text()
    m = re.search(r"## From Python\n\n```python\n(.*?)```", text, re.S)
    assert m, "README.md has no 'From Python' example"
    r = subprocess.run([sys.executable, "-c", m.group(1)], capture_output=True, text=True,
                       timeout=900)
    assert r.returncode == 0, r.stderr
    assert re.fullmatch(r"\d+ gates, population \d+ after 10 generations\n", r.stdout)

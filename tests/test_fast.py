"""The fast runtime (csrc/fast.c, gatenet.runtime.fast) against the numpy reference, rules.step.

Every kernel the CPU supports, at one and two threads, on board shapes chosen to hit the
layout's edge cases (a single cell, a single word, widths just below/above a word, heights
that do not divide into the lanes, boards shorter than the lane count, tall and narrow),
compared with rules.step after 1, 2, 5, 17 and 100 generations. Circuit kernels run a
random *asymmetric* rule (Life is mirror-symmetric and would hide a swapped W/E or N/S, and
its all-dead neighbourhood stays dead, which would hide padding bits leaking in); the
expert kernels run Life. c/test_fast.c repeats the layout checks under ASan and UBSan.
"""

from __future__ import annotations

import functools
import platform
import shutil

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from _circuits import SHAPES, asym, reference_run, run_fast_harness, shape_id
from gatenet import machine, rules
from gatenet.bench import model
from gatenet.emit.c import emit_c
from gatenet.ir.circuit import Circuit, Gate
from gatenet.ir.handmade import handmade_life
from gatenet.runtime import fast

CHECKPOINTS = (1, 2, 5, 17, 100)
#: Kernels that run a plain circuit or Life; the separable ones are tests/test_separable.py's.
AVAILABLE = tuple(k for k in fast.available_kernels() if not k.startswith("separable"))


@functools.cache
def reference(shape: tuple[int, int], life: bool) -> tuple[np.ndarray, list[np.ndarray]]:
    """A random start and rules.step's boards at every checkpoint (computed once)."""
    table = rules.LIFE.table if life else asym().truth_table()[:, 0]
    return reference_run(table, shape, CHECKPOINTS)


def _kernel_params():
    return [pytest.param(k, marks=pytest.mark.skipif(k not in AVAILABLE,
                                                     reason=f"CPU lacks {k}"))
            for k in fast.KERNELS if not k.startswith("separable")]


@pytest.mark.parametrize("shape", SHAPES, ids=shape_id)
@pytest.mark.parametrize("threads", [1, 2])
@pytest.mark.parametrize("kernel", _kernel_params())
def test_kernel_matches_reference(kernel: str, threads: int, shape: tuple[int, int]) -> None:
    expert = kernel.startswith("expert")
    start, expected = reference(shape, expert)
    circuit = handmade_life() if expert else asym()
    with fast.FastBoard(start, circuit, kernel, threads) as b:
        done = 0
        for c, want in zip(CHECKPOINTS, expected, strict=True):
            b.step(c - done)
            done = c
            got = b.to_array()
            assert np.array_equal(got, want), f"{kernel} differs after {c} generations"
            assert b.population == int(want.sum())


@pytest.mark.parametrize("kernel", AVAILABLE)
def test_handmade_life_circuit(kernel: str) -> None:
    """The real Life circuit through every kernel, including a glider across the wrap."""
    a = np.zeros((20, 70), dtype=np.uint8)
    a[0:3, 67:70] = [[0, 1, 0], [0, 0, 1], [1, 1, 1]]  # glider at the top-right corner
    with fast.FastBoard(a, handmade_life(), kernel, threads=2) as b:
        for s in (1, 3, 40, 200):
            a = rules.step(a, rules.LIFE, s)
            assert np.array_equal(b.step(s).to_array(), a)


@settings(max_examples=40, deadline=None)
@given(
    h=st.integers(1, 40), w=st.integers(1, 150), steps=st.integers(0, 6),
    kernel=st.sampled_from(AVAILABLE), threads=st.integers(1, 3), seed=st.integers(0, 2**16),
)  # fmt: skip
def test_any_shape(h: int, w: int, steps: int, kernel: str, threads: int, seed: int) -> None:
    a = (np.random.default_rng(seed).random((h, w)) < 0.45).astype(np.uint8)
    expert = kernel.startswith("expert")
    circuit = handmade_life() if expert else asym()
    with fast.FastBoard(a, circuit, kernel, threads) as b:
        want = rules.step(a, rules.LIFE if expert else circuit.truth_table()[:, 0], steps)
        assert np.array_equal(b.step(steps).to_array(), want)


@pytest.mark.parametrize("kernel", ["scalar", "expert"])
def test_temporal_blocking_depths(kernel: str) -> None:
    """Every depth gives rules.step's answer, on a board large enough for several tiles."""
    a = (np.random.default_rng(11).random((150, 200)) < 0.4).astype(np.uint8)
    circuit = handmade_life() if kernel == "expert" else asym()
    want = rules.step(a, circuit.truth_table()[:, 0], 21)
    for depth in (1, 2, 3, 5, 8):
        for threads in (1, 2):
            with fast.FastBoard(a, circuit, kernel, threads, depth=depth) as b:
                assert b.depth == depth
                assert np.array_equal(b.step(20).step(1).to_array(), want), (depth, threads)


def test_default_depth_follows_board_size() -> None:
    """Deep passes for tiny boards (fixed costs) and for boards beyond the last-level cache
    (memory traffic), depth 1 in between."""
    def depth(h: int, w: int) -> int:
        with fast.FastBoard(np.zeros((h, w), dtype=np.uint8), handmade_life()) as b:
            return b.depth

    assert depth(64, 64) > 1 and depth(1024, 1024) == 1 and depth(2048, 2048) == 1
    # two generations of h x w cells are h*w/4 bytes: the first square board beyond the cache
    side = 2048
    while side * side // 4 <= fast.llc_bytes():
        side *= 2
    if side * side // 4 > 1 << 28:
        pytest.skip("last-level cache too large to exceed with a test board")
    assert depth(side, side) > 1


def test_thread_count_does_not_change_results() -> None:
    a = (np.random.default_rng(3).random((301, 333)) < 0.5).astype(np.uint8)
    outs = []
    for t in (1, 2, 3, 5):
        with fast.FastBoard(a, asym(), "auto", t) as b:
            outs.append(b.step(23).to_array())
    assert all(np.array_equal(o, outs[0]) for o in outs)
    with fast.FastBoard(a, asym(), "auto", 1) as b:  # changing threads mid-run
        b.step(10)
        b.threads = 2
        assert b.threads == 2
        assert np.array_equal(b.step(13).to_array(), outs[0])


def test_available_kernels_follow_cpu_flags() -> None:
    assert "scalar" in AVAILABLE and "expert-scalar" in AVAILABLE
    flags = machine.cpu_flags()
    if flags:
        assert ("avx2" in AVAILABLE) == ("avx2" in flags)
        assert ("avx512" in AVAILABLE) == ("avx512f" in flags)
    assert fast.resolve_kernel("auto") == [k for k in AVAILABLE if "expert" not in k][-1]
    assert fast.resolve_kernel("separable") == "separable-" + fast.resolve_kernel("auto")
    assert fast.resolve_kernel("expert") == [k for k in AVAILABLE if "expert" in k][-1]


def test_random_board_and_defaults() -> None:
    b = fast.FastBoard.random(100, 30, handmade_life(), seed=5, density=0.3)
    assert b.shape == (30, 100) and b.threads >= 1 and b.kernel in AVAILABLE
    a = b.to_array()
    assert a.dtype == np.uint8 and set(np.unique(a)) <= {0, 1}
    assert np.array_equal(b.step(4).to_array(), rules.step(a, rules.LIFE, 4))
    assert "FastBoard 30×100" in repr(b)
    b.close()
    b.close()  # idempotent
    assert "closed" in repr(b)
    with pytest.raises(ValueError, match="closed"):
        b.step()
    e = fast.FastBoard(np.ones((4, 4), dtype=bool), kernel="expert")  # no circuit needed
    assert e.step().population == 0


# -- bad input: clear exceptions, never a crash ---------------------------------------------


@pytest.mark.parametrize(
    ("kwargs", "exc", "match"),
    [
        ({"kernel": "avx9000"}, ValueError, "unknown kernel"),
        ({"kernel": 3}, TypeError, "kernel"),
        ({"threads": 0}, ValueError, "threads"),
        ({"threads": -2}, ValueError, "threads"),
        ({"threads": 10**6}, ValueError, "threads"),
        ({"threads": True}, TypeError, "threads"),
        ({"threads": 1.5}, TypeError, "threads"),
        ({"circuit": "B3/S23"}, TypeError, "Circuit"),
        ({"circuit": None}, TypeError, "circuit"),
        ({"kernel": "expert", "circuit": "asym"}, ValueError, "B3/S23"),
        ({"circuit": Circuit(8, (Gate(1, 0, 1),), (8,))}, ValueError, "9 inputs"),
    ],
)
def test_bad_arguments(kwargs: dict, exc: type, match: str) -> None:
    args = {"circuit": handmade_life(), **kwargs}
    if args["circuit"] == "asym":
        args["circuit"] = asym()
    with pytest.raises(exc, match=match):
        fast.FastBoard(np.zeros((5, 5), dtype=np.uint8), **args)


@pytest.mark.parametrize(
    ("board", "exc"),
    [
        (np.zeros((2, 2, 2), dtype=np.uint8), ValueError),
        (np.zeros(5, dtype=np.uint8), ValueError),
        (np.zeros((0, 5), dtype=np.uint8), ValueError),
        (np.full((3, 3), 2, dtype=np.uint8), ValueError),
        (np.full((3, 3), -1), ValueError),
        (np.zeros((3, 3), dtype=float), TypeError),
        ("not a board", ValueError),
    ],
)
def test_bad_boards(board, exc: type) -> None:
    with pytest.raises(exc):
        fast.FastBoard(board, handmade_life())


def test_bad_steps_and_threads() -> None:
    b = fast.FastBoard(np.zeros((3, 3), dtype=np.uint8), handmade_life(), threads=1)
    for bad, exc in ((-1, ValueError), (1.5, TypeError), (True, TypeError), (2**63, ValueError)):
        with pytest.raises(exc):
            b.step(bad)
    with pytest.raises(ValueError):
        b.threads = 0
    assert b.threads == 1
    before = b.depth
    for bad, exc in ((0, ValueError), (9, ValueError), (2.0, TypeError), (True, TypeError)):
        with pytest.raises(exc):
            b.depth = bad
    assert b.depth == before
    with pytest.raises(ValueError):
        fast.FastBoard.random(0, 5, handmade_life())
    with pytest.raises(ValueError):
        fast.FastBoard.random(5, 5, handmade_life(), density=1.5)


# -- measuring (reports numbers; asserts only their shape, never their size) ----------------


@pytest.mark.skipif(shutil.which("objdump") is None, reason="needs objdump")
@pytest.mark.parametrize("kernel", AVAILABLE)
def test_loop_profile_counts_the_rule(kernel: str) -> None:
    """The inner loop holds at least the rule's logic: Life's gates, minus what vpternlog
    folds (at most three gates per instruction), and at most a few dozen more."""
    from gatenet.bench import asm as fast_asm

    prof = fast_asm.loop_profile(fast.load(handmade_life()).path, kernel)
    rule_ops = model.expert_rule_ops(kernel) if "expert" in kernel else 28
    assert rule_ops / 3 <= prof["logic"] + prof["shift"] <= rule_ops + 30
    assert prof["store"] >= 1 and prof["total"] >= prof["logic"]
    assert (prof["ternlog"] > 0) == kernel.endswith("avx512")


@pytest.mark.skipif(shutil.which("objdump") is None or platform.machine() not in
                    ("x86_64", "AMD64"), reason="needs objdump and an x86-64 build")
def test_the_512_bit_expert_is_written_in_vpternlogq() -> None:
    """Compiled on any x86-64 (the library holds every width): the 512-bit expert's hot loop
    does all its logic with vpternlogq, no more of them per output word than expert.c's
    count, while the 256-bit expert keeps its two-input operations."""
    from gatenet.bench import asm as fast_asm

    path = fast.load(handmade_life()).path
    prof = fast_asm.loop_profile(path, "expert-avx512")
    assert 0 < prof["logic"] == prof["ternlog"] <= model.expert_rule_ops("expert-avx512")
    avx2 = fast_asm.loop_profile(path, "expert-avx2")
    assert avx2["ternlog"] == 0
    assert avx2["logic"] > model.expert_rule_ops("expert-avx512")


def test_measure_reports_numbers() -> None:
    r = model.measure("expert-scalar", 128, 64, threads=1, steps=3, repeats=2)
    assert r["kernel"] == "expert-scalar" and r["threads"] == 1 and r["steps"] == 3
    assert len(r["us_per_step_all"]) == 2
    assert r["ops_per_word"] == model.expert_rule_ops("expert-scalar") + 6
    assert r["vector_words"] == 2 * 64
    r = model.measure("scalar", 64, 8, threads=1, steps=2, repeats=1)
    assert r["ops_per_word"] == len(handmade_life().gates) + model.layout_ops("scalar")
    assert r["clock_mhz"] > 100 and r["logic_per_cycle"] > 0
    if shutil.which("objdump"):
        assert r["loop_profile"]["logic"] > 0 and r["floor_us_per_step"] > 0
        # the floor counts what was emitted, at rates measured on this machine
        assert r["fraction_of_floor"] == pytest.approx(r["floor_us_per_step"] / r["us_per_step"])
    with pytest.raises(ValueError):
        model.measure("scalar", 8, 8, repeats=0)


# -- the sanitizer harness ------------------------------------------------------------------


@pytest.mark.skipif(shutil.which("gcc") is None, reason="needs gcc")
@pytest.mark.parametrize("which", ["test-circuit", "asymmetric", "separable-life",
                                   "separable-asymmetric", "separable-paired", "tern-expert"])
def test_c_harness_under_sanitizers(tmp_path, which: str) -> None:
    """c/test_fast.c with ASan + UBSan + OpenMP: every width, flavour and 1-3 threads; the
    separable builds add the separable flavour (the hand-written separable Life, and an
    asymmetric rule in its trivial separable form). "tern-expert" builds the 64-bit expert
    from the three-input operations the 512-bit one runs as vpternlogq, emulated, so its
    structure and immediates are checked against Life on any CPU."""
    from gatenet.emit.c import emit_c_features
    from gatenet.ir.handmade import handmade_paired_life, handmade_separable_life
    from gatenet.ir.separable import SeparableCircuit

    defines = []
    if which in ("test-circuit", "tern-expert"):
        defines.append('-DGATENET_CIRCUIT_HEADER="fast_test_circuit.h"')
        if which == "tern-expert":
            defines.append("-DFAST_EXPERT_TERN_W64")
    else:
        circuit = handmade_life() if which in ("separable-life", "separable-paired") else asym()
        for w in ("w64", "w256", "w512"):
            (tmp_path / f"{w}.h").write_text(emit_c(circuit, name=f"fast_circuit_{w}"))
            defines.append(f'-DFAST_CIRCUIT_HEADER_{w.upper()}="{w}.h"')
        if which.startswith("separable"):
            sep = {"separable-life": handmade_separable_life,
                   "separable-paired": handmade_paired_life}.get(
                       which, lambda: SeparableCircuit.trivial(circuit))()
            defines.append(f"-DFAST_SEP_K={sep.k}")
            if sep.pair is not None:
                defines.append(f"-DFAST_SEP_P={sep.p}")
            for w in ("w64", "w256", "w512"):
                (tmp_path / f"row{w}.h").write_text(
                    emit_c_features(sep.row, name=f"fast_sep_row_{w}"))
                (tmp_path / f"comb{w}.h").write_text(
                    emit_c(sep.combine, name=f"fast_sep_combine_{w}"))
                defines += [f'-DFAST_SEP_ROW_HEADER_{w.upper()}="row{w}.h"',
                            f'-DFAST_SEP_COMBINE_HEADER_{w.upper()}="comb{w}.h"']
                if sep.pair is not None:
                    (tmp_path / f"pair{w}.h").write_text(
                        emit_c_features(sep.pair, name=f"fast_sep_pair_{w}"))
                    defines.append(f'-DFAST_SEP_PAIR_HEADER_{w.upper()}="pair{w}.h"')
    said = run_fast_harness(tmp_path, defines)
    # the harness confirms the emulated ternary expert was built (not a plain rerun)
    assert said.startswith("ok tern") == (which == "tern-expert")

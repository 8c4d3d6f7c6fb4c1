"""The fast runtime's LUT3 form: the "avx512" kernel running one vpternlogq per LUT.

The LUT3 circuits come from :func:`gatenet.synth.synthesize_lut3` (ABC's "default" script,
quick, cached for the session): one for the hand-made Life circuit and one for the
asymmetric test rule (so a swapped W/E or N/S, or padding bits leaking into a rule with
0 -> 1, would show). Every board shape of tests/_circuits.py, one and two threads and
several generation counts are
compared with rules.step; a LUT3 circuit that disagrees with the netlist is refused; the
sanitizer harness c/test_fast.c runs the LUT3 build too.
"""

from __future__ import annotations

import functools
import shutil

import numpy as np
import pytest

from _circuits import SHAPES, asym, reference_run, run_fast_harness, shape_id
from gatenet import rules, synth
from gatenet.bench import model
from gatenet.emit import ternary
from gatenet.emit.c import emit_c
from gatenet.ir import lut
from gatenet.ir.circuit import Circuit
from gatenet.ir.handmade import handmade_life
from gatenet.runtime import fast

CHECKPOINTS = (1, 2, 5, 17)

pytestmark = pytest.mark.skipif(
    "avx512" not in fast.available_kernels(), reason="CPU lacks AVX-512F + VBMI2"
)


@functools.cache
def pair(which: str) -> tuple[Circuit, lut.Lut3Circuit]:
    circuit = handmade_life() if which == "life" else asym()
    return circuit, synth.synthesize_lut3(circuit, "default")


@functools.cache
def reference(which: str, shape: tuple[int, int]) -> tuple[np.ndarray, list[np.ndarray]]:
    """A random start and rules.step's boards at every checkpoint (once for both thread
    counts)."""
    return reference_run(pair(which)[0].truth_table()[:, 0], shape, CHECKPOINTS)


@pytest.mark.parametrize("shape", SHAPES, ids=shape_id)
@pytest.mark.parametrize("threads", [1, 2])
@pytest.mark.parametrize("which", ["life", "asymmetric"])
def test_lut3_kernel_matches_reference(which: str, threads: int, shape: tuple[int, int]) -> None:
    circuit, lc = pair(which)
    start, expected = reference(which, shape)
    with fast.FastBoard(start, circuit, "avx512", threads, lut3=lc) as b:
        assert b.uses_lut3 and "lut3" in repr(b)
        done = 0
        for c, want in zip(CHECKPOINTS, expected, strict=True):
            b.step(c - done)
            done = c
            assert np.array_equal(b.to_array(), want), f"differs after {c} generations"


def test_lut3_with_temporal_blocking() -> None:
    circuit, lc = pair("asymmetric")
    a = (np.random.default_rng(5).random((150, 200)) < 0.4).astype(np.uint8)
    want = rules.step(a, circuit.truth_table()[:, 0], 21)
    for depth in (1, 3, 8):
        with fast.FastBoard(a, circuit, "avx512", 2, depth=depth, lut3=lc) as b:
            assert np.array_equal(b.step(21).to_array(), want), depth


def test_lut3_only_changes_the_avx512_kernel() -> None:
    """Other kernels ignore the LUT3 form (no three-input instruction) and say so."""
    circuit, lc = pair("life")
    for kernel in fast.available_kernels():
        if kernel.startswith("separable"):
            continue  # they run a separable circuit, not this one (tests/test_separable.py)
        with fast.FastBoard.random(70, 9, circuit, kernel, 1, lut3=lc) as b:
            assert b.uses_lut3 == (kernel == "avx512")
            want = rules.step(b.to_array(), rules.LIFE, 3)
            assert np.array_equal(b.step(3).to_array(), want)
    plain = fast.load(circuit)
    with_lut3 = fast.load(circuit, lut3=lc)
    assert plain.path != with_lut3.path  # the LUT3 is part of the build key
    assert not plain.fast_uses_lut3() and with_lut3.fast_uses_lut3()


def test_mismatched_lut3_is_refused() -> None:
    life, lc = pair("life")
    other, other_lc = pair("asymmetric")
    with pytest.raises(ValueError, match="differs from the circuit"):
        fast.FastBoard.random(8, 8, life, "avx512", lut3=other_lc)
    with pytest.raises(ValueError, match="differs from the circuit"):
        fast.load(other, lut3=lc)
    with pytest.raises(ValueError, match="differs from the circuit"):
        fast.measure("avx512", 64, 8, steps=1, repeats=1, circuit=life, lut3=other_lc)
    # a single flipped truth bit anywhere is caught
    luts = list(lc.luts)
    k = len(luts) - 1
    luts[k] = lut.Lut(luts[k].truth ^ 0x01, luts[k].inputs)
    broken = lut.Lut3Circuit(lc.n_inputs, tuple(luts), lc.outputs)
    with pytest.raises(ValueError, match="differs"):
        fast.FastBoard.random(8, 8, life, "avx512", lut3=broken)
    with pytest.raises(ValueError, match="differs"):
        fast.FastBoard.random(8, 8, life, "scalar", lut3=broken)  # checked even if unused
    with pytest.raises(TypeError, match="Lut3Circuit"):
        fast.FastBoard.random(8, 8, life, "avx512", lut3=life)
    two_out = lut.Lut3Circuit(9, lc.luts, (lc.outputs[0], lc.outputs[0]))
    with pytest.raises(ValueError, match="1 output"):
        fast.FastBoard.random(8, 8, life, "avx512", lut3=two_out)


def test_measure_labels_the_lut3_form() -> None:
    circuit, lc = pair("life")
    r = fast.measure("avx512", 128, 16, threads=1, steps=2, repeats=1, circuit=circuit,
                     lut3=lc)
    assert r["lut3"] is True
    assert r["ops_per_word"] == len(lc.live_luts()) + model.layout_ops("avx512")
    r = fast.measure("avx512", 128, 16, threads=1, steps=2, repeats=1, circuit=circuit)
    assert r["lut3"] is False


@pytest.mark.skipif(shutil.which("gcc") is None, reason="needs gcc")
def test_c_harness_with_lut3_under_sanitizers(tmp_path) -> None:
    """c/test_fast.c, LUT3 build: the 512-bit kernel against the netlist cell by cell."""
    circuit, lc = pair("asymmetric")
    defines = []
    for w in ("w64", "w256", "w512"):
        (tmp_path / f"{w}.h").write_text(emit_c(circuit, name=f"fast_circuit_{w}"))
        defines.append(f'-DFAST_CIRCUIT_HEADER_{w.upper()}="{w}.h"')
    (tmp_path / "lut3.h").write_text(ternary.to_c(lc, name="fast_circuit_lut3_w512"))
    defines.append('-DFAST_LUT3_HEADER_W512="lut3.h"')
    run_fast_harness(tmp_path, defines)


def test_ladder_lut3_rung() -> None:
    from gatenet.bench import ladder

    circuit, lc = pair("life")
    rung = ladder.Contender("AVX-512, 512-bit vectors", "fast", "avx512")
    both = [rung, ladder.lut3_form(rung, lc)]
    recs = ladder.measure_size(both, 64, circuit, budget_s=0.005, repeats=1)
    assert [r.name for r in recs] == [rung.label, both[1].label]
    assert "LUT3" in both[1].label and all(r.us_per_step > 0 for r in recs)
    with pytest.raises(ValueError, match="avx512"):
        ladder.lut3_form(ladder.Contender("x", "fast", "avx2"), lc)


def test_bench_step_times_the_lut3_form() -> None:
    from types import SimpleNamespace

    from gatenet import bench

    circuit, lc = pair("life")
    learned = SimpleNamespace(circuit=circuit, lut3=lc)
    recs = bench.bench_step((64,), learned=learned, threads=(1,), repeats=1,
                            float_network_max=0, numpy_max=0)
    names = [r.name for r in recs]
    assert "project avx512 kernel, LUT3 form (vpternlogq per LUT)" in names
    # a LUT3 form of another rule than the circuit's is never run: no such record
    other = SimpleNamespace(circuit=circuit, lut3=pair("asymmetric")[1])
    recs = bench.bench_step((64,), learned=other, threads=(1,), repeats=1,
                            float_network_max=0, numpy_max=0)
    assert not any("LUT3" in r.name for r in recs)

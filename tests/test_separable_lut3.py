"""The separable kernel's LUT3 form: each part of a separable circuit as three-input LUTs.

What can be checked on any CPU is checked everywhere: the part emitter's portable form
(the same text as the AVX-512 form but for the type and the operation) compiled with gcc
and run on every input of random multi-output LUT circuits; the exhaustive part-by-part
check that ties LUT3 parts to their separable circuit; and, from the compiled library's
disassembly, that the 512-bit separable kernel really runs one vpternlogq per LUT. Running
that kernel needs AVX-512 (skipped elsewhere, like tests/test_fast_lut3.py).
"""

from __future__ import annotations

import functools
import random
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gatenet import rules, synth
from gatenet.emit.ternary import to_c_features
from gatenet.ir.handmade import handmade_life, handmade_paired_life, handmade_separable_life
from gatenet.ir.lut import Lut, Lut3Circuit, from_circuit
from gatenet.ir.separable import SeparableCircuit, SeparableLut3
from gatenet.runtime import fast
from gatenet.runtime.fast import FastBoard


@functools.cache
def lut3_parts(which: str) -> tuple[SeparableCircuit, SeparableLut3]:
    """A hand-made separable Life circuit and ABC's quick LUT3 mapping of each part."""
    sep = handmade_paired_life() if which == "paired" else handmade_separable_life()
    parts = {name: synth.synthesize_lut3(c, "default")
             for name, c in (("row", sep.row), ("combine", sep.combine), ("pair", sep.pair))
             if c is not None}
    return sep, SeparableLut3(parts["row"], parts["combine"], parts.get("pair"))


def random_parts_circuit(seed: int, n_inputs: int, n_luts: int, n_outputs: int) -> Lut3Circuit:
    rng = random.Random(seed)
    luts = [Lut(rng.randrange(256), tuple(rng.randrange(n_inputs + k) for _ in range(3)))
            for k in range(n_luts)]
    # outputs anywhere, inputs included (a feature may be a cell itself)
    outs = tuple(rng.randrange(n_inputs + n_luts) for _ in range(n_outputs))
    return Lut3Circuit(n_inputs, tuple(luts), outs)


def _run_portable(lc: Lut3Circuit, tmp_path: Path) -> np.ndarray:
    """Compile the portable header with a driver; every input pattern's outputs."""
    n, m = lc.n_inputs, len(lc.outputs)
    patterns = 1 << n
    words = (patterns + 63) // 64
    # input i of pattern p is bit n-1-i of p (Netlist.truth_table's order)
    ins = [[sum(((p >> (n - 1 - i)) & 1) << (p - 64 * w) for p in range(64 * w,
                                                                        min(patterns, 64 * w + 64)))
            for w in range(words)] for i in range(n)]
    init = ",\n".join("{" + ", ".join(f"0x{x:016x}ULL" for x in row) + "}" for row in ins)
    (tmp_path / "parts.h").write_text(to_c_features(lc, "parts", target="portable"))
    (tmp_path / "main.c").write_text(f"""#include <stdio.h>
#include "parts.h"
static const uint64_t IN[{n}][{words}] = {{
{init}
}};
int main(void) {{
    for (int w = 0; w < {words}; w++) {{
        uint64_t in[{n}], out[{m}];
        for (int i = 0; i < {n}; i++) in[i] = IN[i][w];
        parts(in, out);
        for (int j = 0; j < {m}; j++) printf("%016llx\\n", (unsigned long long)out[j]);
    }}
    return 0;
}}
""")
    exe = tmp_path / "main"
    subprocess.run(["gcc", "-O2", "-Wall", "-Wextra", "-Werror", "-o", str(exe),
                    str(tmp_path / "main.c")], check=True, capture_output=True, timeout=120)
    vals = [int(x, 16) for x in subprocess.run([str(exe)], check=True, capture_output=True,
                                               text=True, timeout=60).stdout.split()]
    out = np.zeros((patterns, m), np.uint8)
    for w in range(words):
        for j in range(m):
            word = vals[w * m + j]
            for p in range(64 * w, min(patterns, 64 * w + 64)):
                out[p, j] = (word >> (p - 64 * w)) & 1
    return out


@pytest.mark.skipif(shutil.which("gcc") is None, reason="needs gcc")
@settings(max_examples=12, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), n_inputs=st.sampled_from([3, 4, 7]),
       n_luts=st.integers(0, 30), n_outputs=st.integers(1, 4))
def test_portable_part_emission_computes_the_lut_circuit(seed: int, n_inputs: int, n_luts: int,
                                                        n_outputs: int, tmp_path_factory) -> None:
    lc = random_parts_circuit(seed, n_inputs, n_luts, n_outputs)
    got = _run_portable(lc, tmp_path_factory.mktemp("parts"))
    assert np.array_equal(got, lc.truth_table())


def test_part_emitter_forms() -> None:
    _, parts = lut3_parts("single")
    text = to_c_features(parts.row, "row_lut3")
    assert "static inline void row_lut3(const __m512i in[3], __m512i out[2])" in text
    assert "_mm512_ternarylogic_epi64(" in text and "#error" in text
    portable = to_c_features(parts.row, "row_lut3", target="portable")
    assert "uint64_t in[3]" in portable and "_mm512" not in portable
    # the two forms differ only in the type and the operation's name
    assert (portable.split("static inline void")[1].replace("uint64_t", "V")
            .replace("gatenet_ternlog64", "T")
            == text.split("static inline void")[1].replace("__m512i", "V")
            .replace("_mm512_ternarylogic_epi64", "T"))
    with pytest.raises(ValueError, match="target"):
        to_c_features(parts.row, "row_lut3", target="neon")
    with pytest.raises(ValueError, match="function name"):
        to_c_features(parts.row, "int")
    with pytest.raises(TypeError):
        to_c_features(handmade_separable_life().row, "row_lut3")  # gates, not LUTs


@pytest.mark.parametrize("which", ["single", "paired"])
def test_lut3_parts_are_checked_against_their_separable_circuit(which: str) -> None:
    sep, parts = lut3_parts(which)
    assert parts.check(sep) is parts
    other = handmade_paired_life() if which == "single" else handmade_separable_life()
    with pytest.raises(ValueError, match="pair level"):
        parts.check(other)
    # a combine part that computes something else is named, with how often it is wrong
    wrong = SeparableLut3(parts.row, from_circuit(sep.row.__class__(
        sep.combine.n_inputs, (), (0,))), parts.pair)
    with pytest.raises(ValueError, match=r"combine part differs .* on \d+ of 128 inputs"):
        wrong.check(sep)
    swapped = SeparableLut3(parts.combine, parts.row, parts.pair)
    with pytest.raises(ValueError, match="row part has"):
        swapped.check(sep)
    with pytest.raises(TypeError, match="row part"):
        SeparableLut3(sep.row, parts.combine, parts.pair).check(sep)  # type: ignore[arg-type]


def test_boards_refuse_lut3_parts_that_do_not_belong() -> None:
    sep, parts = lut3_parts("single")
    a = np.zeros((8, 64), np.uint8)
    with pytest.raises(TypeError, match="separable= too"):
        fast.load(sep.flatten(), separable_lut3=parts)
    with pytest.raises(TypeError, match="SeparableLut3"):
        FastBoard(a, kernel="separable-scalar", separable=sep,
                  separable_lut3=parts.row)  # type: ignore[arg-type]
    other, _ = lut3_parts("paired")
    with pytest.raises(ValueError):
        FastBoard(a, kernel="separable-scalar", separable=other, separable_lut3=parts)
    with pytest.raises(ValueError, match="for the separable kernels"):
        FastBoard(a, handmade_life(), kernel="scalar", separable_lut3=parts)
    # the narrower kernels have no three-input instruction: they run the gates
    with FastBoard(a, kernel="separable-scalar", separable=sep, separable_lut3=parts) as b:
        assert not b.uses_lut3


@pytest.mark.skipif(shutil.which("objdump") is None, reason="needs objdump")
@pytest.mark.parametrize("which", ["single", "paired"])
def test_the_512_bit_separable_kernel_runs_one_vpternlogq_per_lut(which: str) -> None:
    """Compiled on any x86-64 (the library holds every width); the disassembly says that
    every logic instruction of the hot loop is a vpternlogq and that there are no more of
    them per output word than the parts' LUTs (row once, pair once per two words, combine
    once)."""
    from gatenet.bench.asm import loop_profile

    sep, parts = lut3_parts(which)
    lib = fast.load(sep.flatten(), separable=sep, separable_lut3=parts)
    assert lib.fast_sep_uses_lut3() == 1
    prof = loop_profile(lib.path, "separable-avx512", paired=sep.pair is not None)
    per_word = (len(parts.row.live_luts()) + len(parts.combine.live_luts())
                + (len(parts.pair.live_luts()) / 2 if parts.pair is not None else 0))
    assert prof["logic"] == prof["ternlog"] > 0
    assert prof["logic"] <= per_word
    plain = loop_profile(fast.load(sep.flatten(), separable=sep).path, "separable-avx512",
                         paired=sep.pair is not None)
    assert plain["ternlog"] <= plain["logic"]  # the gates: GCC fuses what it chooses


@pytest.mark.skipif("separable-avx512" not in fast.available_kernels(),
                    reason="CPU lacks AVX-512F + VBMI2")
@pytest.mark.parametrize("which", ["single", "paired"])
@pytest.mark.parametrize("threads", [1, 2])
def test_lut3_separable_kernel_equals_the_reference(which: str, threads: int) -> None:
    sep, parts = lut3_parts(which)
    rng = np.random.default_rng(11)
    for h, w in [(1, 1), (2, 3), (37, 70), (64, 64), (5, 130), (129, 65), (300, 200)]:
        a = (rng.random((h, w)) < 0.4).astype(np.uint8)
        want = rules.step(a, rules.parse("B3/S23").table, 5)
        with FastBoard(a, kernel="separable-avx512", threads=threads, separable=sep,
                       separable_lut3=parts) as b:
            assert b.uses_lut3 and "lut3" in repr(b)
            assert np.array_equal(b.step(5).to_array(), want), (h, w)


@pytest.mark.parametrize("which", ["single", "paired"])
def test_two_rows_computes_two_adjacent_outputs(which: str) -> None:
    """Every 4×3 block of cells: the two-row circuit, fed the four rows' features and the
    two centres, gives the rule's next state of the middle two rows."""
    sep, _ = lut3_parts(which)
    two = sep.two_rows()
    assert (two.n_inputs, len(two.outputs)) == (4 * sep.k + 2, 2)
    two_table, row_table = two.truth_table(), sep.row.truth_table()
    life = rules.parse("B3/S23").table
    k = sep.k
    for block in range(1 << 12):
        rows = [(block >> (3 * (3 - r))) & 7 for r in range(4)]  # row a in the top bits
        feats = [row_table[r] for r in rows]
        bits = [int(f[i]) for f in feats for i in range(k)]
        bits += [(rows[1] >> 1) & 1, (rows[2] >> 1) & 1]
        pattern = int("".join(map(str, bits)), 2)
        want_b = life[(rows[0] << 6) | (rows[1] << 3) | rows[2]]
        want_c = life[(rows[1] << 6) | (rows[2] << 3) | rows[3]]
        assert tuple(two_table[pattern]) == (want_b, want_c), (block, which)
    # without a pair level the two outputs share no gate; with one they share the pair
    pair = len(sep.pair.gates) if sep.pair is not None else 0
    assert len(two.gates) == 2 * len(sep.combine.gates) + pair

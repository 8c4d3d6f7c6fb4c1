"""The LUT3 IR and its AVX-512 emission (compiled with gcc and run on all 512 patterns)."""

from __future__ import annotations

import random
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from _circuits import random_circuit
from gatenet import rules
from gatenet.emit.ternary import permute_truth, to_c
from gatenet.ir.lut import (
    PROJ_A,
    PROJ_B,
    PROJ_C,
    Lut,
    Lut3Circuit,
    eval_truth,
    from_circuit,
    table_from_function,
)
from gatenet.ir.netlist import CircuitError, assert_exact, exhaustive_inputs, pack_table, verify


def random_lut_circuit(seed: int, n_inputs: int = 9, n_luts: int = 25) -> Lut3Circuit:
    rng = random.Random(seed)
    luts = []
    for k in range(n_luts):
        node = n_inputs + k
        luts.append(Lut(rng.randrange(256), tuple(rng.randrange(node) for _ in range(3))))
    return Lut3Circuit(n_inputs, tuple(luts), (n_inputs + n_luts - 1,))


def test_truth_convention_matches_vpternlog() -> None:
    """Intel: bit (a<<2)|(b<<1)|c of imm8, a the first operand; so 0xF0 = a, 0xCC = b."""
    m = 0xFF
    a, b, c = 0xF0, 0xCC, 0xAA
    assert eval_truth(PROJ_A, a, b, c, m) == a
    assert eval_truth(PROJ_B, a, b, c, m) == b
    assert eval_truth(PROJ_C, a, b, c, m) == c
    assert eval_truth(0x80, a, b, c, m) == a & b & c
    assert eval_truth(0x96, a, b, c, m) == a ^ b ^ c
    # a two-input function padded to three slots ignores the third
    assert table_from_function(2, [0, 1, 1, 0]) == (PROJ_A ^ PROJ_B) & 0xFF
    assert table_from_function(1, [1, 0]) == 0x0F
    assert table_from_function(0, [1]) == 0xFF


@settings(max_examples=40, deadline=None)
@given(st.integers(0, 10**6), st.integers(1, 9), st.integers(0, 30))
def test_from_circuit_is_exact(seed: int, n_inputs: int, n_gates: int) -> None:
    c = random_circuit(seed, n_inputs, n_gates)
    lc = from_circuit(c)
    assert len(lc) == len(c)
    assert np.array_equal(lc.truth_table(), c.truth_table())
    assert verify(lc, c.truth_table()[:, 0]) == 0


def test_json_roundtrip_and_errors(tmp_path: Path) -> None:
    lc = random_lut_circuit(5)
    path = lc.save(tmp_path / "l.json")
    back = Lut3Circuit.load(path)
    assert back == lc and back.content_hash() == lc.content_hash()
    with pytest.raises(CircuitError, match="earlier node"):
        Lut3Circuit(2, (Lut(0x80, (0, 1, 2)),), (2,))
    with pytest.raises(CircuitError, match=r"0\.\.255"):
        Lut3Circuit(2, (Lut(256, (0, 1, 1)),), (2,))
    with pytest.raises(CircuitError, match="wrong on"):
        assert_exact(lc, 1 - lc.truth_table()[:, 0])
    (tmp_path / "bad.json").write_text('{"format": "gatenet-circuit"}')
    with pytest.raises(CircuitError, match="not a gatenet LUT3"):
        Lut3Circuit.load(tmp_path / "bad.json")


@settings(max_examples=200, deadline=None)
@given(st.integers(0, 255), st.permutations([0, 1, 2]))
def test_permuted_truth_is_the_same_function(truth: int, order: list[int]) -> None:
    """Reordering a LUT's operands (done so vpternlogq can overwrite a dead one) keeps it."""
    mask = 0xFF
    ins = (0xF0, 0xCC, 0xAA)  # all 8 combinations of three inputs
    want = eval_truth(truth, *ins, mask)
    got = eval_truth(permute_truth(truth, tuple(order)), *(ins[k] for k in order), mask)
    assert got == want


def test_emitter_overwrites_dying_operands() -> None:
    """A LUT whose result feeds only the next LUT is that LUT's first (overwritten) operand."""
    lc = Lut3Circuit(3, (Lut(0x96, (0, 1, 2)), Lut(0xE8, (0, 1, 3))), (4,))
    text = to_c(lc)
    assert "t1 = _mm512_ternarylogic_epi64(t0, " in text


def test_emitter_rejects_bad_input() -> None:
    with pytest.raises(TypeError):
        to_c(random_circuit(1))  # a Circuit, not a Lut3Circuit
    two = Lut3Circuit(2, (), (0, 1))
    with pytest.raises(ValueError, match="single-output"):
        to_c(two)


def _has_avx512f() -> bool:
    try:
        return " avx512f " in Path("/proc/cpuinfo").read_text().replace("\n", " ")
    except OSError:
        return False


needs_avx512 = pytest.mark.skipif(
    not (_has_avx512f() and shutil.which("gcc")),
    reason="needs gcc and a CPU with AVX-512F (checked in /proc/cpuinfo) to run vpternlogq",
)


def _run_avx512(lc: Lut3Circuit, tmp_path: Path) -> int:
    """Compile the header with a driver, evaluate all 512 patterns, return the packed result."""
    words = [[(v >> (64 * w)) & (2**64 - 1) for w in range(8)] for v in exhaustive_inputs(9)]
    init = ",\n".join("{" + ", ".join(f"0x{x:016x}ULL" for x in row) + "}" for row in words)
    (tmp_path / "circuit.h").write_text(to_c(lc))
    (tmp_path / "main.c").write_text(
        f"""#include <stdint.h>
#include <stdio.h>
#include "circuit.h"
static const uint64_t IN[9][8] = {{
{init}
}};
int main(void) {{
    __m512i in[9];
    for (int i = 0; i < 9; i++) in[i] = _mm512_loadu_si512((const void *)IN[i]);
    uint64_t out[8];
    _mm512_storeu_si512((void *)out, gatenet_circuit_lut3(in));
    for (int w = 0; w < 8; w++) printf("%016llx\\n", (unsigned long long)out[w]);
    return 0;
}}
"""
    )
    exe = tmp_path / "prog"
    cc = subprocess.run(
        ["gcc", "-O2", "-mavx512f", "-Wall", "-Wextra", "-Werror", "-o", str(exe),
         str(tmp_path / "main.c")],
        check=False, capture_output=True, text=True,
    )  # fmt: skip
    assert cc.returncode == 0, f"gcc failed:\n{cc.stderr}"
    lines = subprocess.run([str(exe)], check=True, capture_output=True, text=True).stdout.split()
    return sum(int(h, 16) << (64 * w) for w, h in enumerate(lines))


@needs_avx512
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_avx512_matches_truth_table(tmp_path: Path, seed: int) -> None:
    lc = random_lut_circuit(seed, n_luts=10 + 15 * seed)
    assert _run_avx512(lc, tmp_path) == pack_table(lc.truth_table()[:, 0])


@needs_avx512
def test_avx512_life(tmp_path: Path, life_circuit) -> None:
    lc = from_circuit(life_circuit)
    assert _run_avx512(lc, tmp_path) == pack_table(rules.LIFE.table)


@needs_avx512
def test_avx512_output_is_an_input(tmp_path: Path) -> None:
    lc = Lut3Circuit(9, (), (4,))
    assert _run_avx512(lc, tmp_path) == exhaustive_inputs(9)[4]


def test_cli_emit_lut3_from_lut_json(tmp_path: Path) -> None:
    from gatenet.__main__ import main

    lc = random_lut_circuit(9)
    lc.save(tmp_path / "l.json")
    out = tmp_path / "l.h"
    argv = ["emit", str(tmp_path / "l.json"), "--target", "lut3", "--out", str(out)]
    assert main(argv) == 0
    assert out.read_text() == to_c(lc)

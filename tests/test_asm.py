"""The inner-loop profile counts the circuit, whatever its size.

Small circuits are inlined into the kernel's loop; past a few hundred gates GCC calls the
circuit as a function instead, and a profile of the loop alone would see only the call's glue
(the book once reported 3 logic instructions for a 2,303-gate circuit). Every size must show
about one logic instruction per live gate.
"""

from __future__ import annotations

import platform
import random
import shutil

import numpy as np
import pytest

from _circuits import random_table, table_circuit
from gatenet import gates, rules
from gatenet.bench import asm
from gatenet.emit.c import live_gates
from gatenet.ir.circuit import Circuit, Gate
from gatenet.ir.handmade import handmade_life
from gatenet.runtime import fast

pytestmark = pytest.mark.skipif(shutil.which("objdump") is None, reason="needs objdump")


def sum_of_minterms(table, seed: int = 0) -> Circuit:
    """A deliberately large circuit for ``table``: an OR of one AND-chain per true pattern,
    literals in a random order per chain so that little is shared (~9 gates per minterm)."""
    rng = random.Random(seed)
    gl: list[Gate] = []

    def add(op: int, a: int, b: int) -> int:
        gl.append(Gate(op, a, b))
        return 9 + len(gl) - 1

    terms = []
    for p in (int(i) for i in np.flatnonzero(table)):
        lits = []
        for i in rng.sample(range(9), 9):
            bit = (p >> (8 - i)) & 1
            lits.append(i if bit else add(gates.NOT_A, i, i))
        acc = lits[0]
        for x in lits[1:]:
            acc = add(gates.AND, acc, x)
        terms.append(acc)
    acc = terms[0]
    for x in terms[1:]:
        acc = add(gates.OR, acc, x)
    return Circuit(9, tuple(gl), (acc,))


@pytest.mark.parametrize("size", ["small", "medium", "large"])
@pytest.mark.parametrize("kernel", ["scalar", "avx2"])
def test_logic_per_word_tracks_the_gate_count(size: str, kernel: str) -> None:
    if kernel not in fast.available_kernels():
        pytest.skip(f"CPU lacks {kernel}")
    hand = handmade_life()
    circuit = {"small": hand, "medium": table_circuit(random_table(3)),
               "large": sum_of_minterms(rules.LIFE.table)}[size]
    live = [g for g, alive in zip(circuit.gates, live_gates(circuit), strict=True) if alive]
    two_input = sum(g.op != gates.NOT_A for g in live)
    p = asm.loop_profile(fast.load(circuit).path, kernel)
    # NOT gates fold into and-not instructions or are shared by the compiler, so count the
    # two-input gates: about one instruction each, never many more (the layout adds a few).
    assert 0.6 * two_input <= p["logic"] <= len(live) + 12, (two_input, len(live), p)
    if size == "large":
        assert p["calls"] >= 1  # this one was not inlined, and was still counted


def test_an_edge_loop_is_told_apart_by_its_shift_counts() -> None:
    assert asm._is_edge([(0, "vpsllq", "%xmm3,%ymm7,%ymm0")])  # count in a register
    assert asm._is_edge([(0, "shl", "%cl,%rax")])
    assert asm._is_edge([(0, "vpsrlq", "0x8(%rsp),%ymm1,%ymm2")])  # count from memory
    assert not asm._is_edge([(0, "vpsllq", "$0x1,%ymm7,%ymm3")])  # immediate: interior
    assert not asm._is_edge([(0, "shr", "%rdx")])  # one operand: a shift by one
    assert not asm._is_edge([(0, "vpxor", "%ymm1,%ymm2,%ymm3")])


@pytest.mark.skipif(platform.machine() not in ("x86_64", "AMD64"),
                    reason="the 256- and 512-bit kernels are compiled on x86-64 only")
@pytest.mark.parametrize("kernel", ["scalar", "avx2", "avx512",
                                    "expert-scalar", "expert-avx2", "expert-avx512"])
def test_a_board_profile_weights_edge_and_interior_words(kernel: str) -> None:
    """One loop for the edge words and one for the interior; rows of one or two words run
    only the first, wider rows mix in the second. (Read from the disassembly, so the
    512-bit kernels are checked on any x86-64 CPU.)"""
    path = str(fast.load(handmade_life()).path)
    symbol, words = asm._kernel_symbol(kernel)
    profiles = [(loop, asm._profile(loop, words, path))
                for loop in asm._inner_loops(asm._disassemble(path, symbol))]
    loops = [loop for loop, p in profiles if p["store"] > 0 and p["logic"] > 0]  # output words
    assert sorted(asm._is_edge(loop) for loop in loops) == [False, True]  # no stray copies
    inner = asm.loop_profile(path, kernel)
    edge = asm.loop_profile(path, kernel, row_words=1)
    assert asm.loop_profile(path, kernel, row_words=np.int64(2)) == edge
    assert edge["logic"] > inner["logic"]  # the edge words also mask the padding
    assert edge["shift"] >= inner["shift"]  # and bring the wrap-around carry in
    wide = asm.loop_profile(path, kernel, row_words=10)
    for k in inner:
        assert wide[k] == pytest.approx((2 * edge[k] + 8 * inner[k]) / 10)
    for bad in (0, -1, 1.5, True, "8"):
        with pytest.raises(ValueError, match="row_words"):
            asm.loop_profile(path, kernel, row_words=bad)


@pytest.mark.parametrize("side, words", [(64, 1), (65, 2), (512, 8)])
def test_rows_are_cut_into_64_bit_words_at_every_width(side: int, words: int) -> None:
    """The vector lanes hold different rows, so a row's word count is the same at every
    width: a 512-cell row has two edge words and six interior ones, even with AVX-512."""
    for kernel in fast.available_kernels():
        if kernel.startswith("separable"):
            continue
        with fast.FastBoard.random(side, 64, handmade_life(), kernel, 1, seed=0) as b:
            assert b.row_words == words, kernel

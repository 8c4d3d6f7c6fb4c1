"""A Life circuit built by hand from adders: the yardstick for every learned circuit.

The write-up invites the reader to design one before training anything: count the eight
neighbours with half and full adders, then compare the count with 2 and 3. This module
does exactly that in the :class:`~gatenet.ir.circuit.Circuit` IR, so the book can print it,
verify it, and set its gate count beside what training and the passes find.
"""

from __future__ import annotations

from typing import Any

from gatenet import gates
from gatenet.ir.circuit import Circuit, Gate
from gatenet.ir.names import NEIGHBOURHOOD
from gatenet.ir.separable import (
    ROW_INPUTS,
    SeparableCircuit,
    combine_input_names,
    pair_input_names,
)


class Builder:
    """Append-only circuit construction: each method adds one gate and returns its node."""

    def __init__(self, input_names: tuple[str, ...]) -> None:
        self.input_names = tuple(input_names)
        self.gates: list[Gate] = []

    def input(self, name: str) -> int:
        """The node of the input called ``name``."""
        try:
            return self.input_names.index(name)
        except ValueError:
            raise ValueError(f"no input {name!r}; inputs are {self.input_names}") from None

    def gate(self, op: int, a: int, b: int) -> int:
        self.gates.append(Gate(op, a, b))
        return len(self.input_names) + len(self.gates) - 1

    def and_(self, a: int, b: int) -> int:
        return self.gate(gates.AND, a, b)

    def or_(self, a: int, b: int) -> int:
        return self.gate(gates.OR, a, b)

    def xor(self, a: int, b: int) -> int:
        return self.gate(gates.XOR, a, b)

    def and_not(self, a: int, b: int) -> int:
        """``a ∧ ¬b`` — one gate (``A_AND_NOT_B``)."""
        return self.gate(gates.A_AND_NOT_B, a, b)

    def half_adder(self, a: int, b: int) -> tuple[int, int]:
        """``(sum, carry)`` of two bits: 2 gates."""
        return self.xor(a, b), self.and_(a, b)

    def full_adder(self, a: int, b: int, c: int) -> tuple[int, int]:
        """``(sum, carry)`` of three bits: 5 gates (two half adders and an OR of carries)."""
        s1, c1 = self.half_adder(a, b)
        s, c2 = self.half_adder(s1, c)
        return s, self.or_(c1, c2)

    def build(self, outputs: tuple[int, ...], output_names: tuple[str, ...] = (),
              **meta: Any) -> Circuit:
        return Circuit(len(self.input_names), tuple(self.gates), outputs,
                       self.input_names, output_names, meta)


def handmade_life() -> Circuit:
    """Conway's Life (B3/S23) as 28 gates: an adder tree, then ``n ∈ {2, 3} ∧ (n = 3 ∨ C)``.

    The neighbour count ``n`` (0..8) is only needed modulo 8 — a count of 8 reads as 0,
    and both mean death — so three sum bits ``n0 n1 n2`` suffice. The cell lives next step
    iff ``n1 ∧ ¬n2`` (n is 2 or 3) and ``n0 ∨ C`` (n is 3, or the cell is alive).
    """
    b = Builder(NEIGHBOURHOOD)
    nw, n, ne, w, c, e, sw, s, se = (b.input(x) for x in NEIGHBOURHOOD)
    # Weight 1: three groups of neighbours, each summed to a (sum, carry) pair.
    s_top, c_top = b.full_adder(nw, n, ne)
    s_mid, c_mid = b.full_adder(w, e, sw)
    s_bot, c_bot = b.half_adder(s, se)
    n0, c_ones = b.full_adder(s_top, s_mid, s_bot)
    # Weight 2: four carries; their sum's low bit is n1, its high bit (mod 2) is n2.
    t, c_twos = b.full_adder(c_top, c_mid, c_bot)
    n1, c_last = b.half_adder(t, c_ones)
    n2 = b.xor(c_twos, c_last)  # the weight-8 carry (c_twos ∧ c_last) only occurs at n = 8
    two_or_three = b.and_not(n1, n2)
    born_or_survives = b.or_(n0, c)
    alive = b.and_(two_or_three, born_or_survives)
    return b.build((alive,), ("next",), source="handmade", rule="B3/S23")


def handmade_separable_life() -> SeparableCircuit:
    """Life as a :class:`~gatenet.ir.separable.SeparableCircuit`: the structure of the
    hand-written expert kernel (``csrc/expert.c`` at 64 and 256 bits), as gates.

    Row circuit (5 gates): a full adder, the row's count ``W + C + E`` as ``l + 2h``.
    Combine circuit (19 gates): add the three rows' counts — the middle and bottom rows
    first (the pair the expert kernel shares between two output rows), then the top — into
    ``sum9 = L0 + 2k`` (the 3×3 block's count, centre included), and the cell lives iff
    ``sum9 = 3`` (``L0 ∧ k = 1``) or the centre lives and ``sum9 = 4`` (``¬L0 ∧ k = 2``).
    """
    b = Builder(combine_input_names(2))
    al, ah, ml, mh, bl, bh, centre = (b.input(x) for x in combine_input_names(2))
    sl, cl = b.half_adder(ml, bl)  # the pair: middle + bottom rows
    sh, ch = b.half_adder(mh, bh)
    combine = b.build((_finish_life(b, sl, cl, sh, ch, al, ah, centre),), ("next",),
                      source="handmade")
    return SeparableCircuit(_full_adder_row(), combine, {"source": "handmade", "rule": "B3/S23"})


def _full_adder_row() -> Circuit:
    """The row circuit of both hand-written separable forms: ``W + C + E = l + 2h``."""
    r = Builder(ROW_INPUTS)
    lo, hi = r.full_adder(r.input("w"), r.input("c"), r.input("e"))
    return r.build((lo, hi), ("l", "h"), source="handmade")


def _finish_life(b: Builder, sl: int, cl: int, sh: int, ch: int, al: int, ah: int,
                 centre: int) -> int:
    """Life's next state from a pair's half adders (``sl + 2cl``, ``sh + 2ch``: the sums of
    two rows' ``l`` and ``h`` bits), the third row's ``l``, ``h`` and the centre: 15 gates."""
    l0 = b.xor(sl, al)  # weight 1
    m1 = b.or_(cl, b.and_(sl, al))  # weight-2 carry out of the weight-1 column
    k0 = b.xor(sh, ah)  # weight 2
    k1 = b.or_(ch, b.and_(sh, ah))  # weight 4
    kx, ky = b.half_adder(k0, m1)  # k = m1 + k0 + 2·k1 = kx + 2·(ky + k1)
    k_is_1 = b.and_not(kx, k1)  # kx = 1 forces ky = 0
    k_is_2 = b.gate(gates.NOT_A_AND_B, kx, b.xor(k1, ky))
    three = b.and_(l0, k_is_1)
    four_and_alive = b.and_(b.gate(gates.NOT_A_AND_B, l0, centre), k_is_2)
    return b.or_(three, four_and_alive)


def handmade_paired_life() -> SeparableCircuit:
    """Life with the expert kernel's *two* levels of sharing, as gates: a full adder per row
    (5 gates), the two half adders of a pair of rows (4 gates, shared by two output rows),
    and 15 gates to finish each output — 5 + 4/2 + 15 = 22 gates per output word, the count
    ``csrc/expert.c`` states for itself."""
    row = _full_adder_row()
    p = Builder(pair_input_names(2))
    ul, uh, dl, dh = (p.input(x) for x in pair_input_names(2))
    sl, cl = p.half_adder(ul, dl)
    sh, ch = p.half_adder(uh, dh)
    pair = p.build((sl, cl, sh, ch), ("sl", "cl", "sh", "ch"), source="handmade")
    b = Builder(combine_input_names(2, 4))
    ins = [b.input(x) for x in combine_input_names(2, 4)]
    combine = b.build((_finish_life(b, *ins),), ("next",), source="handmade")
    return SeparableCircuit(row, combine, {"source": "handmade", "rule": "B3/S23"}, pair)

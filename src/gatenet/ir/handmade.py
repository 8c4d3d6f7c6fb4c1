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

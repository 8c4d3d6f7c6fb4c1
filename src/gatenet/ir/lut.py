"""The LUT3 IR: a circuit of three-input lookup tables, the shape AVX-512 executes natively.

One ``vpternlogq`` instruction (``_mm512_ternarylogic_epi64(a, b, c, imm)``) computes any
Boolean function of three operands over 512 bits. A circuit mapped to 3-input LUTs therefore
costs exactly one instruction per LUT, which is why this IR exists next to the two-input
:class:`~gatenet.ir.circuit.Circuit`.

Truth-table convention (the one Intel defines for the ``imm8`` of ``vpternlog``): bit
``(a << 2) | (b << 1) | c`` of ``truth`` is the output when the first input is ``a``, the
second ``b`` and the third ``c``. So ``0xF0`` is the first input, ``0xCC`` the second, ``0xAA``
the third, and ``0x80`` the AND of all three. The emitted immediate is ``truth`` unchanged.

Every LUT has exactly three input slots. A function of fewer variables repeats an input in
the unused slots (its table then ignores them), which keeps evaluation and C emission uniform.
Node numbering follows :class:`~gatenet.ir.circuit.Circuit`: node ``i < n_inputs`` is input ``i``,
node ``n_inputs + k`` is LUT ``k``.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar

from gatenet import gates
from gatenet.ir.circuit import Circuit
from gatenet.ir.netlist import CircuitError, Netlist, _strict_int

#: Tables of the three projections: the first, second and third input.
PROJ_A, PROJ_B, PROJ_C = 0xF0, 0xCC, 0xAA


@dataclass(frozen=True)
class Lut:
    """One three-input LUT: ``truth`` (0..255, see the module docstring) over three nodes."""

    truth: int
    inputs: tuple[int, int, int]

    def support(self) -> tuple[bool, bool, bool]:
        """Whether the output depends on the first, second and third input."""
        t = self.truth
        return (
            (t >> 4) & 0xF != t & 0xF,
            ((t >> 2) & 0x33) != (t & 0x33),
            ((t >> 1) & 0x55) != (t & 0x55),
        )


def eval_truth(truth: int, a: int, b: int, c: int, mask: int) -> int:
    """Apply the 8-bit table ``truth`` bitwise to the packed vectors ``a``, ``b``, ``c``.

    A sum of minterms: cheap enough for 512-bit Python ints and obviously faithful to the
    convention, which is what the reference evaluation needs.
    """
    na, nb, nc = ~a & mask, ~b & mask, ~c & mask
    out = 0
    for idx in range(8):
        if (truth >> idx) & 1:
            out |= (a if idx & 4 else na) & (b if idx & 2 else nb) & (c if idx & 1 else nc)
    return out & mask


def table_from_function(k: int, values: Sequence[int]) -> int:
    """The 8-bit table of a ``k``-input function (``k`` ≤ 3) padded to three slots.

    ``values[m]`` is the output for the minterm ``m`` whose first input is its top bit
    (BLIF/our order). Unused slots are don't-cares: the table ignores them.
    """
    if not 0 <= k <= 3 or len(values) != 1 << k:
        raise ValueError(f"need 2**k values for k in 0..3, got k={k}, {len(values)} values")
    t = 0
    for idx in range(8):
        m = idx >> (3 - k) if k else 0
        if values[m]:
            t |= 1 << idx
    return t


@dataclass(frozen=True)
class Lut3Circuit(Netlist):
    """An immutable combinational circuit of three-input LUTs (evaluated like a Circuit)."""

    FORMAT: ClassVar[str] = "gatenet-lut3"
    FORMAT_VERSION: ClassVar[int] = 1
    KIND: ClassVar[str] = "LUT3 circuit"
    CELLS: ClassVar[str] = "luts"
    MIN_INPUTS: ClassVar[int] = 1

    n_inputs: int
    luts: tuple[Lut, ...]
    outputs: tuple[int, ...]
    input_names: tuple[str, ...] = ()
    output_names: tuple[str, ...] = ()
    meta: dict[str, Any] = field(default_factory=dict, compare=False, hash=False)

    def __post_init__(self) -> None:
        self._normalise()

    @staticmethod
    def _sources(cell: Lut) -> tuple[int, ...]:
        return cell.inputs

    def _check_cell(self, k: int, lut: Any) -> None:
        node = self.n_inputs + k
        if not isinstance(lut, Lut):
            raise CircuitError(f"LUT {k} is not a Lut: {lut!r}")
        truth = lut.truth
        if isinstance(truth, bool) or not isinstance(truth, int) or not 0 <= truth <= 255:
            raise CircuitError(f"LUT {k} has truth {lut.truth!r}, expected 0..255")
        if not isinstance(lut.inputs, tuple) or len(lut.inputs) != 3:
            raise CircuitError(f"LUT {k} must have exactly 3 inputs, got {lut.inputs!r}")
        for src in lut.inputs:
            if isinstance(src, bool) or not isinstance(src, int) or not 0 <= src < node:
                raise CircuitError(f"LUT {k} (node {node}) input {src!r} is not an earlier node")

    @staticmethod
    def _eval_cell(lut: Lut, vals: list[int], mask: int) -> int:
        i, j, k = lut.inputs
        return eval_truth(lut.truth, vals[i], vals[j], vals[k], mask)

    @staticmethod
    def _cell_json(lut: Lut) -> list[int]:
        return [lut.truth, *lut.inputs]

    @staticmethod
    def _cell_from_json(row: Any) -> Lut:
        if len(row) != 4:
            raise CircuitError(f"a LUT is [truth, a, b, c], got {row!r}")
        t, a, b, c = (_strict_int(v, "a LUT field") for v in row)
        return Lut(t, (a, b, c))

    def _extra_json(self) -> dict[str, Any]:
        return {"truth_convention": "bit (a<<2)|(b<<1)|c, a = first input (vpternlog imm8)"}

    def live_luts(self) -> set[int]:
        """Indices of the LUTs some output depends on (the others are never emitted)."""
        n = self.n_inputs
        live: set[int] = set()
        stack = [o for o in self.outputs if o >= n]
        while stack:
            k = stack.pop() - n
            if k not in live:
                live.add(k)
                stack.extend(s for s in self.luts[k].inputs if s >= n)
        return live

    def arity_counts(self) -> dict[int, int]:
        """How many LUTs really depend on 0, 1, 2 and 3 of their inputs."""
        c = Counter(
            len({s for s, used in zip(lut.inputs, lut.support(), strict=True) if used})
            for lut in self.luts
        )
        return {k: c[k] for k in range(4) if c[k]}


def from_circuit(circuit: Circuit) -> Lut3Circuit:
    """Each two-input gate as one LUT (third slot repeats ``a``): the unoptimised baseline."""
    if circuit.n_inputs < 1:
        raise CircuitError("a LUT3 circuit needs at least one input")
    luts = []
    for g in circuit.gates:
        values = [gates.truth(g.op, a, b) for a in (0, 1) for b in (0, 1)]
        luts.append(Lut(table_from_function(2, values), (g.a, g.b, g.a)))
    return Lut3Circuit(
        circuit.n_inputs,
        tuple(luts),
        circuit.outputs,
        circuit.input_names,
        circuit.output_names,
        dict(circuit.meta),
    )

"""The Circuit IR: inputs, two-input gates in topological order, named outputs.

Node ``i < n_inputs`` is input ``i``; node ``n_inputs + k`` is gate ``k``. A gate names its
op from :mod:`gatenet.gates` and two earlier nodes. Outputs point at any node (after copy
propagation an output can be an input directly). What all netlists share — checks, packed
evaluation, exhaustive verification, the JSON format — lives in :mod:`gatenet.ir.netlist`.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any, ClassVar

from gatenet import gates
from gatenet.ir.netlist import CircuitError, Netlist, _strict_int


@dataclass(frozen=True)
class Gate:
    """One two-input gate: ``op`` (0..15, see :mod:`gatenet.gates`) over nodes ``a`` and ``b``."""

    op: int
    a: int
    b: int


@dataclass(frozen=True)
class Circuit(Netlist):
    """An immutable combinational circuit of two-input gates."""

    FORMAT: ClassVar[str] = "gatenet-circuit"
    FORMAT_VERSION: ClassVar[int] = 1
    KIND: ClassVar[str] = "circuit"
    CELLS: ClassVar[str] = "gates"

    n_inputs: int
    gates: tuple[Gate, ...]
    outputs: tuple[int, ...]
    input_names: tuple[str, ...] = ()
    output_names: tuple[str, ...] = ()
    meta: dict[str, Any] = field(default_factory=dict, compare=False, hash=False)

    def __post_init__(self) -> None:
        self._normalise()

    @staticmethod
    def _sources(cell: Gate) -> tuple[int, ...]:
        return (cell.a, cell.b)

    def _check_cell(self, k: int, g: Any) -> None:
        node = self.n_inputs + k
        if not isinstance(g, Gate):
            raise CircuitError(f"gate {k} is not a Gate: {g!r}")
        if isinstance(g.op, bool) or not isinstance(g.op, int) or not 0 <= g.op < gates.N_GATES:
            raise CircuitError(f"gate {k} has op {g.op!r}, expected an integer in 0..15")
        for name, src in (("a", g.a), ("b", g.b)):
            if isinstance(src, bool) or not isinstance(src, int) or not 0 <= src < node:
                raise CircuitError(
                    f"gate {k} (node {node}) input {name} = {src!r} is not an earlier node"
                )

    @staticmethod
    def _eval_cell(g: Gate, vals: list[int], mask: int) -> int:
        return gates.apply_bits(g.op, vals[g.a], vals[g.b], mask)

    @staticmethod
    def _cell_json(g: Gate) -> list[int]:
        return [g.op, g.a, g.b]

    @staticmethod
    def _cell_from_json(row: Any) -> Gate:
        if len(row) != 3:
            raise CircuitError(f"a gate is [op, a, b], got {row!r}")
        op, a, b = (_strict_int(v, "a gate field") for v in row)
        return Gate(op, a, b)

    def _extra_json(self) -> dict[str, Any]:
        return {"op_names": list(gates.NAMES)}

    def live_nodes(self) -> list[bool]:
        """Which nodes some output depends on, following only the operands an op reads.

        One backward sweep (the write-up's ``ext_elim``); ``NOT_A`` keeps ``a`` alive, not ``b``.
        """
        n = self.n_inputs
        live = [False] * self.n_nodes
        for o in self.outputs:
            live[o] = True
        for k in range(len(self.gates) - 1, -1, -1):
            if live[n + k]:
                g = self.gates[k]
                uses_a, uses_b = gates.DEPENDS[g.op]
                live[g.a] |= uses_a
                live[g.b] |= uses_b
        return live

    def cpu_ops(self, andn: bool = False) -> dict[str, int]:
        """The write-up's tally of basic CPU operations in the emitted (live) code.

        A gate costs exactly the operators of its C expression (:func:`gates.basic_ops`);
        dead gates are never emitted and cost nothing. With ``andn=True`` the two and-not
        gates count as one ``andn`` each (x86 BMI1 ``andn``, AVX ``vpandn``), which is what
        a compiler emits for them. ``total`` sums the rest.
        """
        tally: Counter[str] = Counter({k: 0 for k in gates.BASIC_OPS})
        if andn:
            tally["andn"] = 0
        live = self.live_nodes()[self.n_inputs:]
        for g, alive in zip(self.gates, live, strict=True):
            if not alive:
                continue
            if andn and g.op in (gates.A_AND_NOT_B, gates.NOT_A_AND_B):
                tally["andn"] += 1
            else:
                tally.update(gates.basic_ops(g.op))
        out = dict(tally)
        out["total"] = sum(tally.values())
        return out

    def op_counts(self) -> dict[str, int]:
        """Number of gates per op name, in op order, omitting ops that do not occur."""
        c = Counter(g.op for g in self.gates)
        return {gates.NAMES[op]: c[op] for op in range(gates.N_GATES) if c[op]}



FORMAT = Circuit.FORMAT
FORMAT_VERSION = Circuit.FORMAT_VERSION

"""A separable rule circuit: a *row* circuit shared by the three rows, then a *combine* circuit.

A 3×3 rule sees three rows of three cells. Hand-written bit-sliced Life kernels never look
at the nine cells at once: they first reduce each row's (west, centre, east) triple to a few
bits (a full adder: the row's count in binary), and since every row is the top, middle and
bottom row of three different output cells, each row's bits are computed once and used
three times. :class:`SeparableCircuit` is that shape as an IR:

- ``row``: ``3`` inputs (W, C, E of one row) → ``k`` feature bits;
- ``combine``: ``3k + 1`` inputs — the top row's features, the middle row's, the bottom
  row's, then the centre cell — → the next state.

Composed (:meth:`SeparableCircuit.flatten`) it is an ordinary 9-input :class:`Circuit` with
three copies of the row circuit, so every check, pass and emitter of a plain circuit applies
to it; the fast runtime instead computes each row's features once per row and keeps them in
its sliding window (``csrc/separable_kernel.h``), which is where the shape pays.

A second level of sharing is optional: a *pair* circuit (``2k`` inputs: an upper row's
features, then the lower row's → ``p`` bits). Output rows ``j`` and ``j + 1`` both read rows
``j`` and ``j + 1``, so their pair is computed once for the two of them, and the combine
circuit (``p + k + 1`` inputs: the pair's bits, the remaining row's features, the centre)
finishes each. Output ``j`` sees the pair *below* its top row, output ``j + 1`` *above* its
bottom row, so such a circuit is a rule only if both readings agree (:meth:`flatten` and
:meth:`flatten_above`, both checked by :meth:`computes`). This is how the hand-written
expert kernel shares the middle rows' half adders (at 64 and 256 bits; its 512-bit form,
written in three-input operations, sums the three rows directly).
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from typing import Any, ClassVar

import numpy as np

from gatenet.ir.circuit import Circuit, Gate
from gatenet.ir.lut import Lut3Circuit
from gatenet.ir.names import NEIGHBOURHOOD
from gatenet.ir.netlist import CircuitError, read_json

#: The row circuit's inputs, in order.
ROW_INPUTS = ("w", "c", "e")


def combine_input_names(k: int, p: int = 0) -> tuple[str, ...]:
    """The combine circuit's inputs, in order: ``top0…top{k-1}, mid0…, bot0…, centre``, or
    with a ``p``-bit pair circuit ``pair0…pair{p-1}, row0…row{k-1}, centre``."""
    if p:
        return (*(f"pair{i}" for i in range(p)), *(f"row{i}" for i in range(k)), "centre")
    return (*(f"{r}{i}" for r in ("top", "mid", "bot") for i in range(k)), "centre")


def pair_input_names(k: int) -> tuple[str, ...]:
    """``up0…up{k-1}, down0…``: the pair circuit's inputs (upper row's features first)."""
    return (*(f"up{i}" for i in range(k)), *(f"down{i}" for i in range(k)))


@dataclass(frozen=True)
class SeparableCircuit:
    """A row circuit (3 → k) and a combine circuit (3k + 1 → 1); see the module notes."""

    FORMAT: ClassVar[str] = "gatenet-separable"
    FORMAT_VERSION: ClassVar[int] = 1

    row: Circuit
    combine: Circuit
    meta: dict[str, Any] = field(default_factory=dict, compare=False, hash=False)
    pair: Circuit | None = None

    def __post_init__(self) -> None:
        if self.meta is None:
            object.__setattr__(self, "meta", {})
        if not isinstance(self.meta, dict):
            raise TypeError(f"meta must be a dict, got {type(self.meta).__name__}")
        parts = [("row", self.row), ("combine", self.combine)]
        if self.pair is not None:
            parts.append(("pair", self.pair))
        for name, part in parts:
            if not isinstance(part, Circuit):
                raise TypeError(f"{name} must be a gatenet Circuit, got {type(part).__name__}")
        if self.row.n_inputs != 3:
            raise CircuitError(f"the row circuit reads one row's 3 cells (W, C, E), "
                               f"got {self.row.n_inputs} inputs")
        k = len(self.row.outputs)
        if k < 1:
            raise CircuitError("the row circuit needs at least one feature output")
        if self.pair is not None:
            if self.pair.n_inputs != 2 * k or not self.pair.outputs:
                raise CircuitError(f"the pair circuit reads 2 rows × {k} features = {2 * k} "
                                   f"inputs and has outputs, got {self.pair.n_inputs} inputs, "
                                   f"{len(self.pair.outputs)} outputs")
            want = len(self.pair.outputs) + k + 1
            if self.combine.n_inputs != want:
                raise CircuitError(f"with a pair circuit the combine circuit reads "
                                   f"{len(self.pair.outputs)} pair bits + {k} features + the "
                                   f"centre = {want} inputs, got {self.combine.n_inputs}")
        elif self.combine.n_inputs != 3 * k + 1:
            raise CircuitError(f"the combine circuit reads 3 rows × {k} features + the centre "
                               f"= {3 * k + 1} inputs, got {self.combine.n_inputs}")
        if len(self.combine.outputs) != 1:
            raise CircuitError(f"the combine circuit has one output (the next state), got "
                               f"{len(self.combine.outputs)}")

    @classmethod
    def trivial(cls, circuit: Circuit) -> SeparableCircuit:
        """Any 9-input rule circuit as a separable one: the row features are the three cells
        themselves and the combine circuit is ``circuit`` (the centre input unused). Nothing
        is shared, so nothing is gained; it lets every rule run through the separable
        kernels, which the tests use."""
        if not isinstance(circuit, Circuit):
            raise TypeError(f"expected a gatenet Circuit, got {type(circuit).__name__}")
        if circuit.n_inputs != 9 or len(circuit.outputs) != 1:
            raise CircuitError("a rule circuit has 9 inputs and 1 output")
        row = Circuit(3, (), (0, 1, 2), ROW_INPUTS, ("w", "c", "e"))

        def node(x: int) -> int:
            return x if x < 9 else x + 1

        comb = Circuit(10, tuple(Gate(g.op, node(g.a), node(g.b)) for g in circuit.gates),
                       tuple(node(o) for o in circuit.outputs), combine_input_names(3),
                       ("next",))
        return cls(row, comb, {"source": "trivial"})

    @property
    def k(self) -> int:
        """Feature bits per row."""
        return len(self.row.outputs)

    @property
    def p(self) -> int:
        """Bits of the pair circuit (0 without one)."""
        return 0 if self.pair is None else len(self.pair.outputs)

    def with_meta(self, **items: Any) -> SeparableCircuit:
        return SeparableCircuit(self.row, self.combine, {**self.meta, **items}, self.pair)

    def flatten(self, above: bool = False) -> Circuit:
        """The same rule as one 9-input circuit: the row circuit three times (on NW N NE,
        W C E and SW S SE), then the combine circuit — with a pair circuit, the pair of the
        middle and bottom rows with the top row (``above``: of the top and middle rows with
        the bottom row, the reading the kernel uses for every second output row)."""
        gate_list: list[Gate] = []

        def place(part: Circuit, inputs: list[int]) -> list[int]:
            node = list(inputs)
            for g in part.gates:
                gate_list.append(Gate(g.op, node[g.a], node[g.b]))
                node.append(9 + len(gate_list) - 1)
            return [node[o] for o in part.outputs]

        rows = [place(self.row, [3 * r, 3 * r + 1, 3 * r + 2]) for r in range(3)]
        if self.pair is None:
            (out,) = place(self.combine, [*rows[0], *rows[1], *rows[2], 4])
        elif above:
            (out,) = place(self.combine, [*place(self.pair, rows[0] + rows[1]), *rows[2], 4])
        else:
            (out,) = place(self.combine, [*place(self.pair, rows[1] + rows[2]), *rows[0], 4])
        return Circuit(9, tuple(gate_list), (out,), NEIGHBOURHOOD, ("next",),
                       meta={"separable": {"k": self.k, "p": self.p}})

    def two_rows(self) -> Circuit:
        """The combining logic of two vertically adjacent output words as one circuit: what
        the kernel computes per step of its column walk once the row features are known.

        Inputs: the features of four consecutive rows ``a``, ``b``, ``c``, ``d`` (``k`` each),
        then the centre cells of ``b`` and ``c``; outputs: the next states of ``b`` and ``c``.
        With a pair circuit the pair of ``b`` and ``c`` is placed once and read by both
        combine circuits (the second level of sharing); without one each output has its
        own combine circuit over its three rows. Handing this circuit to logic synthesis
        asks whether the synthesis finds sharing between the two outputs by itself.
        """
        k = self.k
        names = (*(f"{r}{i}" for r in "abcd" for i in range(k)), "centre_b", "centre_c")
        n_in = len(names)
        gate_list: list[Gate] = []

        def place(part: Circuit, inputs: list[int]) -> list[int]:
            node = list(inputs)
            for g in part.gates:
                gate_list.append(Gate(g.op, node[g.a], node[g.b]))
                node.append(n_in + len(gate_list) - 1)
            return [node[o] for o in part.outputs]

        a, b, c, d = ([r * k + i for i in range(k)] for r in range(4))
        cb, cc = 4 * k, 4 * k + 1
        if self.pair is None:
            outs = (*place(self.combine, [*a, *b, *c, cb]), *place(self.combine, [*b, *c, *d, cc]))
        else:
            q = place(self.pair, b + c)
            outs = (*place(self.combine, [*q, *a, cb]), *place(self.combine, [*q, *d, cc]))
        return Circuit(n_in, tuple(gate_list), outs, names, ("next_b", "next_c"),
                       meta={"separable": {"k": k, "p": self.p, "form": "two rows"}})

    def truth_table(self) -> np.ndarray:
        """The rule's 512 next states (pattern order as :mod:`gatenet.rules`); with a pair
        circuit, of the pair-below reading (see :meth:`computes` for both)."""
        return self.flatten().truth_table()[:, 0]

    def wrong(self, table: np.ndarray) -> int:
        """Neighbourhoods on which the circuit differs from ``table``: with a pair circuit,
        counted in both readings (so 0 means both are the rule)."""
        t = np.asarray(table).ravel()
        n = int(np.count_nonzero(self.truth_table() != t))
        if self.pair is not None:
            n += int(np.count_nonzero(self.flatten(above=True).truth_table()[:, 0] != t))
        return n

    def computes(self, table: np.ndarray) -> bool:
        """Whether every reading of the circuit is the rule ``table`` (all 512 patterns)."""
        return self.wrong(table) == 0

    @staticmethod
    def _live(c: Circuit) -> int:
        return sum(c.live_nodes()[c.n_inputs:])

    def live_gates(self) -> tuple[int, int]:
        """Live gates of the row and of the combine circuit (see :meth:`pair_gates`)."""
        return self._live(self.row), self._live(self.combine)

    def pair_gates(self) -> int:
        """Live gates of the pair circuit (0 without one)."""
        return 0 if self.pair is None else self._live(self.pair)

    def ops_per_cell_word(self) -> float:
        """Gates evaluated per output word when each row's features are computed once and
        reused by the three output rows that read them (and each pair once for two output
        rows): one row circuit, half a pair circuit, one combine circuit."""
        return sum(self.live_gates()) + self.pair_gates() / 2

    def content_hash(self) -> str:
        import hashlib

        text = self.row.content_hash() + ":" + self.combine.content_hash()
        if self.pair is not None:
            text += ":" + self.pair.content_hash()
        return hashlib.sha256(text.encode()).hexdigest()[:16]

    # -- files -------------------------------------------------------------------------------

    def to_dict(self) -> dict[str, Any]:
        d = {"format": self.FORMAT, "version": self.FORMAT_VERSION,
             "row": self.row.to_dict(), "combine": self.combine.to_dict(), "meta": self.meta}
        if self.pair is not None:
            d["pair"] = self.pair.to_dict()
        return d

    @classmethod
    def from_dict(cls, d: Any) -> SeparableCircuit:
        """Parse :meth:`to_dict`'s form; any problem is a :class:`CircuitError` naming the
        part (row, pair or combine circuit) it is in."""
        if not isinstance(d, dict) or d.get("format") != cls.FORMAT:
            got = d.get("format") if isinstance(d, dict) else type(d).__name__
            raise CircuitError(f"not a {cls.FORMAT} file (format {got!r})")
        version = d.get("version")
        if isinstance(version, bool) or not isinstance(version, int) or (
                version != cls.FORMAT_VERSION):
            raise CircuitError(f"{cls.FORMAT} version {version!r} is not supported "
                               f"(this gatenet reads version {cls.FORMAT_VERSION})")
        for part in ("row", "combine"):
            if d.get(part) is None:
                raise CircuitError(f"{cls.FORMAT} file has no {part!r} circuit")
        meta = d.get("meta") or {}
        if not isinstance(meta, dict):
            raise CircuitError("meta must be an object")
        parts: dict[str, Circuit | None] = {"pair": None}
        for part in ("row", "combine", "pair"):
            if d.get(part) is None:
                continue
            try:
                parts[part] = Circuit.from_dict(d[part])
            except CircuitError as e:
                raise CircuitError(f"the {part} circuit: {e}") from None
        try:
            return cls(parts["row"], parts["combine"], meta, parts["pair"])
        except TypeError as e:
            raise CircuitError(str(e)) from None

    def save(self, path: str | os.PathLike[str]) -> None:
        from gatenet.storage import atomic_write_text

        atomic_write_text(path, json.dumps(self.to_dict(), indent=1) + "\n")

    @classmethod
    def load(cls, path: str | os.PathLike[str]) -> SeparableCircuit:
        """Read a file written by :meth:`save`, as defensively as a circuit file (size,
        UTF-8, nesting; see :func:`gatenet.ir.netlist.read_json`); errors name the file."""
        d = read_json(path, "separable circuit")
        try:
            return cls.from_dict(d)
        except CircuitError as e:
            raise CircuitError(f"{path}: {e}") from None


@dataclass(frozen=True)
class SeparableLut3:
    """A separable circuit's parts as three-input LUT netlists: what the 512-bit separable
    kernel runs as one ``vpternlogq`` per LUT (ABC's LUT3 mapping of each learned part, as
    :class:`~gatenet.ir.lut.Lut3Circuit`). :meth:`check` ties it to its separable circuit.
    """

    row: Lut3Circuit
    combine: Lut3Circuit
    pair: Lut3Circuit | None = None

    def parts(self) -> dict[str, Lut3Circuit]:
        return {"row": self.row, "combine": self.combine,
                **({"pair": self.pair} if self.pair is not None else {})}

    def check(self, separable: SeparableCircuit) -> SeparableLut3:
        """``self`` if every part computes the same outputs as ``separable``'s part of that
        name on every input (exhaustively); else a ValueError naming the part."""
        if (self.pair is None) != (separable.pair is None):
            raise ValueError("the LUT3 parts and the separable circuit disagree on having a "
                             "pair level")
        for name, lut in self.parts().items():
            if not isinstance(lut, Lut3Circuit):
                raise TypeError(f"the {name} part must be a gatenet Lut3Circuit, got "
                                f"{type(lut).__name__}")
            gates = getattr(separable, name)
            if (lut.n_inputs, len(lut.outputs)) != (gates.n_inputs, len(gates.outputs)):
                raise ValueError(f"the LUT3 {name} part has {lut.n_inputs} inputs and "
                                 f"{len(lut.outputs)} outputs; the separable circuit's has "
                                 f"{gates.n_inputs} and {len(gates.outputs)}")
            wrong = int(np.sum(np.any(lut.truth_table() != gates.truth_table(), axis=1)))
            if wrong:
                raise ValueError(f"the LUT3 {name} part differs from the separable circuit's "
                                 f"on {wrong} of {2 ** gates.n_inputs} inputs")
        return self

    def ops_per_cell_word(self) -> float:
        """LUTs evaluated per output word (as :meth:`SeparableCircuit.ops_per_cell_word`):
        one row part, half a pair part, one combine part — one ``vpternlogq`` each."""
        half = len(self.pair.live_luts()) / 2 if self.pair is not None else 0
        return len(self.row.live_luts()) + len(self.combine.live_luts()) + half

    def content_hash(self) -> str:
        import hashlib

        text = ":".join(p.content_hash() for p in self.parts().values())
        return hashlib.sha256(text.encode()).hexdigest()[:16]

"""The LUT3 IR: a circuit of three-input lookup tables, the shape AVX-512 executes natively.

One ``vpternlogq`` instruction (``_mm512_ternarylogic_epi64(a, b, c, imm)``) computes any
Boolean function of three operands over 512 bits. A circuit mapped to 3-input LUTs therefore
costs exactly one instruction per LUT, which is why this IR exists next to the two-input
:class:`~gatenet.circuit.Circuit`.

Truth-table convention (the one Intel defines for the ``imm8`` of ``vpternlog``): bit
``(a << 2) | (b << 1) | c`` of ``truth`` is the output when the first input is ``a``, the
second ``b`` and the third ``c``. So ``0xF0`` is the first input, ``0xCC`` the second, ``0xAA``
the third, and ``0x80`` the AND of all three. The emitted immediate is ``truth`` unchanged.

Every LUT has exactly three input slots. A function of fewer variables repeats an input in
the unused slots (its table then ignores them), which keeps evaluation and C emission uniform.
Node numbering follows :class:`~gatenet.circuit.Circuit`: node ``i < n_inputs`` is input ``i``,
node ``n_inputs + k`` is LUT ``k``.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from gatenet import gates
from gatenet.circuit import (
    NEIGHBOURHOOD,
    Circuit,
    CircuitError,
    atomic_write_text,
    exhaustive_inputs,
    pack_table,
)

FORMAT = "gatenet-lut3"
FORMAT_VERSION = 1

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
class Lut3Circuit:
    """An immutable combinational circuit of three-input LUTs (evaluated like a Circuit)."""

    n_inputs: int
    luts: tuple[Lut, ...]
    outputs: tuple[int, ...]
    input_names: tuple[str, ...] = ()
    output_names: tuple[str, ...] = ()
    meta: dict[str, Any] = field(default_factory=dict, compare=False, hash=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "luts", tuple(self.luts))
        object.__setattr__(self, "outputs", tuple(int(o) for o in self.outputs))
        if not self.input_names:
            names = (
                NEIGHBOURHOOD
                if self.n_inputs == 9
                else tuple(f"x{i}" for i in range(self.n_inputs))
            )
            object.__setattr__(self, "input_names", tuple(names))
        if not self.output_names:
            names = (
                ("out",)
                if len(self.outputs) == 1
                else tuple(f"out{i}" for i in range(len(self.outputs)))
            )
            object.__setattr__(self, "output_names", names)
        object.__setattr__(self, "input_names", tuple(self.input_names))
        object.__setattr__(self, "output_names", tuple(self.output_names))
        self.validate()

    @property
    def n_nodes(self) -> int:
        return self.n_inputs + len(self.luts)

    def __len__(self) -> int:
        return len(self.luts)

    def validate(self) -> None:
        """Raise :class:`CircuitError` unless the LUT circuit is well formed and acyclic."""
        if not isinstance(self.n_inputs, int) or self.n_inputs < 1:
            raise CircuitError(f"n_inputs must be a positive integer, got {self.n_inputs!r}")
        if len(self.input_names) != self.n_inputs:
            raise CircuitError(f"{len(self.input_names)} input names for {self.n_inputs} inputs")
        if len(self.output_names) != len(self.outputs):
            raise CircuitError(
                f"{len(self.output_names)} output names for {len(self.outputs)} outputs"
            )
        for k, lut in enumerate(self.luts):
            node = self.n_inputs + k
            if not isinstance(lut, Lut):
                raise CircuitError(f"LUT {k} is not a Lut: {lut!r}")
            if not isinstance(lut.truth, int) or not 0 <= lut.truth <= 255:
                raise CircuitError(f"LUT {k} has truth {lut.truth!r}, expected 0..255")
            if not isinstance(lut.inputs, tuple) or len(lut.inputs) != 3:
                raise CircuitError(f"LUT {k} must have exactly 3 inputs, got {lut.inputs!r}")
            for src in lut.inputs:
                if not isinstance(src, int) or not 0 <= src < node:
                    raise CircuitError(
                        f"LUT {k} (node {node}) input {src!r} is not an earlier node"
                    )
        for j, o in enumerate(self.outputs):
            if not 0 <= o < self.n_nodes:
                raise CircuitError(f"output {j} = {o} is not a node (0..{self.n_nodes - 1})")

    def evaluate(self, inputs: Sequence[int], mask: int) -> list[int]:
        """Evaluate on packed bit vectors (Python ints, each bit one case) under ``mask``."""
        if len(inputs) != self.n_inputs:
            raise CircuitError(f"expected {self.n_inputs} inputs, got {len(inputs)}")
        vals = [int(x) & mask for x in inputs]
        for lut in self.luts:
            i, j, k = lut.inputs
            vals.append(eval_truth(lut.truth, vals[i], vals[j], vals[k], mask))
        return [vals[o] for o in self.outputs]

    def truth_table(self) -> np.ndarray:
        """Outputs on all ``2**n_inputs`` patterns, shape ``(2**n, n_outputs)`` (Circuit order)."""
        if self.n_inputs > 20:
            raise CircuitError(f"refusing to enumerate 2**{self.n_inputs} patterns")
        n = self.n_inputs
        outs = self.evaluate(exhaustive_inputs(n), (1 << (1 << n)) - 1)
        return np.array(
            [[(o >> p) & 1 for o in outs] for p in range(1 << n)], dtype=np.uint8
        ).reshape(1 << n, len(outs))

    def depth(self) -> int:
        """Longest path from an input to an output, in LUTs."""
        level = [0] * self.n_inputs
        for lut in self.luts:
            level.append(1 + max(level[s] for s in lut.inputs))
        return max((level[o] for o in self.outputs), default=0)

    def arity_counts(self) -> dict[int, int]:
        """How many LUTs really depend on 0, 1, 2 and 3 of their inputs."""
        c = Counter(
            len({s for s, used in zip(lut.inputs, lut.support(), strict=True) if used})
            for lut in self.luts
        )
        return {k: c[k] for k in range(4) if c[k]}

    # -- serialisation -------------------------------------------------------------------

    def to_dict(self) -> dict[str, Any]:
        return {
            "format": FORMAT,
            "version": FORMAT_VERSION,
            "n_inputs": self.n_inputs,
            "input_names": list(self.input_names),
            "luts": [[lut.truth, *lut.inputs] for lut in self.luts],
            "outputs": list(self.outputs),
            "output_names": list(self.output_names),
            "truth_convention": "bit (a<<2)|(b<<1)|c, a = first input (vpternlog imm8)",
            "meta": self.meta,
        }

    @classmethod
    def from_dict(cls, d: Any) -> Lut3Circuit:
        if not isinstance(d, dict):
            raise CircuitError("LUT3 circuit JSON must be an object")
        if d.get("format") != FORMAT:
            raise CircuitError(f"not a gatenet LUT3 circuit (format = {d.get('format')!r})")
        if d.get("version") != FORMAT_VERSION:
            raise CircuitError(f"unsupported LUT3 format version {d.get('version')!r}")
        try:
            luts = tuple(Lut(int(t), (int(a), int(b), int(c))) for t, a, b, c in d["luts"])
            return cls(
                n_inputs=int(d["n_inputs"]),
                luts=luts,
                outputs=tuple(int(o) for o in d["outputs"]),
                input_names=tuple(d.get("input_names") or ()),
                output_names=tuple(d.get("output_names") or ()),
                meta=dict(d.get("meta") or {}),
            )
        except KeyError as e:
            raise CircuitError(f"LUT3 JSON is missing the field {e.args[0]!r}") from None
        except (TypeError, ValueError) as e:
            if isinstance(e, CircuitError):
                raise
            raise CircuitError(f"malformed LUT3 JSON: {e}") from None

    def save(self, path: str | os.PathLike[str]) -> Path:
        """Write JSON atomically."""
        path = Path(path)
        atomic_write_text(path, json.dumps(self.to_dict(), indent=1) + "\n")
        return path

    @classmethod
    def load(cls, path: str | os.PathLike[str]) -> Lut3Circuit:
        path = Path(path)
        try:
            d = json.loads(path.read_text())
        except OSError as e:
            raise CircuitError(f"cannot read LUT3 file {path}: {e.strerror}") from None
        except json.JSONDecodeError as e:
            raise CircuitError(f"{path}: invalid JSON at line {e.lineno}: {e.msg}") from None
        try:
            return cls.from_dict(d)
        except CircuitError as e:
            raise CircuitError(f"{path}: {e}") from None

    def content_hash(self) -> str:
        """A short stable hash of the structure (not the metadata)."""
        key = json.dumps(
            [self.n_inputs, [[lut.truth, *lut.inputs] for lut in self.luts], list(self.outputs)]
        )
        return hashlib.sha256(key.encode()).hexdigest()[:16]


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


def verify(lut_circuit: Lut3Circuit, table: np.ndarray, output: int = 0) -> int:
    """Number of patterns on which output ``output`` differs from ``table`` (0 = exact)."""
    t = np.asarray(table).ravel()
    n = lut_circuit.n_inputs
    if t.size != 1 << n:
        raise CircuitError(
            f"table has {t.size} entries, LUT circuit has {n} inputs ({1 << n} patterns)"
        )
    got = lut_circuit.evaluate(exhaustive_inputs(n), (1 << (1 << n)) - 1)[output]
    return (got ^ pack_table(t)).bit_count()


def assert_exact(lut_circuit: Lut3Circuit, table: np.ndarray, stage: str = "") -> Lut3Circuit:
    """Return ``lut_circuit`` if it matches ``table`` on every pattern, else raise."""
    wrong = verify(lut_circuit, table)
    if wrong:
        where = f" after {stage}" if stage else ""
        raise CircuitError(
            f"LUT3 circuit{where} is wrong on {wrong} of {1 << lut_circuit.n_inputs} patterns"
        )
    return lut_circuit

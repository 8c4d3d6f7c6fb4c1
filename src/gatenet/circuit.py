"""The Circuit IR: inputs, two-input gates in topological order, named outputs.

Node ``i < n_inputs`` is input ``i``; node ``n_inputs + k`` is gate ``k``. A gate names its
op from :mod:`gatenet.gates` and two earlier nodes. Outputs point at any node (after copy
propagation an output can be an input directly).

A circuit is evaluated on *packed integers*: Python ints whose bit ``p`` is the value on
input pattern ``p``. With nine inputs, one evaluation covers all 512 neighbourhoods, so
checking a circuit exhaustively against its rule costs microseconds and is done after every
transformation (see :func:`verify`).
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar, Self, TypeVar

import numpy as np

from gatenet import gates

#: Neighbourhood order used everywhere (DESIGN.md): NW, N, NE, W, C, E, SW, S, SE.
NEIGHBOURHOOD = ("NW", "N", "NE", "W", "C", "E", "SW", "S", "SE")


class CircuitError(ValueError):
    """A circuit is malformed, or a circuit file cannot be read."""


@dataclass(frozen=True)
class Gate:
    """One two-input gate: ``op`` (0..15, see :mod:`gatenet.gates`) over nodes ``a`` and ``b``."""

    op: int
    a: int
    b: int


class Netlist:
    """What every combinational netlist here shares: names, checks, evaluation, JSON files.

    Subclasses are frozen dataclasses with ``n_inputs``, a tuple of *cells* (gates or LUTs,
    each reading earlier nodes), ``outputs``, names and ``meta``; they say how to read,
    check, evaluate and serialise one cell. Node ``i < n_inputs`` is input ``i``; node
    ``n_inputs + k`` is cell ``k``.
    """

    FORMAT: ClassVar[str]
    FORMAT_VERSION: ClassVar[int]
    KIND: ClassVar[str]  # "circuit", "LUT3 circuit": used in messages
    CELLS: ClassVar[str]  # the JSON field (and attribute) holding the cells
    MIN_INPUTS: ClassVar[int] = 0

    n_inputs: int
    outputs: tuple[int, ...]
    input_names: tuple[str, ...]
    output_names: tuple[str, ...]
    meta: dict[str, Any]

    # -- what a subclass provides --------------------------------------------------------

    @property
    def cells(self) -> tuple[Any, ...]:
        return getattr(self, self.CELLS)

    @staticmethod
    def _sources(cell: Any) -> tuple[int, ...]:
        raise NotImplementedError

    def _check_cell(self, k: int, cell: Any) -> None:
        raise NotImplementedError

    @staticmethod
    def _eval_cell(cell: Any, vals: list[int], mask: int) -> int:
        raise NotImplementedError

    @staticmethod
    def _cell_json(cell: Any) -> list[int]:
        raise NotImplementedError

    @staticmethod
    def _cell_from_json(row: Any) -> Any:
        raise NotImplementedError

    def _extra_json(self) -> dict[str, Any]:
        return {}

    # -- shared ----------------------------------------------------------------------------

    def _normalise(self) -> None:
        """Tuple-ise the fields and fill in default names (called from ``__post_init__``)."""
        object.__setattr__(self, self.CELLS, tuple(self.cells))
        object.__setattr__(self, "outputs", tuple(int(o) for o in self.outputs))
        if not self.input_names:
            names = NEIGHBOURHOOD if self.n_inputs == 9 else tuple(
                f"x{i}" for i in range(self.n_inputs)
            )
            object.__setattr__(self, "input_names", tuple(names))
        if not self.output_names:
            names = ("out",) if len(self.outputs) == 1 else tuple(
                f"out{i}" for i in range(len(self.outputs))
            )
            object.__setattr__(self, "output_names", names)
        object.__setattr__(self, "input_names", tuple(self.input_names))
        object.__setattr__(self, "output_names", tuple(self.output_names))
        self.validate()

    @property
    def n_nodes(self) -> int:
        return self.n_inputs + len(self.cells)

    def __len__(self) -> int:
        return len(self.cells)

    def validate(self) -> None:
        """Raise :class:`CircuitError` unless the netlist is well formed and acyclic."""
        if not isinstance(self.n_inputs, int) or self.n_inputs < self.MIN_INPUTS:
            raise CircuitError(
                f"n_inputs must be an integer ≥ {self.MIN_INPUTS}, got {self.n_inputs!r}"
            )
        if len(self.input_names) != self.n_inputs:
            raise CircuitError(
                f"{len(self.input_names)} input names for {self.n_inputs} inputs"
            )
        if len(self.output_names) != len(self.outputs):
            raise CircuitError(
                f"{len(self.output_names)} output names for {len(self.outputs)} outputs"
            )
        for k, cell in enumerate(self.cells):
            self._check_cell(k, cell)
        for j, o in enumerate(self.outputs):
            if not 0 <= o < self.n_nodes:
                raise CircuitError(f"output {j} = {o} is not a node (0..{self.n_nodes - 1})")

    def depth(self) -> int:
        """Longest path from an input to an output, in cells."""
        level = [0] * self.n_inputs
        for cell in self.cells:
            level.append(1 + max(level[s] for s in self._sources(cell)))
        return max((level[o] for o in self.outputs), default=0)

    def evaluate(self, inputs: Sequence[int], mask: int) -> list[int]:
        """Evaluate on packed bit vectors (Python ints, each bit one case) under ``mask``."""
        if len(inputs) != self.n_inputs:
            raise CircuitError(f"expected {self.n_inputs} inputs, got {len(inputs)}")
        vals = [int(x) & mask for x in inputs]
        ev = self._eval_cell
        for cell in self.cells:
            vals.append(ev(cell, vals, mask))
        return [vals[o] for o in self.outputs]

    def truth_table(self) -> np.ndarray:
        """Outputs on all ``2**n_inputs`` input patterns, shape ``(2**n, n_outputs)``.

        Pattern ``p`` sets input ``i`` to bit ``n_inputs - 1 - i`` of ``p`` — the order of
        Golly's MAP strings, where the first input (NW) is the most significant bit.
        """
        if self.n_inputs > 20:
            raise CircuitError(f"refusing to enumerate 2**{self.n_inputs} patterns")
        n = self.n_inputs
        outs = self.evaluate(exhaustive_inputs(n), (1 << (1 << n)) - 1)
        return np.array(
            [[(o >> p) & 1 for o in outs] for p in range(1 << n)], dtype=np.uint8
        ).reshape(1 << n, len(outs))

    def to_dict(self) -> dict[str, Any]:
        return {
            "format": self.FORMAT,
            "version": self.FORMAT_VERSION,
            "n_inputs": self.n_inputs,
            "input_names": list(self.input_names),
            self.CELLS: [self._cell_json(c) for c in self.cells],
            "outputs": list(self.outputs),
            "output_names": list(self.output_names),
            **self._extra_json(),
            "meta": self.meta,
        }

    @classmethod
    def from_dict(cls, d: Any) -> Self:
        if not isinstance(d, dict):
            raise CircuitError(f"{cls.KIND} JSON must be an object")
        if d.get("format") != cls.FORMAT:
            raise CircuitError(f"not a gatenet {cls.KIND} (format = {d.get('format')!r})")
        if d.get("version") != cls.FORMAT_VERSION:
            raise CircuitError(
                f"unsupported {cls.KIND} format version {d.get('version')!r}; "
                f"this gatenet reads version {cls.FORMAT_VERSION}"
            )
        try:
            return cls(
                int(d["n_inputs"]),
                tuple(cls._cell_from_json(row) for row in d[cls.CELLS]),
                tuple(int(o) for o in d["outputs"]),
                tuple(d.get("input_names") or ()),
                tuple(d.get("output_names") or ()),
                dict(d.get("meta") or {}),
            )
        except KeyError as e:
            raise CircuitError(f"{cls.KIND} JSON is missing the field {e.args[0]!r}") from None
        except (TypeError, ValueError) as e:
            if isinstance(e, CircuitError):
                raise
            raise CircuitError(f"malformed {cls.KIND} JSON: {e}") from None

    def save(self, path: str | os.PathLike[str]) -> Path:
        """Write JSON atomically: a temporary file in the same directory, then a rename."""
        path = Path(path)
        atomic_write_text(path, json.dumps(self.to_dict(), indent=1) + "\n")
        return path

    @classmethod
    def load(cls, path: str | os.PathLike[str]) -> Self:
        path = Path(path)
        try:
            text = path.read_text()
        except OSError as e:
            raise CircuitError(f"cannot read {cls.KIND} file {path}: {e.strerror}") from None
        try:
            d = json.loads(text)
        except json.JSONDecodeError as e:
            raise CircuitError(
                f"{path}: invalid JSON at line {e.lineno} column {e.colno}: {e.msg}"
            ) from None
        try:
            return cls.from_dict(d)
        except CircuitError as e:
            raise CircuitError(f"{path}: {e}") from None

    def content_hash(self) -> str:
        """A short stable hash of the structure (not the metadata): names cache entries."""
        key = json.dumps(
            [self.n_inputs, [self._cell_json(c) for c in self.cells], list(self.outputs)]
        )
        return hashlib.sha256(key.encode()).hexdigest()[:16]


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
        if not isinstance(g.op, int) or not 0 <= g.op < gates.N_GATES:
            raise CircuitError(f"gate {k} has op {g.op!r}, expected an integer in 0..15")
        for name, src in (("a", g.a), ("b", g.b)):
            if not isinstance(src, int) or not 0 <= src < node:
                raise CircuitError(
                    f"gate {k} (node {node}) input {name} = {src!r} is not an earlier node"
                )

    @staticmethod
    def _eval_cell(g: Gate, vals: list[int], mask: int) -> int:
        return gates._BITWISE[g.op](vals[g.a], vals[g.b]) & mask

    @staticmethod
    def _cell_json(g: Gate) -> list[int]:
        return [g.op, g.a, g.b]

    @staticmethod
    def _cell_from_json(row: Any) -> Gate:
        op, a, b = row
        return Gate(int(op), int(a), int(b))

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
                uses_a, uses_b = _DEPENDS[g.op]
                live[g.a] |= uses_a
                live[g.b] |= uses_b
        return live

    def op_counts(self) -> dict[str, int]:
        """Number of gates per op name, in op order, omitting ops that do not occur."""
        c = Counter(g.op for g in self.gates)
        return {gates.NAMES[op]: c[op] for op in range(gates.N_GATES) if c[op]}

    def with_meta(self, **meta: Any) -> Circuit:
        """A copy with ``meta`` updated (metadata never affects equality)."""
        return Circuit(
            self.n_inputs, self.gates, self.outputs, self.input_names, self.output_names,
            {**self.meta, **meta},
        )


_DEPENDS = tuple(gates.depends_on(op) for op in range(gates.N_GATES))

FORMAT = Circuit.FORMAT
FORMAT_VERSION = Circuit.FORMAT_VERSION


N = TypeVar("N", bound=Netlist)


def exhaustive_inputs(n: int) -> list[int]:
    """Packed inputs enumerating all ``2**n`` patterns (input 0 is the pattern's top bit)."""
    npat = 1 << n
    out = []
    for i in range(n):
        bit = n - 1 - i
        v = 0
        for p in range(npat):
            if (p >> bit) & 1:
                v |= 1 << p
        out.append(v)
    return out


def pack_table(table: np.ndarray) -> int:
    """A 0/1 vector (one entry per pattern) as a packed int, entry ``p`` at bit ``p``."""
    t = np.asarray(table, dtype=np.uint8).ravel()
    return int.from_bytes(np.packbits(t, bitorder="little").tobytes(), "little")


def verify(circuit: Netlist, table: np.ndarray, output: int = 0) -> int:
    """Number of patterns on which ``circuit``'s output ``output`` differs from ``table``.

    Zero means the circuit is exact. ``table`` has one 0/1 entry per input pattern.
    """
    t = np.asarray(table).ravel()
    if t.size != 1 << circuit.n_inputs:
        raise CircuitError(
            f"table has {t.size} entries, {circuit.KIND} has {circuit.n_inputs} inputs "
            f"({1 << circuit.n_inputs} patterns)"
        )
    n = circuit.n_inputs
    mask = (1 << (1 << n)) - 1
    got = circuit.evaluate(exhaustive_inputs(n), mask)[output]
    return (got ^ pack_table(t)).bit_count()


def assert_exact(circuit: N, table: np.ndarray, stage: str = "") -> N:
    """Return ``circuit`` if it matches ``table`` on every pattern, else raise."""
    wrong = verify(circuit, table)
    if wrong:
        where = f" after {stage}" if stage else ""
        raise CircuitError(
            f"{circuit.KIND}{where} is wrong on {wrong} of {1 << circuit.n_inputs} patterns"
        )
    return circuit


def atomic_write_text(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` so readers see either the old file or the new one."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w") as f:
            f.write(text)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise

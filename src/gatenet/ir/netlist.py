"""What every combinational netlist shares: checks, packed evaluation, exhaustive
verification and the versioned JSON file format.

Node ``i < n_inputs`` is input ``i``; node ``n_inputs + k`` is cell ``k`` (a gate or a LUT),
which reads only earlier nodes, so the cell list is already in topological order.

A netlist is evaluated on *packed integers*: Python ints whose bit ``p`` is the value on
input pattern ``p``. With nine inputs one evaluation covers all 512 neighbourhoods, so
checking a circuit exhaustively against its rule costs microseconds and is done after every
transformation (see :func:`verify`).

Loading a file is safe: a circuit file is data. Every field is type-checked strictly (no
silent ``"9"`` → 9 or ``true`` → 1), sizes are capped before anything is allocated, and names
must match a plain identifier grammar (:mod:`gatenet.ir.names`), so nothing from a file can
reach generated code except as a validated identifier. ``meta`` is free-form and is never
copied into generated code. Every problem is a :class:`CircuitError` naming the file and the
field, whichever command reads the file.

Files are deterministic. Everything in a netlist file is a function of what built the
netlist (rule, seed, options, scripts) except one field: ``meta["run"]``
(:data:`RUN_META`), which holds what depends on the particular run — wall-clock seconds,
and anything else of that kind a stage records. Two runs that build the same netlist
therefore write files that are byte-identical once that field is left out, which is what
``save(path, run=False)`` (and ``python -m gatenet train --out``) does.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any, ClassVar, Self, TypeVar

import numpy as np

from gatenet.ir.names import NEIGHBOURHOOD, check_names
from gatenet.storage import atomic_write_text

#: Largest netlist a file or a constructor may describe (inputs, cells): far above any
#: learned circuit (the default network has 2,303 gates), far below what exhausts memory.
MAX_INPUTS = 64
MAX_CELLS = 1_000_000
#: Largest JSON file :meth:`Netlist.load` reads.
MAX_FILE_BYTES = 256 << 20
#: The one ``meta`` field whose content depends on the run (timings), not on the inputs.
RUN_META = "run"


class CircuitError(ValueError):
    """A circuit is malformed, or a circuit file cannot be read."""


def _strict_int(value: Any, what: str) -> int:
    """``value`` if it is a genuine integer (not a bool, float or string), else raise."""
    if isinstance(value, bool) or not isinstance(value, int | np.integer):
        raise CircuitError(f"{what} must be an integer, got {type(value).__name__} {value!r}")
    return int(value)


def _strict_list(value: Any, what: str) -> list[Any]:
    if not isinstance(value, list | tuple):
        raise CircuitError(f"{what} must be a list, got {type(value).__name__}")
    return list(value)



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
        if (isinstance(self.n_inputs, bool) or not isinstance(self.n_inputs, int)
                or not self.MIN_INPUTS <= self.n_inputs <= MAX_INPUTS):
            raise CircuitError(
                f"n_inputs must be an integer in {self.MIN_INPUTS}..{MAX_INPUTS}, "
                f"got {self.n_inputs!r}"
            )
        if len(self.cells) > MAX_CELLS:
            raise CircuitError(f"{len(self.cells)} cells: at most {MAX_CELLS:,} are accepted")
        if len(self.input_names) != self.n_inputs:
            raise CircuitError(
                f"{len(self.input_names)} input names for {self.n_inputs} inputs"
            )
        if len(self.output_names) != len(self.outputs):
            raise CircuitError(
                f"{len(self.output_names)} output names for {len(self.outputs)} outputs"
            )
        try:
            check_names(self.input_names, "input_names")
            check_names(self.output_names, "output_names")
        except ValueError as e:
            raise CircuitError(str(e)) from None
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

    def to_dict(self, *, run: bool = True) -> dict[str, Any]:
        """The JSON object of the file format; ``run=False`` leaves out ``meta["run"]``."""
        meta = self.meta if run else {k: v for k, v in self.meta.items() if k != RUN_META}
        return {
            "format": self.FORMAT,
            "version": self.FORMAT_VERSION,
            "n_inputs": self.n_inputs,
            "input_names": list(self.input_names),
            self.CELLS: [self._cell_json(c) for c in self.cells],
            "outputs": list(self.outputs),
            "output_names": list(self.output_names),
            **self._extra_json(),
            "meta": meta,
        }

    @classmethod
    def from_dict(cls, d: Any) -> Self:
        """A netlist from its JSON object, every field checked strictly (see module doc)."""
        if not isinstance(d, dict):
            raise CircuitError(f"{cls.KIND} JSON must be an object")
        if d.get("format") != cls.FORMAT:
            raise CircuitError(f"not a gatenet {cls.KIND} (format = {d.get('format')!r})")
        version = d.get("version")
        if isinstance(version, bool) or version != cls.FORMAT_VERSION:
            raise CircuitError(
                f"unsupported {cls.KIND} format version {version!r}; "
                f"this gatenet reads version {cls.FORMAT_VERSION}"
            )
        for key in ("n_inputs", cls.CELLS, "outputs"):
            if key not in d:
                raise CircuitError(f"{cls.KIND} JSON is missing the field {key!r}")
        n_inputs = _strict_int(d["n_inputs"], "n_inputs")
        if not 0 <= n_inputs <= MAX_INPUTS:
            raise CircuitError(f"n_inputs must be in 0..{MAX_INPUTS}, got {n_inputs}")
        rows = _strict_list(d[cls.CELLS], cls.CELLS)
        if len(rows) > MAX_CELLS:
            raise CircuitError(f"{len(rows)} {cls.CELLS}: at most {MAX_CELLS:,} are accepted")
        outputs = _strict_list(d["outputs"], "outputs")
        if len(outputs) > MAX_CELLS:
            raise CircuitError(f"{len(outputs)} outputs: at most {MAX_CELLS:,} are accepted")
        meta = d.get("meta", {})
        if meta is None:
            meta = {}
        if not isinstance(meta, dict):
            raise CircuitError(f"meta must be an object, got {type(meta).__name__}")
        cells = []
        for k, row in enumerate(rows):
            row = _strict_list(row, f"{cls.CELLS}[{k}]")
            cells.append(cls._cell_from_json([_strict_int(v, f"{cls.CELLS}[{k}]") for v in row]))
        return cls(
            n_inputs,
            tuple(cells),
            tuple(_strict_int(o, f"outputs[{j}]") for j, o in enumerate(outputs)),
            tuple(_strict_list(d.get("input_names") or [], "input_names")),
            tuple(_strict_list(d.get("output_names") or [], "output_names")),
            dict(meta),
        )

    def save(self, path: str | os.PathLike[str], *, run: bool = True) -> Path:
        """Write JSON atomically: a temporary file in the same directory, then a rename.

        ``run=False`` leaves out ``meta["run"]``, so the same netlist built twice gives
        byte-identical files (see the module docstring). The file gets the permissions
        ``open()`` would give it under the umask; a symbolic link at ``path`` is replaced
        by the file, not written through.
        """
        path = Path(path)
        atomic_write_text(path, json.dumps(self.to_dict(run=run), indent=1) + "\n")
        return path

    @classmethod
    def load(cls, path: str | os.PathLike[str]) -> Self:
        """Read a file of this class's format; any problem is a :class:`CircuitError`."""
        return _from_file(cls, read_json(path, cls.KIND), path)

    def with_meta(self, **meta: Any) -> Self:
        """A copy with ``meta`` updated (metadata never affects equality)."""
        return dataclasses.replace(self, meta={**self.meta, **meta})  # type: ignore[type-var]

    def content_hash(self) -> str:
        """A short stable hash of the structure (not the metadata): names cache entries."""
        key = json.dumps(
            [self.n_inputs, [self._cell_json(c) for c in self.cells], list(self.outputs)]
        )
        return hashlib.sha256(key.encode()).hexdigest()[:16]


N = TypeVar("N", bound=Netlist)


def read_json(path: str | os.PathLike[str], kind: str = "circuit") -> Any:
    """The JSON value in ``path``, read defensively: at most :data:`MAX_FILE_BYTES`, UTF-8,
    standard nesting depth. Any problem is a :class:`CircuitError` naming the file."""
    path = Path(path)
    try:
        with path.open("rb") as f:
            raw = f.read(MAX_FILE_BYTES + 1)
    except OSError as e:
        raise CircuitError(f"cannot read {kind} file {path}: {e.strerror}") from None
    if len(raw) > MAX_FILE_BYTES:
        raise CircuitError(f"{path}: larger than {MAX_FILE_BYTES >> 20} MiB")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as e:
        raise CircuitError(f"{path}: not UTF-8 text (byte {e.start})") from None
    try:
        return json.loads(text)
    except json.JSONDecodeError as e:
        raise CircuitError(
            f"{path}: invalid JSON at line {e.lineno} column {e.colno}: {e.msg}"
        ) from None
    except RecursionError:
        raise CircuitError(f"{path}: JSON nested too deeply") from None
    except ValueError as e:  # e.g. an integer of more digits than Python converts
        raise CircuitError(f"{path}: invalid JSON: {e}") from None


def _from_file(cls: type[N], d: Any, path: str | os.PathLike[str]) -> N:
    try:
        return cls.from_dict(d)
    except CircuitError as e:
        raise CircuitError(f"{path}: {e}") from None


def load_netlist(path: str | os.PathLike[str], kinds: Sequence[type[Netlist]]) -> Netlist:
    """Read ``path`` once and load it as whichever of ``kinds`` its ``format`` field names.

    For commands that accept more than one kind of file (``emit --target lut3`` takes a
    circuit or a LUT3 circuit). A file naming none of them is reported as not a file of the
    first kind, with every check of :meth:`Netlist.load`.
    """
    if not kinds:
        raise ValueError("load_netlist needs at least one netlist class")
    d = read_json(path, kinds[0].KIND)
    fmt = d.get("format") if isinstance(d, dict) else None
    cls = next((k for k in kinds if fmt == k.FORMAT), kinds[0])
    return _from_file(cls, d, path)


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

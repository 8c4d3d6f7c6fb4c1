"""The pass driver: run the passes to a fixed point, verify after each, record the stages.

:func:`optimize` runs the write-up's two passes once, then the rest of
:data:`gatenet.opt.passes.DEFAULT_PIPELINE` in rounds until a round changes nothing. After
every pass the circuit is checked exhaustively, and a :class:`Stage` — the circuit with the
counts the book and the command line tabulate — is recorded. :func:`stage_table` is the one
place those tables are laid out.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache

import numpy as np

from gatenet import gates
from gatenet.ir.circuit import Circuit
from gatenet.ir.netlist import CircuitError, exhaustive_inputs, pack_table, verify
from gatenet.opt.passes import DEFAULT_PIPELINE, PRELUDE, Pass


@dataclass(frozen=True)
class Stage:
    """The circuit after one pass, with the counts the book tabulates."""

    name: str
    circuit: Circuit
    n_gates: int
    op_counts: dict[str, int]
    changed: bool = True

    @classmethod
    def of(cls, name: str, circuit: Circuit, changed: bool = True) -> Stage:
        return cls(name, circuit, len(circuit), circuit.op_counts(), changed)

    @property
    def depth(self) -> int:
        return self.circuit.depth()

    @property
    def cpu_ops(self) -> int:
        return self.circuit.cpu_ops()["total"]


@dataclass(frozen=True)
class OptimizeResult:
    """What :func:`optimize` returns: the input, every recorded stage, and the final circuit."""

    initial: Circuit
    stages: list[Stage] = field(default_factory=list)

    @property
    def circuit(self) -> Circuit:
        return self.stages[-1].circuit if self.stages else self.initial

    def all_stages(self, include_input: bool = True) -> list[Stage]:
        """The recorded stages, preceded by the input circuit as stage "input"."""
        return ([Stage.of("input", self.initial)] if include_input else []) + self.stages


@lru_cache(maxsize=32)
def _patterns(n: int) -> tuple[int, ...]:
    return tuple(exhaustive_inputs(n))


class _Checker:
    """Exhaustive comparison of every output against packed expected values."""

    def __init__(self, c: Circuit, table: np.ndarray | None) -> None:
        if c.n_inputs > 16:
            raise CircuitError(
                f"optimize verifies exhaustively; 2**{c.n_inputs} patterns is too many"
            )
        self.n = c.n_inputs
        self.mask = (1 << (1 << self.n)) - 1
        self.names = c.output_names
        if table is None:
            self.expected = c.evaluate(_patterns(self.n), self.mask)
            return
        t = np.asarray(table)
        npat = 1 << self.n
        n_out = len(c.outputs)
        if t.ndim == 1:
            t = t.reshape(-1, 1)
        if t.ndim != 2 or t.shape[0] != npat or t.shape[1] != n_out:
            raise CircuitError(
                f"table has shape {np.asarray(table).shape}, expected ({npat},) or "
                f"({npat}, {n_out}) for {c.n_inputs} inputs and {n_out} outputs"
            )
        if not np.isin(t, (0, 1)).all():
            raise CircuitError("table entries must be 0 or 1")
        self.expected = [pack_table(t[:, j]) for j in range(n_out)]

    def check(self, c: Circuit, stage: str) -> None:
        got = c.evaluate(_patterns(self.n), self.mask)
        for name, g, e in zip(self.names, got, self.expected, strict=True):
            wrong = (g ^ e).bit_count()
            if wrong:
                raise CircuitError(
                    f"circuit after {stage} is wrong on output {name!r}: "
                    f"{wrong} of {1 << self.n} patterns"
                )


def optimize(
    c: Circuit,
    table: np.ndarray | None = None,
    passes: Sequence[tuple[str, Pass]] = DEFAULT_PIPELINE,
    prelude: Sequence[tuple[str, Pass]] = PRELUDE,
    max_rounds: int = 50,
) -> OptimizeResult:
    """Run ``prelude`` once, then ``passes`` in rounds until a round changes nothing.

    After every pass the circuit is checked exhaustively — against ``table`` (shape
    ``(2**n,)`` or ``(2**n, n_outputs)``) if given, else against ``c``'s own truth table —
    and a :class:`Stage` is recorded. Every pass of the prelude and of the first round is
    recorded even if it changed nothing (so the book's table always has the same rows);
    later rounds record only the passes that changed something, named ``"… (round k)"``.
    Raises :class:`CircuitError` if ``c`` itself or any stage fails the check.
    """
    checker = _Checker(c, table)
    checker.check(c, "nothing (the input circuit)")
    stages: list[Stage] = []
    current = c

    def run(name: str, fn: Pass, always_record: bool) -> bool:
        nonlocal current
        nxt = fn(current)
        checker.check(nxt, name)
        changed = nxt != current
        if changed or always_record:
            stages.append(Stage.of(name, nxt, changed))
        current = nxt
        return changed

    for name, fn in prelude:
        run(name, fn, True)
    for rnd in range(1, max_rounds + 1):
        suffix = "" if rnd == 1 else f" (round {rnd})"
        changed = False
        for name, fn in passes:
            changed |= run(name + suffix, fn, rnd == 1)
        if not changed:
            break
    return OptimizeResult(c, stages)


def stage_table(
    stages: Sequence[Stage],
    table: np.ndarray | None = None,
    symbols: bool = False,
    depth: bool = True,
) -> tuple[list[str], list[list[str | int]]]:
    """The stage table: a header and one row per stage.

    Columns: stage name, gates, depth (if ``depth``), the number of patterns the stage gets
    wrong against ``table`` (if given: an exhaustive check, so 0 means exact), then the count
    of every op that occurs in any stage, in op order — titled by op name, or by formula
    (``a ∧ b``) with ``symbols``. Every table of stages in the command line and the book
    comes from here.
    """
    ops = [op for op in range(gates.N_GATES)
           if any(gates.NAMES[op] in s.op_counts for s in stages)]
    titles = gates.SYMBOLS if symbols else gates.NAMES
    header = ["stage", "gates"]
    header += ["depth"] if depth else []
    header += ["wrong"] if table is not None else []
    header += [titles[op] for op in ops]
    rows: list[list[str | int]] = []
    for s in stages:
        row: list[str | int] = [s.name, s.n_gates]
        row += [s.depth] if depth else []
        row += [verify(s.circuit, table)] if table is not None else []
        row += [s.op_counts.get(gates.NAMES[op], 0) for op in ops]
        rows.append(row)
    return header, rows

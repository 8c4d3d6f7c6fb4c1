"""The separable architecture's experiment for the book: many seeds, the features they learn,
the smallest circuit, and its kernel beside the hand-written ones.

Chapters call these; the library they drive is :mod:`gatenet.learn.separable`,
:func:`gatenet.pipeline.learn_separable` and the "separable-…" kernels of
:mod:`gatenet.runtime.fast`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from gatenet import rules
from gatenet.ir.separable import SeparableCircuit
from gatenet.learn.separable import extract_separable, train_separable
from gatenet.opt.optimize import optimize

#: Names for the row encodings seen in training, keyed by the sorted feature truth tables
#: (triples W·4 + C·2 + E, most significant first, as bit strings). Complements count as
#: the same feature: a combine circuit reads either for free.
_COUNT = [bin(t).count("1") for t in range(8)]
_NAMED = {
    "parity": [c % 2 for c in _COUNT],
    "majority": [int(c >= 2) for c in _COUNT],
    "all equal": [int(c in (0, 3)) for c in _COUNT],
    "any alive": [int(c >= 1) for c in _COUNT],
    "all alive": [int(c == 3) for c in _COUNT],
}


def feature_name(column: np.ndarray) -> str:
    """A row feature's name if it is a symmetric function we know (up to complement), else
    its truth table as 8 bits."""
    bits = [int(v) for v in column]
    for name, t in _NAMED.items():
        if bits == t:
            return name
        if bits == [1 - v for v in t]:
            return f"not {name}" if name != "all equal" else "not all equal"
    return "".join(map(str, bits))


def encoding(row: np.ndarray) -> str:
    """How a row circuit's truth table ``(8, k)`` encodes a row: "binary count" (parity and
    majority: a full adder), "Gray count" (majority and all-equal: the count in Gray code),
    or its features' names."""
    names = sorted(feature_name(row[:, j]).removeprefix("not ") for j in range(row.shape[1]))
    if names == ["majority", "parity"]:
        return "binary count"
    if names == ["all equal", "majority"]:
        return "Gray count"
    return " + ".join(names)


@dataclass
class SeedRun:
    """One seed of the separable recipe."""

    seed: int
    exact: bool
    epochs: int
    restarts: int
    seconds: float
    encoding: str = ""
    row_gates: int = 0  # after the passes
    combine_gates: int = 0
    pair_gates: int = 0
    quick_gates: float = 0  # gates per output word after ABC's quick default script




def seed_sweep(seeds: range | list[int], rule: str = "B3/S23", config=None,
               **overrides) -> list[SeedRun]:
    """Train every seed with the separable recipe ``config`` (default: the default one);
    shrink each exact one with the passes and ABC's quick default script (each part; every
    result verified in every reading)."""
    from gatenet.synth.flow import synthesize_gates

    rule_ = rules.parse(rule)
    out = []
    for seed in seeds:
        r = train_separable(rule_, config, seed=seed, progress=False, **overrides)
        run = SeedRun(seed, r.converged, r.epochs, len(r.restarts), r.seconds)
        if r.converged:
            sep = extract_separable(r.network, r.params, rule_)
            row, comb = optimize(sep.row).circuit, optimize(sep.combine).circuit
            pair = None if sep.pair is None else optimize(sep.pair).circuit
            passed = SeparableCircuit(row, comb, {}, pair)
            assert passed.computes(rule_.table)
            run.encoding = encoding(row.truth_table())
            run.row_gates, run.combine_gates = passed.live_gates()
            run.pair_gates = passed.pair_gates()
            quick = SeparableCircuit(
                synthesize_gates(row, "default"), synthesize_gates(comb, "default"), {},
                None if pair is None else synthesize_gates(pair, "default"))
            assert quick.computes(rule_.table)
            run.quick_gates = quick.ops_per_cell_word()
        out.append(run)
    return out


def smallest(runs: list[SeedRun]) -> SeedRun:
    """The exact run whose circuit needs the fewest gates per output word after the quick
    script (ties: the earlier seed): the one the strong synthesis is spent on."""
    exact = [r for r in runs if r.exact]
    if not exact:
        raise ValueError("no seed became exact")
    return min(exact, key=lambda r: (r.quick_gates, r.seed))

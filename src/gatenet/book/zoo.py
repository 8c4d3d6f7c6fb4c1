"""The rule zoo: many rules through the whole pipeline, for the zoo chapter.

A rule here is any function of the 3×3 neighbourhood, so the library learns HighLife or a
random table exactly as it learns Life. The chapter asks which rules are hard, and why;
this module runs the sweeps it needs (through :func:`gatenet.sweep.run_sweep`, so the
results are the same JSON lines the command line writes) and reduces them to tables:

* :data:`ZOO` — the named rules, with a random MAP kernel drawn from a fixed seed;
* :func:`zoo_sweep` / :func:`sample_sweep` — the sweeps, resumable files in the cache keyed
  by the package's source (a rebuild with unchanged code reuses them; any change to the
  library recomputes them, as a cold build does);
* :func:`summarize` — per rule: exact-rate over seeds, epochs, seconds, circuit sizes;
* :func:`synthesise` — each rule's smallest learned circuit through the strong flow, beside
  :func:`reference`, the same flow started from the rule's truth table;
* :func:`soup` and :func:`kernel_ns_per_cell` — the rule at work in the fast runtime, each
  board checked against the numpy reference simulator; :func:`check_in_runtime` runs every
  exact circuit of a sweep in the C runtime against the same reference.
"""

from __future__ import annotations

import hashlib
import json
import statistics
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from gatenet import rules
from gatenet.book.evidence import wilson
from gatenet.book.report import pick
from gatenet.ir.circuit import Circuit
from gatenet.storage import cache_subdir
from gatenet.sweep import SweepOptions, run_sweep


def random_map_rule(seed: int = 2026) -> str:
    """A random 3×3 rule (each of the 512 outputs a fair coin), as a MAP string."""
    bits = np.random.default_rng([seed, 512]).integers(0, 2, 512).astype(np.uint8)
    return rules.to_map(bits)


#: The zoo: (common name, rule). Life first, as the reference every other is measured by.
ZOO: list[tuple[str, str]] = [
    ("Life", "B3/S23"),
    ("HighLife", "B36/S23"),
    ("Seeds", "B2/S"),
    ("Day & Night", "B3678/S34678"),
    ("Replicator", "B1357/S1357"),
    ("Life without Death", "B3/S012345678"),
    ("Maze", "B3/S12345"),
    ("Diamoeba", "B35678/S5678"),
    ("Morley", "B368/S245"),
    ("isotropic B2-a/S12", "B2-a/S12"),
    ("isotropic B3/S23-q", "B3/S23-q"),
    ("random MAP kernel", random_map_rule()),
]

#: The rules fast mode keeps: quick ones, the hardest one, and the two kinds of strings.
FAST_ZOO = ("Seeds", "Replicator", "Life without Death", "isotropic B2-a/S12",
            "random MAP kernel")
#: What the zoo sweeps train with: the library's default network and training. They stop
#: after the passes: the chapter synthesises only the smallest circuit of each rule (and
#: the reference), under :data:`SYNTH_BUDGET` seconds each, which is what fits in a build.
ZOO_SEEDS = pick(3, 1)
ZOO_OPTIONS = SweepOptions(max_epochs=pick(3000, 1000), synth="none")
SYNTH_BUDGET = pick(20.0, 4.0)
#: The random sample's synthesis budget: more rules, so less time each (the same for the
#: learned circuits and the reference, so the comparison stays like with like).
SAMPLE_BUDGET = pick(10.0, 4.0)


def zoo_rules() -> list[tuple[str, str]]:
    """The zoo of this build: all of :data:`ZOO`, or :data:`FAST_ZOO` in fast mode."""
    return pick(ZOO, [(n, r) for n, r in ZOO if n in FAST_ZOO])
#: The random sample of Life-like rules for the size figure: how many, which draw.
SAMPLE_RULES = pick(14, 3)
SAMPLE_SEED = 11


def _results_path(kind: str, texts: Sequence[str], seeds: Sequence[int],
                  options: SweepOptions) -> Path:
    from gatenet.pipeline import source_fingerprint

    key = json.dumps({"src": source_fingerprint(), "rules": list(texts), "seeds": list(seeds),
                      "options": options.to_dict()}, sort_keys=True)
    digest = hashlib.sha256(key.encode()).hexdigest()[:16]
    return cache_subdir("zoo") / f"{kind}-{digest}.jsonl"


def zoo_sweep(progress: bool = False, workers: int | None = None) -> list[dict[str, Any]]:
    """Every rule of :func:`zoo_rules` × :data:`ZOO_SEEDS` seeds (records in zoo order;
    resumable)."""
    texts = [r for _, r in zoo_rules()]
    seeds = range(ZOO_SEEDS)
    out = _results_path("zoo", texts, seeds, ZOO_OPTIONS)
    return run_sweep(texts, seeds, out, ZOO_OPTIONS, workers=workers,
                     progress=progress, wait=True).records  # chapters share it: wait


def sample_sweep(progress: bool = False, workers: int | None = None) -> list[dict[str, Any]]:
    """One seed of each of :data:`SAMPLE_RULES` random Life-like rules."""
    from gatenet.sweep import life_like_sample

    texts = life_like_sample(SAMPLE_RULES, SAMPLE_SEED)
    out = _results_path("sample", texts, [0], ZOO_OPTIONS)
    return run_sweep(texts, [0], out, ZOO_OPTIONS, workers=workers,
                     progress=progress, wait=True).records


def load_circuit(record: dict[str, Any], kind: str = "circuit") -> Any:
    """The circuit file a record names (``kind`` "circuit" or "lut3_circuit"), verified
    exhaustively against the record's rule before it is returned."""
    from gatenet.ir.lut import Lut3Circuit
    from gatenet.ir.netlist import assert_exact

    folder = cache_subdir("zoo")
    cls = Circuit if kind == "circuit" else Lut3Circuit
    c = cls.load(folder / record[kind])
    return assert_exact(c, rules.parse(record["rule"]).table, f"zoo {record['rule']}")


@dataclass
class RuleSummary:
    """One rule of a sweep in numbers."""

    name: str
    rule: str
    seeds: int
    exact: int
    low: float  # 95 % Wilson interval of the exact-rate
    high: float
    epochs: float | None  # median epochs to exact
    seconds: float | None  # median training seconds of the exact runs
    best: dict[str, Any] | None  # the record of the smallest exact circuit
    degree: np.ndarray  # the rule's Fourier weight by degree (rules.degree_weights)

    @property
    def mean_degree(self) -> float:
        return float(np.dot(np.arange(10), self.degree))


def summarize(records: Sequence[dict[str, Any]],
              names: dict[str, str] | None = None) -> list[RuleSummary]:
    """Per rule (in first-seen order): exact-rate over seeds, median epochs and seconds
    of the exact runs, and the smallest exact circuit's record."""
    names = names or {}
    by_rule: dict[str, list[dict[str, Any]]] = {}
    for rec in records:
        by_rule.setdefault(rec["rule"], []).append(rec)
    out = []
    for rule, recs in by_rule.items():
        exact = [r for r in recs if r.get("status") == "exact"]
        low, high = wilson(len(exact), len(recs))
        best = min(exact, key=lambda r: (r["gates"], r["seed"])) if exact else None
        out.append(RuleSummary(
            name=names.get(rule, rule), rule=rule, seeds=len(recs), exact=len(exact),
            low=low, high=high,
            epochs=float(statistics.median(r["epochs"] for r in exact)) if exact else None,
            seconds=float(statistics.median(r["train_seconds"] for r in exact))
            if exact else None,
            best=best, degree=rules.degree_weights(rules.parse(rule).table)))
    return out


def zoo_names() -> dict[str, str]:
    """Canonical rule name → the zoo's common name."""
    return {rules.parse(r).name: n for n, r in ZOO}


#: The reference's starting point: collapse to the truth table, factor it, map to gates.
#: Synthesis *from the function*, which the pipeline never does (see gatenet.synth.scripts).
FROM_FUNCTION_START = "strash; collapse; sop; fx; strash; dch -f; map -a"


@dataclass
class Synthesised:
    """One rule's smallest learned circuit after synthesis, beside the reference."""

    gates: Circuit  # the learned circuit after the strong flow
    lut3: Any  # its LUT3 mapping (a gatenet.ir.lut.Lut3Circuit)
    ref_gates: int  # the same flow started from the rule's truth table
    ref_lut3: int


def _strong(circuit: Circuit, table: np.ndarray, budget: float | None) -> tuple[Any, Any]:
    from gatenet.ir.netlist import assert_exact
    from gatenet.synth.flow import synthesize_strong

    gates, lut3 = synthesize_strong(circuit, budget=budget)
    return (assert_exact(gates, table, "zoo synthesis"),
            assert_exact(lut3, table, "zoo LUT3 synthesis"))


def reference(rule: str, circuit: Circuit, budget: float | None) -> tuple[Any, Any]:
    """Synthesis *from the function*: ``circuit`` (any circuit of the rule: only its
    function is used) is collapsed to its truth table and factored by ABC, and that start
    gets the same ``strong`` flow under the same ``budget`` as the learned circuits. Only
    the starting point differs — the learned structure, or the rule itself — so the sizes
    compare like with like. Returns the (gates, LUT3) circuits, verified."""
    from gatenet import synth
    from gatenet.ir.netlist import assert_exact

    table = rules.parse(rule).table
    assert_exact(circuit, table, "reference input")
    start = synth.synthesize_gates(circuit, FROM_FUNCTION_START)
    return _strong(start, table, budget)


def synthesise(pairs: Sequence[tuple[str, Circuit]], budget: float | None,
               workers: int = 2) -> list[Synthesised]:
    """For each (rule, learned circuit): the strong flow on the learned circuit and the
    :func:`reference`, both under ``budget`` seconds, ``workers`` syntheses at a time (each
    runs Yosys in a process of its own, so threads fill the cores). Every result is
    verified exhaustively against its rule."""
    from concurrent.futures import ThreadPoolExecutor

    def learned(rc: tuple[str, Circuit]) -> tuple[Any, Any]:
        return _strong(rc[1], rules.parse(rc[0]).table, budget)

    with ThreadPoolExecutor(max(1, workers)) as pool:
        mine = [pool.submit(learned, rc) for rc in pairs]
        refs = [pool.submit(reference, rc[0], rc[1], budget) for rc in pairs]
        out = []
        for m, r in zip(mine, refs, strict=True):
            (g, lut), (rg, rl) = m.result(), r.result()
            out.append(Synthesised(g, lut, len(rg), len(rl)))
    return out


def soup(circuit: Circuit, rule: str, size: int, generations: int, seed: int = 1,
         density: float = 0.35) -> np.ndarray:
    """The same random soup after ``generations`` steps of ``circuit`` in the fast runtime,
    checked against the numpy reference simulator before it is returned."""
    from gatenet.runtime.fast import FastBoard

    start = rules.random_board(size, size, seed=seed, density=density)
    board = FastBoard(start, circuit, threads=1)
    board.step(generations)
    got = board.to_array()
    want = rules.step(start, rule, steps=generations)
    if not np.array_equal(got, want):
        raise AssertionError(f"{rule}: the runtime and the reference disagree after "
                             f"{generations} generations")
    return got


def check_in_runtime(records: Sequence[dict[str, Any]], width: int = 70, height: int = 37,
                     generations: int = 5) -> int:
    """Run every exact record's circuit in the scalar C runtime on a random board of odd
    shape and compare it with the numpy reference simulator; return how many were checked
    (each circuit is also verified on all 512 neighbourhoods as it is loaded)."""
    from gatenet.runtime.board import Board

    checked = 0
    for rec in records:
        if rec.get("status") != "exact":
            continue
        circuit = load_circuit(rec)
        start = rules.random_board(height, width, seed=rec["seed"] + 7, density=0.5)
        board = Board.from_array(start, circuit)
        board.step(generations)
        if not np.array_equal(board.to_array(), rules.step(start, rec["rule"], generations)):
            raise AssertionError(f"{rec['rule']} seed {rec['seed']}: the C runtime and the "
                                 "reference disagree")
        checked += 1
    return checked


def kernel_ns_per_cell(circuit: Circuit, size: int = 512, repeats: int = 7,
                       lut3: Any = None) -> float:
    """Median nanoseconds per cell-update of the widest circuit kernel on this CPU, one
    thread, a ``size``² board (``lut3`` used where the kernel runs three-input LUTs)."""
    from gatenet.runtime.fast import FastBoard

    board = FastBoard(rules.random_board(size, size, seed=3), circuit, threads=1, lut3=lut3)
    steps = max(1, int(2e7 // (size * size)))
    board.time_steps(steps)  # warm up
    times = [board.time_steps(steps) for _ in range(repeats)]
    return 1e9 * statistics.median(times) / (steps * size * size)

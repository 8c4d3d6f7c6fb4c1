"""One task of a sweep: train one rule with one seed, shrink, synthesise, verify, report.

:func:`run_task` is what a worker runs — in a local process or on a Dask worker — so it
takes and returns only plain, picklable values: the rule as text, the seed, the
:class:`~gatenet.sweep.plan.SweepOptions`; back comes a :class:`Outcome` holding the JSON
record and the circuits as JSON-able dicts. It never raises for a rule that fails to
learn: that is a result (``exact: false``), recorded like any other.
"""

from __future__ import annotations

import os
import sys
import time
from dataclasses import dataclass
from typing import Any

from gatenet.sweep.plan import SweepOptions


@dataclass
class Outcome:
    """A finished task: the results line, and the circuits to save beside it."""

    record: dict[str, Any]
    circuit: dict[str, Any] | None = None  # the smallest verified two-input circuit
    lut3: dict[str, Any] | None = None  # its three-input LUT mapping, when synthesis ran


def _prepare_process() -> None:
    """On a fresh worker (JAX not yet imported): one XLA thread, CPU only — the workers
    already fill the cores, and a worker must never probe for accelerators."""
    if "jax" not in sys.modules:
        from gatenet.learn.batch import init_worker

        init_worker()
    os.environ.setdefault("JAX_PLATFORMS", "cpu")


def run_task(rule_text: str, seed: int, options: SweepOptions) -> Outcome:
    """Train ``rule_text`` with ``seed``; if exact, shrink and synthesise the circuit.

    Every circuit is verified exhaustively against the rule (the pipeline checks each
    stage, and the final circuit's own truth table is recorded as ``map`` so anyone can
    check it again). The record's fields are described in :mod:`gatenet.sweep`.
    """
    _prepare_process()
    from gatenet import rules
    from gatenet.ir.netlist import assert_exact
    from gatenet.learn.extract import extract, non_pass_through
    from gatenet.learn.train import TrainConfig, train
    from gatenet.pipeline import shrink

    options.validate()
    rule = rules.parse(rule_text)
    name = rules.name_of(rule.table)  # canonical: one name per table, however it was written
    cfg = TrainConfig(seed=seed, max_epochs=options.max_epochs)
    if options.sizes is not None:
        cfg = cfg.replace(sizes=tuple(options.sizes))
    res = train(rule, cfg, progress=False)
    record: dict[str, Any] = {
        "rule": name, "given": rule_text, "seed": seed, "exact": bool(res.converged),
        "epochs": res.epochs, "hard_errors": res.hard_errors,
        "train_seconds": round(res.seconds, 3), "compile_seconds": round(res.compile_seconds, 3),
        "raw_gates": None, "passes_gates": None, "gates": None, "lut3": None, "depth": None,
        "synth_seconds": None, "map": None, "error": None,
    }
    if not res.converged:
        return Outcome(record)
    raw = extract(res.network, res.params, rule, seed=seed, epochs=res.epochs)
    raw = raw.with_meta(non_pass_through=non_pass_through(raw))
    t0 = time.perf_counter()
    synth = options.synth != "none"
    kwargs: dict[str, Any] = {}
    if synth and options.synth_budget is not None:
        kwargs["synth_budget"] = options.synth_budget
    stages, lut3 = shrink(raw, rule.table, synthesize=synth,
                          synth_effort=options.synth if synth else "strong", **kwargs)
    synth_seconds = time.perf_counter() - t0
    best = min((s.circuit for s in stages), key=len)
    assert_exact(best, rule.table, "the sweep's circuit")  # checked again, end to end
    passes = [s for s in stages if not s.name.startswith("ABC")]
    record.update(
        raw_gates=len(stages[0].circuit), passes_gates=len(passes[-1].circuit),
        gates=len(best), depth=best.depth(), lut3=len(lut3) if lut3 is not None else None,
        synth_seconds=round(synth_seconds, 3) if synth else None,
        map=rules.to_map(best.truth_table()[:, 0]),
    )
    meta = {"rule": name, "map": rule.map_string, "seed": seed, "epochs": res.epochs}
    circuit = best.with_meta(**meta).to_dict(run=False)
    lut3_dict = lut3.with_meta(**meta).to_dict(run=False) if lut3 is not None else None
    return Outcome(record, circuit, lut3_dict)

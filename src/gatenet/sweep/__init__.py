"""Sweeps: many rules × many seeds, trained, shrunk and synthesised, results as JSON lines.

``python -m gatenet sweep --rules B36/S23,B2-a/S12 --seeds 4 --out results.jsonl`` runs
every (rule, seed) through the whole pipeline — train, extract, the passes, synthesis — and
appends one JSON line per task to ``results.jsonl`` as it finishes. The fields:

``rule``
    the rule's canonical name (``B…/S…``, Hensel notation, or ``MAP…``); for a string the
    parser rejects, the string itself.
``given``, ``seed``
    the rule as written, and the training seed.
``status``
    ``exact``, ``not exact`` (training ended with patterns wrong), ``bad rule`` (the
    parser's message is in ``error``) or ``failed`` (the task crashed; ``error`` says how).
``exact``, ``epochs``, ``hard_errors``, ``train_seconds``, ``compile_seconds``
    the training run (seconds exclude JIT compilation, reported apart).
``raw_gates``, ``passes_gates``, ``gates``, ``depth``, ``lut3``, ``synth_seconds``
    the circuit's size as extracted, after the passes, and after synthesis (two-input
    gates, and three-input LUTs), when exact.
``map``
    the final circuit's own truth table as a Golly MAP string — recomputed from the
    circuit, so anyone can check it against the rule.
``circuit``, ``lut3_circuit``
    the circuit files, relative to the results file (``results.circuits/…``).
``options``
    what else determined the result (:class:`~gatenet.sweep.plan.SweepOptions`).

Rerunning with the same ``--out`` skips every task with a final line (anything but
``failed``) and runs the rest, so an interrupted sweep resumes where it stopped; a file
written with other options is refused rather than mixed. See
:mod:`gatenet.sweep.results` for how lines are written crash-safely, and
:mod:`gatenet.sweep.executors` for where tasks run (this machine's cores, or a Dask
cluster with ``--scheduler``).
"""

from __future__ import annotations

import sys
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tqdm.auto import tqdm

from gatenet.sweep.executors import run_dask, run_local
from gatenet.sweep.plan import (
    Entry,
    SweepOptions,
    life_like_sample,
    plan,
    read_rules_file,
    split_rules,
)
from gatenet.sweep.results import (
    BAD_RULE,
    EXACT,
    FAILED,
    NOT_EXACT,
    ResultsFile,
)
from gatenet.sweep.task import Outcome, run_task

__all__ = [
    "ResultsFile",
    "SweepOptions",
    "SweepReport",
    "life_like_sample",
    "plan",
    "read_rules_file",
    "run_sweep",
    "run_task",
    "split_rules",
]


@dataclass
class SweepReport:
    """What a sweep did: its tasks' latest records in plan order, and counts."""

    records: list[dict[str, Any]] = field(default_factory=list)
    ran: int = 0  # tasks run by this call
    rejected: int = 0  # bad rule strings recorded by this call
    skipped: int = 0  # tasks already done in the results file

    def count(self, status: str) -> int:
        return sum(r.get("status") == status for r in self.records)


def _bad_rule_record(entry: Entry, seed: int) -> dict[str, Any]:
    return {"rule": entry.text, "given": entry.text, "seed": seed, "status": BAD_RULE,
            "exact": False, "error": entry.error}


def run_sweep(
    rule_texts: Iterable[str],
    seeds: Sequence[int],
    out: str | Path,
    options: SweepOptions | None = None,
    scheduler: str | None = None,
    workers: int | None = None,
    progress: bool | None = None,
    wait: bool = False,
) -> SweepReport:
    """Run every (rule, seed) not yet final in ``out``; append each result as it finishes.

    ``scheduler`` (``tcp://host:port``) submits the tasks to a Dask cluster; without it they
    run on ``workers`` processes here (default: one per usable core). Bad rule strings are
    recorded as ``bad rule`` lines and the sweep goes on. Returns the latest record of
    every planned task. Another sweep writing ``out`` at the same time is refused, or with
    ``wait`` waited for (then only what it left undone runs).
    """
    from gatenet.learn.batch import default_workers

    options = options or SweepOptions()
    options.validate()
    seeds = list(seeds)
    if any(isinstance(s, bool) or not isinstance(s, int) or not 0 <= s < 2**32 for s in seeds):
        raise ValueError(f"seeds must be integers in 0..2**32-1, got {seeds}")
    if scheduler is not None:
        from gatenet.sweep.executors import check_address

        check_address(scheduler)
    tasks = plan(rule_texts, seeds)
    results = ResultsFile(out)
    results.check()  # a link, a FIFO, a blocked circuit folder: refused before any work
    report = SweepReport()
    if progress is None:
        progress = sys.stderr.isatty()
    with results.writing(wait=wait):
        done = results.done(options)
        todo: list[tuple[str, int, SweepOptions]] = []
        names: list[str] = []  # each task's canonical rule name
        for entry, seed in tasks:
            if (entry.key, seed) in done:
                report.skipped += 1
            elif entry.error is not None:
                results.append(_bad_rule_record(entry, seed))
                report.rejected += 1
            else:
                todo.append((entry.text, seed, options))
                names.append(entry.key)
        bar = tqdm(total=len(todo), disable=not progress, unit="task", desc="sweep")
        exact = 0

        def finished(index: int, outcome: Outcome) -> None:
            nonlocal exact
            rec = dict(outcome.record)
            seed = todo[index][1]
            if rec.pop("failed", False):
                rec["rule"] = names[index]
                rec["status"] = FAILED
            else:
                rec["status"] = EXACT if rec["exact"] else NOT_EXACT
            rec["options"] = options.to_dict()
            results.save_circuits(rec, outcome.circuit, outcome.lut3)
            results.append(rec)
            report.ran += 1
            exact += rec["status"] == EXACT
            bar.update(1)
            bar.set_postfix_str(f"exact {exact}/{bar.n}, last {rec['rule'][:24]} "
                                f"seed {seed}: {rec['status']}")

        try:
            if not todo:
                pass
            elif scheduler is not None:
                run_dask(todo, finished, scheduler)
            else:
                run_local(todo, finished, workers or default_workers())
        finally:
            bar.close()
    latest = results.latest()
    for entry, seed in tasks:
        rec = latest.get((entry.key, seed))
        if rec is not None:
            report.records.append(rec)
    return report

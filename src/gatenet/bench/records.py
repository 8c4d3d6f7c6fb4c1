"""The records benchmarks produce: one JSON-able row per measurement.

The command line prints them, the book tabulates and plots them; keeping them plain
dataclasses means both read the same numbers.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass
class StepRecord:
    """One kernel's speed on one board: the JSON record other tools read."""

    name: str
    kind: str  # "project" or "baseline"
    width: int
    height: int
    threads: int
    us_per_step: float
    cell_updates_per_s: float
    note: str = ""

    @classmethod
    def of(cls, name: str, kind: str, width: int, height: int, threads: int,
           seconds_per_step: float, note: str = "") -> StepRecord:
        return cls(name, kind, width, height, threads, seconds_per_step * 1e6,
                   width * height / seconds_per_step, note)


@dataclass
class TrainRecord:
    seed: int
    converged: bool
    epochs: int
    train_seconds: float
    compile_seconds: float
    hard_errors: int

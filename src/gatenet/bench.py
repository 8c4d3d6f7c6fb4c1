"""Benchmarks that report, never assert: ``python -m gatenet.bench {train,step} ...``.

Performance claims in this project are ratios taken side by side in one run on one
machine, as medians of repeats, with the machine described next to them. This module holds
those measurements so the command line and the book print the same numbers.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass

from gatenet import machine


def median_time(fn: Callable[[], object], repeats: int = 5, warmup: int = 1) -> float:
    """Median wall time of ``fn()`` in seconds over ``repeats`` runs after ``warmup`` runs."""
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(repeats):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times)


# -- training ---------------------------------------------------------------------------------


@dataclass
class TrainRecord:
    seed: int
    converged: bool
    epochs: int
    train_seconds: float
    compile_seconds: float
    hard_errors: int


def bench_train(seeds: Sequence[int], rule: str = "B3/S23", max_epochs: int = 3000,
                progress: bool = False, **overrides) -> list[TrainRecord]:
    """Train the default network once per seed; record convergence and wall time."""
    from gatenet.train import train

    out = []
    for seed in seeds:
        r = train(rule, seed=seed, max_epochs=max_epochs, progress=progress, **overrides)
        out.append(TrainRecord(seed, r.converged, r.epochs, r.seconds, r.compile_seconds,
                               r.hard_errors))
    return out


def summarize_train(records: Sequence[TrainRecord]) -> dict[str, float]:
    ok = [r for r in records if r.converged]
    return {
        "seeds": len(records),
        "converged": len(ok),
        "median_train_seconds": statistics.median(r.train_seconds for r in records),
        "median_epochs_converged": statistics.median(r.epochs for r in ok) if ok else float("nan"),
        "median_ms_per_epoch": statistics.median(
            1000 * r.train_seconds / r.epochs for r in records),
    }


def _cmd_train(args: argparse.Namespace) -> int:
    seeds = range(args.first_seed, args.first_seed + args.seeds)
    print(f"# machine: {machine.one_line()}")
    print(f"# rule {args.rule}, default architecture, up to {args.max_epochs} epochs per seed")
    records = []
    if not args.json:
        print(f"{'seed':>4} {'exact':>5} {'epochs':>6} {'train s':>8} {'jit s':>6} {'wrong':>5}")
    for seed in seeds:
        (r,) = bench_train([seed], args.rule, args.max_epochs, progress=args.progress)
        records.append(r)
        if not args.json:
            print(f"{r.seed:>4} {('yes' if r.converged else 'no'):>5} {r.epochs:>6} "
                  f"{r.train_seconds:>8.2f} {r.compile_seconds:>6.2f} {r.hard_errors:>5}",
                  flush=True)
    s = summarize_train(records)
    if args.json:
        print(json.dumps({"records": [asdict(r) for r in records], "summary": s}, indent=1))
    else:
        print(f"exact: {s['converged']}/{s['seeds']} seeds; median training time "
              f"{s['median_train_seconds']:.2f} s; median epochs to exact "
              f"{s['median_epochs_converged']:.0f}; median {s['median_ms_per_epoch']:.2f} ms/epoch")
    return 0


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m gatenet.bench", description=__doc__)
    sub = p.add_subparsers(dest="command", required=True)
    t = sub.add_parser("train", help="training time and convergence over seeds")
    t.add_argument("--seeds", type=int, default=10, help="number of seeds (default 10)")
    t.add_argument("--first-seed", type=int, default=0)
    t.add_argument("--rule", default="B3/S23")
    t.add_argument("--max-epochs", type=int, default=3000)
    t.add_argument("--json", action="store_true", help="print one JSON object")
    t.add_argument("--progress", action="store_true", help="show a progress bar per seed")
    t.set_defaults(func=_cmd_train)
    return p


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return int(args.func(args) or 0)


if __name__ == "__main__":
    sys.exit(main())

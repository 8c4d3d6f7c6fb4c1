"""``python -m gatenet.bench train``: convergence and training time over seeds."""

from __future__ import annotations

import argparse
import json
import statistics
from collections.abc import Sequence
from dataclasses import asdict

from gatenet import machine
from gatenet.bench.records import TrainRecord


def bench_train(seeds: Sequence[int], rule: str = "B3/S23", max_epochs: int = 3000,
                progress: bool = False, **overrides) -> list[TrainRecord]:
    """Train the default network once per seed; record convergence and wall time."""
    from gatenet.learn.train import train

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


def cmd_train(args: argparse.Namespace) -> int:
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

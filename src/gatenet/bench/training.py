"""``python -m gatenet.bench train``: convergence and training time over seeds."""

from __future__ import annotations

import argparse
import json
import math
import statistics
import sys
from collections.abc import Sequence
from dataclasses import asdict
from typing import Any

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


def strict_json(value: Any) -> str:
    """``value`` as standard JSON: a non-finite float (the median epochs when no seed
    converged is NaN) becomes ``null``, since ``NaN`` is not JSON and strict readers reject
    it."""

    def clean(v: Any) -> Any:
        if isinstance(v, float) and not math.isfinite(v):
            return None
        if isinstance(v, dict):
            return {k: clean(x) for k, x in v.items()}
        if isinstance(v, list | tuple):
            return [clean(x) for x in v]
        return v

    return json.dumps(clean(value), indent=1, allow_nan=False)


def cmd_train(args: argparse.Namespace) -> int:
    """``python -m gatenet.bench train``. With ``--json`` standard output carries only the
    JSON object (written to ``args.json_out``); the machine notes and the per-seed table go
    to standard error, so ``json.loads`` of the output always works."""
    from gatenet.learn.train import MAX_SEED, TrainConfig

    last = args.first_seed + args.seeds - 1
    if last > MAX_SEED:
        raise ValueError(
            f"--first-seed {args.first_seed} with --seeds {args.seeds} runs up to seed {last}; "
            f"seeds are 0..2**32-1 ({MAX_SEED})"
        )
    TrainConfig(seed=args.first_seed, max_epochs=args.max_epochs).validate()
    seeds = range(args.first_seed, last + 1)
    log = sys.stderr if args.json else sys.stdout
    json_out = getattr(args, "json_out", None) or sys.stdout
    print(f"# machine: {machine.one_line()}", file=log)
    print(f"# rule {args.rule}, default architecture, up to {args.max_epochs} epochs per seed",
          file=log)
    records = []
    print(f"{'seed':>4} {'exact':>5} {'epochs':>6} {'train s':>8} {'jit s':>6} {'wrong':>5}",
          file=log)
    for seed in seeds:
        (r,) = bench_train([seed], args.rule, args.max_epochs, progress=args.progress)
        records.append(r)
        print(f"{r.seed:>4} {('yes' if r.converged else 'no'):>5} {r.epochs:>6} "
              f"{r.train_seconds:>8.2f} {r.compile_seconds:>6.2f} {r.hard_errors:>5}",
              file=log, flush=True)
    s = summarize_train(records)
    if args.json:
        print(strict_json({"records": [asdict(r) for r in records], "summary": s}),
              file=json_out)
    else:
        print(f"exact: {s['converged']}/{s['seeds']} seeds; median training time "
              f"{s['median_train_seconds']:.2f} s; median epochs to exact "
              f"{s['median_epochs_converged']:.0f}; median {s['median_ms_per_epoch']:.2f} ms/epoch")
    return 0

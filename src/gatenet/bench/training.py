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
                progress: bool = False, batch: bool = False, workers: int | None = None,
                slots: int = 1, **overrides) -> list[TrainRecord]:
    """Train the default network once per seed; record convergence and wall time.

    ``batch`` trains all seeds together (:func:`gatenet.learn.batch.train_many` over
    ``workers`` processes, or ``slots`` networks per compiled program when ``slots > 1``);
    otherwise one seed after another in this process.
    """
    from gatenet import rules as rules_mod
    from gatenet.learn.batch import train_many
    from gatenet.learn.train import TrainConfig, run_jobs, train

    configs = [TrainConfig(seed=s, max_epochs=max_epochs).replace(**overrides) for s in seeds]
    if not batch:
        results = [train(rule, c, progress=progress) for c in configs]
    elif slots > 1:
        r = rules_mod.parse(rule)
        results = run_jobs([(r, c) for c in configs], slots=slots, progress=progress)
    else:
        results = train_many(rule, configs, workers=workers, progress=progress)
    return [TrainRecord(r.config.seed, r.converged, r.epochs, r.seconds, r.compile_seconds,
                        r.hard_errors) for r in results]


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
    to standard error, so ``json.loads`` of the output always works.

    ``wall_seconds`` is the wall time of all the training (compilation included), in both
    modes. ``--compare-alone K`` also trains the first ``K`` seeds alone, one after
    another in this process, and reports the batch's wall time per epoch as a fraction of
    theirs (``share_vs_alone``): the cost of a seed in the batch relative to the same
    seed trained by itself, measured in the same run.
    """
    import time

    from gatenet.learn.batch import default_workers
    from gatenet.learn.train import MAX_SEED, TrainConfig

    last = args.first_seed + args.seeds - 1
    if last > MAX_SEED:
        raise ValueError(
            f"--first-seed {args.first_seed} with --seeds {args.seeds} runs up to seed {last}; "
            f"seeds are 0..2**32-1 ({MAX_SEED})"
        )
    TrainConfig(seed=args.first_seed, max_epochs=args.max_epochs).validate()
    seeds = list(range(args.first_seed, last + 1))
    log = sys.stderr if args.json else sys.stdout
    json_out = getattr(args, "json_out", None) or sys.stdout
    workers = args.workers or default_workers()
    mode = ((f"batched, {args.slots} networks per program" if args.slots > 1
             else f"batched over {workers} worker processes") if args.batch
            else "one seed at a time")
    print(f"# machine: {machine.one_line()}", file=log)
    print(f"# rule {args.rule}, default architecture, up to {args.max_epochs} epochs per seed, "
          f"{mode}", file=log)
    t0 = time.perf_counter()
    records = bench_train(seeds, args.rule, args.max_epochs, progress=args.progress,
                          batch=args.batch, workers=workers, slots=args.slots)
    wall = time.perf_counter() - t0
    print(f"{'seed':>4} {'exact':>5} {'epochs':>6} {'train s':>8} {'jit s':>6} {'wrong':>5}",
          file=log)
    for r in records:
        print(f"{r.seed:>4} {('yes' if r.converged else 'no'):>5} {r.epochs:>6} "
              f"{r.train_seconds:>8.2f} {r.compile_seconds:>6.2f} {r.hard_errors:>5}",
              file=log, flush=True)
    s = summarize_train(records)
    s["mode"] = mode
    s["wall_seconds"] = wall
    s["wall_seconds_per_seed"] = wall / len(records)
    if args.compare_alone:
        k = min(args.compare_alone, len(seeds))
        t1 = time.perf_counter()
        alone = bench_train(seeds[:k], args.rule, args.max_epochs)
        alone_wall = time.perf_counter() - t1
        for a, b in zip(alone, records, strict=False):
            if (a.converged, a.epochs, a.hard_errors) != (b.converged, b.epochs, b.hard_errors):
                print(f"# seed {a.seed}: alone {a.epochs} epochs, batched {b.epochs} — "
                      "not the same run", file=log)
        per_epoch_batch = wall / sum(r.epochs for r in records)
        per_epoch_alone = alone_wall / sum(r.epochs for r in alone)
        s["alone_seeds"] = k
        s["alone_wall_seconds"] = alone_wall
        s["alone_same_results"] = all(
            (a.converged, a.epochs, a.hard_errors) == (b.converged, b.epochs, b.hard_errors)
            for a, b in zip(alone, records, strict=False))
        s["share_vs_alone"] = per_epoch_batch / per_epoch_alone
    if args.json:
        print(strict_json({"records": [asdict(r) for r in records], "summary": s}),
              file=json_out)
    else:
        print(f"exact: {s['converged']}/{s['seeds']} seeds; wall {wall:.1f} s "
              f"({s['wall_seconds_per_seed']:.2f} s per seed); median training time "
              f"{s['median_train_seconds']:.2f} s; median epochs to exact "
              f"{s['median_epochs_converged']:.0f}; median {s['median_ms_per_epoch']:.2f} ms/epoch")
        if args.compare_alone:
            print(f"a seed's share of the batch: {s['share_vs_alone']:.2f} of the same seed "
                  f"trained alone (per epoch, {s['alone_seeds']} seeds alone; same results: "
                  f"{s['alone_same_results']})")
    return 0

"""``python -m gatenet sweep``: the command line of :func:`gatenet.sweep.run_sweep`."""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from gatenet.cli import CommandError, check_out, existing_file, float_range, int_range


def add_parser(sub: Any) -> None:
    """Add the ``sweep`` subcommand to the package's subparsers."""
    s = sub.add_parser(
        "sweep", help="train many rules × seeds, results as JSON lines (resumable)",
        description="Train, shrink and synthesise every (rule, seed); append one JSON line "
        "per task to --out as it finishes, the circuits beside it in <out>.circuits/. "
        "Rerunning with the same --out skips what is done. Bad rule strings are recorded "
        "as errors and the sweep goes on. Exit status 1 when a task failed or a rule was "
        "rejected (every other result is still written).")
    s.add_argument("--rules", default="",
                   help="comma-separated rules: B3/S23, 23/3, B2-a/S12 (Hensel), MAP…")
    s.add_argument("--rules-file", type=existing_file, metavar="FILE",
                   help="a file of rules, one per line ('#' starts a comment)")
    s.add_argument("--life-like-sample", type=int_range(0, 2**18), default=0, metavar="N",
                   help="add N distinct random Life-like rules (of all 2**18)")
    s.add_argument("--sample-seed", type=int_range(0, 2**32 - 1, "2**32-1"), default=0,
                   metavar="S", help="seed of the random sample (default 0)")
    s.add_argument("--seeds", type=int_range(1, 10_000), required=True, metavar="K",
                   help="train seeds 0..K-1 of every rule")
    s.add_argument("--out", required=True, help="the results file (.jsonl), appended to")
    s.add_argument("--scheduler", metavar="ADDRESS",
                   help="a Dask scheduler (tcp://host:port) to run the tasks on; default: "
                   "this machine's cores")
    s.add_argument("--workers", type=int_range(1, 256), metavar="W",
                   help="local processes (default: one per usable core)")
    s.add_argument("--max-epochs", type=int_range(1), default=3000)
    s.add_argument("--synth", default="strong", choices=["strong", "default", "none"],
                   help="synthesis of each exact circuit (default: strong, which can take "
                   "minutes per circuit: see --synth-budget)")
    s.add_argument("--synth-budget", type=float_range(0.0, 86400.0, lo_open=True),
                   metavar="SECONDS",
                   help="bound each task's synthesis time: smaller budgets give larger "
                   "circuits, and results that depend on the machine's load")
    s.add_argument("--quiet", action="store_true", help="no progress bar")
    s.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from gatenet import sweep

    if args.synth == "none" and args.synth_budget is not None:
        raise CommandError("--synth-budget bounds synthesis, which --synth none skips", 2)
    out = check_out(args.out, suffixes=(".jsonl",))
    texts = sweep.split_rules(args.rules)
    if args.rules_file:
        texts += sweep.read_rules_file(args.rules_file)
    if args.life_like_sample:
        texts += sweep.life_like_sample(args.life_like_sample, args.sample_seed)
    if not texts:
        raise CommandError("no rules: give --rules, --rules-file or --life-like-sample", 2)
    options = sweep.SweepOptions(max_epochs=args.max_epochs, synth=args.synth,
                                 synth_budget=args.synth_budget)
    if args.scheduler is not None:
        from gatenet.sweep.executors import check_address, connect

        check_address(args.scheduler)  # a malformed address is bad input: status 2, at once
        try:
            connect(args.scheduler, timeout=10).close()  # before any work: is anyone there?
        except ConnectionError as e:
            raise CommandError(str(e), 1) from None
    report = sweep.run_sweep(texts, range(args.seeds), out, options,
                             scheduler=args.scheduler, workers=args.workers,
                             progress=False if args.quiet else None)
    counts = {st: report.count(st) for st in ("exact", "not exact", "bad rule", "failed")}
    print(f"{len(report.records)} tasks ({report.ran} run now, {report.rejected} rule strings "
          f"rejected now, {report.skipped} already in {Path(args.out).name}): "
          + ", ".join(f"{n} {st}" for st, n in counts.items() if n))
    for rec in report.records:
        if rec.get("status") in ("bad rule", "failed"):
            given = str(rec.get("given", rec["rule"]))
            print(f"  {given:.40} seed {rec['seed']}: {rec['status']}: "
                  f"{str(rec.get('error'))[:300]}")
    print(json.dumps({"out": str(out), **counts}))
    return 1 if counts["failed"] or counts["bad rule"] else 0

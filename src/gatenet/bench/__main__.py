"""Benchmarks that report, never assert: ``python -m gatenet.bench {train,step} ...``."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from gatenet.bench.steps import cmd_step
from gatenet.bench.training import cmd_train


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m gatenet.bench.steps", description=__doc__)
    sub = p.add_subparsers(dest="command", required=True)
    t = sub.add_parser("train", help="training time and convergence over seeds")
    t.add_argument("--seeds", type=int, default=10, help="number of seeds (default 10)")
    t.add_argument("--first-seed", type=int, default=0)
    t.add_argument("--rule", default="B3/S23")
    t.add_argument("--max-epochs", type=int, default=3000)
    t.add_argument("--json", action="store_true", help="print one JSON object")
    t.add_argument("--progress", action="store_true", help="show a progress bar per seed")
    t.set_defaults(func=cmd_train)
    s = sub.add_parser("step", help="board steps per second for every kernel, side by side")
    s.add_argument("--sizes", default="512", help="comma-separated board sides (default 512)")
    s.add_argument("--threads", default="1,2", help="thread counts for the SIMD kernels")
    s.add_argument("--repeats", type=int, default=5)
    s.add_argument("--budget", type=float, default=0.05,
                   help="seconds per native kernel and repeat (default 0.05)")
    s.add_argument("--circuit", help="circuit JSON (default: train/load the learned circuit)")
    s.add_argument("--rule", default="B3/S23")
    s.add_argument("--seed", type=int, default=0)
    s.add_argument("--no-synth", action="store_true", help="use the circuit before synthesis")
    s.add_argument("--json", action="store_true",
                   help="print one JSON list of records on stdout (progress goes to stderr)")
    s.set_defaults(func=cmd_step)
    return p


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return int(args.func(args) or 0)


if __name__ == "__main__":
    sys.exit(main())

"""Benchmarks that report, never assert: ``python -m gatenet.bench {train,step} ...``.

Every flag is checked when it is parsed (a bad value is one ``gatenet: error:`` line naming
the flag, before anything is trained or compiled). With ``--json`` standard output carries
exactly one JSON document: machine notes, progress, and anything a library or compiler
prints go to standard error.
"""

from __future__ import annotations

import argparse
import contextlib
import math
import os
import sys
from collections.abc import Iterator, Sequence
from typing import TextIO

from gatenet.bench.steps import cmd_step
from gatenet.bench.training import cmd_train
from gatenet.cli import (
    ArgumentParser,
    existing_file,
    float_range,
    int_list,
    int_range,
    rule_text,
    run_command,
)
from gatenet.runtime.checks import MAX_CELLS, MAX_THREADS

#: Largest board side: a side² board must fit the runtimes' limit
#: (:data:`gatenet.runtime.checks.MAX_CELLS`).
MAX_SIDE = math.isqrt(MAX_CELLS)


def build_parser() -> argparse.ArgumentParser:
    p = ArgumentParser(prog="python -m gatenet.bench", description=__doc__.split("\n")[0])
    sub = p.add_subparsers(dest="command", required=True)
    t = sub.add_parser("train", help="training time and convergence over seeds")
    t.add_argument("--seeds", type=int_range(1), default=10,
                   help="number of seeds, ≥ 1 (default 10)")
    t.add_argument("--first-seed", type=int_range(0), default=0,
                   help="first seed; seeds run up to 2**32-1")
    t.add_argument("--rule", type=rule_text, default="B3/S23")
    t.add_argument("--max-epochs", type=int_range(1), default=3000)
    t.add_argument("--json", action="store_true",
                   help="print one JSON object on stdout (notes go to stderr)")
    t.add_argument("--progress", action="store_true", help="show a progress bar")
    t.add_argument("--batch", action="store_true",
                   help="train all seeds together (worker processes); default: one at a time")
    t.add_argument("--workers", type=int_range(1, 256), default=0,
                   help="worker processes for --batch (default: one per usable core)")
    t.add_argument("--slots", type=int_range(1, 64), default=1,
                   help="with --batch: networks per compiled program instead of processes "
                   "(a measurement of in-program batching; default 1)")
    t.add_argument("--compare-alone", type=int_range(0), default=0, metavar="K",
                   help="also train the first K seeds alone and report the batch's cost "
                   "per epoch relative to theirs")
    t.set_defaults(func=cmd_train)
    s = sub.add_parser("step", help="board steps per second for every kernel, side by side")
    s.add_argument("--sizes", type=int_list(32, MAX_SIDE, multiple_of=32), default="512",
                   help=f"comma-separated board sides, multiples of 32 up to {MAX_SIDE} "
                   "(default 512)")
    s.add_argument("--threads", type=int_list(1, MAX_THREADS), default="1,2",
                   help=f"thread counts for the SIMD kernels, 1..{MAX_THREADS} (default 1,2)")
    s.add_argument("--repeats", type=int_range(1), default=5, help="≥ 1 (default 5)")
    s.add_argument("--budget", type=float_range(0.0, 3600.0, lo_open=True), default=0.05,
                   help="seconds per native kernel and repeat, in (0, 3600] (default 0.05)")
    s.add_argument("--circuit", type=existing_file,
                   help="circuit JSON (default: train/load the learned circuit)")
    s.add_argument("--rule", type=rule_text, default="B3/S23")
    s.add_argument("--seed", type=int_range(0), default=0, help="0..2**32-1 (default 0)")
    s.add_argument("--no-synth", action="store_true", help="use the circuit before synthesis")
    s.add_argument("--separable", type=existing_file,
                   help="separable circuit JSON for the separable kernels (default: train/load "
                   "the learned one, unless --circuit is given)")
    s.add_argument("--json", action="store_true",
                   help="print one JSON list of records on stdout (progress goes to stderr)")
    s.set_defaults(func=cmd_step)
    return p


@contextlib.contextmanager
def json_stdout() -> Iterator[TextIO]:
    """Send everything written to standard output to standard error — Python's prints and
    what C code (a compiler, cppyy, OpenMP) writes to file descriptor 1 alike — and yield a
    stream on the real standard output, for the one JSON document."""
    sys.stdout.flush()
    saved = os.dup(1)
    try:
        os.dup2(2, 1)
        with os.fdopen(os.dup(saved), "w") as real, contextlib.redirect_stdout(sys.stderr):
            yield real
    finally:
        sys.stderr.flush()
        os.dup2(saved, 1)
        os.close(saved)


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if not args.json:
        args.json_out = sys.stdout
        return run_command(args.func, args)
    with json_stdout() as out:
        args.json_out = out
        return run_command(args.func, args)


if __name__ == "__main__":
    sys.exit(main())

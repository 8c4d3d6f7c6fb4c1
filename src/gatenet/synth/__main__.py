"""``python -m gatenet.synth CIRCUIT.json``: gate and LUT3 counts per script, timed.

Flags are checked when parsed, the circuit file is loaded safely
(:meth:`gatenet.ir.netlist.Netlist.load`), and a failure — a bad file, a script ABC
rejects — is one ``gatenet: error:`` line, as everywhere in the package's command lines.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Sequence

from gatenet.cli import ArgumentParser, int_range, run_command
from gatenet.ir.circuit import Circuit
from gatenet.synth.flow import synthesize_gates, synthesize_lut3

TARGETS = ("gates", "lut3")


def _names(allowed: Sequence[str] | None = None):
    """An argparse ``type=``: a comma-separated list of names (from ``allowed`` if given)."""

    def names(text: str) -> list[str]:
        items = [t.strip() for t in text.split(",")]
        if not text.strip() or not all(items):
            raise argparse.ArgumentTypeError(f"expected comma-separated names, got {text!r}")
        bad = [t for t in items if allowed is not None and t not in allowed]
        if bad:
            raise argparse.ArgumentTypeError(
                f"unknown {', '.join(map(repr, bad))}; choose from {', '.join(allowed or ())}"
            )
        return items

    return names


def build_parser() -> argparse.ArgumentParser:
    p = ArgumentParser(prog="python -m gatenet.synth", description=__doc__.split("\n")[0])
    p.add_argument("circuit", help="circuit JSON file")
    p.add_argument("--scripts", type=_names(), default="default,resyn2,deepsyn,strong",
                   help="comma-separated script names")
    p.add_argument("--targets", type=_names(TARGETS), default="gates,lut3",
                   help="gates, lut3 or both")
    p.add_argument("--no-cache", action="store_true", help="recompute (for timings)")
    p.add_argument("--iterations", type=int_range(1), default=8)
    p.add_argument("--patience", type=int_range(1), default=100)
    p.add_argument("--timeout", type=int_range(1), default=30)
    return p


def _run(args: argparse.Namespace) -> int:
    circuit = Circuit.load(args.circuit)
    print(f"{args.circuit}: {len(circuit)} gates, depth {circuit.depth()}")
    budget = {"iterations": args.iterations, "patience": args.patience, "timeout": args.timeout}
    for target in args.targets:
        for script in args.scripts:
            t0 = time.perf_counter()
            if target == "gates":
                r = synthesize_gates(circuit, script, cache=not args.no_cache, **budget)
                detail = ", ".join(f"{k} {v}" for k, v in r.op_counts().items())
            else:
                r = synthesize_lut3(circuit, script, cache=not args.no_cache, **budget)
                detail = ", ".join(f"{k}-input {v}" for k, v in r.arity_counts().items())
            dt = time.perf_counter() - t0
            print(
                f"{target:5} {script:8} {len(r):4}  depth {r.depth():2}  {dt:6.1f} s  ({detail})",
                flush=True,
            )
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m gatenet.synth CIRCUIT.json``: gate and LUT3 counts per script, timed."""
    args = build_parser().parse_args(argv)
    return run_command(_run, args)


if __name__ == "__main__":
    sys.exit(main())

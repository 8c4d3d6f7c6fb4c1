"""``python -m gatenet.synth CIRCUIT.json``: gate and LUT3 counts per script, timed."""

from __future__ import annotations

import sys
import time
from collections.abc import Sequence

from gatenet.ir.circuit import Circuit
from gatenet.synth.flow import synthesize_gates, synthesize_lut3


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m gatenet.synth CIRCUIT.json``: gate and LUT3 counts per script, timed."""
    import argparse

    p = argparse.ArgumentParser(prog="python -m gatenet.synth", description=__doc__)
    p.add_argument("circuit", help="circuit JSON file")
    p.add_argument("--scripts", default="default,resyn2,deepsyn,strong", help="comma-separated")
    p.add_argument("--targets", default="gates,lut3", help="gates, lut3 or both")
    p.add_argument("--no-cache", action="store_true", help="recompute (for timings)")
    p.add_argument("--iterations", type=int, default=8)
    p.add_argument("--patience", type=int, default=100)
    p.add_argument("--timeout", type=int, default=30)
    args = p.parse_args(argv)
    circuit = Circuit.load(args.circuit)
    print(f"{args.circuit}: {len(circuit)} gates, depth {circuit.depth()}")
    budget = {"iterations": args.iterations, "patience": args.patience, "timeout": args.timeout}
    for target in args.targets.split(","):
        for script in args.scripts.split(","):
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


if __name__ == "__main__":
    sys.exit(main())

"""The command line: ``python -m gatenet {train,table,emit,run} ...``.

Each subcommand is a thin layer over the library: parse arguments, call one pipeline
stage, print what a person wants to see, and exit non-zero with a one-line message when
something is wrong (no tracebacks for bad input).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence


class CommandError(Exception):
    """A user-facing failure: printed as ``gatenet: error: ...`` with exit status 1 or 2."""

    def __init__(self, message: str, status: int = 1) -> None:
        super().__init__(message)
        self.status = status


def _cmd_table(args: argparse.Namespace) -> int:
    from gatenet import rules
    from gatenet.circuit import Circuit

    circuit = Circuit.load(args.circuit)
    if circuit.n_inputs != 9 or len(circuit.outputs) != 1:
        raise CommandError(
            f"{args.circuit}: a rule circuit has 9 inputs and 1 output, this one has "
            f"{circuit.n_inputs} and {len(circuit.outputs)}"
        )
    print(rules.to_map(circuit.truth_table()[:, 0]))
    return 0


def _cmd_train(args: argparse.Namespace) -> int:
    from gatenet import pipeline

    progress = None if not args.quiet else False
    try:
        learned = pipeline.learn(
            args.rule, args.seed, synthesize=not args.no_synth, synth_effort=args.synth,
            progress=progress, max_epochs=args.max_epochs,
        )
    except pipeline.NotConvergedError as e:
        raise CommandError(str(e)) from None
    best = learned.circuit.with_meta(
        rule=learned.rule.name, map=learned.rule.map_string, seed=args.seed,
        epochs=learned.history.epochs,
    )
    best.save(args.out)
    print(f"trained {learned.rule} (seed {args.seed}): exact after {learned.history.epochs} "
          f"epochs, {learned.train_seconds:.1f} s (+{learned.compile_seconds:.1f} s JIT)")
    print(format_stage_table(learned.stages))
    if learned.lut3 is not None:
        print(f"as 3-input LUTs: {len(learned.lut3)} LUT3s")
    print(f"every stage verified on all 512 neighbourhoods; wrote {len(best)} gates to {args.out}")
    return 0


def format_stage_table(stages) -> str:
    """Gate counts per op after each stage, as a plain-text table."""
    from gatenet import gates

    used = [op for op in gates.NAMES if any(op in s.op_counts() for s in stages)]
    width = max(len(s.name) for s in stages)
    head = f"{'stage':<{width}}  {'gates':>5}  " + "  ".join(f"{n:>{len(n)}}" for n in used)
    lines = [head, "-" * len(head)]
    for s in stages:
        c = s.op_counts()
        lines.append(f"{s.name:<{width}}  {len(s.circuit):>5}  "
                     + "  ".join(f"{c.get(n, 0):>{len(n)}}" for n in used))
    return "\n".join(lines)


def _cmd_emit(args: argparse.Namespace) -> int:
    from pathlib import Path

    from gatenet.circuit import Circuit, atomic_write_text
    from gatenet.emit.c import emit_c

    circuit = Circuit.load(args.circuit)
    text = emit_c(circuit, name=args.name)
    if args.out:
        atomic_write_text(Path(args.out), text)
        print(f"wrote {args.out} ({len(circuit)} gates, C, cell type left to the includer)",
              file=sys.stderr)
    else:
        sys.stdout.write(text)
    return 0


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="python -m gatenet",
        description="Learn a cellular-automaton rule as a logic-gate network, "
        "extract the circuit and compile it to bit-parallel C.",
    )
    sub = p.add_subparsers(dest="command", required=True, metavar="COMMAND")

    t = sub.add_parser("table", help="print a circuit's truth table as a Golly MAP string")
    t.add_argument("circuit", help="circuit JSON file")
    t.set_defaults(func=_cmd_table)

    tr = sub.add_parser("train", help="train, extract, shrink and verify a rule's circuit")
    tr.add_argument("--rule", default="B3/S23", help="B3/S23, 23/3 or a MAP string")
    tr.add_argument("--seed", type=int, default=0)
    tr.add_argument("--out", required=True, help="where to write the circuit JSON")
    tr.add_argument("--max-epochs", type=int, default=3000)
    tr.add_argument("--no-synth", action="store_true", help="skip Yosys/ABC synthesis")
    tr.add_argument("--synth", default="strong", choices=["default", "strong"],
                    help="ABC script (default: strong)")
    tr.add_argument("--quiet", action="store_true", help="no progress bar")
    tr.set_defaults(func=_cmd_train)

    e = sub.add_parser("emit", help="emit a circuit as source code (a C header)")
    e.add_argument("circuit", help="circuit JSON file")
    e.add_argument("--target", default="c", choices=["c"], help="output language")
    e.add_argument("--out", help="output file (default: standard output)")
    e.add_argument("--name", help="function name (default: gatenet_circuit_<hash>)")
    e.set_defaults(func=_cmd_emit)

    return p


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.func(args) or 0)
    except CommandError as e:
        print(f"gatenet: error: {e}", file=sys.stderr)
        return e.status
    except (ValueError, TypeError, OSError) as e:
        print(f"gatenet: error: {e}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("gatenet: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())

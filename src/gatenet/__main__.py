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

    # train: added with the training pipeline; emit, run: added with the C runtime.
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

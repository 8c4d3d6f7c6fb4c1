"""The command line: ``python -m gatenet {train,table,emit,run} ...``.

Each subcommand is a thin layer over the library: parse arguments, call one pipeline
stage, print what a person wants to see, and exit non-zero with a one-line message when
something is wrong (no tracebacks for bad input).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path


class CommandError(Exception):
    """A user-facing failure: printed as ``gatenet: error: ...`` with exit status 1 or 2."""

    def __init__(self, message: str, status: int = 1) -> None:
        super().__init__(message)
        self.status = status


def _cmd_table(args: argparse.Namespace) -> int:
    from gatenet import rules
    from gatenet.ir.circuit import Circuit

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


def _cmd_run(args: argparse.Namespace) -> int:
    import time

    from gatenet import patterns
    from gatenet.ir.circuit import Circuit
    from gatenet.runtime.board import Board

    circuit = Circuit.load(args.circuit)
    if (args.pattern is None) == (args.random is None):
        raise CommandError("give exactly one of --pattern FILE and --random SEED", 2)
    if args.steps < 0:
        raise CommandError(f"--steps must be ≥ 0, got {args.steps}", 2)
    if args.pattern is not None:
        pat = patterns.read(Path(args.pattern))
        cells = patterns.place(pat, args.width, args.height)
        board = Board.from_array(cells, circuit)
        source = f"{args.pattern} ({pat.width}×{pat.height}, {pat.population} cells)"
    else:
        board = Board.random(args.width, args.height, seed=args.random,
                             density=args.density, circuit=circuit)
        source = f"random soup (seed {args.random}, density {args.density})"
    print(f"{args.width}×{args.height} torus, rule {board.rule}, {len(circuit)}-gate "
          f"circuit; start: {source}, population {board.population}")
    Board(1, 1, circuit).step(1)  # warm up cppyy's call wrapper so timings are of C only
    done = 0
    report_every = args.report_every or max(1, args.steps // 10)
    total = 0.0
    while done < args.steps:
        n = min(report_every, args.steps - done)
        t = time.perf_counter()
        board.step(n)
        dt = time.perf_counter() - t
        total += dt
        done += n
        print(f"generation {done:>8}  population {board.population:>9}  "
              f"{1e6 * dt / n:9.2f} µs/step")
    if args.steps:
        rate = args.width * args.height * args.steps / total if total else float("inf")
        print(f"{args.steps} steps in {total:.4f} s: {1e6 * total / args.steps:.2f} µs/step, "
              f"{rate:.3g} cell-updates/s")
    if args.out:
        patterns.write(Path(args.out), board.to_array(), rule=board.rule,
                       name=f"after {args.steps} generations")
        print(f"wrote the whole board to {args.out}")
    return 0


def format_stage_table(stages) -> str:
    """Gate counts per op after each stage, as a plain-text table."""
    from gatenet import gates

    used = [op for op in gates.NAMES if any(s.op_counts.get(op) for s in stages)]
    cols = [max(len(n), 4) for n in used]
    width = max(len(s.name) for s in stages)
    head = f"{'stage':<{width}}  {'gates':>5}  " + "  ".join(
        f"{n:>{w}}" for n, w in zip(used, cols, strict=True))
    lines = [head, "-" * len(head)]
    for s in stages:
        c = s.op_counts
        lines.append(f"{s.name:<{width}}  {len(s.circuit):>5}  " + "  ".join(
            f"{c.get(n, 0):>{w}}" for n, w in zip(used, cols, strict=True)))
    return "\n".join(lines)


def _cmd_emit(args: argparse.Namespace) -> int:
    from pathlib import Path

    from gatenet.emit.c import emit_c
    from gatenet.ir.circuit import Circuit
    from gatenet.storage import atomic_write_text

    if args.target != "c":
        return _emit_synth_target(args)
    circuit = Circuit.load(args.circuit)
    text = emit_c(circuit, name=args.name or "gatenet_circuit")
    if args.out:
        atomic_write_text(Path(args.out), text)
        print(f"wrote {args.out} ({len(circuit)} gates, C, cell type left to the includer)",
              file=sys.stderr)
    else:
        sys.stdout.write(text)
    return 0


def _emit_synth_target(args: argparse.Namespace) -> int:
    """``--target verilog|blif|lut3``: hand-off formats and the AVX-512 LUT3 header."""
    import json
    from pathlib import Path

    from gatenet.ir.circuit import Circuit
    from gatenet.storage import atomic_write_text

    if args.target == "lut3":
        from gatenet import synth
        from gatenet.emit.ternary import to_c
        from gatenet.ir.lut import Lut3Circuit

        d = json.loads(Path(args.circuit).read_text())
        if isinstance(d, dict) and d.get("format") == "gatenet-lut3":
            lc = Lut3Circuit.from_dict(d)
        else:
            lc = synth.synthesize_lut3(Circuit.from_dict(d), args.script)
        text, what = to_c(lc, name=args.name or "gatenet_circuit_lut3"), f"{len(lc)} LUT3"
    else:
        from gatenet.emit.verilog import to_verilog
        from gatenet.synth.blif import to_blif

        circuit = Circuit.load(args.circuit)
        emit = to_verilog if args.target == "verilog" else to_blif
        text, what = emit(circuit, args.name or "gatenet_circuit"), f"{len(circuit)} gates"
    if args.out:
        atomic_write_text(Path(args.out), text)
        print(f"wrote {args.out} ({what}, {args.target})", file=sys.stderr)
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
    e.add_argument("--target", default="c", choices=["c", "verilog", "blif", "lut3"],
                   help="output: C header, Verilog, BLIF, or AVX-512 vpternlog header via "
                   "LUT3 synthesis (default: c)")
    e.add_argument("--script", default="strong",
                   help="ABC script for --target lut3 (default, resyn2, deepsyn, strong, best)")
    e.add_argument("--out", help="output file (default: standard output)")
    e.add_argument("--name", help="function name (default: gatenet_circuit)")
    e.set_defaults(func=_cmd_emit)

    r = sub.add_parser("run", help="run a board with a circuit in the C runtime")
    r.add_argument("circuit", help="circuit JSON file")
    r.add_argument("--pattern", help="RLE or .cells file, placed at the top-left corner")
    r.add_argument("--random", type=int, metavar="SEED", help="fill randomly instead")
    r.add_argument("--density", type=float, default=0.5, help="for --random (default 0.5)")
    r.add_argument("--width", type=int, default=256)
    r.add_argument("--height", type=int, default=256)
    r.add_argument("--steps", type=int, default=100)
    r.add_argument("--report-every", type=int, default=0, help="generations per progress line")
    r.add_argument("--out", help="write the final board (.rle or .cells)")
    r.set_defaults(func=_cmd_run)
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

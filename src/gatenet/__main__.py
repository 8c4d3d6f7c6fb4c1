"""The command line: ``python -m gatenet {train,sweep,table,emit,run} ...``.

Each subcommand is a thin layer over the library: parse arguments, call one pipeline
stage, print what a person wants to see, and exit non-zero with a one-line
``gatenet: error: ...`` on standard error when something is wrong — a bad argument, a bad
file, or a broken environment (no C compiler, an unwritable ``GATENET_CACHE``) — never a
traceback.

Loading a circuit file is safe: a circuit file is data. Every command reads it through
:meth:`gatenet.ir.netlist.Netlist.load` (or :func:`~gatenet.ir.netlist.load_netlist`), which
checks every field strictly, caps every size, and accepts only plain identifiers as names;
the free-form ``meta`` never reaches generated C, Verilog or BLIF.

Arguments are checked before any work starts: numbers against their ranges (the argparse
``type=`` functions below, which :mod:`gatenet.bench` and :mod:`gatenet.synth` share), and
``--out`` against the file system (:func:`check_out`), so a typo never costs a training run.
``--out`` replaces its target atomically; a symbolic link there is replaced by the new file
rather than written through, and the file gets the permissions the umask gives.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from gatenet.cli import (
    ArgumentParser,
    CommandError,
    check_out,
    error_line,
    float_range,
    int_range,
    rule_text,
    run_command,
)


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
    if args.no_synth and args.synth_budget is not None:
        raise CommandError("--synth-budget bounds synthesis, which --no-synth skips", 2)
    from gatenet.learn.train import TrainConfig

    out = check_out(args.out)
    chosen = args.arch
    if args.arch == "auto":
        args.arch = auto_architecture(args.rule, args.search, args.synth)
    if args.search is not None and args.arch != "separable":
        raise CommandError("--search is for the separable architecture (--arch separable)", 2)
    if args.arch == "separable" and args.synth != "strong":
        raise CommandError(
            "the separable architecture synthesises with the strong script only"
            + (" (--arch auto chose it for this rule; --arch flat takes --synth default)"
               if chosen == "auto" else ""), 2)
    if args.no_synth and args.search is not None and args.search > 1:
        raise CommandError("--search ranks seeds by their synthesised size, which --no-synth "
                           "skips", 2)
    if args.arch == "separable" and args.search is None:
        from gatenet.pipeline import DEFAULT_SEARCH

        args.search = 1 if args.no_synth else DEFAULT_SEARCH
    if args.max_epochs is None:
        args.max_epochs = 12000 if args.arch == "separable" else 3000
    TrainConfig(seed=args.seed, max_epochs=args.max_epochs).validate()  # before any work
    if not args.no_synth:
        from gatenet.storage import cache_subdir

        cache_subdir("synth")  # synthesis needs the cache: say so before training, not after

    from gatenet import pipeline
    from gatenet.progress import StageProgress, format_seconds

    if args.arch == "separable":
        return _train_separable(args, out)
    progress = None if not args.quiet else False
    # training shows its epoch bar; the minutes after it, one line per stage (on stderr)
    with StageProgress(disable=args.quiet) as stages:
        try:
            learned = pipeline.learn(
                args.rule, args.seed, synthesize=not args.no_synth, synth_effort=args.synth,
                progress=progress, max_epochs=args.max_epochs,
                synth_budget=args.synth_budget, synth_progress=stages,
            )
        except pipeline.NotConvergedError as e:
            raise CommandError(str(e)) from None
    best = learned.circuit.with_meta(
        rule=learned.rule.name, map=learned.rule.map_string, seed=args.seed,
        epochs=learned.history.epochs,
    )
    best.save(out, run=False)  # deterministic: no timings (see gatenet.ir.netlist)
    print(f"trained {learned.rule} (seed {args.seed}): exact after {learned.history.epochs} "
          f"epochs, {learned.train_seconds:.1f} s (+{learned.compile_seconds:.1f} s JIT)")
    print(format_stage_table(learned.stages))
    if learned.lut3 is not None:
        print(f"as 3-input LUTs: {len(learned.lut3)} LUT3s")
    synth_runs = [r for r in stages.records if r.name.startswith("synthesis:")]
    if synth_runs:
        cached = sum(r.name.endswith("(cached)") for r in synth_runs)
        budget = "" if args.synth_budget is None else f", budget {args.synth_budget:g} s"
        print(f"synthesis took {format_seconds(sum(r.seconds for r in synth_runs))} "
              f"({len(synth_runs)} stages, {cached} from the cache{budget})")
    print(f"every stage verified on all 512 neighbourhoods; wrote {len(best)} gates to {args.out}")
    return 0


def auto_architecture(rule: str, search: int | None, synth: str) -> str:
    """``--arch auto``: the separable architecture when two feature bits per row can carry
    what the rule needs of a row (every outer-totalistic rule: the row's count, see
    :func:`gatenet.learn.separable.row_code_bits`), else the flat one. An explicit
    ``--search`` asks for the separable one; ``--synth default`` for the flat one."""
    from gatenet import rules
    from gatenet.learn.separable import row_code_bits

    if search is not None:
        return "separable"
    if synth != "strong":
        return "flat"
    return "separable" if row_code_bits(rules.parse(rule).table) <= 2 else "flat"


def separable_path(out: Path) -> Path:
    """Where ``train --arch separable --out OUT`` writes the separable form: beside OUT."""
    return out.with_name(out.stem + ".separable.json")


def _train_separable(args: argparse.Namespace, out: Path) -> int:
    """``train --arch separable``: the row-shared architecture (gatenet.learn.separable)."""
    from gatenet import pipeline
    from gatenet.learn.separable import SeparableConfig
    from gatenet.learn.train import MAX_SEED
    from gatenet.progress import StageProgress

    sep_out = check_out(str(separable_path(out)))
    progress = None if not args.quiet else False
    seed = args.seed
    if args.search > 1:
        if seed + args.search - 1 > MAX_SEED:
            raise CommandError(f"--seed {seed} --search {args.search} goes past the largest "
                               f"seed, {MAX_SEED}", 2)
        runs = pipeline.search_separable(range(seed, seed + args.search), args.rule,
                                         SeparableConfig(max_epochs=args.max_epochs),
                                         progress=progress)
        try:
            best = pipeline.smallest_run(runs)
        except pipeline.NotConvergedError as e:
            raise CommandError(f"{e} (seeds {seed}..{seed + args.search - 1})") from None
        exact = sum(r.exact for r in runs)
        print(f"searched seeds {seed}..{seed + args.search - 1}: {exact} exact; seed "
              f"{best.seed} has the fewest gates per word after the quick script "
              f"({best.quick_gates:g}, {best.encoding})")
        seed = best.seed
    with StageProgress(disable=args.quiet) as stages:
        try:
            ls = pipeline.learn_separable(
                args.rule, seed, synthesize=not args.no_synth, progress=progress,
                max_epochs=args.max_epochs, synth_budget=args.synth_budget,
                synth_progress=stages, pair_level=not args.no_pair_level)
        except pipeline.NotConvergedError as e:
            raise CommandError(str(e)) from None
    best = ls.circuit.with_meta(rule=ls.rule.name, map=ls.rule.map_string, seed=seed,
                                epochs=ls.history.epochs, architecture="separable")
    best.save(out, run=False)
    ls.best.with_meta(rule=ls.rule.name, seed=seed).save(sep_out)
    restarts = len(ls.restarts)
    print(f"trained {ls.rule} (seed {seed}, separable): exact after "
          f"{ls.history.epochs} epochs ({restarts} restart{'s' if restarts != 1 else ''}), "
          f"{ls.train_seconds:.1f} s (+{ls.compile_seconds:.1f} s JIT)")
    forms = [("extracted", ls.raw), ("after passes", ls.passed)]
    if ls.synthesized is not None:
        forms.append(("after synthesis", ls.synthesized))
    if ls.paired is not None:
        forms.append(("paired", ls.paired[0]))
    paired = ls.raw.pair is not None or ls.paired is not None
    print(f"{'form':<16}{'row gates':>10}" + (f"{'pair gates':>11}" if paired else "")
          + f"{'combine gates':>15}{'gates per word':>16}")
    for name, form in forms:
        row, comb = form.live_gates()
        pair = f"{form.pair_gates():>11}" if paired else ""
        print(f"{name:<16}{row:>10}{pair}{comb:>15}{form.ops_per_cell_word():>16g}")
    print("flat (three row copies + combine): "
          + ", ".join(f"{s.name} {len(s.circuit)}" for s in ls.flat))
    if ls.row_lut3 is not None:
        print(f"as 3-input LUTs: row {len(ls.row_lut3)}, combine {len(ls.combine_lut3)}, "
              f"flat {len(ls.flat_lut3)}")
    if ls.paired is not None:
        pl = ls.pairing
        print(f"pair level by decomposition: {len(pl['classes'])} classes of row pairs in "
              f"{pl['bits']} bits, {pl['tried']} codes ranked; the fewest gates per word "
              f"{ls.paired[0].ops_per_cell_word():g}, the fewest LUTs per word "
              f"{ls.paired_luts[1].ops_per_cell_word():g}")
    elif "none" in ls.pairing:
        print(f"no pair level: {ls.pairing['none']}")
    print(f"every form verified on all 512 neighbourhoods; wrote {len(best)} gates to "
          f"{args.out} and the separable form to {sep_out}")
    return 0


def _check_board_size(args: argparse.Namespace) -> None:
    """The board's size against the runtime's limit, and against the (lower) limit of a
    board held one byte per cell, which ``--pattern`` and ``--out`` need."""
    from gatenet import patterns
    from gatenet.runtime.checks import MAX_CELLS

    cells = args.width * args.height
    if cells > MAX_CELLS:
        raise CommandError(
            f"--width × --height = {cells:,} cells is above the runtime's limit of "
            f"{MAX_CELLS:,} cells (gatenet.runtime.checks.MAX_CELLS)", 2)
    if (args.pattern is not None or args.out) and cells > patterns.MAX_CELLS:
        raise CommandError(
            f"--width × --height = {cells:,} cells is above the limit of "
            f"{patterns.MAX_CELLS:,} cells for --pattern and --out (gatenet.patterns.MAX_CELLS)"
            ", which hold the board one byte per cell", 2)


def _cmd_run(args: argparse.Namespace) -> int:
    import time

    from gatenet import patterns
    from gatenet.ir.circuit import Circuit
    from gatenet.runtime.board import Board

    if (args.pattern is None) == (args.random is None):
        raise CommandError("give exactly one of --pattern FILE and --random SEED", 2)
    _check_board_size(args)
    out = check_out(args.out, suffixes=(".rle", ".cells")) if args.out else None
    circuit = Circuit.load(args.circuit)
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
    if out is not None:
        patterns.write(out, board.to_array(), rule=board.rule,
                       name=f"after {args.steps} generations")
        print(f"wrote the whole board to {args.out}")
    return 0


def format_stage_table(stages) -> str:
    """The stage table (:func:`gatenet.opt.optimize.stage_table`) as aligned plain text."""
    from gatenet.opt.optimize import stage_table

    header, rows = stage_table(stages)
    cells = [header, *[[str(v) for v in r] for r in rows]]
    widths = [max(len(r[i]) for r in cells) for i in range(len(header))]

    def line(r: list[str]) -> str:
        first = r[0].ljust(widths[0])
        return "  ".join([first, *(v.rjust(w) for v, w in zip(r[1:], widths[1:], strict=True))])

    text = [line(header), "-" * len(line(header))]
    return "\n".join(text + [line(r) for r in cells[1:]])


def _cmd_emit(args: argparse.Namespace) -> int:
    """Load (safely, see the module docstring), emit, write or print."""
    from gatenet.ir.circuit import Circuit
    from gatenet.ir.lut import Lut3Circuit
    from gatenet.ir.names import C_RESERVED, VERILOG_KEYWORDS, check_name
    from gatenet.ir.netlist import load_netlist
    from gatenet.storage import atomic_write_text

    out = check_out(args.out) if args.out else None
    if args.name is not None:
        reserved = VERILOG_KEYWORDS if args.target == "verilog" else (
            C_RESERVED if args.target in ("c", "lut3") else frozenset())
        check_name(args.name, "--name", reserved)
    # one read of the file; its "format" field says which kind of netlist it holds
    netlist = load_netlist(args.circuit, (Circuit, Lut3Circuit))
    if isinstance(netlist, Lut3Circuit) and args.target != "lut3":
        raise CommandError(f"{args.circuit} is a LUT3 circuit: only --target lut3 emits it", 2)
    if args.target == "c":
        from gatenet.emit.c import emit_c

        text = emit_c(netlist, name=args.name or "gatenet_circuit")
        what = f"{len(netlist)} gates, C, cell type left to the includer"
    elif args.target == "lut3":
        from gatenet.emit.ternary import to_c

        lc = netlist if isinstance(netlist, Lut3Circuit) else _synthesize_lut3(netlist, args)
        text = to_c(lc, name=args.name or "gatenet_circuit_lut3")
        what = f"{len(lc)} LUT3, lut3"
    elif args.target == "js":
        from gatenet.emit.js import emit_js

        text = emit_js(netlist)
        what = f"{len(netlist)} gates, JavaScript"
    elif args.target == "html":
        from gatenet.emit.widget import widget_html

        text = widget_html(netlist)
        what = f"{len(netlist)} gates, a standalone page"
    else:
        from gatenet.emit.verilog import to_verilog
        from gatenet.synth.blif import to_blif

        emit = to_verilog if args.target == "verilog" else to_blif
        text = emit(netlist, args.name or "gatenet_circuit")
        what = f"{len(netlist)} gates, {args.target}"
    if out is not None:
        atomic_write_text(out, text)
        print(f"wrote {args.out} ({what})", file=sys.stderr)
    else:
        sys.stdout.write(text)
    return 0


def _synthesize_lut3(circuit: Any, args: argparse.Namespace) -> Any:
    """``--target lut3`` from a two-input circuit: ABC's LUT mapping, failures as one line."""
    from gatenet import synth

    try:
        return synth.synthesize_lut3(circuit, args.script)
    except synth.SynthesisError as e:
        raise CommandError(
            f"LUT3 synthesis with --script {args.script!r} failed: {error_line(e)} (named "
            "scripts: default, resyn2, deepsyn, strong, best; or ABC commands separated by ';')"
        ) from None


def build_parser() -> argparse.ArgumentParser:
    p = ArgumentParser(
        prog="python -m gatenet",
        description="Learn a cellular-automaton rule as a logic-gate network, "
        "extract the circuit and compile it to bit-parallel C.",
    )
    sub = p.add_subparsers(dest="command", required=True, metavar="COMMAND")
    out_help = ("replaced atomically; a symbolic link there is replaced by the file, not "
                "written through")

    t = sub.add_parser("table", help="print a circuit's truth table as a Golly MAP string")
    t.add_argument("circuit", help="circuit JSON file")
    t.set_defaults(func=_cmd_table)

    tr = sub.add_parser("train", help="train, extract, shrink and verify a rule's circuit")
    tr.add_argument("--rule", default="B3/S23", type=rule_text,
                    help="B3/S23, 23/3 or a MAP string")
    tr.add_argument("--seed", type=int_range(), default=0, help="0..2**32-1 (default 0)")
    tr.add_argument("--out", required=True,
                    help=f"where to write the circuit JSON (without run timings, so the same "
                    f"rule and seed give the same bytes); {out_help}")
    tr.add_argument("--arch", choices=["auto", "flat", "separable"], default="auto",
                    help="flat: one network on all nine cells; separable: a row network "
                    "shared by the three rows, then a combine network (also writes OUT's "
                    "stem + .separable.json for the separable kernels); auto (default): "
                    "separable when two bits per row carry what the rule needs of a row "
                    "(every B/S rule), else flat")
    tr.add_argument("--search", type=int_range(1, 1024), default=None, metavar="N",
                    help="separable: train seeds SEED..SEED+N-1 (over all cores), keep the "
                    "one with the fewest gates per word after a quick synthesis, then "
                    "shrink it fully (default 48, gatenet.pipeline.DEFAULT_SEARCH; 1 with "
                    "--no-synth: just SEED)")
    tr.add_argument("--max-epochs", type=int_range(1),
                    help="default 3000 (flat) or 12000 (separable, with restarts)")
    tr.add_argument("--no-synth", action="store_true", help="skip Yosys/ABC synthesis")
    tr.add_argument("--no-pair-level", action="store_true",
                    help="separable: skip the pair level found by decomposing the combine "
                    "circuit (minutes of synthesis; gatenet.synth.pairing)")
    tr.add_argument("--synth", default="strong", choices=["default", "strong"],
                    help="ABC script (default: strong)")
    tr.add_argument("--synth-budget", type=float_range(0, 86400, lo_open=True),
                    metavar="SECONDS",
                    help="bound synthesis (both targets together; with --arch separable, "
                    "each part's run) to about SECONDS: trades "
                    "circuit size for time, and makes the result depend on the machine's "
                    "load (default: no bound; the strong script takes minutes)")
    tr.add_argument("--quiet", action="store_true",
                    help="no progress bar and no synthesis stage lines")
    tr.set_defaults(func=_cmd_train)

    e = sub.add_parser("emit", help="emit a circuit as source code (a C header)")
    e.add_argument("circuit", help="circuit JSON file (a LUT3 circuit for --target lut3)")
    e.add_argument("--target", default="c",
                   choices=["c", "verilog", "blif", "lut3", "js", "html"],
                   help="output: C header, Verilog, BLIF, AVX-512 vpternlog header via LUT3 "
                   "synthesis, JavaScript over 32-bit words, or a standalone HTML page "
                   "running the circuit live (default: c)")
    e.add_argument("--script", default="strong",
                   help="ABC script for --target lut3 (default, resyn2, deepsyn, strong, best)")
    e.add_argument("--out", help=f"output file (default: standard output); {out_help}")
    e.add_argument("--name", help="function name (default: gatenet_circuit)")
    e.set_defaults(func=_cmd_emit)

    r = sub.add_parser("run", help="run a board with a circuit in the C runtime")
    r.add_argument("circuit", help="circuit JSON file")
    r.add_argument("--pattern", help="RLE or .cells file, placed at the top-left corner")
    r.add_argument("--random", type=int_range(0, 2**64 - 1, "2**64-1"), metavar="SEED",
                   help="fill randomly instead (seed 0..2**64-1)")
    r.add_argument("--density", type=float_range(0.0, 1.0), default=0.5,
                   help="for --random (default 0.5)")
    r.add_argument("--width", type=int_range(1), default=256)
    r.add_argument("--height", type=int_range(1), default=256)
    r.add_argument("--steps", type=int_range(0, 2**64 - 1, "2**64-1"), default=100,
                   help="generations (0..2**64-1, the runtime's counter; default 100)")
    r.add_argument("--report-every", type=int_range(0), default=0,
                   help="generations per progress line (default: a tenth of --steps)")
    r.add_argument("--out", help=f"write the final board (.rle or .cells); {out_help}")
    r.set_defaults(func=_cmd_run)

    from gatenet.sweep.command import add_parser as add_sweep

    add_sweep(sub)
    return p


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return run_command(args.func, args)


if __name__ == "__main__":
    sys.exit(main())

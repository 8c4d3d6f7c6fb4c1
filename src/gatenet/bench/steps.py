"""``python -m gatenet.bench step``: every kernel on square boards, side by side in one run.

Performance claims in this project are ratios taken side by side in one run on one machine,
as medians of repeats, with the machine described next to them.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence
from dataclasses import asdict

from gatenet import machine
from gatenet.bench.records import StepRecord
from gatenet.bench.timing import time_jax_network, time_jaxbits, time_numpy_reference


def bench_step(
    sizes: Sequence[int] = (512,),
    circuit=None,
    learned=None,
    threads: Sequence[int] = (1, 2),
    repeats: int = 5,
    float_network_max: int = 512,
    numpy_max: int = 2048,
    progress: Callable[[StepRecord], None] | None = None,
    budget_s: float = 0.05,
    separable=None,
    separable_lut3=None,
    lut3_separable=None,
) -> list[StepRecord]:
    """Every kernel on square boards of each size, side by side in one run.

    ``circuit`` is the two-input circuit the project's kernels run (default: the smallest
    circuit of ``learned``); ``learned`` (a :class:`gatenet.pipeline.Learned`) also supplies
    the trained float network and, when it has one with ``circuit``'s truth table, the LUT3
    mapping (``learned.lut3``), timed as the "avx512" kernel's LUT3 form. Slow baselines are
    limited to small boards (``float_network_max``, ``numpy_max``).

    The native kernels (the write-up's method, the scalar runtime, every fast kernel at every
    thread count) are timed by :func:`gatenet.bench.ladder.measure_size`: interleaved repeat by
    repeat, about ``budget_s`` seconds each, so a burst of load elsewhere (or a phase in
    which a virtual machine's second core is slow) hits all of them alike and their ratios
    stay honest.

    ``separable`` (a :class:`gatenet.ir.separable.SeparableCircuit`, e.g. the best form of
    :func:`gatenet.pipeline.learn_separable`) adds the "separable-…" kernels running it: a
    learned circuit whose row features are computed once per row; ``separable_lut3`` (its
    parts as LUT3 netlists, a :class:`gatenet.ir.separable.SeparableLut3`) adds the
    "separable-avx512" kernel's LUT3 form. That form may belong to another separable
    circuit of the same rule, ``lut3_separable`` (e.g. a pair level chosen for the fewest
    LUTs rather than the fewest gates, :attr:`gatenet.pipeline.LearnedSeparable.lut3_form`).
    Kernel names say what runs: "expert" only ever names the hand-written kernel; a
    separable circuit with a pair level is "paired".
    """
    from gatenet.bench import ladder
    from gatenet.runtime import fast

    if circuit is None:
        if learned is None:
            raise ValueError("bench_step needs a circuit or a learned pipeline result")
        circuit = learned.circuit
    out: list[StepRecord] = []

    def add(rec: StepRecord) -> None:
        out.append(rec)
        if progress:
            progress(rec)

    lut3_separable = separable if lut3_separable is None else lut3_separable
    if separable_lut3 is not None:
        try:
            fast.check_separable_lut3(lut3_separable, separable_lut3)
            if separable is not None and lut3_separable is not separable:
                fast.check_separable(circuit, lut3_separable)
        except (TypeError, ValueError):
            separable_lut3 = None  # not the LUT3 form of a circuit of this rule
    lut3 = getattr(learned, "lut3", None)
    if lut3 is not None:
        try:
            fast.check_lut3(circuit, lut3)
        except ValueError:
            lut3 = None  # an explicit circuit for another rule: no matching LUT3 form
    contenders = [
        ladder.Contender("write-up's scalar method", "writeup", kind="baseline"),
        ladder.Contender("project scalar runtime (runtime.c)", "runtime"),
    ]
    for k in fast.available_kernels():
        for th in threads:
            if k.startswith("expert"):
                name = f"hand-written expert kernel ({k.removeprefix('expert-')})"
                contenders.append(ladder.Contender(name, "fast", k, th, kind="baseline"))
                continue
            if k.startswith("separable"):
                if separable is not None:
                    who = ("hand-written" if separable.meta.get("source") == "handmade"
                           else "learned")
                    shape = "paired" if separable.pair is not None else "separable"
                    name = f"{who} {shape} kernel ({k.removeprefix('separable-')})"
                    contenders.append(ladder.Contender(name, "fast", k, th,
                                                       separable=separable))
                    if k == "separable-avx512" and separable_lut3 is not None:
                        shape = "paired" if lut3_separable.pair is not None else "separable"
                        contenders.append(ladder.Contender(
                            f"{who} {shape} kernel (avx512), LUT3 form (vpternlogq per LUT)",
                            "fast", k, th, separable=lut3_separable,
                            separable_lut3=separable_lut3))
                continue
            contenders.append(ladder.Contender(f"project {k} kernel", "fast", k, th))
            if k == "avx512" and lut3 is not None:
                contenders.append(ladder.Contender(
                    "project avx512 kernel, LUT3 form (vpternlogq per LUT)", "fast", k, th,
                    lut3=lut3))
    for n in sizes:
        if learned is not None and n <= float_network_max:
            net, params = learned.network, learned.params
            for hard in (False, True):
                mode = "hard" if hard else "soft"
                t = time_jax_network(net, params, n, n, hard=hard, repeats=max(1, repeats // 2))
                add(StepRecord.of(f"JAX float network, {mode}, one batch", "baseline", n, n, 0, t))
                if n == 512:
                    t = time_jax_network(net, params, n, n, hard=hard, batch=512,
                                         repeats=max(1, repeats // 2))
                    add(StepRecord.of(f"JAX float network, {mode}, 512 batches of 512",
                                      "baseline", n, n, 0, t, "the write-up's framing"))
        if n <= numpy_max:
            add(StepRecord.of("numpy reference (np.roll + table)", "baseline", n, n, 1,
                              time_numpy_reference(n, n, max(1, repeats // 2))))
        add(StepRecord.of("JAX uint32 bit ops", "project", n, n, 0,
                          time_jaxbits(circuit, n, n, repeats=repeats)))
        for c, rec in zip([c for c in contenders if c.applies(n)],
                          ladder.measure_size(contenders, n, circuit, budget_s, repeats),
                          strict=True):
            if c.runtime == "fast" and (c.lut3 is not None or c.separable_lut3 is not None):
                rec.note = _note(c)
            add(rec)
    return out


def _note(c) -> str:
    """What a record should say beside its time: the LUT3 form's size."""
    if c.separable_lut3 is not None:
        return f"{c.separable_lut3.ops_per_cell_word():g} LUTs per output word"
    return f"{len(c.lut3)} LUTs" if c.lut3 is not None else ""


def cmd_step(args: argparse.Namespace) -> int:
    """``python -m gatenet.bench step``: ``args.sizes`` and ``args.threads`` arrive as lists,
    checked by the parser; with ``--json`` the records go to ``args.json_out`` (the real
    standard output) and everything else to standard error."""
    from gatenet import pipeline
    from gatenet.bench import ladder
    from gatenet.ir.circuit import Circuit

    sizes, threads = list(args.sizes), list(args.threads)
    json_out = getattr(args, "json_out", None) or sys.stdout
    from gatenet import rules

    learned = None
    separable = None
    log = sys.stderr if args.json else sys.stdout
    circuit = Circuit.load(args.circuit) if args.circuit else None
    if args.separable:  # read and checked before any training, so a bad file costs nothing
        from gatenet.ir.separable import SeparableCircuit

        separable = SeparableCircuit.load(args.separable)
        table = (circuit.truth_table()[:, 0] if circuit is not None
                 else rules.parse(args.rule).table)
        wrong = separable.wrong(table)
        if wrong:
            what = "the --circuit's rule" if circuit is not None else f"--rule {args.rule}"
            raise ValueError(f"--separable {args.separable} differs from {what} on {wrong} "
                             f"neighbourhood readings")
    if circuit is None:
        learned = pipeline.learn_cached(args.rule, args.seed, synthesize=not args.no_synth,
                                        progress=False)
        circuit = learned.circuit
    separable_lut3 = lut3_separable = None
    if separable is None and not args.circuit:
        try:
            ls = pipeline.learn_separable_cached(
                args.rule, args.seed, synthesize=not args.no_synth, progress=False)
        except pipeline.NotConvergedError as e:
            print(f"# no separable kernel: {e}", file=log)
        else:
            separable = ls.best
            if ls.lut3_form is not None:
                lut3_separable, separable_lut3 = ls.lut3_form
    if separable is not None:
        from gatenet.runtime.fast import check_separable

        try:
            check_separable(circuit, separable)
        except ValueError as e:
            raise ValueError(f"--separable: {e}") from None
    print(f"# machine: {machine.one_line()}", file=log)
    print(f"# circuit: {len(circuit)} two-input gates", file=log)
    print(f"# two-core capacity before: {ladder.core_capacity():.2f} "
          "(2.0 = two free cores, see gatenet.bench.ladder.core_capacity)", file=log, flush=True)

    def show(r: StepRecord) -> None:
        print(f"{r.width:>5}² {r.threads:>2}t  {r.us_per_step:>12.2f} µs/step  "
              f"{r.cell_updates_per_s:>10.3g} cells/s  {r.name}"
              + (f"  [{r.note}]" if r.note else ""), file=log, flush=True)

    if separable is not None:
        row, comb = separable.live_gates()
        pair = f", pair {separable.pair_gates()} per two words" if separable.pair else ""
        print(f"# separable circuit: {separable.ops_per_cell_word():g} gates per output word "
              f"(row {row}{pair}, combine {comb})", file=log, flush=True)
    records = bench_step(sizes, circuit, learned, threads, args.repeats, progress=show,
                         budget_s=args.budget, separable=separable,
                         separable_lut3=separable_lut3, lut3_separable=lut3_separable)
    print(f"# two-core capacity after: {ladder.core_capacity():.2f}", file=log)
    if args.json:
        from gatenet.bench.training import strict_json

        print(strict_json([asdict(r) for r in records]), file=json_out)
        return 0
    print(file=log)
    for n in sizes:
        rs = [r for r in records if r.width == n]
        ref = next((r for r in rs if r.name == "write-up's scalar method"), None)
        flt = next((r for r in rs if r.name == "JAX float network, soft, one batch"), None)
        for label, pool in (("project", [r for r in rs if r.kind == "project"]),
                            ("any", rs)):
            best = min(pool, key=lambda r: r.us_per_step)
            line = f"{n}², fastest {label}: {best.name} ({best.threads} threads)"
            if ref:
                line += f", {ref.us_per_step / best.us_per_step:.1f}× the write-up's method"
            if flt:
                line += f", {flt.us_per_step / best.us_per_step:.3g}× the float network"
            print(line, file=log)
    return 0

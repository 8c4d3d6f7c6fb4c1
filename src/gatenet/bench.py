"""Benchmarks that report, never assert: ``python -m gatenet.bench {train,step} ...``.

Performance claims in this project are ratios taken side by side in one run on one
machine, as medians of repeats, with the machine described next to them. This module holds
those measurements so the command line and the book print the same numbers.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass

from gatenet import machine


def median_time(fn: Callable[[], object], repeats: int = 5, warmup: int = 1) -> float:
    """Median wall time of ``fn()`` in seconds over ``repeats`` runs after ``warmup`` runs."""
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(repeats):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times)


# -- board steps ------------------------------------------------------------------------------


@dataclass
class StepRecord:
    """One kernel's speed on one board: the JSON record other tools read."""

    name: str
    kind: str  # "project" or "baseline"
    width: int
    height: int
    threads: int
    us_per_step: float
    cell_updates_per_s: float
    note: str = ""

    @classmethod
    def of(cls, name: str, kind: str, width: int, height: int, threads: int,
           seconds_per_step: float, note: str = "") -> StepRecord:
        return cls(name, kind, width, height, threads, seconds_per_step * 1e6,
                   width * height / seconds_per_step, note)


def random_board(width: int, height: int, seed: int = 0, density: float = 0.5):
    import numpy as np

    rng = np.random.default_rng(seed)
    return (rng.random((height, width)) < density).astype(np.uint8)


def time_numpy_reference(width: int, height: int, repeats: int = 3) -> float:
    """Seconds per generation of :func:`gatenet.rules.step` (the obviously-right simulator)."""
    from gatenet import rules

    board = random_board(width, height)
    return median_time(lambda: rules.step(board), repeats)


def neighbourhoods(board):
    """Every cell's 3×3 neighbourhood as a float32 row of 9 (the network's input)."""
    import numpy as np

    from gatenet import rules

    idx = rules.pattern_index(board).ravel()
    return ((idx[:, None] >> np.arange(8, -1, -1)) & 1).astype(np.float32)


def time_jax_network(net, params, width: int, height: int, hard: bool = False,
                     batch: int | None = None, repeats: int = 3) -> float:
    """Seconds for the float network to compute one generation of a board.

    ``batch=None`` feeds the whole board as one batch; ``batch=512`` reproduces the
    write-up's framing (512 batches of 512 for a 512×512 board). Inputs are prepared
    beforehand and the JIT is warmed up; every call is synchronised with
    ``block_until_ready`` so we time the computation, not its dispatch.
    """
    import jax
    import jax.numpy as jnp

    fn = net.hard if hard else net.soft
    x = jnp.asarray(neighbourhoods(random_board(width, height)))
    if batch is None:
        run = lambda: fn(params, x).block_until_ready()  # noqa: E731
    else:
        chunks = [x[i:i + batch] for i in range(0, x.shape[0], batch)]

        def run():
            outs = [fn(params, c) for c in chunks]
            jax.block_until_ready(outs)

    return median_time(run, repeats, warmup=1)


def time_jaxbits(circuit, width: int, height: int, steps: int = 10, repeats: int = 3) -> float:
    """Seconds per generation of the circuit as JAX ``uint32`` bit operations."""
    import jax.numpy as jnp

    from gatenet.emit import jaxbits

    step = jaxbits.make_stepper(circuit, steps)
    words = jnp.asarray(jaxbits.pack(random_board(width, height)))
    return median_time(lambda: step(words).block_until_ready(), repeats) / steps


def time_board(board, width: int, height: int, repeats: int = 5) -> float:
    """Seconds per generation of a native board (Board, WriteupBoard): median of repeats."""
    from gatenet import native

    steps = max(3, min(2000, 200_000_000 // (width * height)))
    board.step(1)
    return statistics.median(native.time_steps(board, steps, repeats)) * 1e-6


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
) -> list[StepRecord]:
    """Every kernel on square boards of each size, side by side in one run.

    ``circuit`` is the two-input circuit the project's kernels run (default: the smallest
    circuit of ``learned``); ``learned`` (a :class:`gatenet.pipeline.Learned`) also supplies
    the trained float network and, when it has one with ``circuit``'s truth table, the LUT3
    mapping (``learned.lut3``), timed as the "avx512" kernel's LUT3 form. Slow baselines are
    limited to small boards (``float_network_max``, ``numpy_max``).

    The native kernels (the write-up's method, the scalar runtime, every fast kernel at every
    thread count) are timed by :func:`gatenet.ladder.measure_size`: interleaved repeat by
    repeat, about ``budget_s`` seconds each, so a burst of load elsewhere (or a phase in
    which a virtual machine's second core is slow) hits all of them alike and their ratios
    stay honest. Each fast kernel's record notes its instruction-throughput bound.
    """
    from gatenet import fast, ladder

    if circuit is None:
        if learned is None:
            raise ValueError("bench_step needs a circuit or a learned pipeline result")
        circuit = learned.circuit
    out: list[StepRecord] = []

    def add(rec: StepRecord) -> None:
        out.append(rec)
        if progress:
            progress(rec)

    lut3 = getattr(learned, "lut3", None)
    if lut3 is not None:
        try:
            fast.check_lut3(circuit, lut3)
        except ValueError:
            lut3 = None  # an explicit circuit for another rule: no matching LUT3 form
    contenders = [
        ladder.Contender("write-up's scalar method", "writeup", kind="baseline"),
        ladder.Contender("project scalar runtime (c/runtime.c)", "runtime"),
    ]
    for k in fast.available_kernels():
        for th in threads:
            if k.startswith("expert"):
                name = f"hand-written expert kernel ({k.removeprefix('expert-')})"
                contenders.append(ladder.Contender(name, "fast", k, th, kind="baseline"))
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
            if c.runtime == "fast":
                rec.note = _bound_note(c, n, circuit)
            add(rec)
    return out


def _bound_note(c, n: int, circuit) -> str:
    """The instruction-throughput bound of a fast-kernel contender, as a record note."""
    from gatenet import fast

    words = fast.vector_words(c.kernel, n, n)
    ops = fast.ops_per_word(c.kernel, circuit, c.lut3)
    bound = fast.throughput_bound_us(c.kernel, words, ops)
    note = f"bound {bound / c.threads:.2f} µs/step" if bound else ""
    if c.lut3 is not None:
        note = f"{len(c.lut3)} LUTs" + (f"; {note}" if note else "")
    return note


def _cmd_step(args: argparse.Namespace) -> int:
    from gatenet import ladder, pipeline
    from gatenet.circuit import Circuit

    sizes = [int(x) for x in args.sizes.split(",")]
    threads = [int(x) for x in args.threads.split(",")]
    learned = None
    if args.circuit:
        circuit = Circuit.load(args.circuit)
    else:
        learned = pipeline.learn_cached(args.rule, args.seed, synthesize=not args.no_synth,
                                        progress=False)
        circuit = learned.circuit
    log = sys.stderr if args.json else sys.stdout
    print(f"# machine: {machine.one_line()}", file=log)
    print(f"# circuit: {len(circuit)} two-input gates", file=log)
    print(f"# two-core capacity before: {ladder.core_capacity():.2f} "
          "(2.0 = two free cores, see gatenet.ladder.core_capacity)", file=log, flush=True)

    def show(r: StepRecord) -> None:
        print(f"{r.width:>5}² {r.threads:>2}t  {r.us_per_step:>12.2f} µs/step  "
              f"{r.cell_updates_per_s:>10.3g} cells/s  {r.name}"
              + (f"  [{r.note}]" if r.note else ""), file=log, flush=True)

    records = bench_step(sizes, circuit, learned, threads, args.repeats, progress=show,
                         budget_s=args.budget)
    print(f"# two-core capacity after: {ladder.core_capacity():.2f}", file=log)
    if args.json:
        print(json.dumps([asdict(r) for r in records], indent=1))
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


# -- training ---------------------------------------------------------------------------------


@dataclass
class TrainRecord:
    seed: int
    converged: bool
    epochs: int
    train_seconds: float
    compile_seconds: float
    hard_errors: int


def bench_train(seeds: Sequence[int], rule: str = "B3/S23", max_epochs: int = 3000,
                progress: bool = False, **overrides) -> list[TrainRecord]:
    """Train the default network once per seed; record convergence and wall time."""
    from gatenet.train import train

    out = []
    for seed in seeds:
        r = train(rule, seed=seed, max_epochs=max_epochs, progress=progress, **overrides)
        out.append(TrainRecord(seed, r.converged, r.epochs, r.seconds, r.compile_seconds,
                               r.hard_errors))
    return out


def summarize_train(records: Sequence[TrainRecord]) -> dict[str, float]:
    ok = [r for r in records if r.converged]
    return {
        "seeds": len(records),
        "converged": len(ok),
        "median_train_seconds": statistics.median(r.train_seconds for r in records),
        "median_epochs_converged": statistics.median(r.epochs for r in ok) if ok else float("nan"),
        "median_ms_per_epoch": statistics.median(
            1000 * r.train_seconds / r.epochs for r in records),
    }


def _cmd_train(args: argparse.Namespace) -> int:
    seeds = range(args.first_seed, args.first_seed + args.seeds)
    print(f"# machine: {machine.one_line()}")
    print(f"# rule {args.rule}, default architecture, up to {args.max_epochs} epochs per seed")
    records = []
    if not args.json:
        print(f"{'seed':>4} {'exact':>5} {'epochs':>6} {'train s':>8} {'jit s':>6} {'wrong':>5}")
    for seed in seeds:
        (r,) = bench_train([seed], args.rule, args.max_epochs, progress=args.progress)
        records.append(r)
        if not args.json:
            print(f"{r.seed:>4} {('yes' if r.converged else 'no'):>5} {r.epochs:>6} "
                  f"{r.train_seconds:>8.2f} {r.compile_seconds:>6.2f} {r.hard_errors:>5}",
                  flush=True)
    s = summarize_train(records)
    if args.json:
        print(json.dumps({"records": [asdict(r) for r in records], "summary": s}, indent=1))
    else:
        print(f"exact: {s['converged']}/{s['seeds']} seeds; median training time "
              f"{s['median_train_seconds']:.2f} s; median epochs to exact "
              f"{s['median_epochs_converged']:.0f}; median {s['median_ms_per_epoch']:.2f} ms/epoch")
    return 0


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m gatenet.bench", description=__doc__)
    sub = p.add_subparsers(dest="command", required=True)
    t = sub.add_parser("train", help="training time and convergence over seeds")
    t.add_argument("--seeds", type=int, default=10, help="number of seeds (default 10)")
    t.add_argument("--first-seed", type=int, default=0)
    t.add_argument("--rule", default="B3/S23")
    t.add_argument("--max-epochs", type=int, default=3000)
    t.add_argument("--json", action="store_true", help="print one JSON object")
    t.add_argument("--progress", action="store_true", help="show a progress bar per seed")
    t.set_defaults(func=_cmd_train)
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
    s.set_defaults(func=_cmd_step)
    return p


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return int(args.func(args) or 0)


if __name__ == "__main__":
    sys.exit(main())

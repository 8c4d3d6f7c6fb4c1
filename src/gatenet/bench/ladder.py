"""The optimisation ladder: each step from the write-up's runtime to the fastest kernel, timed.

Chapter "Going fast" climbs from the write-up's scalar method to AVX-512 on every core and
asks of each rung how much it helped. That question needs the rungs timed *side by side*:
on a shared machine a ratio of two numbers measured a minute apart says more about the
neighbours' load than about the code. So :func:`measure_size` builds every contender on the
same random board, calibrates a step count per contender to a time budget, and then times
them interleaved, repeat by repeat, reporting medians as :class:`gatenet.bench.StepRecord`.

Contenders are plain descriptions (:class:`Contender`); the kernels themselves live in
``csrc/writeup_baseline.c``, ``csrc/runtime.c`` and ``csrc/fast.c`` and are reached through
:mod:`gatenet.runtime.board` and :mod:`gatenet.runtime.fast`.
"""

from __future__ import annotations

import math
import os
import statistics
import time
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from gatenet import rules
from gatenet.bench.records import StepRecord
from gatenet.bench.timing import time_steps
from gatenet.ir.circuit import Circuit


@dataclass(frozen=True)
class Contender:
    """One rung: a label, and how to build its board.

    ``runtime`` is "writeup" (the write-up's scalar method), "runtime" (``csrc/runtime.c``) or
    "fast" (``csrc/fast.c`` with ``kernel``, ``threads`` and ``depth``; depth None means the
    runtime's automatic choice). ``min_size`` skips boards smaller than that side. ``lut3``
    (a :class:`gatenet.ir.lut.Lut3Circuit` of the same rule) runs the "avx512" kernel in its
    LUT3 form, one ``vpternlogq`` per LUT (see :func:`lut3_form`). ``separable`` (a
    :class:`gatenet.ir.separable.SeparableCircuit` of the same rule) is what a
    "separable-…" kernel runs, and ``separable_lut3`` (its parts as LUT3 netlists) what
    "separable-avx512" runs in its LUT3 form.
    """

    label: str
    runtime: str
    kernel: str = ""
    threads: int = 1
    depth: int | None = None
    kind: str = "project"
    min_size: int = 1
    lut3: Any = None
    separable: Any = None
    separable_lut3: Any = None

    def applies(self, n: int) -> bool:
        """Whether this contender runs on an n×n board."""
        return n >= self.min_size and not (self.runtime == "writeup" and n % 64)

    def board(self, cells: np.ndarray, circuit: Circuit) -> Any:
        """A board of this contender holding ``cells`` (caller closes it)."""
        from gatenet.runtime.board import Board, WriteupBoard

        if self.runtime == "writeup":
            return WriteupBoard.from_array(cells, circuit)
        if self.runtime == "runtime":
            return Board.from_array(cells, circuit=circuit)
        if self.runtime == "fast":
            from gatenet.runtime.fast import FastBoard

            expert = self.kernel.startswith("expert")
            if self.kernel.startswith("separable"):
                return FastBoard(cells, None, self.kernel, self.threads, depth=self.depth,
                                 separable=self.separable,
                                 separable_lut3=self.separable_lut3)
            return FastBoard(cells, None if expert else circuit, self.kernel, self.threads,
                             depth=self.depth, lut3=self.lut3)
        raise ValueError(f"unknown runtime {self.runtime!r}")


def cores() -> int:
    """Cores this process may use (what "every core" means in the ladder)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        return os.cpu_count() or 1


def ladder(threads: int | None = None) -> list[Contender]:
    """The rungs in order, each one change over the previous, for the kernels this CPU has.

    The write-up's method; the project's scalar runtime (no scratch boards, no ``%``); the
    lane-banded layout with 64-bit words; 256-bit AVX2; 512-bit AVX-512; then all
    ``threads`` cores (default: every core). Widths the CPU lacks are left out.
    """
    from gatenet.runtime import fast

    threads = cores() if threads is None else threads
    avail = fast.available_kernels()
    rungs = [
        Contender("write-up's scalar method", "writeup", kind="baseline"),
        Contender("project scalar runtime (runtime.c)", "runtime"),
        Contender("lane-banded layout, 64-bit words", "fast", "scalar"),
    ]
    if "avx2" in avail:
        rungs.append(Contender("AVX2, 256-bit vectors", "fast", "avx2"))
    if "avx512" in avail:
        rungs.append(Contender("AVX-512, 512-bit vectors", "fast", "avx512"))
    widest = [k for k in avail if not k.startswith(("expert", "separable"))][-1]
    if threads > 1:
        rungs.append(Contender(f"{_width_label(widest)}, {threads} threads", "fast", widest,
                               threads))
    return rungs


def expert(threads: int | None = None) -> list[Contender]:
    """The hand-written bit-sliced Life at the widest width: one thread and every core."""
    from gatenet.runtime import fast

    threads = cores() if threads is None else threads
    widest = [k for k in fast.available_kernels() if k.startswith("expert")][-1]
    width = _width_label(widest.removeprefix("expert-"))
    out = [Contender(f"expert bit-sliced Life, {width}", "fast", widest, kind="baseline")]
    if threads > 1:
        out.append(Contender(f"expert bit-sliced Life, {width}, {threads} threads", "fast",
                             widest, threads, kind="baseline"))
    return out


def expert_widths() -> list[Contender]:
    """The expert Life on one thread at every width this CPU has (for the bar chart)."""
    from gatenet.runtime import fast

    return [
        Contender(f"expert bit-sliced Life, {_width_label(k.removeprefix('expert-'))}", "fast",
                  k, kind="baseline")
        for k in fast.available_kernels() if k.startswith("expert")
    ]


def no_blocking(contender: Contender, min_size: int = 1) -> Contender:
    """``contender`` with temporal blocking switched off (one generation per pass)."""
    if contender.runtime != "fast":
        raise ValueError("only the fast runtime has temporal blocking")
    return Contender(f"{contender.label}, no temporal blocking", "fast", contender.kernel,
                     contender.threads, 1, contender.kind, min_size)


def lut3_form(contender: Contender, lut3: Any) -> Contender:
    """``contender`` (an "avx512" rung) running the LUT3 mapping instead of the netlist.

    The board checks exhaustively that ``lut3`` computes the circuit's rule when it is built.
    """
    if contender.runtime != "fast" or contender.kernel != "avx512":
        raise ValueError("only the fast runtime's avx512 kernel has a LUT3 form")
    return replace(contender, label=f"{contender.label}, LUT3 form (vpternlogq per LUT)",
                   lut3=lut3)


@dataclass(frozen=True)
class Lineup:
    """Everything the "Going fast" chapter times, in the roles it compares them in.

    ``rungs`` climb from the write-up's method to the widest kernel on every core (plus the
    LUT3 form where the widest kernel is AVX-512); ``experts`` are the hand-written Life at
    the widest width on one thread and on every core; ``no_block`` is the widest multi-thread
    rung without temporal blocking; ``extra_experts`` the expert at the other widths.
    """

    rungs: list[Contender]
    experts: list[Contender]
    no_block: Contender
    extra_experts: list[Contender]
    widest_1t: Contender  # the widest one-thread circuit rung
    widest_mt: Contender  # the widest rung on every core (before the LUT3 form)

    def at(self, n: int, middle: int) -> list[Contender]:
        """The contenders timed on an n×n board (the extra experts only at the middle size)."""
        return [*self.rungs, *self.experts, self.no_block,
                *(self.extra_experts if n == middle else [])]

    @property
    def sweep(self) -> list[Contender]:
        """The contenders timed at every size, in the order the figures list them."""
        return [*self.rungs, *self.experts, self.no_block]


def lineup(threads: int | None = None, lut3: Any = None) -> Lineup:
    """The :class:`Lineup` for this CPU: ``threads`` (default every core) and, if given, a
    LUT3 mapping of the circuit for the AVX-512 kernel's last rung."""
    threads = cores() if threads is None else threads
    rungs = ladder(threads)
    experts = expert(threads)
    widest_1t = next(c for c in reversed(rungs) if c.threads == 1)
    widest_mt = rungs[-1]
    if widest_mt.kernel == "avx512" and lut3 is not None:
        rungs.append(lut3_form(widest_mt, lut3))
    extra = [c for c in expert_widths() if c.label != experts[0].label]
    return Lineup(rungs, experts, no_blocking(widest_mt), extra, widest_1t, widest_mt)


def headline(records: Sequence[StepRecord], line: Lineup, sizes: Sequence[int], middle: int,
             float_us: float) -> dict[str, float]:
    """The comparisons that summarise a sweep, each a ratio or a rate from ``records``.

    - ``vs_writeup``: the fastest project kernel over the write-up's method at ``middle``²;
    - ``vs_float``: the same kernel over the float network (``float_us`` µs per board);
    - ``vs_expert``: the fastest project kernel's time over the expert's at the same thread
      count (below 1: the learned circuit is faster);
    - ``cups_min``/``cups_max``: cell updates per second of the widest rung on every core,
      over the boards of 1024² and more (the sizes where memory, not set-up, dominates);
    - ``scaling``: the worst ratio of one thread's time to all threads' on those boards;
    - ``per_cell``: cost per cell on the largest board over the middle one (1.0: size is free).
    """
    at_mid = [r for r in records if r.width == middle]
    project = {c.label for c in line.rungs}
    best = min((r for r in at_mid if r.name in project), key=lambda r: r.us_per_step)
    writeup = find(records, line.rungs[0].label, middle)
    same = next((c for c in line.experts if c.threads == best.threads), line.experts[0])
    large = [n for n in sizes if n >= 1024] or [max(sizes)]
    mt = [find(records, line.widest_mt.label, n) for n in large]
    big = max(sizes)
    best_big = find(records, best.name, big)
    return {
        "vs_writeup": writeup.us_per_step / best.us_per_step,
        "vs_float": float_us / best.us_per_step,
        "vs_expert": best.us_per_step / find(records, same.label, middle).us_per_step,
        "cups_min": min(r.cell_updates_per_s for r in mt),
        "cups_max": max(r.cell_updates_per_s for r in mt),
        "scaling": min(find(records, line.widest_1t.label, n).us_per_step
                       / find(records, line.widest_mt.label, n).us_per_step for n in large),
        "per_cell": (best_big.us_per_step / big**2) / (best.us_per_step / middle**2),
        "large_min": float(large[0]),
    }


def _width_label(kernel: str) -> str:
    return {"scalar": "64-bit words", "avx2": "AVX2", "avx512": "AVX-512"}[kernel]


def core_capacity(seconds: float = 0.1, n: int = 512, repeats: int = 3) -> float:
    """Cores' worth of work two independent threads got on this machine just now.

    Times ``n``×``n`` single-threaded boards (the widest expert kernel, which needs no
    circuit): one alone, then two at once from two Python threads (the C step releases the
    GIL). 2.0 means two
    free cores; 1.0 means the two threads shared one — which happens on a loaded machine,
    and on a virtual machine whose host puts both virtual CPUs on one physical core for a
    while. Multi-threaded timings mean little without this number next to them. Median of
    ``repeats``.
    """
    import threading

    from gatenet.runtime import fast

    if not seconds > 0 or repeats < 1:
        raise ValueError("seconds must be positive and repeats at least 1")
    cells = rules.random_board(n, n, 0, 0.35)
    boards = [fast.FastBoard(cells, None, "expert", 1) for _ in range(2)]
    try:
        steps = _steps_for(boards[0], seconds)
        ratios = []
        for _ in range(repeats):
            t0 = time.perf_counter()
            boards[0].step(steps)
            alone = time.perf_counter() - t0
            workers = [threading.Thread(target=b.step, args=(steps,)) for b in boards]
            t0 = time.perf_counter()
            for w in workers:
                w.start()
            for w in workers:
                w.join()
            both = time.perf_counter() - t0
            ratios.append(2 * alone / both)
    finally:
        for b in boards:
            b.close()
    return statistics.median(ratios)


def _warm(board: Any, seconds: float) -> None:
    """Keep ``board`` stepping for about ``seconds`` of wall time.

    Threaded boards need this before they are timed: an idle OpenMP team sleeps, and on a
    virtual machine waking a sleeping core for every barrier can cost milliseconds, for a
    good fraction of a second, until the threads spin again. A simulation that runs
    continuously never pays that, so we time the steady state, not the wake-up.
    """
    end = time.perf_counter() + seconds
    k = 1
    while True:
        t0 = time.perf_counter()
        board.step(k)
        now = time.perf_counter()
        if now >= end:
            return
        if now - t0 < seconds / 8:
            k *= 2


def _steps_for(board: Any, seconds: float, max_steps: int = 100_000) -> int:
    """Steps that take about ``seconds`` on ``board``.

    Calibrates by doubling until one call takes a quarter of ``seconds`` (at least 2 ms).
    Not less: each call wakes the thread team, which on a loaded machine can cost a
    scheduler slice, and a calibration call of one step would time that wake-up, not the
    step, and leave the measurement at one step per call.
    """
    board.step(1)
    steps = 1
    while True:
        t0 = time.perf_counter()
        board.step(steps)
        dt = time.perf_counter() - t0
        if dt >= max(2e-3, seconds / 4) or steps >= max_steps:
            break
        steps *= 2
    return max(1, min(max_steps, math.ceil(seconds * steps / dt)))


def measure_size(
    contenders: Sequence[Contender],
    n: int,
    circuit: Circuit,
    budget_s: float = 0.1,
    repeats: int = 3,
    seed: int = 0,
    warm_s: float = 0.1,
) -> list[StepRecord]:
    """Every applicable contender on one random n×n board, interleaved repeat by repeat.

    Each contender runs about ``budget_s`` seconds per repeat; the record holds the median
    µs per step (all contenders see the same load, so their ratios are trustworthy).
    Threaded contenders are kept busy for ``warm_s`` seconds before calibration and before
    each repeat (see :func:`_warm`).
    """
    if not isinstance(circuit, Circuit):
        raise TypeError(f"circuit must be a gatenet Circuit, got {type(circuit).__name__}")
    if isinstance(repeats, bool) or not isinstance(repeats, int) or repeats < 1:
        raise ValueError(f"repeats must be a positive integer, got {repeats!r}")
    if not budget_s > 0:
        raise ValueError(f"budget_s must be positive, got {budget_s}")
    cells = rules.random_board(n, n, seed, 0.35)
    active = [c for c in contenders if c.applies(n)]
    boards: dict[int, Any] = {}
    try:
        for i, c in enumerate(active):
            boards[i] = c.board(cells, circuit)
        steps = {}
        for i, b in boards.items():
            if active[i].threads > 1:
                _warm(b, warm_s)
            steps[i] = _steps_for(b, budget_s)
        times: dict[int, list[float]] = {i: [] for i in boards}
        for _ in range(repeats):
            for i, b in boards.items():
                if active[i].threads > 1:
                    _warm(b, warm_s)
                times[i] += time_steps(b, steps[i], 1)
    finally:
        for b in boards.values():
            b.close()
    out = []
    for i, c in enumerate(active):
        depth = f"depth {c.depth}" if c.depth else ""
        out.append(StepRecord.of(c.label, c.kind, n, n, c.threads,
                                 statistics.median(times[i]) * 1e-6, depth))
    return out


def successive_ratios(records: Sequence[StepRecord],
                      order: Sequence[str]) -> list[tuple[str, float, float]]:
    """For each label in ``order`` (one board size): (label, µs/step, speed-up over the
    previous label, 1.0 for the first). Labels without a record are skipped."""
    by = {r.name: r for r in records}
    out, prev = [], None
    for label in order:
        r = by.get(label)
        if r is None:
            continue
        out.append((label, r.us_per_step, prev.us_per_step / r.us_per_step if prev else 1.0))
        prev = r
    return out


def find(records: Sequence[StepRecord], label: str, size: int) -> StepRecord:
    """The record of ``label`` on the size×size board (KeyError naming both if absent)."""
    for r in records:
        if r.name == label and r.width == size:
            return r
    raise KeyError(f"no record {label!r} at {size}²")

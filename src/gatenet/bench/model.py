"""A model of the fast kernels' speed: operations per output word, vector words per
generation, and the floor they imply on this machine; :func:`measure` times a kernel
beside it.

The floor comes from what the compiler emitted (:mod:`gatenet.bench.asm`: logic and shift
instructions per output word of the column loops the board runs: edge words and interior
words have loops of their own) and from what this CPU was measured to sustain
in the same run (:mod:`gatenet.bench.ceiling`), so a kernel can reach it but not beat it.
"""

from __future__ import annotations

import statistics
import time
from pathlib import Path
from typing import Any

from gatenet import machine
from gatenet.bench import ceiling
from gatenet.emit.c import live_gates
from gatenet.ir.circuit import Circuit
from gatenet.ir.lut import Lut3Circuit
from gatenet.runtime.checks import check_size, check_steps, default_circuit
from gatenet.runtime.fast import FastBoard, resolve_kernel

#: Per output word beyond the rule itself, for the interior words of a row (the two edge words
#: add wrap-around carries and a mask): the west and east neighbour words of the newly loaded
#: row. Two shifts and an OR each, or one funnel shift each with AVX-512 VBMI2.
LAYOUT_OPS: dict[str, int] = {"scalar": 6, "avx2": 6, "avx512": 2}
#: csrc/expert.c's count per output word for the rule alone, by width (see its header
#: comment): two-input operations with a shared pair of rows, or with AVX-512 three-input
#: ``vpternlogq`` operations on the three rows' planes directly.
EXPERT_RULE_OPS: dict[str, int] = {"scalar": 22, "avx2": 22, "avx512": 10}


def expert_rule_ops(kernel: str) -> int:
    """The expert kernel's rule operations per output word at ``kernel``'s width."""
    return EXPERT_RULE_OPS[width_of(kernel)]


def layout_ops(kernel: str) -> int:
    """Layout operations per interior output word of ``kernel`` (see :data:`LAYOUT_OPS`)."""
    return LAYOUT_OPS[width_of(kernel)]


def width_of(kernel: str) -> str:
    """"scalar", "avx2" or "avx512": a kernel name without its family prefix."""
    return kernel.removeprefix("expert-").removeprefix("separable-")


def ops_per_word(kernel: str, circuit: Circuit | None = None,
                 lut3: Lut3Circuit | None = None, separable: Any = None,
                 separable_lut3: Any = None) -> int:
    """Bitwise operations per output word: live gates (or LUTs) + layout, or the expert's;
    for a separable kernel, one row circuit and one combine circuit + layout (their LUTs
    when ``separable_lut3`` runs)."""
    if kernel.startswith("expert"):
        return expert_rule_ops(kernel) + layout_ops(kernel)
    if kernel.startswith("separable"):
        if separable is None:
            raise TypeError("a separable kernel's operation count needs the separable circuit")
        if separable_lut3 is not None and kernel == "separable-avx512":
            return separable_lut3.ops_per_cell_word() + layout_ops(kernel)
        return separable.ops_per_cell_word() + layout_ops(kernel)
    if lut3 is not None and kernel == "avx512":
        return len(lut3.live_luts()) + layout_ops(kernel)
    if circuit is None:
        raise TypeError("a circuit kernel's operation count needs the circuit")
    return sum(live_gates(circuit)) + layout_ops(kernel)


_LANES = {"scalar": 1, "avx2": 4, "avx512": 8}


def vector_words(kernel: str, width: int, height: int) -> int:
    """Vector words one generation of a width × height board computes with ``kernel``:
    ⌈height / lanes⌉ rows of ⌈width / 64⌉ words (what the throughput bound counts)."""
    lanes = _LANES[width_of(kernel)]
    return -(-height // lanes) * -(-width // 64)


def measure(
    kernel: str = "auto",
    width: int = 512,
    height: int = 512,
    threads: int | None = 1,
    steps: int | None = None,
    repeats: int = 5,
    circuit: Circuit | None = None,
    seed: int = 0,
    depth: int | None = None,
    lut3: Lut3Circuit | None = None,
    separable: Any = None,
    separable_lut3: Any = None,
) -> dict[str, Any]:
    """Time ``kernel`` on a random ``height × width`` board: medians of ``repeats`` runs.

    Each repeat times ``steps`` generations in C (default: about 5·10⁸ cell updates, at
    least 3 steps). ``circuit`` defaults to the hand-made Life circuit, ``depth`` to the
    board's automatic temporal-blocking depth; ``lut3`` runs the "avx512" kernel in its
    LUT3 form, ``separable_lut3`` the "separable-avx512" one (``"lut3"`` in the result says
    whether either did). Returns plain numbers so a
    benchmark table or the book can use them directly: µs per step (median and all
    repeats), cell updates per second, ``cpu_us_per_step`` (process CPU time of all threads
    per step: on a shared machine it shows parallel efficiency even when wall-clock times
    are hostage to other load), ``ops_per_word`` (the model's count: two-input gates, or
    three-input LUTs / ``vpternlogq`` where the kernel runs those, + layout), the instruction
    profile of the loops this board runs (:func:`gatenet.bench.asm.loop_profile`), the
    measured ceiling (logic and shift instructions per second at this width, and the
    effective clock), and
    ``floor_us_per_step``: the least time the emitted logic and shift instructions allow
    at those rates (each thread on its own core), with ``fraction_of_floor`` — at most
    1.0 up to measurement noise. The profile and floor are None without objdump.
    """
    if isinstance(repeats, bool) or not isinstance(repeats, int) or repeats < 1:
        raise ValueError(f"repeats must be a positive integer, got {repeats!r}")
    w, h = check_size(width, height)
    if steps is None:
        steps = max(3, min(1000, 500_000_000 // (w * h)))
    steps = check_steps(steps)
    if steps < 1:
        raise ValueError("steps must be ≥ 1 to time anything")
    kernel = resolve_kernel(kernel)
    circ = circuit if circuit is not None else default_circuit()
    extra = {"separable": separable} if separable is not None else {}
    if separable_lut3 is not None:
        extra["separable_lut3"] = separable_lut3
    if kernel.startswith("separable") and circuit is None and separable is not None:
        circ = separable.flatten()
    with FastBoard.random(w, h, circ, kernel, threads, seed=seed, density=0.35,
                          depth=depth, lut3=lut3, **extra) as b:
        lib_path = b._lib.path
        used_lut3 = b.lut3
        used_sep_lut3 = b.separable_lut3
        b.step(max(1, steps // 10))  # warm caches, page in both buffers
        times, cpu = [], []
        for _ in range(repeats):
            c0 = time.process_time()
            times.append(b.time_steps(steps) / steps * 1e6)
            cpu.append((time.process_time() - c0) / steps * 1e6)
        words = b.vector_words
        row_words = b.row_words
        nthreads = b.threads
        used_depth = b.depth
    med = statistics.median(times)
    ops = ops_per_word(kernel, circ, used_lut3, separable, used_sep_lut3)
    profile = _loop_profile(lib_path, kernel,
                            separable is not None and separable.pair is not None, row_words)
    width = width_of(kernel)
    top = ceiling.measure(width, repeats=3)
    floor_us = None
    if profile is not None:
        floor_us = ceiling.floor_seconds(top, profile["logic"] * words,
                                         profile["shift"] * words) * 1e6 / nthreads
    return {
        "kernel": kernel,
        "lut3": used_lut3 is not None or used_sep_lut3 is not None,
        "width": w,
        "height": h,
        "threads": nthreads,
        "depth": used_depth,
        "steps": steps,
        "repeats": repeats,
        "us_per_step": med,
        "us_per_step_min": min(times),
        "us_per_step_all": times,
        "cpu_us_per_step": statistics.median(cpu),
        "cell_updates_per_s": w * h / (med * 1e-6),
        "ns_per_cell": med * 1e3 / (w * h),
        "ops_per_word": ops,
        "vector_words": words,
        "clock_mhz": top.clock_hz / 1e6,
        "nominal_mhz": machine.cpu_mhz(),
        "logic_per_cycle": top.logic_per_cycle,
        "shift_per_cycle": top.shift_per_cycle,
        "loop_profile": profile,
        "floor_us_per_step": floor_us,
        "fraction_of_floor": (floor_us / med) if floor_us else None,
    }


def _loop_profile(path: Path, kernel: str, paired: bool = False,
                  row_words: int | None = None) -> dict[str, float] | None:
    """The instruction mix of the loops a board ``row_words`` words wide runs, or None when
    objdump cannot tell."""
    import subprocess

    from gatenet.bench import asm

    try:
        return asm.loop_profile(path, kernel, paired, row_words)
    except (FileNotFoundError, ValueError, subprocess.SubprocessError):
        return None

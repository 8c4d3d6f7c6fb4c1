"""A model of the fast kernels' speed: operations per output word, vector words per
generation, and the throughput bound they imply; :func:`measure` times a kernel beside it.

The bound assumes an issue width and the nominal clock (:data:`ISSUE_WIDTH`), which a
boosting CPU can beat; the book says where it does.
"""

from __future__ import annotations

import statistics
import time
from pathlib import Path
from typing import Any

from gatenet import machine
from gatenet.emit.c import live_gates
from gatenet.ir.circuit import Circuit
from gatenet.ir.lut import Lut3Circuit
from gatenet.runtime.checks import check_size, check_steps, default_circuit
from gatenet.runtime.fast import FastBoard, resolve_kernel

#: Bitwise vector operations retired per cycle, per kernel width: Zen 4 figures (4 vector
#: pipes for 256-bit logic, 512-bit ops double-pumped through them; 4 integer ALUs).
#: Assumptions for the throughput bound, not measurements.
ISSUE_WIDTH: dict[str, float] = {"scalar": 4.0, "avx2": 4.0, "avx512": 2.0}
#: Per output word beyond the rule itself, for the interior words of a row (the two edge words
#: add wrap-around carries and a mask): the west and east neighbour words of the newly loaded
#: row. Two shifts and an OR each, or one funnel shift each with AVX-512 VBMI2.
LAYOUT_OPS: dict[str, int] = {"scalar": 6, "avx2": 6, "avx512": 2}
#: csrc/expert.c's count per output word for the rule alone (see its header comment).
EXPERT_RULE_OPS = 22


def layout_ops(kernel: str) -> int:
    """Layout operations per interior output word of ``kernel`` (see :data:`LAYOUT_OPS`)."""
    return LAYOUT_OPS[kernel.removeprefix("expert-")]


def ops_per_word(kernel: str, circuit: Circuit | None = None,
                 lut3: Lut3Circuit | None = None) -> int:
    """Bitwise operations per output word: live gates (or LUTs) + layout, or the expert's."""
    if kernel.startswith("expert"):
        return EXPERT_RULE_OPS + layout_ops(kernel)
    if lut3 is not None and kernel == "avx512":
        return len(lut3.live_luts()) + layout_ops(kernel)
    if circuit is None:
        raise TypeError("a circuit kernel's operation count needs the circuit")
    return sum(live_gates(circuit)) + layout_ops(kernel)


_LANES = {"scalar": 1, "avx2": 4, "avx512": 8}


def vector_words(kernel: str, width: int, height: int) -> int:
    """Vector words one generation of a width × height board computes with ``kernel``:
    ⌈height / lanes⌉ rows of ⌈width / 64⌉ words (what the throughput bound counts)."""
    lanes = _LANES[kernel.removeprefix("expert-")]
    return -(-height // lanes) * -(-width // 64)


def throughput_bound_us(kernel: str, vector_words: int, ops: float,
                        clock_mhz: float | None = None) -> float | None:
    """The instruction-throughput bound in µs per step: ops × words ÷ issue width ÷ clock.

    Ignores loads, stores and the halo copy, so real kernels sit above it; None when the
    clock is unknown.
    """
    mhz = machine.cpu_mhz() if clock_mhz is None else clock_mhz
    if not mhz:
        return None
    width = ISSUE_WIDTH[kernel.removeprefix("expert-")]
    return ops * vector_words / width / mhz


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
) -> dict[str, Any]:
    """Time ``kernel`` on a random ``height × width`` board: medians of ``repeats`` runs.

    Each repeat times ``steps`` generations in C (default: about 5·10⁸ cell updates, at
    least 3 steps). ``circuit`` defaults to the hand-made Life circuit, ``depth`` to the
    board's automatic temporal-blocking depth; ``lut3`` runs the "avx512" kernel in its
    LUT3 form (``"lut3"`` in the result says whether it did). Returns plain
    numbers (µs per step, cell updates per second, the throughput bound and the fraction of
    it reached) so a benchmark table or the book can use them directly.
    ``cpu_us_per_step`` is the process CPU time (all threads) per step: on a shared machine
    it shows parallel efficiency even when wall-clock times are hostage to other load.

    Two bounds: ``bound_us_per_step`` counts two-input gates (ops_per_word), and
    ``loop_bound_us_per_step`` counts the logic and shift instructions the compiler actually
    emitted in the kernel's inner loop (see :mod:`gatenet.bench.asm`; None without objdump).
    With AVX-512 the second is lower, because GCC folds gates into ``vpternlogq``. Both
    use the nominal clock from /proc/cpuinfo; a boosting CPU can beat them.
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
    with FastBoard.random(w, h, circ, kernel, threads, seed=seed, density=0.35,
                          depth=depth, lut3=lut3) as b:
        lib_path = b._lib.path
        used_lut3 = b.lut3
        b.step(max(1, steps // 10))  # warm caches, page in both buffers
        times, cpu = [], []
        for _ in range(repeats):
            c0 = time.process_time()
            times.append(b.time_steps(steps) / steps * 1e6)
            cpu.append((time.process_time() - c0) / steps * 1e6)
        words = b.vector_words
        nthreads = b.threads
        used_depth = b.depth
    med = statistics.median(times)
    ops = ops_per_word(kernel, circ, used_lut3)
    mhz = machine.cpu_mhz()
    bound = throughput_bound_us(kernel, words, ops, mhz)
    bound_threads = bound / nthreads if bound is not None else None
    profile = _loop_profile(lib_path, kernel)
    loop_ops = profile["logic"] + profile["shift"] if profile else None
    loop_bound = (throughput_bound_us(kernel, words, loop_ops, mhz)
                  if loop_ops is not None else None)
    loop_bound_threads = loop_bound / nthreads if loop_bound is not None else None
    return {
        "kernel": kernel,
        "lut3": used_lut3 is not None,
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
        "issue_width": ISSUE_WIDTH[kernel.removeprefix("expert-")],
        "clock_mhz": mhz,
        "bound_us_per_step": bound_threads,
        "fraction_of_bound": (bound_threads / med) if bound_threads else None,
        "loop_profile": profile,
        "loop_bound_us_per_step": loop_bound_threads,
        "fraction_of_loop_bound": (loop_bound_threads / med) if loop_bound_threads else None,
    }


def _loop_profile(path: Path, kernel: str) -> dict[str, float] | None:
    """The inner loop's instruction mix, or None when objdump cannot tell."""
    import subprocess

    from gatenet.bench import asm

    try:
        return asm.loop_profile(path, kernel)
    except (FileNotFoundError, ValueError, subprocess.SubprocessError):
        return None

"""Validation of everything a board accepts, done in Python before any pointer reaches C.

Bad input is a ``TypeError``/``ValueError`` naming the problem and the limit, never a crash
or an attempt to allocate an absurd amount of memory. Both runtimes use these checks.
"""

from __future__ import annotations

import contextlib
import math
import os
from typing import Any

import numpy as np

from gatenet import rules
from gatenet.ir.circuit import Circuit

#: Largest board (cells) either runtime accepts: 2³⁴ cells = 2 GiB of cell bits per
#: generation buffer, above any benchmark here and below what a 64-bit size can overflow.
MAX_CELLS = 1 << 34
#: Largest thread count accepted (far above any machine this runs on; keeps OpenMP sane).
MAX_THREADS = 1024


def check_size(width: Any, height: Any) -> tuple[int, int]:
    """``(width, height)`` as ints ≥ 1 whose product is at most :data:`MAX_CELLS`."""
    for name, v in (("width", width), ("height", height)):
        if isinstance(v, bool) or not isinstance(v, int | np.integer):
            raise TypeError(f"{name} must be an integer, got {type(v).__name__}")
        if v < 1:
            raise ValueError(f"{name} must be ≥ 1, got {v}")
    if int(width) * int(height) > MAX_CELLS:
        raise ValueError(
            f"a board of {width}×{height} cells is too large: at most {MAX_CELLS:,} cells"
        )
    return int(width), int(height)


def memory_limit() -> int | None:
    """Bytes this process can ever hope to use: physical memory, or a smaller cgroup (v2)
    limit; None where neither is known."""
    limits = []
    with contextlib.suppress(AttributeError, ValueError, OSError):
        limits.append(os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE"))
    try:
        with open("/sys/fs/cgroup/memory.max") as f:
            text = f.read().strip()
        if text.isdigit():
            limits.append(int(text))
    except OSError:
        pass
    limits = [x for x in limits if x > 0]
    return min(limits) if limits else None


def check_memory(nbytes: int, what: str) -> int:
    """``nbytes`` if it fits in :func:`memory_limit`, else a MemoryError naming both.

    Why before allocating: Linux overcommits, so ``malloc`` of more than the machine has
    usually succeeds, and the process is killed later while the board is being filled —
    a crash instead of an exception. Asking for more than all of memory is refused here.
    """
    limit = memory_limit()
    if limit is not None and nbytes > limit:
        raise MemoryError(
            f"{what} needs {nbytes / 2**30:.1f} GiB, more than the {limit / 2**30:.1f} GiB "
            "of memory this machine has"
        )
    return nbytes


def board_words(width: int, height: int) -> int:
    """64-bit words of one bit-packed generation of a ``height × width`` board."""
    return -(-width // 64) * height


def check_steps(n: Any, limit: int = 1 << 64) -> int:
    """A generation count: an int in ``0 .. limit - 1``."""
    if isinstance(n, bool) or not isinstance(n, int | np.integer):
        raise TypeError(f"steps must be a non-negative integer, got {type(n).__name__}")
    if n < 0:
        raise ValueError(f"steps must be non-negative, got {n}")
    if n >= limit:
        raise ValueError(f"steps must be below 2**{limit.bit_length() - 1}, got {n}")
    return int(n)


def check_array(arr: Any) -> np.ndarray:
    """A C-contiguous uint8 copy of a 0/1 board (validated by :func:`rules.check_board`)."""
    a = np.asarray(arr)
    if a.size == 0:
        raise ValueError(f"a board needs height and width ≥ 1, got shape {a.shape}")
    b = rules.check_board(a)
    check_size(b.shape[1], b.shape[0])
    return np.ascontiguousarray(b, dtype=np.uint8)


def check_density(density: Any) -> float:
    """A probability in [0, 1]."""
    if isinstance(density, bool) or not isinstance(density, int | float | np.floating | np.integer):
        raise TypeError(f"density must be a number in [0, 1], got {type(density).__name__}")
    d = float(density)
    if not (math.isfinite(d) and 0.0 <= d <= 1.0):
        raise ValueError(f"density must be in [0, 1], got {density}")
    return d


def check_seed(seed: Any) -> int:
    """A seed in ``0 .. 2**64 - 1``."""
    if isinstance(seed, bool) or not isinstance(seed, int | np.integer):
        raise TypeError(f"seed must be an integer, got {type(seed).__name__}")
    if not 0 <= seed < 1 << 64:
        raise ValueError(f"seed must be in 0..2**64-1, got {seed}")
    return int(seed)


def check_threads(threads: Any) -> int:
    """A thread count in ``1 .. MAX_THREADS``."""
    if isinstance(threads, bool) or not isinstance(threads, int | np.integer):
        raise TypeError(f"threads must be an integer ≥ 1, got {type(threads).__name__}")
    if not 1 <= threads <= MAX_THREADS:
        raise ValueError(f"threads must be in 1..{MAX_THREADS}, got {threads}")
    return int(threads)


def check_circuit(circuit: Any) -> Circuit:
    """A 9-input, 1-output :class:`Circuit` (a 3×3 rule), else TypeError/ValueError."""
    from gatenet.ir.names import check_rule_shape

    if not isinstance(circuit, Circuit):
        raise TypeError(f"circuit must be a gatenet Circuit, got {type(circuit).__name__}")
    check_rule_shape(circuit)
    return circuit


def default_circuit() -> Circuit:
    """The circuit a board runs when none is given: the hand-made Life circuit."""
    from gatenet.ir.handmade import handmade_life

    return handmade_life()

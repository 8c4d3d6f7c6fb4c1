"""Timing primitives: medians of repeats, boards stepped side by side, the slow baselines.

Performance claims in this project are ratios taken side by side in one run on one
machine, as medians of repeats. These functions take the measurements; they never judge
them.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from typing import Any, Protocol

from gatenet import rules


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


class Steppable(Protocol):
    def step(self, n: int = 1) -> Any: ...


def time_steps(board: Steppable, steps: int, repeats: int = 5) -> list[float]:
    """Microseconds per step of ``board.step(steps)``, once per repeat (after one warm-up).

    Returns every repeat, not a summary: the caller takes the median and reports spread.
    """
    if steps < 1 or repeats < 1:
        raise ValueError("steps and repeats must be positive")
    board.step(max(1, steps // 10))  # warm caches and the branch predictor
    out = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        board.step(steps)
        out.append((time.perf_counter() - t0) / steps * 1e6)
    return out


def time_numpy_reference(width: int, height: int, repeats: int = 3) -> float:
    """Seconds per generation of :func:`gatenet.rules.step` (the obviously-right simulator)."""
    from gatenet import rules

    board = rules.random_board(height, width)
    return median_time(lambda: rules.step(board), repeats)


def neighbourhoods(board):
    """Every cell's 3×3 neighbourhood as a float32 row of 9 (the network's input)."""
    import numpy as np

    from gatenet import rules

    idx = rules.pattern_index(board).ravel()
    return ((idx[:, None] >> np.arange(8, -1, -1)) & 1).astype(np.float32)


def time_jax_network(net, params, width: int, height: int, hard: bool = False,
                     batch: int | None = None, repeats: int = 3, dense: bool = False) -> float:
    """Seconds for the float network to compute one generation of a board.

    ``batch=None`` feeds the whole board as one batch; ``batch=512`` reproduces the
    write-up's framing (512 batches of 512 for a 512×512 board). ``dense=True`` runs the
    write-up's formulation of the soft network, wires as dense matrices
    (:attr:`gatenet.learn.network.Network.dense`). Inputs are prepared beforehand and the
    JIT is warmed up; every call is synchronised with ``block_until_ready`` so we time the
    computation, not its dispatch.
    """
    import jax
    import jax.numpy as jnp

    if dense and hard:
        raise ValueError("the dense formulation is of the soft network")
    fn = net.dense if dense else net.hard if hard else net.soft
    x = jnp.asarray(neighbourhoods(rules.random_board(height, width)))
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
    words = jnp.asarray(jaxbits.pack(rules.random_board(height, width)))
    return median_time(lambda: step(words).block_until_ready(), repeats) / steps


def time_board(board, width: int, height: int, repeats: int = 5) -> float:
    """Seconds per generation of a native board (Board, WriteupBoard): median of repeats."""
    steps = max(3, min(2000, 200_000_000 // (width * height)))
    board.step(1)
    return statistics.median(time_steps(board, steps, repeats)) * 1e-6

"""Many networks at once: a pool of processes, one per core, each training its share.

Statistics need many runs, so a batch of runs must cost less than the runs one after
another. Two ways to batch were measured on this project's 2-core machine
(``python -m gatenet.bench train --batch`` with ``--slots S`` or ``--workers W``, and
``--compare-alone K`` for the cost of a seed trained by itself):

- *In one program* — ``S`` networks side by side as one block-diagonal network (the
  ``slots`` of :func:`gatenet.learn.train.run_jobs`, equivalent to ``jax.vmap`` over
  seeds). Each epoch's work grows faster than ``S``: the activations of a few networks
  already overflow the caches, and one process uses one core's worth of XLA. It also
  changes the last bits: XLA fuses a bigger program differently, so a network in a batch
  of ``S`` drifts from the same network alone and may converge at another epoch.
- *In separate processes* — each network trains in the very program it would alone, one
  process per core. That uses both cores, and a seed's result is bit-for-bit the same
  whether it was trained alone, in a batch, or on another worker.

So :func:`train_many` runs one network per program and spreads them over processes.
Processes are *spawned*, not forked: JAX is multithreaded and must not be forked.
"""

from __future__ import annotations

import concurrent.futures as cf
import multiprocessing
import os
import sys
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from tqdm.auto import tqdm

from gatenet import rules

if TYPE_CHECKING:
    from gatenet.learn.train import TrainConfig, TrainResult


def default_workers() -> int:
    """The cores this process may run on (its CPU affinity, not the machine's total)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        return os.cpu_count() or 1


def _jobs(rule: str | rules.Rule | Sequence[str | rules.Rule],
          configs: Sequence[TrainConfig]) -> list[tuple[rules.Rule, TrainConfig]]:
    if isinstance(rule, str | rules.Rule):
        rule_list = [rules.parse(rule)] * len(configs)
    else:
        rule_list = [rules.parse(r) for r in rule]
        if len(rule_list) != len(configs):
            raise ValueError(f"{len(rule_list)} rules for {len(configs)} configurations")
    for cfg in configs:
        cfg.validate()
    return list(zip(rule_list, configs, strict=True))


def _portable(result: TrainResult) -> TrainResult:
    """The result with numpy parameters, to cross a process boundary."""
    import numpy as np

    result.params = [np.asarray(p) for p in result.params]
    return result


def _train_one(rule: rules.Rule, cfg: TrainConfig) -> TrainResult:
    """Worker task: one network, in this worker's process."""
    from gatenet.learn.train import run_jobs

    (result,) = run_jobs([(rule, cfg)], slots=1, progress=False)
    return _portable(result)


#: XLA flags of a worker: one thread each, since the workers already fill the cores.
WORKER_XLA_FLAGS = "--xla_cpu_multi_thread_eigen=false intra_op_parallelism_threads=1"


def _die_with_parent() -> None:
    """Ask Linux to kill this process when the process that spawned it dies, so a sweep
    killed by SIGKILL, the OOM killer or ``timeout`` leaves no workers training on."""
    try:
        import ctypes
        import signal

        libc = ctypes.CDLL(None, use_errno=True)
        PR_SET_PDEATHSIG = 1
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
        if os.getppid() == 1:  # the parent died before the request: follow it now
            os._exit(1)
    except (OSError, AttributeError):  # not Linux: workers end when their pipe closes
        pass


def init_worker() -> None:
    """Runs in each spawned worker before JAX is imported there: one XLA thread per
    worker (a no-op for JAX once it is imported), and death with the parent."""
    _die_with_parent()
    os.environ.setdefault("JAX_PLATFORMS", "cpu")
    flags = os.environ.get("XLA_FLAGS", "")
    os.environ["XLA_FLAGS"] = f"{flags} {WORKER_XLA_FLAGS}".strip()


def _stop(pool: cf.ProcessPoolExecutor) -> None:
    """Cancel what has not started and end the workers at once: waiting for a task in
    flight could take minutes (a synthesis), and its result would be thrown away."""
    processes = list(getattr(pool, "_processes", {}).values())  # CPython's pool internals
    pool.shutdown(wait=False, cancel_futures=True)
    for proc in processes:
        if proc.is_alive():
            proc.terminate()
    for proc in processes:
        proc.join(timeout=5)


def _round(fn: Callable, jobs: Sequence[tuple], pending: list[int], workers: int,
           done: Callable[[int, Any], None]) -> list[int]:
    """Run ``fn(*jobs[i])`` for the ``pending`` jobs on a fresh pool; return the ones a
    dead worker left unfinished (empty when every worker survived)."""
    ctx = multiprocessing.get_context("spawn")
    left = []
    with cf.ProcessPoolExecutor(min(workers, len(pending)), mp_context=ctx,
                                initializer=init_worker) as pool:
        futures = {pool.submit(fn, *jobs[i]): i for i in pending}
        try:
            for fut in cf.as_completed(futures):
                i = futures[fut]
                try:
                    res = fut.result()
                except cf.process.BrokenProcessPool:
                    left.append(i)
                    continue
                done(i, res)
        except BaseException:  # Ctrl-C, or the caller's own failure: stop now, not later
            _stop(pool)
            raise
    return sorted(left)


def map_processes(fn: Callable, jobs: Sequence[tuple], workers: int,
                  done: Callable[[int, Any], None]) -> list[int]:
    """Run ``fn(*job)`` for every job over ``workers`` spawned processes, calling
    ``done(index, result)`` as each finishes (in the calling process, in completion order).

    ``fn`` must be importable by name (a module-level function). An exception raised by
    ``fn`` propagates. When a worker *dies* (a crash, the OOM killer), every job it did not
    finish is retried once on a fresh pool; if a worker dies again, the remaining jobs run
    one per pool, so the job that kills its process is found instead of being dropped or
    blamed on a neighbour. Returns the indices of the jobs that killed their worker even
    when run alone (empty when everything finished); the caller decides how to report them.
    """
    pending = _round(fn, jobs, list(range(len(jobs))), workers, done)
    if pending:
        pending = _round(fn, jobs, pending, workers, done)
    return [i for i in pending if _round(fn, jobs, [i], 1, done)]


def train_many(
    rule: str | rules.Rule | Sequence[str | rules.Rule],
    configs: Sequence[TrainConfig],
    workers: int | None = None,
    progress: bool | None = None,
    on_result: Callable[[int, TrainResult], None] | None = None,
) -> list[TrainResult]:
    """Train one network per configuration (on one rule, or one rule per configuration).

    ``workers`` processes share the work (default: one per usable core; ``1`` trains
    everything in this process). Results come back in the order of ``configs``;
    ``on_result(index, result)`` is called as each finishes. Every result equals what
    :func:`gatenet.learn.train.train` gives for that rule and configuration alone.
    A worker that dies is replaced and its unfinished jobs retried; a job that kills its
    worker again, alone, raises :class:`RuntimeError` naming it — nothing is dropped
    silently.
    """
    from gatenet.learn.train import group_key, run_jobs

    jobs = _jobs(rule, configs)
    if not jobs:
        return []
    workers = default_workers() if workers is None else workers
    if workers < 1:
        raise ValueError(f"workers must be ≥ 1, got {workers}")
    workers = min(workers, len(jobs))
    if progress is None:
        progress = sys.stderr.isatty()
    results: list[TrainResult | None] = [None] * len(jobs)
    names = {str(r) for r, _ in jobs}
    bar = tqdm(total=len(jobs), disable=not progress, unit="net",
               desc=f"train {names.pop() if len(names) == 1 else 'rules'}")
    exact = 0

    def done(index: int, result: TrainResult) -> None:
        nonlocal exact
        results[index] = result
        exact += result.converged
        bar.update(1)
        bar.set_postfix(exact=f"{exact}/{bar.n}")
        if on_result is not None:
            on_result(index, result)

    try:
        if workers == 1:
            groups: dict[tuple, list[int]] = {}
            for i, (_, cfg) in enumerate(jobs):
                groups.setdefault(group_key(cfg), []).append(i)
            for members in groups.values():
                run_jobs([jobs[i] for i in members], slots=1, progress=False,
                         on_result=lambda k, r, members=members: done(members[k], r))
        else:
            def arrived(index: int, result: TrainResult) -> None:
                import jax.numpy as jnp

                result.params = [jnp.asarray(p) for p in result.params]
                done(index, result)

            culprits = map_processes(_train_one, jobs, workers, arrived)
            if culprits:
                named = "; ".join(f"job {i} (rule {jobs[i][0]}, seed {jobs[i][1].seed})"
                                  for i in culprits)
                raise RuntimeError(f"a training worker died while training {named}, also "
                                   "when retried alone; the other jobs finished")
    finally:
        bar.close()
    return [r for r in results if r is not None]

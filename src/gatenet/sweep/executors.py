"""Where a sweep's tasks run: processes on this machine, or a Dask distributed cluster.

Both take the same task list and call the same ``done(index, outcome)`` in the calling
process as each task finishes, in completion order, so the results file is written by one
process only, whatever runs the tasks. A task never vanishes: an exception inside it, a
worker process that dies (twice, or alone), a Dask worker lost until Dask gives up on the
task (``KilledWorker``) — each comes back as a ``failed`` outcome naming what happened,
which the sweep records and a rerun retries.

*Locally* each task runs in its own spawned process (one per core), the way
:func:`gatenet.learn.batch.train_many` trains many networks: on a small CPU that beats
batching networks into one program (see that module), and a seed's circuit is the same
bit for bit wherever it was trained. *On Dask* there is one task per (rule, seed),
submitted to an existing scheduler (``dask scheduler`` / ``dask worker``); the workers need
this package installed.
"""

from __future__ import annotations

import contextlib
import logging
import re
import sys
import threading
import traceback
import uuid
from collections.abc import Callable, Iterator, Sequence
from typing import Any

from gatenet.sweep.plan import SweepOptions
from gatenet.sweep.task import Outcome, run_task

Task = tuple[str, int, SweepOptions]
Done = Callable[[int, Outcome], None]
#: What runs one task: :func:`safe_task`, or a stand-in of the same shape (the tests use
#: one that kills its worker). It must be importable by name on the workers.
Runner = Callable[[str, int, SweepOptions], Outcome]


def failure(task: Task, message: str) -> Outcome:
    """The outcome of a task that did not finish: recorded, and retried by a rerun."""
    rule_text, seed, _ = task
    return Outcome({"given": rule_text, "seed": seed, "exact": False, "error": message,
                    "failed": True})


def safe_task(rule_text: str, seed: int, options: SweepOptions) -> Outcome:
    """:func:`run_task`, with an exception turned into a failed outcome carrying its last
    traceback line (a worker's traceback is no use to the person reading the results)."""
    try:
        return run_task(rule_text, seed, options)
    except Exception as e:  # recorded, never dropped; KeyboardInterrupt still stops
        where = traceback.extract_tb(e.__traceback__)[-1]
        return failure((rule_text, seed, options),
                       f"{type(e).__name__}: {e} (at {where.filename}:{where.lineno})")


def run_local(tasks: Sequence[Task], done: Done, workers: int,
              runner: Runner | None = None) -> None:
    """Run ``tasks`` on ``workers`` processes of this machine (``1``: in this process)."""
    runner = runner or safe_task
    if workers < 1:
        raise ValueError(f"workers must be ≥ 1, got {workers}")
    if workers == 1:
        for i, task in enumerate(tasks):
            done(i, runner(*task))
        return
    from gatenet.learn.batch import map_processes

    died = map_processes(runner, tasks, min(workers, len(tasks)), done)
    for i in died:
        done(i, failure(tasks[i], "the worker process died running this task, also when "
                        "retried alone (out of memory? a crash in native code?)"))


_ADDRESS = re.compile(r"tcp://(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9.-]+):([0-9]{1,5})")


def check_address(address: str) -> str:
    """``address`` if it is a Dask scheduler address this package speaks
    (``tcp://host:port``), else a ValueError saying what one looks like."""
    m = _ADDRESS.fullmatch(address.strip()) if isinstance(address, str) else None
    if m is None or not 0 < int(m.group(2)) < 65536:
        shown = address if not isinstance(address, str) or len(address) <= 60 else (
            address[:60] + "…")
        raise ValueError(f"--scheduler {shown!r}: expected a Dask scheduler address "
                         "tcp://HOST:PORT (what `dask scheduler` prints, port 8786 by default)")
    return address.strip()


@contextlib.contextmanager
def _quiet_dask() -> Iterator[None]:
    """Dask's own logging and the tracebacks of half-built clients stay off the screen:
    the sweep reports every failure itself, once."""
    loggers = [logging.getLogger(n) for n in ("distributed", "distributed.client",
                                              "distributed.core", "distributed.comm")]
    levels = [lg.level for lg in loggers]
    hook = sys.unraisablehook
    for lg in loggers:
        lg.setLevel(logging.CRITICAL)
    sys.unraisablehook = lambda unraisable: None
    try:
        yield
    finally:
        for lg, level in zip(loggers, levels, strict=True):
            lg.setLevel(level)
        sys.unraisablehook = hook


def connect(address: str, timeout: float = 20.0) -> Any:
    """A Dask client of the scheduler at ``address`` (``tcp://host:port``), or a
    ConnectionError that says which address did not answer within ``timeout`` seconds —
    also when something there accepts the connection but never speaks Dask."""
    address = check_address(address)
    try:
        from distributed import Client
    except ImportError:
        raise ConnectionError("--scheduler needs Dask: pip install distributed") from None
    box: dict[str, Any] = {}

    def attempt() -> None:
        try:
            box["client"] = Client(address, timeout=timeout, set_as_default=False)
        except BaseException as e:  # anything a wrong peer can provoke, reported below
            box["error"] = e

    with _quiet_dask():
        thread = threading.Thread(target=attempt, daemon=True, name="gatenet-dask-connect")
        thread.start()
        thread.join(timeout + 5)
    if "client" in box:
        return box["client"]
    why = box.get("error")
    detail = f" ({type(why).__name__}: {str(why)[:200]})" if why is not None else ""
    raise ConnectionError(f"no Dask scheduler answered at {address} within "
                          f"{timeout:g} s{detail}")


def run_dask(tasks: Sequence[Task], done: Done, address: str, retries: int = 1,
             timeout: float = 20.0, runner: Runner | None = None) -> None:
    """Submit one Dask task per (rule, seed) to the scheduler at ``address`` and stream the
    outcomes back as they finish. A task is retried ``retries`` times if it raises inside
    Dask's machinery; Dask itself reschedules the tasks of a lost worker until it declares
    them ``KilledWorker``. Either way the task comes back as a failed outcome."""
    from distributed import as_completed

    runner = runner or safe_task
    client = connect(address, timeout)
    futures = {}
    run = uuid.uuid4().hex[:10]  # task keys unique on the scheduler, across sweeps
    with _quiet_dask():
        try:
            for i, task in enumerate(tasks):
                _, seed, _ = task
                fut = client.submit(runner, *task, pure=False, retries=retries,
                                    key=f"gatenet-sweep-{run}-{i}-seed{seed}")
                futures[fut] = i
            for fut in as_completed(list(futures), loop=client.loop):
                i = futures[fut]
                try:
                    outcome = fut.result()
                except Exception as e:
                    outcome = failure(tasks[i],
                                      f"the Dask task failed: {type(e).__name__}: {e}")
                done(i, outcome)
        finally:
            for fut in futures:
                fut.cancel()
            client.close()

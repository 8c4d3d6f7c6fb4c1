"""Stage progress for long blocking steps: a name and a ticking clock, one line per stage.

Training has a natural progress bar (epochs), but synthesis is a handful of Yosys/ABC runs
that block for seconds to minutes each and report nothing while they run. A bar cannot show
how far such a run is; what a person wants to see is *which* step is running and that the
clock is still moving, then how long each step took. :class:`StageProgress` shows exactly
that: while a stage runs, its name and elapsed time, refreshed about twice a second by a
daemon thread (so a blocking subprocess call still shows the clock ticking); when it ends,
one line that stays on screen::

      synthesis: round 1 search (&deepsyn, 8 restarts) on 77 gates  41.2 s  → 52 gates

The library side never sees this class: functions that run stages accept a plain
``progress: Callable[[str], None] | None``, called with the stage's name as each stage
starts, and a :class:`StageProgress` is such a callable. So the stages themselves depend on
no display code, and any callable (``list.append`` in a test, a logger) can listen.

This module is part of the foundation layer: it imports only the standard library and tqdm.
"""

from __future__ import annotations

import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from types import TracebackType
from typing import TextIO

from tqdm import tqdm

#: What library functions accept: called with a stage's name when the stage starts.
Progress = Callable[[str], None]


@dataclass(frozen=True)
class StageRecord:
    """One finished stage: its name, its wall time, and the result text it ended with."""

    name: str
    seconds: float
    result: str | None = None


def format_seconds(seconds: float) -> str:
    """``4.2 s``, ``41.2 s``, ``4 min 12 s``: short enough for a status line, exact enough
    to compare stages."""
    if seconds < 100:
        return f"{seconds:.1f} s"
    minutes, rest = divmod(round(seconds), 60)
    return f"{minutes} min {rest:02d} s"


class StageProgress:
    """A context manager that shows named stages with their elapsed time (see the module
    docstring).

    ``stage(name)`` (or calling the object) ends the running stage and starts ``name``;
    ``end(result)`` ends the running stage with an optional result text shown after its
    time. Leaving the ``with`` block ends the running stage (marked ``(failed)`` or
    ``(interrupted)`` if the block raised) and always stops the refresh thread.

    ``file`` defaults to standard error. On a terminal (``tty=None`` asks ``file``) the
    running stage is a tqdm status line refreshed every ``interval`` seconds; elsewhere (a
    log file, a pipe, a captured stream) only the finished lines are written, plus a
    "still running" line every ``heartbeat`` seconds of a long stage, so a log never goes
    silent for minutes. ``disable=True`` writes nothing and starts no thread, but still
    keeps :attr:`records`, so a caller can report timings either way.
    """

    def __init__(
        self,
        *,
        disable: bool = False,
        file: TextIO | None = None,
        tty: bool | None = None,
        interval: float = 0.5,
        heartbeat: float = 30.0,
        indent: str = "  ",
    ) -> None:
        if not interval > 0 or not heartbeat > 0:
            raise ValueError(f"interval and heartbeat must be positive, got {interval}, "
                             f"{heartbeat}")
        self.disable = disable
        self.file = file if file is not None else sys.stderr
        if tty is None:
            isatty = getattr(self.file, "isatty", None)
            tty = bool(isatty()) if callable(isatty) else False
        self.tty = tty
        self.interval = interval
        self.heartbeat = heartbeat
        self.indent = indent
        #: The finished stages, in order (kept even when disabled).
        self.records: list[StageRecord] = []
        self._name: str | None = None
        self._start = 0.0
        self._beats = 0
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._bar: tqdm | None = None
        self._entered = False

    # -- the context manager -------------------------------------------------------------

    def __enter__(self) -> StageProgress:
        self._entered = True
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        try:
            if exc_type is None:
                self.end()
            else:
                failed = issubclass(exc_type, KeyboardInterrupt)
                self.end("(interrupted)" if failed else "(failed)")
        finally:
            self.close()

    def close(self) -> None:
        """Stop the refresh thread and remove the status line (idempotent)."""
        self._stop.set()
        thread, self._thread = self._thread, None
        if thread is not None:
            thread.join()
        with self._lock:
            bar, self._bar = self._bar, None
            if bar is not None:
                bar.close()
        self._entered = False

    # -- stages --------------------------------------------------------------------------

    def __call__(self, name: str) -> None:
        """The library-side protocol: ``progress(name)`` starts stage ``name``."""
        self.stage(name)

    def stage(self, name: str) -> None:
        """End the running stage (without a result text) and start ``name``."""
        self.end()
        with self._lock:
            self._name = str(name)
            self._start = time.perf_counter()
            self._beats = 0
        if self.disable:
            return
        if self._thread is None and self._entered:
            # started lazily: a training bar before the first stage is left alone
            self._stop.clear()
            self._thread = threading.Thread(target=self._run, name="gatenet-progress",
                                            daemon=True)
            self._thread.start()
        self._refresh()

    def end(self, result: str | None = None) -> StageRecord | None:
        """End the running stage, leaving its line (with ``result``, if given) on screen;
        return its record (``None`` if no stage was running)."""
        with self._lock:
            if self._name is None:
                return None
            rec = StageRecord(self._name, time.perf_counter() - self._start, result)
            self._name = None
            self.records.append(rec)
            if not self.disable:
                line = self._line(rec.name, rec.seconds)
                if result:
                    line += f"  {'' if result.startswith('(') else '→ '}{result}"
                self._write(line)
        return rec

    @property
    def seconds(self) -> float:
        """The total wall time of the finished stages."""
        return sum(r.seconds for r in self.records)

    # -- display -------------------------------------------------------------------------

    def _line(self, name: str, seconds: float) -> str:
        return f"{self.indent}{name}  {format_seconds(seconds)}"

    def _write(self, line: str) -> None:
        """A finished line (called with the lock held)."""
        if self.tty:
            if self._bar is not None:  # tqdm.write redraws the bar: not with a stale stage
                self._bar.set_description_str("", refresh=False)
            tqdm.write(line, file=self.file)
        else:
            print(line, file=self.file, flush=True)

    def _refresh(self) -> None:
        """Redraw the running stage (terminal), or write a heartbeat line (elsewhere)."""
        with self._lock:
            if self._name is None or self.disable:
                return
            elapsed = time.perf_counter() - self._start
            if self.tty:
                if self._bar is None:
                    self._bar = tqdm(total=None, bar_format="{desc}", file=self.file,
                                     leave=False, dynamic_ncols=True)
                self._bar.set_description_str(self._line(self._name, elapsed) + " …",
                                              refresh=True)
            elif elapsed >= (self._beats + 1) * self.heartbeat:
                self._beats = int(elapsed // self.heartbeat)
                print(f"{self._line(self._name, elapsed)}  (still running)", file=self.file,
                      flush=True)

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            self._refresh()

"""A torus board stepped by compiled circuit code: the user-facing face of the C runtime.

``Board`` validates everything in Python before any pointer reaches C, so bad input is a
``TypeError``/``ValueError`` naming the problem, never a crash. The C side owns the cell
memory; a ``weakref.finalize`` frees it exactly once, on :meth:`Board.close` or when the
Board is collected.

``WriteupBoard`` is the same interface over the write-up's own runtime, kept for
side-by-side benchmarks (its width must be a multiple of 64).

Threads, signals, fork. C code runs with the GIL released, so every board carries a lock
and every C call on its pointer holds it (:meth:`NativeBoard._c`): two threads stepping one
board take turns instead of racing through the same buffers, and :meth:`~NativeBoard.close`
waits for a running call instead of freeing memory under it. :meth:`~NativeBoard.step` cuts
long runs into C calls of about a tenth of a second, so Ctrl-C (Python handles signals
between calls) stops a run of any length promptly and ``close()`` never waits long. Before
a ``fork`` the process takes every board's lock, so a child never inherits a board in the
middle of a C call (or a lock nobody will release).
"""

from __future__ import annotations

import os
import threading
import time
import weakref
from collections.abc import Callable
from typing import Any

import numpy as np

from gatenet.emit.c import rule_name
from gatenet.ir.circuit import Circuit
from gatenet.runtime import native
from gatenet.runtime.checks import (
    board_words,
    check_array,
    check_circuit,
    check_density,
    check_memory,
    check_seed,
    check_size,
    check_steps,
    default_circuit,
)

#: Seconds a single C call of a long step() should take: Ctrl-C latency and the longest
#: wait of close() from another thread. Long enough that the calls' own cost (a few
#: microseconds each) is lost in the noise.
CHUNK_SECONDS = 0.1
#: The first call of a board's first step() aims lower, since its speed is only guessed.
_FIRST_CHUNK_SECONDS = 0.01
#: Chunks grow at most this much from one to the next (a wrong guess cannot overshoot).
_CHUNK_GROWTH = 8


def _free_locked(free: Callable[[int], Any], handle: int, lock: threading.Lock) -> None:
    """Free a board under its lock: waits for a C call still running in another thread
    (a ``close()`` from one thread, or the exit-time finalizer, while another steps)."""
    with lock:
        free(handle)


#: Every open board, so a fork can wait for their C calls (see :func:`_before_fork`).
_LIVE: weakref.WeakSet[NativeBoard] = weakref.WeakSet()
_HELD: list[NativeBoard] = []


def _before_fork() -> None:
    """Take every board's lock: the child then starts with no C call half done."""
    boards = sorted(_LIVE, key=id)  # one global order: no two forking threads deadlock
    for b in boards:
        b._lock.acquire()
        _HELD.append(b)


def _after_fork_in_parent() -> None:
    while _HELD:
        _HELD.pop()._lock.release()


def _after_fork_in_child() -> None:
    """Release the locks taken before the fork; the step locks of threads that do not exist
    in the child are replaced (a step interrupted by the fork just ends there)."""
    while _HELD:
        b = _HELD.pop()
        b._step_lock = threading.Lock()
        b._lock.release()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(before=_before_fork, after_in_parent=_after_fork_in_parent,
                         after_in_child=_after_fork_in_child)


class NativeBoard:
    """What every board over a C library shares: one C pointer, freed exactly once (on
    :meth:`close`, at the end of a ``with`` block, or when the board is collected), a lock
    that every C call on the pointer holds, chunked stepping, and the rule, shape and
    ``repr`` a person wants to see.

    The pointer is an integer handle (see :mod:`gatenet.runtime.native`); subclasses call C
    only through :meth:`_c`, never with the handle directly.
    """

    _lib: native.NativeLib
    _handle: int
    circuit: Circuit
    #: Measured seconds per generation (None until the first step): sizes step()'s chunks.
    _seconds_per_gen: float | None = None

    def _adopt(
        self, lib: native.NativeLib, handle: int, free: Callable[[int], Any], what: str,
        why: str = "out of memory",
    ) -> None:
        if not handle:  # sizes were checked in Python, so C refused for want of memory
            raise MemoryError(f"the C runtime could not allocate {what}: {why}")
        self._lib, self._handle = lib, int(handle)
        self._lock = threading.Lock()  # held by every C call on the handle
        self._step_lock = threading.Lock()  # held by a whole step(): steps take turns
        self._finalizer = weakref.finalize(self, _free_locked, free, self._handle, self._lock)
        _LIVE.add(self)

    def _c(self, name: str, *args: Any) -> Any:
        """Call the library function ``name`` with this board's handle first, under the
        board's lock; ValueError if the board is closed (never a call on freed memory)."""
        fn = self._lib.functions[name]
        with self._lock:
            if not self._finalizer.alive:
                raise ValueError("operation on a closed board")
            return fn(self._handle, *args)

    def _step_chunks(self, n: int, run: Callable[[int], Any], multiple: int = 1) -> None:
        """Advance ``n`` generations as calls ``run(k)`` of about :data:`CHUNK_SECONDS`.

        Why chunks: a C call cannot be interrupted, so one call of ``n`` generations would
        ignore Ctrl-C and hold the board's lock until done. Between calls Python runs its
        signal handlers (a KeyboardInterrupt leaves the board at the generation reached) and
        a ``close()`` from another thread can take the lock (this step then raises
        ValueError). Short runs are one call. ``multiple``: preferred chunk multiple (the
        fast runtime's temporal-blocking depth), so chunks end on whole passes.
        """
        with self._step_lock:
            rate = self._seconds_per_gen
            target = CHUNK_SECONDS
            if rate is None:
                rate, target = self._guess_seconds_per_gen(), _FIRST_CHUNK_SECONDS
            done, last = 0, 0
            while done < n:
                k = max(1, int(target / rate))
                if last:
                    k = min(k, _CHUNK_GROWTH * last)
                if k > multiple:
                    k -= k % multiple
                k = min(k, n - done)
                t0 = time.perf_counter()
                try:
                    run(k)
                except ValueError as e:
                    if done and self.closed:
                        raise ValueError(f"board closed by another thread during step(), "
                                         f"after {done} of {n} generations") from e
                    raise
                dt = time.perf_counter() - t0
                done, last = done + k, k
                if dt > 0:
                    rate = dt / k
                    self._seconds_per_gen = rate
                target = CHUNK_SECONDS

    def _guess_seconds_per_gen(self) -> float:
        """A deliberately slow guess of one generation's time, for the very first chunk:
        one nanosecond per gate (plus neighbour shuffling) per 64-cell word."""
        words = -(-self.width // 64) * self.height
        return max(words * (len(self.circuit.gates) + 32) * 1e-9, 1e-9)

    def close(self) -> None:
        """Free the C memory now (idempotent); the board is unusable afterwards.

        Safe from any thread: a C call running on the board in another thread finishes
        first (a step in progress then stops with ValueError at its next chunk).
        """
        self._finalizer()

    def __enter__(self) -> Any:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def closed(self) -> bool:
        return not self._finalizer.alive

    @property
    def rule(self) -> str:
        """``B…/S…`` if the circuit's rule is outer totalistic, else its MAP string."""
        if getattr(self, "_rule", None) is None:
            self._rule = rule_name(self.circuit)
        return self._rule

    @property
    def shape(self) -> tuple[int, int]:
        return (self.height, self.width)

    width: int
    height: int

    def __repr__(self) -> str:
        state = "closed" if self.closed else f"population={self.population}"
        return f"<{type(self).__name__} {self.height}×{self.width} {self.rule} {state}>"

    @property
    def population(self) -> int:  # pragma: no cover - overridden
        raise NotImplementedError


class Board(NativeBoard):
    """A ``height × width`` torus of cells stepped by ``circuit`` in the scalar C runtime.

    Cell ``(y, x)`` is bit ``x % 64`` of word ``y * ceil(width/64) + x // 64`` (see
    csrc/runtime.h); :meth:`to_array` and :meth:`from_array` use plain ``(height, width)`` uint8.
    """

    def __init__(
        self, width: int, height: int, circuit: Circuit | None = None, **build: Any
    ) -> None:
        """An all-dead board; ``build`` goes to :func:`gatenet.runtime.native.load_runtime`."""
        self.width, self.height = check_size(width, height)
        what = f"a {self.height}×{self.width} board"
        check_memory(16 * board_words(self.width, self.height), what)  # two generations
        self.circuit = circuit = default_circuit() if circuit is None else check_circuit(circuit)
        lib = native.load_runtime(circuit, **build)
        self._adopt(lib, lib.gatenet_board_new(self.width, self.height),
                    lib.gatenet_board_free, what)

    @classmethod
    def from_array(cls, arr: Any, circuit: Circuit | None = None, **build: Any) -> Board:
        """A board holding ``arr`` (2-D, integer or bool, values 0/1)."""
        a = check_array(arr)
        b = cls(a.shape[1], a.shape[0], circuit, **build)
        b._c("gatenet_board_load", a)
        return b

    @classmethod
    def random(
        cls, width: int, height: int, seed: int = 0, density: float = 0.5,
        circuit: Circuit | None = None, **build: Any,
    ) -> Board:
        """Each cell alive with probability ``density`` (xorshift64; see csrc/runtime.h)."""
        d, s = check_density(density), check_seed(seed)
        b = cls(width, height, circuit, **build)
        b._c("gatenet_board_fill_random", s, d)
        return b

    def step(self, n: int = 1) -> Board:
        """Advance ``n`` generations in C (the GIL is released meanwhile); returns self.

        Long runs are cut into calls of about :data:`CHUNK_SECONDS`, so Ctrl-C stops them.
        """
        n = check_steps(n)
        if n:
            self._step_chunks(n, lambda k: self._c("gatenet_board_step", k))
        return self

    def to_array(self) -> np.ndarray:
        out = np.empty((self.height, self.width), dtype=np.uint8)
        self._c("gatenet_board_store", out)
        return out

    @property
    def population(self) -> int:
        return int(self._c("gatenet_board_population"))


def _pack_words(a: np.ndarray) -> np.ndarray:
    """Rows of 0/1 bytes → little-endian uint64 words, cell x at bit x % 64 of word x // 64."""
    return np.packbits(a, axis=1, bitorder="little").view("<u8").astype(np.uint64).ravel()


def _unpack_words(words: np.ndarray, height: int, width: int) -> np.ndarray:
    w8 = words.astype("<u8").view(np.uint8).reshape(height, -1)
    return np.unpackbits(w8, axis=1, bitorder="little")[:, :width]


class WriteupBoard(NativeBoard):
    """The write-up's runtime behind the Board interface (width a multiple of 64)."""

    def __init__(
        self, width: int, height: int, circuit: Circuit | None = None, **build: Any
    ) -> None:
        self.width, self.height = check_size(width, height)
        if self.width % 64:
            raise ValueError(f"the write-up's runtime needs a width multiple of 64, got {width}")
        what = f"a {self.height}×{self.width} board"
        check_memory(32 * board_words(self.width, self.height), what)  # board + 3 scratch
        self.circuit = circuit = default_circuit() if circuit is None else check_circuit(circuit)
        lib = native.load_writeup_baseline(circuit, **build)
        self._adopt(lib, lib.writeup_new(self.width, self.height), lib.writeup_free, what)

    @classmethod
    def from_array(cls, arr: Any, circuit: Circuit | None = None, **build: Any) -> WriteupBoard:
        a = check_array(arr)
        b = cls(a.shape[1], a.shape[0], circuit, **build)
        b._c("writeup_load", np.ascontiguousarray(_pack_words(a)))
        return b

    @classmethod
    def random(
        cls, width: int, height: int, circuit: Circuit | None = None, **build: Any
    ) -> WriteupBoard:
        """The write-up's own start: one xorshift64 word per 64 cells (global state)."""
        b = cls(width, height, circuit, **build)
        b._c("writeup_fill_random")
        return b

    def step(self, n: int = 1) -> WriteupBoard:
        """Advance ``n`` generations (in chunks, like :meth:`Board.step`); returns self."""
        n = check_steps(n)
        if n:
            self._step_chunks(n, lambda k: self._c("writeup_step", k))
        return self

    def to_array(self) -> np.ndarray:
        words = np.empty(self.height * self.width // 64, dtype=np.uint64)
        self._c("writeup_store", words)
        return _unpack_words(words, self.height, self.width)

    @property
    def population(self) -> int:
        return int(self.to_array().sum())

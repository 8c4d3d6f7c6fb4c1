"""A torus board stepped by compiled circuit code: the user-facing face of the C runtime.

``Board`` validates everything in Python before any pointer reaches C, so bad input is a
``TypeError``/``ValueError`` naming the problem, never a crash. The C side owns the cell
memory; a ``weakref.finalize`` frees it exactly once, on :meth:`Board.close` or when the
Board is collected.

``WriteupBoard`` is the same interface over the write-up's own runtime, kept for
side-by-side benchmarks (its width must be a multiple of 64).
"""

from __future__ import annotations

import weakref
from typing import Any

import numpy as np

from gatenet.emit.c import rule_name
from gatenet.ir.circuit import Circuit
from gatenet.runtime import native
from gatenet.runtime.checks import (
    check_array,
    check_circuit,
    check_density,
    check_seed,
    check_size,
    check_steps,
    default_circuit,
)


class NativeBoard:
    """What every board over a C library shares: one C pointer, freed exactly once (on
    :meth:`close`, at the end of a ``with`` block, or when the board is collected), and the
    rule, shape and ``repr`` a person wants to see."""

    _lib: native.NativeLib
    _ptr: Any
    circuit: Circuit

    def _adopt(self, lib: native.NativeLib, ptr: Any, free: Any, what: str) -> None:
        if not ptr:
            raise MemoryError(f"the C runtime could not allocate {what}")
        self._lib, self._ptr = lib, ptr
        self._finalizer = weakref.finalize(self, free, ptr)

    def _live(self) -> Any:
        if not self._finalizer.alive:
            raise ValueError("operation on a closed board")
        return self._ptr

    def close(self) -> None:
        """Free the C memory now (idempotent); the board is unusable afterwards."""
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
        self.circuit = circuit = default_circuit() if circuit is None else check_circuit(circuit)
        lib = native.load_runtime(circuit, **build)
        self._adopt(lib, lib.gatenet_board_new(self.width, self.height),
                    lib.gatenet_board_free, f"a {self.height}×{self.width} board")

    @classmethod
    def from_array(cls, arr: Any, circuit: Circuit | None = None, **build: Any) -> Board:
        """A board holding ``arr`` (2-D, integer or bool, values 0/1)."""
        a = check_array(arr)
        b = cls(a.shape[1], a.shape[0], circuit, **build)
        b._lib.gatenet_board_load(b._live(), a)
        return b

    @classmethod
    def random(
        cls, width: int, height: int, seed: int = 0, density: float = 0.5,
        circuit: Circuit | None = None, **build: Any,
    ) -> Board:
        """Each cell alive with probability ``density`` (xorshift64; see csrc/runtime.h)."""
        d, s = check_density(density), check_seed(seed)
        b = cls(width, height, circuit, **build)
        b._lib.gatenet_board_fill_random(b._live(), s, d)
        return b

    def step(self, n: int = 1) -> Board:
        """Advance ``n`` generations in C (the GIL is released meanwhile); returns self."""
        n = check_steps(n)
        if n:
            self._lib.gatenet_board_step(self._live(), n)
        return self

    def to_array(self) -> np.ndarray:
        out = np.empty((self.height, self.width), dtype=np.uint8)
        self._lib.gatenet_board_store(self._live(), out)
        return out

    @property
    def population(self) -> int:
        return int(self._lib.gatenet_board_population(self._live()))


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
        self.circuit = circuit = default_circuit() if circuit is None else check_circuit(circuit)
        lib = native.load_writeup_baseline(circuit, **build)
        self._adopt(lib, lib.writeup_new(self.width, self.height), lib.writeup_free,
                    f"a {self.height}×{self.width} board")

    @classmethod
    def from_array(cls, arr: Any, circuit: Circuit | None = None, **build: Any) -> WriteupBoard:
        a = check_array(arr)
        b = cls(a.shape[1], a.shape[0], circuit, **build)
        b._lib.writeup_load(b._live(), np.ascontiguousarray(_pack_words(a)))
        return b

    @classmethod
    def random(
        cls, width: int, height: int, circuit: Circuit | None = None, **build: Any
    ) -> WriteupBoard:
        """The write-up's own start: one xorshift64 word per 64 cells (global state)."""
        b = cls(width, height, circuit, **build)
        b._lib.writeup_fill_random(b._live())
        return b

    def step(self, n: int = 1) -> WriteupBoard:
        n = check_steps(n)
        if n:
            self._lib.writeup_step(self._live(), n)
        return self

    def to_array(self) -> np.ndarray:
        words = np.empty(self.height * self.width // 64, dtype=np.uint64)
        self._lib.writeup_store(self._live(), words)
        return _unpack_words(words, self.height, self.width)

    @property
    def population(self) -> int:
        return int(self.to_array().sum())

"""A torus board stepped by compiled circuit code: the user-facing face of the C runtime.

``Board`` validates everything in Python before any pointer reaches C, so bad input is a
``TypeError``/``ValueError`` naming the problem, never a crash. The C side owns the cell
memory; a ``weakref.finalize`` frees it exactly once, on :meth:`Board.close` or when the
Board is collected.

``WriteupBoard`` is the same interface over the write-up's own runtime, kept for
side-by-side benchmarks (its width must be a multiple of 64).
"""

from __future__ import annotations

import math
import weakref
from typing import Any

import numpy as np

from gatenet import native, rules
from gatenet.circuit import Circuit
from gatenet.emit.c import rule_name

_MAX_CELLS = 1 << 40  # far beyond memory; keeps size arithmetic obviously safe


def default_circuit() -> Circuit:
    """The circuit a board uses when none is given: the hand-made 28-gate Life circuit."""
    from gatenet.handmade import handmade_life

    return handmade_life()


def _check_size(width: Any, height: Any) -> tuple[int, int]:
    for name, v in (("width", width), ("height", height)):
        if isinstance(v, bool) or not isinstance(v, int | np.integer):
            raise TypeError(f"{name} must be an integer, got {type(v).__name__}")
        if v < 1:
            raise ValueError(f"{name} must be ≥ 1, got {v}")
    if int(width) * int(height) > _MAX_CELLS:
        raise ValueError(f"board of {width}×{height} cells is too large")
    return int(width), int(height)


def _check_steps(n: Any) -> int:
    if isinstance(n, bool) or not isinstance(n, int | np.integer):
        raise TypeError(f"steps must be a non-negative integer, got {type(n).__name__}")
    if n < 0:
        raise ValueError(f"steps must be non-negative, got {n}")
    if n >= 1 << 64:
        raise ValueError(f"steps must be below 2**64, got {n}")
    return int(n)


def _check_array(arr: Any) -> np.ndarray:
    """A C-contiguous uint8 copy of a 0/1 board (validated by rules.check_board)."""
    a = np.asarray(arr)
    if a.size == 0:
        raise ValueError(f"a board needs height and width ≥ 1, got shape {a.shape}")
    b = rules.check_board(a)
    _check_size(b.shape[1], b.shape[0])
    return np.ascontiguousarray(b, dtype=np.uint8)


def _check_density(density: Any) -> float:
    if isinstance(density, bool) or not isinstance(density, int | float | np.floating | np.integer):
        raise TypeError(f"density must be a number in [0, 1], got {type(density).__name__}")
    d = float(density)
    if not (math.isfinite(d) and 0.0 <= d <= 1.0):
        raise ValueError(f"density must be in [0, 1], got {density}")
    return d


def _check_seed(seed: Any) -> int:
    if isinstance(seed, bool) or not isinstance(seed, int | np.integer):
        raise TypeError(f"seed must be an integer, got {type(seed).__name__}")
    if not 0 <= seed < 1 << 64:
        raise ValueError(f"seed must be in 0..2**64-1, got {seed}")
    return int(seed)


class _NativeBoard:
    """Shared lifetime handling: one C pointer, freed exactly once."""

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

    def __enter__(self) -> _NativeBoard:
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


class Board(_NativeBoard):
    """A ``height × width`` torus of cells stepped by ``circuit`` in the scalar C runtime.

    Cell ``(y, x)`` is bit ``x % 64`` of word ``y * ceil(width/64) + x // 64`` (see
    c/runtime.h); :meth:`to_array` and :meth:`from_array` use plain ``(height, width)`` uint8.
    """

    def __init__(
        self, width: int, height: int, circuit: Circuit | None = None, **build: Any
    ) -> None:
        """An all-dead board; ``build`` goes to :func:`gatenet.native.load_runtime`."""
        self.width, self.height = _check_size(width, height)
        self.circuit = circuit = default_circuit() if circuit is None else circuit
        lib = native.load_runtime(circuit, **build)
        self._adopt(lib, lib.gatenet_board_new(self.width, self.height),
                    lib.gatenet_board_free, f"a {self.height}×{self.width} board")

    @classmethod
    def from_array(cls, arr: Any, circuit: Circuit | None = None, **build: Any) -> Board:
        """A board holding ``arr`` (2-D, integer or bool, values 0/1)."""
        a = _check_array(arr)
        b = cls(a.shape[1], a.shape[0], circuit, **build)
        b._lib.gatenet_board_load(b._live(), a)
        return b

    @classmethod
    def random(
        cls, width: int, height: int, seed: int = 0, density: float = 0.5,
        circuit: Circuit | None = None, **build: Any,
    ) -> Board:
        """Each cell alive with probability ``density`` (xorshift64; see c/runtime.h)."""
        d, s = _check_density(density), _check_seed(seed)
        b = cls(width, height, circuit, **build)
        b._lib.gatenet_board_fill_random(b._live(), s, d)
        return b

    def step(self, n: int = 1) -> Board:
        """Advance ``n`` generations in C (the GIL is released meanwhile); returns self."""
        n = _check_steps(n)
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


class WriteupBoard(_NativeBoard):
    """The write-up's runtime behind the Board interface (width a multiple of 64)."""

    def __init__(
        self, width: int, height: int, circuit: Circuit | None = None, **build: Any
    ) -> None:
        self.width, self.height = _check_size(width, height)
        if self.width % 64:
            raise ValueError(f"the write-up's runtime needs a width multiple of 64, got {width}")
        self.circuit = circuit = default_circuit() if circuit is None else circuit
        lib = native.load_writeup_baseline(circuit, **build)
        self._adopt(lib, lib.writeup_new(self.width, self.height), lib.writeup_free,
                    f"a {self.height}×{self.width} board")

    @classmethod
    def from_array(cls, arr: Any, circuit: Circuit | None = None, **build: Any) -> WriteupBoard:
        a = _check_array(arr)
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
        n = _check_steps(n)
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

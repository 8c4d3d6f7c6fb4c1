"""The fast runtime from Python: SIMD widths, OpenMP threads and the expert baseline.

:class:`FastBoard` runs a circuit (or the hand-written bit-sliced Life of ``c/expert.c``)
on a torus with the kernels of ``c/fast.c``: 64-bit words, 256-bit AVX2 vectors or 512-bit
AVX-512 vectors, chosen at run time from what the CPU supports, spread over OpenMP threads.
Every kernel gives results identical to :func:`gatenet.rules.step` for any board size and
thread count (tests/test_fast.py checks that). Given a LUT3 mapping of the same rule
(``lut3=``, checked exhaustively), the "avx512" kernel runs it — one ``vpternlogq`` per
LUT, the LUT's truth table as immediate — instead of the two-input netlist
(tests/test_fast_lut3.py).

Why a separate runtime from :class:`gatenet.board.Board`: the scalar runtime is the simple,
obviously right C a reader studies first; this one is about speed — a lane-banded layout
(each vector lane owns a horizontal band of rows, so neighbour access never crosses lanes),
halo rows refreshed per generation, a column walk that loads and shifts each word once, and
threads. Keeping them apart keeps the first one readable.

Building reuses :mod:`gatenet.runtime.native` (compiler discovery, content-hashed cache, atomic
writes). One library per circuit holds all widths; its symbols carry the build key as a
suffix, because everything loaded through cppyy shares one namespace.

Fork. GCC's OpenMP runtime does not survive ``fork``: its worker threads stay behind in the
parent, and a child that enters a parallel region with more than one thread waits for them
forever (a one-thread region is safe). So in a forked child — a ``multiprocessing`` "fork"
pool, say — every board runs on one thread: boards re-lay themselves out for one thread
before their next step, and ``threads`` is clamped to 1 there.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path
from typing import Any

import numpy as np

from gatenet import rules
from gatenet.emit.c import emit_c
from gatenet.ir.circuit import Circuit
from gatenet.ir.lut import Lut3Circuit
from gatenet.ir.names import check_rule_shape
from gatenet.ir.separable import SeparableCircuit, SeparableLut3
from gatenet.runtime import native
from gatenet.runtime.board import NativeBoard
from gatenet.runtime.checks import (
    board_words,
    check_array,
    check_circuit,
    check_density,
    check_memory,
    check_seed,
    check_size,
    check_steps,
    check_threads,
    default_circuit,
)

#: Kernel names: the circuit at each width, and the expert Life at each width.
#: "auto" and "expert" pick the widest width this CPU supports.
#: "separable-…" run a separable circuit (row features computed once per row, see
#: gatenet.ir.separable); "separable" picks the widest.
KERNELS: tuple[str, ...] = (
    "scalar", "avx2", "avx512", "expert-scalar", "expert-avx2", "expert-avx512",
    "separable-scalar", "separable-avx2", "separable-avx512",
)  # fmt: skip
_WIDTHS = {"scalar": 0, "avx2": 1, "avx512": 2}
_WIDTH_NAMES = {v: k for k, v in _WIDTHS.items()}
_CIRCUIT, _EXPERT, _SEPARABLE = 0, 1, 2
_FAMILIES = ("expert-", "separable-")


def _width(kernel: str) -> int:
    """The vector width code of a kernel name (its family prefix removed)."""
    for prefix in _FAMILIES:
        kernel = kernel.removeprefix(prefix)
    return _WIDTHS[kernel]

#: Flags for the fast library. No -march=native on purpose: the widths are chosen at run
#: time with ``#pragma GCC target`` inside fast.c, so "scalar" stays plain x86-64 code
#: (with -march=native GCC could auto-vectorise it and blur the comparison).
#: ``-fno-version-loops-for-strides``: GCC's -O3 otherwise adds to each kernel a second copy
#: of its edge-column loop for a row pitch of one, which no board of more than one 512-bit
#: word per row runs; without it each kernel has one loop per column path, so the
#: disassembly that :mod:`gatenet.bench.asm` counts is the code that runs.
FAST_FLAGS: tuple[str, ...] = (
    "-O3", "-fno-version-loops-for-strides", "-fopenmp", "-Wall", "-Wextra",
)

_SOURCES = ("fast.h", "fast.c", "fast_kernel.h", "fast_driver.h", "expert.c",
            "separable_kernel.h")

#: True in a process forked from the one that imported this module (and in its children):
#: OpenMP's thread pool did not come along, so boards there run on one thread.
_FORKED = False


def _mark_forked() -> None:
    global _FORKED
    _FORKED = True


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_mark_forked)


def forked() -> bool:
    """True in a forked child, where boards run on one thread (see the module notes)."""
    return _FORKED


#: Exported functions of csrc/fast.c.
FAST_API = native.Api("fast_board", (
    ("int", "fast_width_supported", "int width"),
    ("int", "fast_default_threads", "void"),
    ("int", "fast_uses_lut3", "void"),
    ("int", "fast_sep_uses_lut3", "void"),
    ("int", "fast_has_separable", "void"),
    ("int64_t", "fast_llc_bytes", "void"),
    ("fast_board *", "fast_new",
     "int64_t width, int64_t height, int vec_width, int flavour, int threads"),
    ("void", "fast_free", "fast_board *b"),
    ("int", "fast_set_cells", "fast_board *b, const uint8_t *cells"),
    ("int", "fast_get_cells", "const fast_board *b, uint8_t *cells"),
    ("int", "fast_step", "fast_board *b, int64_t steps"),
    ("int64_t", "fast_population", "const fast_board *b"),
    ("int", "fast_set_threads", "fast_board *b, int threads"),
    ("int", "fast_set_depth", "fast_board *b, int depth"),
    ("int", "fast_depth", "const fast_board *b"),
    ("int", "fast_max_depth", "void"),
    ("int64_t", "fast_band_rows", "const fast_board *b"),
    ("int64_t", "fast_row_words", "const fast_board *b"),
    ("double", "fast_time_steps", "fast_board *b, int64_t steps"),
    ("const char *", "fast_error", "void"),
), frozenset({"fast_step", "fast_time_steps"}))  # fmt: skip


def _write_header(cache: Path, text: str, tag: str) -> str:
    """Store ``text`` under a hash of itself in ``cache``; returns its name as a C string
    literal (the compile unit sits in the same folder, so ``#include "name"`` finds it, and
    the library's key does not depend on where the cache is).

    An existing file is used only if it holds exactly ``text`` (else it is rewritten): a
    truncated or damaged header in the cache would otherwise break every later build of
    the library, or compile into a wrong one.
    """
    h = hashlib.sha256(text.encode()).hexdigest()[:16]
    path = cache / f"fastcircuit_{h}_{tag}.h"
    native.ensure_text_file(path, text)
    return f'"{path.name}"'


def _compile_unit(
    circuit: Circuit, lut3: Lut3Circuit | None, cache: Path,
    separable: SeparableCircuit | None = None,
    separable_lut3: SeparableLut3 | None = None,
) -> tuple[Any, str]:
    """The compile unit (a function of the symbol suffix) and the text it depends on.

    Emitted headers carry include guards named after the function, so fast.c cannot include
    one header three times; instead each width gets its own copy with its own function name
    (fast_circuit_w64/_w256/_w512), stored under a hash of its text. With ``lut3`` a fourth
    header (gatenet.emit.ternary) replaces the netlist in the 512-bit kernel; its text is
    part of the key, so the LUT3 build and the plain one are separate libraries.
    """
    from gatenet.emit import ternary

    defines = []
    header_text = ""
    for w in ("w64", "w256", "w512"):
        text = emit_c(circuit, name=f"fast_circuit_{w}")
        defines.append(f"#define FAST_CIRCUIT_HEADER_{w.upper()} {_write_header(cache, text, w)}")
        header_text += text
    what = f"circuit {circuit.content_hash()}"
    if lut3 is not None:
        text = ternary.to_c(lut3, name="fast_circuit_lut3_w512")
        defines.append(f"#define FAST_LUT3_HEADER_W512 {_write_header(cache, text, 'lut3')}")
        header_text += text
        what += f", LUT3 {lut3.content_hash()}"
    if separable is not None:
        from gatenet.emit.c import emit_c_features

        defines.append(f"#define FAST_SEP_K {separable.k}")
        if separable.pair is not None:
            defines.append(f"#define FAST_SEP_P {separable.p}")
        for w in ("w64", "w256", "w512"):
            parts = [("ROW", emit_c_features(separable.row, name=f"fast_sep_row_{w}")),
                     ("COMBINE", emit_c(separable.combine, name=f"fast_sep_combine_{w}"))]
            if separable.pair is not None:
                parts.append(("PAIR", emit_c_features(separable.pair, name=f"fast_sep_pair_{w}")))
            for part, text in parts:
                defines.append(f"#define FAST_SEP_{part}_HEADER_{w.upper()} "
                               f"{_write_header(cache, text, f'sep{part.lower()}{w}')}")
                header_text += text
        what += f", separable {separable.content_hash()}"
    if separable_lut3 is not None:
        defines.append("#define FAST_SEP_LUT3 1")
        for part, lut in separable_lut3.parts().items():
            text = ternary.to_c_features(lut, name=f"fast_sep_{part}_lut3")
            defines.append(f"#define FAST_SEP_{part.upper()}_LUT3_HEADER "
                           f"{_write_header(cache, text, f'sep{part}lut3')}")
            header_text += text
        what += f", separable LUT3 {separable_lut3.content_hash()}"

    def unit(suffix: str) -> str:
        return (
            f"/* gatenet.runtime.fast for {what} */\n{FAST_API.renames(suffix)}\n"
            + "\n".join(defines)
            + '\n#include "fast.c"\n'
        )

    return unit, native.read_sources(_SOURCES) + header_text


def check_lut3(circuit: Circuit, lut3: Any) -> Lut3Circuit:
    """``lut3`` if it is a 9-input, 1-output Lut3Circuit computing ``circuit``'s rule.

    Checked exhaustively (all 512 neighbourhoods) so a mismatched pair never runs: the LUT3
    form replaces the netlist in one kernel only, and a silent difference between kernels
    would be the worst kind of bug. Raises TypeError/ValueError naming the problem.
    """
    if not isinstance(lut3, Lut3Circuit):
        raise TypeError(f"lut3 must be a gatenet Lut3Circuit, got {type(lut3).__name__}")
    check_rule_shape(lut3, "lut3")
    key = (circuit.content_hash(), lut3.content_hash())
    if key not in _LUT3_CHECKED:
        want = circuit.truth_table()[:, 0]
        got = lut3.truth_table()[:, 0]
        wrong = int(np.count_nonzero(want != got))
        if wrong:
            raise ValueError(f"lut3 differs from the circuit on {wrong} of 512 neighbourhoods")
        _LUT3_CHECKED.add(key)
    return lut3


_LUT3_CHECKED: set[tuple[str, str]] = set()


def check_separable(circuit: Circuit, separable: Any) -> SeparableCircuit:
    """``separable`` if it is a SeparableCircuit computing ``circuit``'s rule (checked on
    all 512 neighbourhoods, as :func:`check_lut3`). Raises TypeError/ValueError."""
    if not isinstance(separable, SeparableCircuit):
        raise TypeError(f"separable must be a gatenet SeparableCircuit, got "
                        f"{type(separable).__name__}")
    check_circuit(circuit)
    if separable.k > MAX_SEPARABLE_BITS or separable.p > MAX_SEPARABLE_BITS:
        raise ValueError(f"the runtime keeps a separable circuit's bits in registers: at most "
                         f"{MAX_SEPARABLE_BITS} features per row and pair bits, got "
                         f"{separable.k} and {separable.p}")
    key = (circuit.content_hash(), separable.content_hash())
    if key not in _SEP_CHECKED:
        wrong = separable.wrong(circuit.truth_table()[:, 0])
        if wrong:
            raise ValueError(f"the separable circuit differs from the circuit on {wrong} of "
                             f"512 neighbourhoods" + (" (both pair readings counted)"
                                                      if separable.pair is not None else ""))
        _SEP_CHECKED.add(key)
    return separable


_SEP_CHECKED: set[tuple[str, str]] = set()


def check_separable_lut3(separable: SeparableCircuit | None,
                         separable_lut3: Any) -> SeparableLut3:
    """``separable_lut3`` if it is a :class:`~gatenet.ir.separable.SeparableLut3` whose every
    part computes ``separable``'s part of that name (exhaustively). Raises
    TypeError/ValueError."""
    if not isinstance(separable_lut3, SeparableLut3):
        raise TypeError(f"separable_lut3 must be a gatenet SeparableLut3, got "
                        f"{type(separable_lut3).__name__}")
    if separable is None:
        raise TypeError("separable_lut3 is the LUT3 form of a separable circuit: pass "
                        "separable= too")
    key = (separable.content_hash(), separable_lut3.content_hash())
    if key not in _SEP_LUT3_CHECKED:
        separable_lut3.check(separable)
        _SEP_LUT3_CHECKED.add(key)
    return separable_lut3


_SEP_LUT3_CHECKED: set[tuple[str, str]] = set()
#: Feature bits per row (and pair bits) the separable kernels accept.
MAX_SEPARABLE_BITS = 16
#: Loaded libraries by (circuit, LUT3, separable, separable LUT3, cache, compiler): a board
#: needs no re-emitting.
_LIBS: dict[tuple[str, str, str, str, str, str | None], native.NativeLib] = {}


def load(
    circuit: Circuit | None = None,
    *,
    lut3: Lut3Circuit | None = None,
    separable: SeparableCircuit | None = None,
    separable_lut3: SeparableLut3 | None = None,
    cache: str | os.PathLike[str] | None = None,
    compiler: str | None = None,
) -> native.NativeLib:
    """Build (or reuse) and load the fast library for ``circuit`` (default: handmade Life).

    With ``lut3`` (the same rule as three-input LUTs, checked by :func:`check_lut3`) the
    library's 512-bit circuit kernel runs one ``vpternlogq`` per LUT instead of the netlist.
    With ``separable`` (the same rule as a separable circuit, checked by
    :func:`check_separable`) the library also holds the "separable-…" kernels, and with
    ``separable_lut3`` (its parts as LUT3 netlists, checked part by part) the 512-bit one
    runs those, one ``vpternlogq`` per LUT.
    Loading the same circuit (and LUT3, separable forms) again returns the same object.
    """
    circuit = default_circuit() if circuit is None else check_circuit(circuit)
    if lut3 is not None:
        check_lut3(circuit, lut3)
    if separable is not None:
        check_separable(circuit, separable)
    if separable_lut3 is not None:
        check_separable_lut3(separable, separable_lut3)
    cache_path = native.cache_dir(cache)
    memo = (circuit.content_hash(), lut3.content_hash() if lut3 is not None else "",
            separable.content_hash() if separable is not None else "",
            separable_lut3.content_hash() if separable_lut3 is not None else "",
            str(cache_path), compiler)
    if memo not in _LIBS:
        unit, key_text = _compile_unit(circuit, lut3, cache_path, separable, separable_lut3)
        _LIBS[memo] = native.load_unit("fast", unit, FAST_API, key_text=key_text,
                                       flags=FAST_FLAGS, cache=cache, compiler=compiler)
    return _LIBS[memo]


def llc_bytes() -> int:
    """The last-level cache in bytes, as the fast runtime reads it (it picks the default
    temporal-blocking depth from it; 8 MiB where Linux does not say)."""
    return int(load().fast_llc_bytes())


def available_kernels() -> tuple[str, ...]:
    """The kernels this CPU can run, in :data:`KERNELS` order (scalar ones always)."""
    lib = load()
    return tuple(k for k in KERNELS if lib.fast_width_supported(_width(k)))


def resolve_kernel(kernel: str) -> str:
    """``kernel`` with "auto"/"expert" replaced by the widest supported variant.

    Raises ValueError for unknown names and for widths this CPU cannot run.
    """
    if not isinstance(kernel, str):
        raise TypeError(f"kernel must be a string, got {type(kernel).__name__}")
    avail = available_kernels()
    if kernel == "auto":
        return [k for k in avail if not k.startswith(_FAMILIES)][-1]
    if kernel in ("expert", "separable"):
        return [k for k in avail if k.startswith(kernel + "-")][-1]
    if kernel not in KERNELS:
        raise ValueError(
            f"unknown kernel {kernel!r}; expected 'auto', 'expert', 'separable' or one of "
            f"{list(KERNELS)}"
        )
    if kernel not in avail:
        raise ValueError(f"kernel {kernel!r} is not supported by this CPU ({list(avail)} are)")
    return kernel


def _threads(threads: Any) -> int:
    """``threads``, or every core when None; always 1 in a forked child (see the module
    notes: more would hang there)."""
    n = int(load().fast_default_threads()) if threads is None else check_threads(threads)
    return 1 if _FORKED else n


def _is_life(circuit: Circuit) -> bool:
    return bool(np.array_equal(circuit.truth_table()[:, 0], rules.LIFE.table))


class FastBoard(NativeBoard):
    """A torus stepped by the fast runtime.

    ``board`` is a 2-D 0/1 array (integers or bools). ``kernel`` is "auto" (widest
    supported circuit kernel), "scalar", "avx2", "avx512", "expert" (widest expert Life) or
    "expert-scalar"/"expert-avx2"/"expert-avx512". ``circuit`` is required for circuit
    kernels; the expert kernels compute Life whatever the circuit, so they refuse a circuit
    for another rule. ``threads`` defaults to every core. ``depth`` is the number of
    generations per pass over the board (temporal blocking, 1..8); by default the runtime
    picks it from the board's size (see ``fast_default_depth`` in csrc/fast.c): 4 for tiny
    boards, whose fixed per-pass costs dominate, 1 while both generations fit in the
    last-level cache (:func:`llc_bytes`), 4 beyond. Results never depend on threads or depth.

    ``lut3`` (a :class:`~gatenet.ir.lut.Lut3Circuit` with the circuit's truth table, checked
    exhaustively) makes the "avx512" kernel run the LUT3 mapping — one ``vpternlogq`` per
    LUT — instead of the two-input netlist; other kernels ignore it (they have no
    three-input instruction). :attr:`uses_lut3` says which form runs.

    ``separable`` (a :class:`~gatenet.ir.separable.SeparableCircuit`) is what the
    "separable-…" kernels run: each row's features computed once per row and reused by the
    three output rows that read them. ``circuit`` then defaults to its flat form; if both
    are given they must compute the same rule (checked exhaustively). Other kernels refuse
    it rather than silently run something else. ``separable_lut3`` (its parts as LUT3
    netlists, checked part by part) makes "separable-avx512" run one ``vpternlogq`` per LUT,
    as ``lut3`` does for "avx512"; the narrower separable kernels ignore it.
    """

    def __init__(
        self,
        board: Any,
        circuit: Circuit | None = None,
        kernel: str = "auto",
        threads: int | None = None,
        *,
        depth: int | None = None,
        lut3: Lut3Circuit | None = None,
        separable: SeparableCircuit | None = None,
        separable_lut3: SeparableLut3 | None = None,
        cache: str | os.PathLike[str] | None = None,
    ) -> None:
        a = check_array(board)
        self.kernel = resolve_kernel(kernel)
        expert = self.kernel.startswith("expert-")
        sep = self.kernel.startswith("separable-")
        if sep:
            if separable is None:
                raise TypeError(f"kernel {self.kernel!r} runs a separable circuit: pass "
                                f"separable=")
            if not isinstance(separable, SeparableCircuit):
                raise TypeError(f"separable must be a gatenet SeparableCircuit, got "
                                f"{type(separable).__name__}")
            if circuit is None:
                circuit = separable.flatten()
        elif separable is not None:
            raise ValueError(f"separable= is for the separable kernels, not {self.kernel!r}")
        if circuit is None and not expert:
            raise TypeError(f"kernel {self.kernel!r} runs a circuit: pass circuit=")
        if circuit is not None:
            check_circuit(circuit)
            if expert and not _is_life(circuit):
                raise ValueError("the expert kernels compute B3/S23 only; the circuit's rule "
                                 "differs")
        self.circuit = circuit if circuit is not None else default_circuit()
        if lut3 is not None:
            check_lut3(self.circuit, lut3)
        #: The LUT3 circuit the kernel runs, or None (two-input netlist / expert).
        self.lut3 = lut3 if self.kernel == "avx512" else None
        self.height, self.width = a.shape
        what = f"a {self.height}×{self.width} board"
        check_memory(16 * board_words(self.width, self.height), what)  # two generations
        nthreads = _threads(threads)
        #: The separable circuit the kernel runs, or None.
        self.separable = separable
        if separable_lut3 is not None:
            if not sep:
                raise ValueError(f"separable_lut3= is the LUT3 form of a separable circuit, for "
                                 f"the separable kernels, not {self.kernel!r}")
            check_separable_lut3(separable, separable_lut3)
        #: The separable circuit's LUT3 parts the kernel runs, or None (two-input parts).
        self.separable_lut3 = separable_lut3 if self.kernel == "separable-avx512" else None
        lib = load(self.circuit, lut3=self.lut3, separable=separable,
                   separable_lut3=self.separable_lut3, cache=cache)
        if (bool(lib.fast_uses_lut3()) != (self.lut3 is not None)
                or bool(lib.fast_sep_uses_lut3()) != (self.separable_lut3 is not None)):
            raise RuntimeError("fast library and requested circuit form disagree")
        flavour = _EXPERT if expert else _SEPARABLE if sep else _CIRCUIT
        handle = lib.fast_new(self.width, self.height, _width(self.kernel), flavour, nthreads)
        self._adopt(lib, handle, lib.fast_free, what, "" if handle else lib.fast_error())
        self._threads = nthreads
        if depth is not None:
            self.depth = depth
        self._depth = int(self._call("fast_depth"))  # step()'s chunks end on whole passes
        self._call("fast_set_cells", a)

    @classmethod
    def random(
        cls, width: int, height: int, circuit: Circuit | None = None, kernel: str = "auto",
        threads: int | None = None, seed: int = 0, density: float = 0.5, **kw: Any,
    ) -> FastBoard:
        """A board with each cell alive with probability ``density`` (numpy's PCG64).

        The draws are made a few rows at a time (the same stream as one ``rng.random((h,
        w))``), so the only large temporary is the board's own bytes, not eight per cell.
        """
        w, h = check_size(width, height)
        d = check_density(density)
        check_memory(h * w + 16 * board_words(w, h), f"a random {h}×{w} board")
        rng = np.random.default_rng(check_seed(seed))
        a = np.empty((h, w), dtype=np.uint8)
        rows = max(1, (1 << 20) // w)
        for y in range(0, h, rows):
            np.less(rng.random((min(rows, h - y), w)), d, out=a[y:y + rows], casting="unsafe")
        return cls(a, circuit, kernel, threads, **kw)

    # -- plumbing ---------------------------------------------------------------------------

    def _call(self, name: str, *args: Any) -> Any:
        """:meth:`_c`, with C's error codes (negative results) raised as RuntimeError."""
        r = self._c(name, *args)
        if isinstance(r, int) and r < 0:
            raise RuntimeError(f"{name} failed: {self._lib.fast_error()}")
        return r

    def _one_thread_after_fork(self) -> None:
        """In a forked child, re-lay the board out for one thread before C enters an OpenMP
        parallel region (with more threads it would wait forever for the parent's pool)."""
        if _FORKED and self._threads > 1:
            self._call("fast_set_threads", 1)
            self._threads = 1

    def __repr__(self) -> str:
        state = "closed" if self.closed else f"population={self.population}"
        form = " lut3" if self.uses_lut3 else ""
        return (f"<FastBoard {self.height}×{self.width} {self.kernel}{form} "
                f"threads={self._threads} "
                f"{state}>")

    # -- the board ---------------------------------------------------------------------------

    @property
    def threads(self) -> int:
        return self._threads

    @property
    def uses_lut3(self) -> bool:
        """True when the kernel runs a LUT3 form (one vpternlogq per LUT): the circuit's
        (``lut3``) or the separable parts' (``separable_lut3``)."""
        return self.lut3 is not None or self.separable_lut3 is not None

    @threads.setter
    def threads(self, n: int) -> None:
        """A new thread count (re-lays the board out); 1 in a forked child whatever ``n``."""
        n = _threads(n)
        self._call("fast_set_threads", n)
        self._threads = n

    @property
    def depth(self) -> int:
        """Generations per pass over the board (temporal blocking)."""
        return int(self._call("fast_depth"))

    @depth.setter
    def depth(self, d: int) -> None:
        if isinstance(d, bool) or not isinstance(d, int | np.integer):
            raise TypeError(f"depth must be an integer, got {type(d).__name__}")
        top = int(self._lib.fast_max_depth())
        if not 1 <= d <= top:
            raise ValueError(f"depth must be in 1..{top}, got {d}")
        self._call("fast_set_depth", int(d))
        self._depth = int(d)

    def step(self, n: int = 1) -> FastBoard:
        """Advance ``n`` generations (the GIL is released meanwhile); returns self.

        Long runs are cut into calls of about a tenth of a second (whole temporal-blocking
        passes), so Ctrl-C stops them; see :meth:`NativeBoard._step_chunks`.
        """
        n = check_steps(n, limit=1 << 63)
        if n:
            self._one_thread_after_fork()
            self._step_chunks(n, lambda k: self._call("fast_step", k),
                              multiple=self._depth)
        return self

    def to_array(self) -> np.ndarray:
        out = np.empty((self.height, self.width), dtype=np.uint8)
        self._call("fast_get_cells", out)
        return out

    @property
    def population(self) -> int:
        return int(self._call("fast_population"))

    def time_steps(self, steps: int) -> float:
        """Seconds for ``steps`` generations, timed in C (no Python overhead inside)."""
        steps = check_steps(steps, limit=1 << 63)
        self._one_thread_after_fork()
        with self._step_lock:  # one C call: not interruptible, so keep ``steps`` modest
            t = float(self._c("fast_time_steps", steps))
        if t < 0:
            raise RuntimeError(f"fast_time_steps failed: {self._lib.fast_error()}")
        return t

    @property
    def row_words(self) -> int:
        """Vector words per row: the first and last take the edge path (wrap-around carries,
        the padding mask), the ones between the interior path."""
        return int(self._call("fast_row_words"))

    @property
    def vector_words(self) -> int:
        """Vector words per generation: band rows × words per row (what the bound counts)."""
        return int(self._call("fast_band_rows")) * int(self._call("fast_row_words"))

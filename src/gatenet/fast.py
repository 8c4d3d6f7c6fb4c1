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

Building reuses :mod:`gatenet.native` (compiler discovery, content-hashed cache, atomic
writes). One library per circuit holds all widths; its symbols carry the build key as a
suffix, because everything loaded through cppyy shares one namespace.
"""

from __future__ import annotations

import hashlib
import os
import statistics
import time
import weakref
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from gatenet import machine, native, rules
from gatenet.board import _check_array, _check_seed, _check_size, _check_steps
from gatenet.circuit import Circuit, atomic_write_text
from gatenet.emit.c import emit_c, live_gates
from gatenet.lut import Lut3Circuit

#: Kernel names: the circuit at each width, and the expert Life at each width.
#: "auto" and "expert" pick the widest width this CPU supports.
KERNELS: tuple[str, ...] = (
    "scalar", "avx2", "avx512", "expert-scalar", "expert-avx2", "expert-avx512",
)  # fmt: skip
_WIDTHS = {"scalar": 0, "avx2": 1, "avx512": 2}
_WIDTH_NAMES = {v: k for k, v in _WIDTHS.items()}
_CIRCUIT, _EXPERT = 0, 1

#: Flags for the fast library. No -march=native on purpose: the widths are chosen at run
#: time with ``#pragma GCC target`` inside fast.c, so "scalar" stays plain x86-64 code
#: (with -march=native GCC could auto-vectorise it and blur the comparison).
FAST_FLAGS: tuple[str, ...] = ("-O3", "-fopenmp", "-Wall", "-Wextra")

#: Largest thread count accepted (far above any machine this runs on; keeps OpenMP sane).
MAX_THREADS = 1024

_SOURCES = ("fast.h", "fast.c", "fast_kernel.h", "fast_driver.h", "expert.c")

#: Exported functions of c/fast.c: (return type, name, parameters).
FAST_API: tuple[tuple[str, str, str], ...] = (
    ("int", "fast_width_supported", "int width"),
    ("int", "fast_best_width", "void"),
    ("int", "fast_default_threads", "void"),
    ("int", "fast_uses_lut3", "void"),
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
)  # fmt: skip


@dataclass(frozen=True)
class FastLib:
    """A loaded fast library: path, symbol suffix and the cppyy functions by plain name."""

    path: Path
    suffix: str
    functions: dict[str, Any]

    def __getattr__(self, name: str) -> Any:
        try:
            return self.functions[name]
        except KeyError:
            raise AttributeError(name) from None


_LOADED: dict[str, FastLib] = {}


def _default_circuit() -> Circuit:
    from gatenet.handmade import handmade_life

    return handmade_life()


def _write_header(cache: Path, text: str, tag: str) -> str:
    """Store ``text`` under a hash of itself; returns the path as a C string literal."""
    h = hashlib.sha256(text.encode()).hexdigest()[:16]
    path = cache / f"fastcircuit_{h}_{tag}.h"
    if not path.exists():
        atomic_write_text(path, text)
    return f'"{path}"'


def _compile_unit(
    circuit: Circuit, lut3: Lut3Circuit | None, flags: list[str], cc: str, cache: Path
) -> tuple[str, str]:
    """The compile unit's text and its key; writes the per-width circuit headers.

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
    sources = "".join((native.c_dir() / f).read_text() for f in _SOURCES)

    def unit(suffix: str) -> str:
        renames = "".join(f"#define {n} {n}_{suffix}\n" for _, n, _ in FAST_API)
        return (
            f"/* gatenet.fast for {what} */\n{renames}\n"
            + "\n".join(defines)
            + '\n#include "fast.c"\n'
        )

    key = native.build_key(unit("SUFFIX") + sources + header_text, flags, cc)
    return unit(key), key


def check_lut3(circuit: Circuit, lut3: Any) -> Lut3Circuit:
    """``lut3`` if it is a 9-input, 1-output Lut3Circuit computing ``circuit``'s rule.

    Checked exhaustively (all 512 neighbourhoods) so a mismatched pair never runs: the LUT3
    form replaces the netlist in one kernel only, and a silent difference between kernels
    would be the worst kind of bug. Raises TypeError/ValueError naming the problem.
    """
    if not isinstance(lut3, Lut3Circuit):
        raise TypeError(f"lut3 must be a gatenet Lut3Circuit, got {type(lut3).__name__}")
    if lut3.n_inputs != 9 or len(lut3.outputs) != 1:
        raise ValueError(f"lut3 must have 9 inputs and 1 output, got {lut3.n_inputs} inputs "
                         f"and {len(lut3.outputs)} outputs")
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


def load(
    circuit: Circuit | None = None,
    *,
    lut3: Lut3Circuit | None = None,
    cache: str | os.PathLike[str] | None = None,
    compiler: str | None = None,
) -> FastLib:
    """Build (or reuse) and load the fast library for ``circuit`` (default: handmade Life).

    With ``lut3`` (the same rule as three-input LUTs, checked by :func:`check_lut3`) the
    library's 512-bit circuit kernel runs one ``vpternlogq`` per LUT instead of the netlist.
    Loading the same circuit (and LUT3) again returns the same object.
    """
    circuit = _default_circuit() if circuit is None else circuit
    native._check_rule_circuit(circuit)
    if lut3 is not None:
        check_lut3(circuit, lut3)
    cc = native.find_compiler(compiler)
    flags = [*FAST_FLAGS, *native.REQUIRED_FLAGS]
    out_dir = native.cache_dir(cache)
    source, key = _compile_unit(circuit, lut3, flags, cc, out_dir)
    if key in _LOADED:
        return _LOADED[key]
    path = native.build_shared(
        source, kind="fast", flags=list(FAST_FLAGS), cache=out_dir, compiler=cc, key=key
    )
    decl = path.with_suffix(".h")
    if not decl.exists():
        lines = ["#include <stdint.h>", "typedef struct fast_board fast_board;"]
        lines += [f"{r} {n}_{key}({p});" for r, n, p in FAST_API]
        atomic_write_text(decl, "\n".join(lines) + "\n")

    import cppyy

    cppyy.c_include(str(decl))
    cppyy.load_library(str(path))
    fns = {n: getattr(cppyy.gbl, f"{n}_{key}") for _, n, _ in FAST_API}
    for name in ("fast_step", "fast_time_steps"):
        fns[name].__release_gil__ = True  # long runs should not block other Python threads
    lib = FastLib(path, key, fns)
    _LOADED[key] = lib
    return lib


def available_kernels() -> tuple[str, ...]:
    """The kernels this CPU can run, in :data:`KERNELS` order (scalar ones always)."""
    lib = load()
    return tuple(
        k for k in KERNELS if lib.fast_width_supported(_WIDTHS[k.removeprefix("expert-")])
    )


def resolve_kernel(kernel: str) -> str:
    """``kernel`` with "auto"/"expert" replaced by the widest supported variant.

    Raises ValueError for unknown names and for widths this CPU cannot run.
    """
    if not isinstance(kernel, str):
        raise TypeError(f"kernel must be a string, got {type(kernel).__name__}")
    avail = available_kernels()
    if kernel == "auto":
        return [k for k in avail if not k.startswith("expert-")][-1]
    if kernel == "expert":
        return [k for k in avail if k.startswith("expert-")][-1]
    if kernel not in KERNELS:
        raise ValueError(
            f"unknown kernel {kernel!r}; expected 'auto', 'expert' or one of {list(KERNELS)}"
        )
    if kernel not in avail:
        raise ValueError(f"kernel {kernel!r} is not supported by this CPU ({list(avail)} are)")
    return kernel


def _check_threads(threads: Any) -> int:
    if threads is None:
        return int(load().fast_default_threads())
    if isinstance(threads, bool) or not isinstance(threads, int | np.integer):
        raise TypeError(f"threads must be an integer ≥ 1 or None, got {type(threads).__name__}")
    if not 1 <= threads <= MAX_THREADS:
        raise ValueError(f"threads must be in 1..{MAX_THREADS}, got {threads}")
    return int(threads)


def _is_life(circuit: Circuit) -> bool:
    return bool(np.array_equal(circuit.truth_table()[:, 0], rules.LIFE.table))


class FastBoard:
    """A torus stepped by the fast runtime.

    ``board`` is a 2-D 0/1 array (integers or bools). ``kernel`` is "auto" (widest
    supported circuit kernel), "scalar", "avx2", "avx512", "expert" (widest expert Life) or
    "expert-scalar"/"expert-avx2"/"expert-avx512". ``circuit`` is required for circuit
    kernels; the expert kernels compute Life whatever the circuit, so they refuse a circuit
    for another rule. ``threads`` defaults to every core. ``depth`` is the number of
    generations per pass over the board (temporal blocking, 1..8); the default is 1 for
    boards that fit in L2 and 4 for larger ones. Results never depend on threads or depth.

    ``lut3`` (a :class:`~gatenet.lut.Lut3Circuit` with the circuit's truth table, checked
    exhaustively) makes the "avx512" kernel run the LUT3 mapping — one ``vpternlogq`` per
    LUT — instead of the two-input netlist; other kernels ignore it (they have no
    three-input instruction). :attr:`uses_lut3` says which form runs.
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
        cache: str | os.PathLike[str] | None = None,
    ) -> None:
        a = _check_array(board)
        if circuit is not None and not isinstance(circuit, Circuit):
            raise TypeError(f"circuit must be a gatenet Circuit, got {type(circuit).__name__}")
        self.kernel = resolve_kernel(kernel)
        expert = self.kernel.startswith("expert-")
        if circuit is None and not expert:
            raise TypeError(f"kernel {self.kernel!r} runs a circuit: pass circuit=")
        if circuit is not None:
            native._check_rule_circuit(circuit)
            if expert and not _is_life(circuit):
                raise ValueError("the expert kernels compute B3/S23 only; the circuit's rule "
                                 "differs")
        self.circuit = circuit if circuit is not None else _default_circuit()
        if lut3 is not None:
            check_lut3(self.circuit, lut3)
        #: The LUT3 circuit the kernel runs, or None (two-input netlist / expert).
        self.lut3 = lut3 if self.kernel == "avx512" else None
        self.height, self.width = a.shape
        nthreads = _check_threads(threads)
        lib = load(self.circuit, lut3=self.lut3, cache=cache)
        if bool(lib.fast_uses_lut3()) != (self.lut3 is not None):
            raise RuntimeError("fast library and requested circuit form disagree")
        width = _WIDTHS[self.kernel.removeprefix("expert-")]
        ptr = lib.fast_new(self.width, self.height, width, _EXPERT if expert else _CIRCUIT,
                           nthreads)
        if not ptr:
            raise MemoryError(f"fast runtime refused the board: {lib.fast_error()}")
        self._lib, self._ptr, self._threads = lib, ptr, nthreads
        self._finalizer = weakref.finalize(self, lib.fast_free, ptr)
        if depth is not None:
            self.depth = depth
        self._call("fast_set_cells", a)

    @classmethod
    def random(
        cls, width: int, height: int, circuit: Circuit | None = None, kernel: str = "auto",
        threads: int | None = None, seed: int = 0, density: float = 0.5, **kw: Any,
    ) -> FastBoard:
        """A board with each cell alive with probability ``density`` (numpy's PCG64)."""
        w, h = _check_size(width, height)
        from gatenet.board import _check_density

        rng = np.random.default_rng(_check_seed(seed))
        a = (rng.random((h, w)) < _check_density(density)).astype(np.uint8)
        return cls(a, circuit, kernel, threads, **kw)

    # -- plumbing ---------------------------------------------------------------------------

    def _live(self) -> Any:
        if not self._finalizer.alive:
            raise ValueError("operation on a closed board")
        return self._ptr

    def _call(self, name: str, *args: Any) -> Any:
        r = getattr(self._lib, name)(self._live(), *args)
        if isinstance(r, int) and r < 0:
            raise RuntimeError(f"{name} failed: {self._lib.fast_error()}")
        return r

    def close(self) -> None:
        """Free the C memory now (idempotent); the board is unusable afterwards."""
        self._finalizer()

    @property
    def closed(self) -> bool:
        return not self._finalizer.alive

    def __enter__(self) -> FastBoard:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        state = "closed" if self.closed else f"population={self.population}"
        form = " lut3" if self.uses_lut3 else ""
        return (f"<FastBoard {self.height}×{self.width} {self.kernel}{form} "
                f"threads={self._threads} "
                f"{state}>")

    # -- the board ---------------------------------------------------------------------------

    @property
    def shape(self) -> tuple[int, int]:
        return (self.height, self.width)

    @property
    def threads(self) -> int:
        return self._threads

    @property
    def uses_lut3(self) -> bool:
        """True when the kernel runs the LUT3 form (one vpternlogq per LUT)."""
        return self.lut3 is not None

    @threads.setter
    def threads(self, n: int) -> None:
        n = _check_threads(n)
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

    def step(self, n: int = 1) -> FastBoard:
        """Advance ``n`` generations (the GIL is released meanwhile); returns self."""
        n = _check_steps(n)
        if n >= 1 << 63:
            raise ValueError(f"steps must be below 2**63, got {n}")
        if n:
            self._call("fast_step", n)
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
        steps = _check_steps(steps)
        t = float(self._lib.fast_time_steps(self._live(), steps))
        if t < 0:
            raise RuntimeError(f"fast_time_steps failed: {self._lib.fast_error()}")
        return t

    @property
    def vector_words(self) -> int:
        """Vector words per generation: band rows × words per row (what the bound counts)."""
        return int(self._call("fast_band_rows")) * int(self._call("fast_row_words"))


# -- measuring ------------------------------------------------------------------------------

#: Bitwise vector operations retired per cycle, per kernel width: Zen 4 figures (4 vector
#: pipes for 256-bit logic, 512-bit ops double-pumped through them; 4 integer ALUs).
#: Assumptions for the throughput bound, not measurements.
ISSUE_WIDTH: dict[str, float] = {"scalar": 4.0, "avx2": 4.0, "avx512": 2.0}
#: Per output word beyond the rule itself, for the interior words of a row (the two edge words
#: add wrap-around carries and a mask): the west and east neighbour words of the newly loaded
#: row. Two shifts and an OR each, or one funnel shift each with AVX-512 VBMI2.
LAYOUT_OPS: dict[str, int] = {"scalar": 6, "avx2": 6, "avx512": 2}
#: c/expert.c's count per output word for the rule alone (see its header comment).
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
        from gatenet.emit.ternary import _live

        return len(_live(lut3)) + layout_ops(kernel)
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
    emitted in the kernel's inner loop (see :mod:`gatenet.fast_asm`; None without objdump).
    With AVX-512 the second is lower, because GCC folds gates into ``vpternlogq``. Both
    use the nominal clock from /proc/cpuinfo; a boosting CPU can beat them.
    """
    if isinstance(repeats, bool) or not isinstance(repeats, int) or repeats < 1:
        raise ValueError(f"repeats must be a positive integer, got {repeats!r}")
    w, h = _check_size(width, height)
    if steps is None:
        steps = max(3, min(1000, 500_000_000 // (w * h)))
    steps = _check_steps(steps)
    if steps < 1:
        raise ValueError("steps must be ≥ 1 to time anything")
    kernel = resolve_kernel(kernel)
    circ = circuit if circuit is not None else _default_circuit()
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

    from gatenet import fast_asm

    try:
        return fast_asm.loop_profile(path, kernel)
    except (FileNotFoundError, ValueError, subprocess.SubprocessError):
        return None

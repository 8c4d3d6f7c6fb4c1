"""Compile generated C with the system compiler, cache the shared library, load it via cppyy.

Why a real compiler and not only cppyy's JIT: ``gcc -O3 -march=native`` is what the
benchmarks are about, and a ``.so`` on disk is reused across processes. cppyy is the glue:
it reads a small header declaring the exported functions and calls them directly with numpy
arrays for pointer arguments.

Names. Every library exports its functions with a suffix — the hash of everything that
went into it (source text, flags, compiler version) — because all libraries loaded through
cppyy share one global symbol namespace. The C sources stay plain: the compile unit renames
their functions with ``#define`` before including them.

Cache. Libraries live in ``$GATENET_CACHE`` (default: the platform's user cache dir) as
``<kind>_<hash>.so``; a build writes a temporary file and renames it into place, so
concurrent builds of the same library never expose a half-written file.
"""

from __future__ import annotations

import functools
import hashlib
import os
import platform
import shutil
import subprocess
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from gatenet.cache import cache_subdir
from gatenet.circuit import Circuit, atomic_write_text
from gatenet.emit.c import default_name, emit_c

DEFAULT_FLAGS: tuple[str, ...] = ("-O3", "-march=native", "-Wall", "-Wextra")
#: Always added: what makes the output a loadable shared library.
REQUIRED_FLAGS: tuple[str, ...] = ("-fPIC", "-shared", "-std=c11")


class NativeBuildError(RuntimeError):
    """The C compiler failed (or is missing); ``stderr`` holds what it printed."""

    def __init__(self, message: str, stderr: str = "", command: Sequence[str] = ()) -> None:
        super().__init__(f"{message}\n{stderr}".rstrip())
        self.stderr = stderr
        self.command = list(command)


# -- locations ----------------------------------------------------------------------------


def c_dir() -> Path:
    """Directory holding the hand-written runtime sources (runtime.c, ...)."""
    for d in (Path(__file__).parent / "c", Path(__file__).resolve().parents[2] / "c"):
        if (d / "runtime.c").is_file():
            return d
    raise FileNotFoundError("cannot find the gatenet C runtime sources (runtime.c)")


def cache_dir(path: str | os.PathLike[str] | None = None) -> Path:
    """Where libraries go: ``path``, else the ``native`` folder of :func:`cache.cache_root`."""
    if path is None:
        return cache_subdir("native")
    p = Path(path)
    p.mkdir(parents=True, exist_ok=True)
    return p


# -- building -----------------------------------------------------------------------------


def find_compiler(compiler: str | None = None) -> str:
    """``compiler``, else ``$CC``, else ``cc``/``gcc`` — as an absolute path."""
    names = [compiler] if compiler else [os.environ.get("CC") or "cc", "gcc"]
    for name in names:
        found = shutil.which(name)
        if found:
            return found
    raise NativeBuildError(f"no C compiler found (tried {', '.join(names)})")


@functools.lru_cache(maxsize=8)
def compiler_version(compiler: str) -> str:
    """First line of ``compiler --version``: part of the cache key."""
    try:
        out = subprocess.run(
            [compiler, "--version"], capture_output=True, text=True, timeout=60, check=False
        )
    except OSError as e:
        raise NativeBuildError(f"cannot run the C compiler {compiler}: {e}") from None
    return (out.stdout.splitlines() or ["unknown"])[0]


@functools.lru_cache(maxsize=1)
def host_cpu() -> str:
    """The CPU model and feature flags: ``-march=native`` output differs between hosts."""
    keep = ("model name", "flags")
    try:
        with open("/proc/cpuinfo") as f:
            lines = [ln for ln in f if ln.startswith(keep)]
    except OSError:
        lines = []
    return platform.machine() + "".join(sorted(set(lines)))


def build_key(source: str, flags: Sequence[str], compiler: str) -> str:
    """Hash of everything that determines the library's bytes."""
    h = hashlib.sha256()
    native_cpu = any(f in ("-march=native", "-mtune=native") for f in flags)
    host = host_cpu() if native_cpu else ""
    for part in (source, "\0".join(flags), compiler, compiler_version(compiler), host):
        h.update(part.encode())
        h.update(b"\x00\x01")
    return h.hexdigest()[:16]


def build_shared(
    source: str,
    *,
    kind: str,
    flags: Sequence[str] | None = None,
    cache: str | os.PathLike[str] | None = None,
    compiler: str | None = None,
    key: str | None = None,
) -> Path:
    """Compile ``source`` (a self-contained compile unit) to ``<cache>/<kind>_<key>.so``.

    Returns at once if that file exists. ``key`` defaults to :func:`build_key`; pass it when
    the source already embeds the key (as symbol suffixes do).
    """
    cc = find_compiler(compiler)
    all_flags = [*(DEFAULT_FLAGS if flags is None else flags), *REQUIRED_FLAGS]
    key = key or build_key(source, all_flags, cc)
    out_dir = cache_dir(cache)
    lib = out_dir / f"{kind}_{key}.so"
    if lib.exists():
        return lib
    src = out_dir / f"{kind}_{key}.c"
    atomic_write_text(src, source)
    fd, tmp = tempfile.mkstemp(prefix=f".{lib.name}.", suffix=".tmp", dir=out_dir)
    os.close(fd)
    cmd = [cc, *all_flags, "-I", str(c_dir()), str(src), "-o", tmp]
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=600, check=False)
        if proc.returncode != 0:
            raise NativeBuildError(
                f"C compiler failed (exit {proc.returncode}) building {src}", proc.stderr, cmd
            )
        os.replace(tmp, lib)
    finally:
        Path(tmp).unlink(missing_ok=True)
    return lib


# -- the two library kinds ----------------------------------------------------------------

#: Exported functions of runtime.c: (return type, name, parameters).
RUNTIME_API: tuple[tuple[str, str, str], ...] = (
    ("gatenet_board *", "gatenet_board_new", "size_t width, size_t height"),
    ("void", "gatenet_board_free", "gatenet_board *b"),
    ("void", "gatenet_board_fill_random", "gatenet_board *b, uint64_t seed, double density"),
    ("void", "gatenet_board_load", "gatenet_board *b, const uint8_t *cells"),
    ("void", "gatenet_board_store", "const gatenet_board *b, uint8_t *cells"),
    ("uint64_t", "gatenet_board_population", "const gatenet_board *b"),
    ("void", "gatenet_board_step", "gatenet_board *b, uint64_t generations"),
)

#: Exported functions of writeup_baseline.c.
WRITEUP_API: tuple[tuple[str, str, str], ...] = (
    ("writeup_sim *", "writeup_new", "size_t width, size_t height"),
    ("void", "writeup_free", "writeup_sim *s"),
    ("void", "writeup_load", "writeup_sim *s, const uint64_t *words"),
    ("void", "writeup_store", "const writeup_sim *s, uint64_t *words"),
    ("void", "writeup_fill_random", "writeup_sim *s"),
    ("void", "writeup_step", "writeup_sim *s, uint64_t generations"),
)

_OPAQUE = {"runtime": "gatenet_board", "writeup": "writeup_sim"}
_SOURCES = {"runtime": ("runtime.h", "runtime.c"), "writeup": ("writeup_baseline.c",)}
_APIS = {"runtime": RUNTIME_API, "writeup": WRITEUP_API}
_CIRCUIT_ALIAS = {"runtime": "gatenet_circuit", "writeup": "conway"}


@dataclass(frozen=True)
class NativeLib:
    """A loaded library: its path, symbol suffix and the cppyy functions by plain name."""

    kind: str
    path: Path
    suffix: str
    functions: dict[str, Any]
    circuit: Circuit

    def __getattr__(self, name: str) -> Any:
        try:
            return self.functions[name]
        except KeyError:
            raise AttributeError(name) from None


#: Loaded libraries by key, and by request (kind, circuit hash, flags, compiler); the C
#: sources are read once per request per process.
_LOADED: dict[str, NativeLib] = {}
_BY_REQUEST: dict[tuple[str, str, tuple[str, ...], str], NativeLib] = {}


def _compile_unit(kind: str, circuit: Circuit, flags: Sequence[str], cc: str) -> tuple[str, str]:
    """The source text of one library and its key (also the symbol suffix)."""
    runtime_text = "".join((c_dir() / f).read_text() for f in _SOURCES[kind])
    header = emit_c(circuit)
    main_file = _SOURCES[kind][-1]

    def unit(suffix: str) -> str:
        renames = "".join(f"#define {n} {n}_{suffix}\n" for _, n, _ in _APIS[kind])
        return (
            f"/* gatenet.native: {kind} for circuit {circuit.content_hash()} */\n"
            f"{renames}\n#include <stdint.h>\ntypedef uint64_t cell;\n\n{header}\n"
            f"#define {_CIRCUIT_ALIAS[kind]} {default_name(circuit)}\n"
            f'#include "{main_file}"\n'
        )

    # the key covers the runtime sources too, which the unit only #includes
    key = build_key(unit("SUFFIX") + runtime_text, flags, cc)
    return unit(key), key


def _declarations(kind: str, suffix: str) -> str:
    opaque = _OPAQUE[kind]
    lines = ["#include <stddef.h>", "#include <stdint.h>", f"typedef struct {opaque} {opaque};"]
    lines += [f"{ret} {name}_{suffix}({params});" for ret, name, params in _APIS[kind]]
    return "\n".join(lines) + "\n"


def load(
    kind: str,
    circuit: Circuit,
    *,
    flags: Sequence[str] | None = None,
    cache: str | os.PathLike[str] | None = None,
    compiler: str | None = None,
) -> NativeLib:
    """Build (or reuse) and load the ``kind`` library ("runtime" or "writeup") for a circuit.

    Loading the same circuit with the same flags again returns the same object.
    """
    if kind not in _APIS:
        raise ValueError(f"unknown library kind {kind!r}; expected one of {sorted(_APIS)}")
    _check_rule_circuit(circuit)
    cc = find_compiler(compiler)
    all_flags = [*(DEFAULT_FLAGS if flags is None else flags), *REQUIRED_FLAGS]
    memo = (kind, circuit.content_hash(), tuple(all_flags), cc)
    if memo in _BY_REQUEST:  # skip re-emitting and re-hashing: Boards are made often
        return _BY_REQUEST[memo]
    source, key = _compile_unit(kind, circuit, all_flags, cc)
    if key in _LOADED:
        _BY_REQUEST[memo] = _LOADED[key]
        return _LOADED[key]
    path = build_shared(source, kind=kind, flags=flags, cache=cache, compiler=cc, key=key)
    decl = path.with_suffix(".h")
    if not decl.exists():
        atomic_write_text(decl, _declarations(kind, key))

    import cppyy

    cppyy.c_include(str(decl))
    cppyy.load_library(str(path))
    fns = {name: getattr(cppyy.gbl, f"{name}_{key}") for _, name, _ in _APIS[kind]}
    for name, fn in fns.items():
        if name.endswith("_step"):
            fn.__release_gil__ = True  # long runs should not block other Python threads
    lib = NativeLib(kind, path, key, fns, circuit)
    _LOADED[key] = lib
    _BY_REQUEST[memo] = lib
    return lib


def load_runtime(circuit: Circuit, **kwargs: Any) -> NativeLib:
    """The scalar runtime (c/runtime.c) with ``circuit`` inlined; see :func:`load`."""
    return load("runtime", circuit, **kwargs)


def load_writeup_baseline(circuit: Circuit, **kwargs: Any) -> NativeLib:
    """The write-up's runtime (c/writeup_baseline.c) with ``circuit``; see :func:`load`.

    Wrap it in :class:`gatenet.board.WriteupBoard` to use it like a Board.
    """
    return load("writeup", circuit, **kwargs)


def _check_rule_circuit(circuit: Circuit) -> None:
    if not isinstance(circuit, Circuit):
        raise TypeError(f"expected a gatenet Circuit, got {type(circuit).__name__}")
    if circuit.n_inputs != 9 or len(circuit.outputs) != 1:
        raise ValueError(
            f"a rule circuit has 9 inputs and 1 output, got {circuit.n_inputs} and "
            f"{len(circuit.outputs)}"
        )


# -- "it is just C": the emitted text, JIT-compiled by cppyy --------------------------------

_JITTED: dict[str, Callable[[Sequence[int]], int]] = {}


def jit_circuit(circuit: Circuit) -> Callable[[Sequence[int]], int]:
    """The emitted C function, compiled in-process by cppyy (Cling), as a Python callable.

    The callable takes ``n_inputs`` 64-bit words (one per input, in input order) and returns
    the output word: 64 evaluations of the circuit per call. Idempotent per circuit.
    """
    h = circuit.content_hash()
    if h in _JITTED:
        return _JITTED[h]
    import cppyy

    ns = f"gatenet_jit_{h}"
    n = circuit.n_inputs
    cppyy.cppdef(
        f"namespace {ns} {{\ntypedef uint64_t cell;\n{emit_c(circuit)}\n"
        f"uint64_t eval(const uint64_t *in) {{ return {default_name(circuit)}(in); }}\n}}\n"
    )
    fn = getattr(cppyy.gbl, ns).eval

    def evaluate(words: Sequence[int]) -> int:
        arr = np.asarray(words, dtype=np.uint64)
        if arr.shape != (n,):
            raise ValueError(f"expected {n} input words, got shape {arr.shape}")
        return int(fn(np.ascontiguousarray(arr)))

    _JITTED[h] = evaluate
    return evaluate


# -- measuring ------------------------------------------------------------------------------


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


def time_side_by_side(
    boards: dict[str, Steppable], steps: int, repeats: int = 7
) -> dict[str, list[float]]:
    """:func:`time_steps` for several boards, interleaved repeat by repeat.

    On a shared, noisy machine interleaving makes every contender see the same load, so
    the ratio of medians is more trustworthy than timing one board after the other.
    """
    out: dict[str, list[float]] = {name: [] for name in boards}
    for _ in range(repeats):
        for name, board in boards.items():
            out[name] += time_steps(board, steps, 1)
    return out

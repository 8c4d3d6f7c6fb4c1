"""Compile C with the system compiler, cache the shared library, load it through cppyy.

Why a real compiler and not only cppyy's JIT: ``gcc -O3`` is what the benchmarks are about,
and a ``.so`` on disk is reused across processes. cppyy is the glue: it reads declarations
of the exported functions and calls them directly with numpy arrays for pointer arguments.

One loader serves every library (:func:`load_unit`): the scalar runtime and the write-up's
runtime (:func:`load`), and the fast SIMD runtime (:mod:`gatenet.runtime.fast`). A library
is described by an :class:`Api` (its opaque handle type and exported functions) and a
*compile unit*: a few lines of C that ``#define`` every exported name with a suffix and then
``#include`` the hand-written sources shipped in ``gatenet/csrc``. The suffix is the hash of
everything that went into the library (source text, flags, compiler version, host CPU for
``-march=native``), because all libraries loaded through cppyy share one global symbol
namespace; the C sources stay plain.

Handles. Python calls every exported function that takes or returns the opaque board
pointer through a tiny C shim (:meth:`Api.shims`) that passes it as a ``uintptr_t``. Handing
cppyy the pointer type itself would be simpler, but cppyy builds a fresh Python class for
every pointer to an *incomplete* struct it returns (about 1.4 KB that is never freed: 10,000
boards held 13 MB); a plain integer costs nothing and the shims keep the conversion in C,
where it is defined.

Cache. Libraries live in ``$GATENET_CACHE/native`` (default: the platform's user cache dir)
as ``<kind>_<hash>.so``, each with ``<kind>_<hash>.so.sha256`` beside it. A build compiles to
a uniquely named temporary file, flushes it to disk and renames it into place, so concurrent
builds never expose a half-written file; the digest is written last. A cached library is
loaded only if its bytes match the digest: a truncated or damaged ``.so`` (after a full disk,
a crash, a bad copy) would otherwise kill every later run inside ``dlopen`` (SIGBUS) or in
its code (SIGILL/SIGTRAP), so it is rebuilt instead. The declarations header beside it is
checked the same way (its text is known, so it is compared and rewritten if different).
"""

from __future__ import annotations

import hashlib
import importlib.resources
import os
import re
import subprocess
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from gatenet import machine
from gatenet.emit.c import default_name, emit_c
from gatenet.ir.circuit import Circuit
from gatenet.ir.names import check_rule_shape
from gatenet.storage import atomic_write_text, cache_subdir, fsync_path

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
    """The directory holding the hand-written C sources, shipped inside the package."""
    d = Path(str(importlib.resources.files("gatenet") / "csrc"))
    if not (d / "runtime.c").is_file():
        raise FileNotFoundError(f"the gatenet C sources are missing from {d}; reinstall gatenet")
    return d


def read_sources(names: Sequence[str]) -> str:
    """The text of the named C sources, concatenated (part of a build key)."""
    d = c_dir()
    return "".join((d / name).read_text() for name in names)


def cache_dir(path: str | os.PathLike[str] | None = None) -> Path:
    """Where libraries go: ``path``, else the ``native`` folder of the gatenet cache."""
    if path is None:
        return cache_subdir("native")
    p = Path(path)
    p.mkdir(parents=True, exist_ok=True)
    return p


# -- building -----------------------------------------------------------------------------


def find_compiler(compiler: str | None = None) -> str:
    """``compiler``, else ``$CC``, else ``cc``/``gcc`` — as an absolute path."""
    try:
        return machine.find_compiler(compiler)
    except FileNotFoundError as e:
        raise NativeBuildError(str(e)) from None


def build_key(source: str, flags: Sequence[str], compiler: str) -> str:
    """Hash of everything that determines the library's bytes."""
    h = hashlib.sha256()
    native_cpu = any(f in ("-march=native", "-mtune=native") for f in flags)
    host = machine.host_key() if native_cpu else ""
    for part in (source, "\0".join(flags), compiler, machine.compiler_version(compiler), host):
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

    Returns at once if that file exists and matches its recorded digest
    (:func:`cached_library_ok`); otherwise (missing, truncated, damaged, no digest) it is
    rebuilt. ``key`` defaults to :func:`build_key`; pass it when the source already embeds
    the key (as symbol suffixes do).
    """
    cc = find_compiler(compiler)
    all_flags = [*(DEFAULT_FLAGS if flags is None else flags)]
    all_flags += [f for f in REQUIRED_FLAGS if f not in all_flags]
    key = key or build_key(source, all_flags, cc)
    out_dir = cache_dir(cache)
    lib = out_dir / f"{kind}_{key}.so"
    if cached_library_ok(lib):
        return lib
    src = out_dir / f"{kind}_{key}.c"
    atomic_write_text(src, source)
    fd, tmp = tempfile.mkstemp(prefix=f".{lib.name}.", suffix=".tmp", dir=out_dir)
    os.close(fd)
    # -iquote: generated headers the unit names (gatenet.runtime.fast) sit beside it
    cmd = [cc, *all_flags, "-I", str(c_dir()), "-iquote", str(out_dir), str(src), "-o", tmp]
    try:
        try:
            proc = subprocess.run(cmd, capture_output=True, text=True, timeout=600, check=False)
        except OSError as e:
            raise NativeBuildError(f"cannot run the C compiler {cc}: {e.strerror}; set CC to "
                                   "a working C compiler", command=cmd) from None
        if proc.returncode != 0:
            raise NativeBuildError(
                f"C compiler {cc} failed (exit {proc.returncode}) building {src}",
                proc.stderr, cmd,
            )
        fsync_path(tmp)  # on disk before the name points at it
        digest = _sha256(Path(tmp))
        os.replace(tmp, lib)
        atomic_write_text(_digest_path(lib), digest + "\n")  # last: it vouches for the .so
    finally:
        Path(tmp).unlink(missing_ok=True)
    return lib


def _digest_path(lib: Path) -> Path:
    return lib.with_name(lib.name + ".sha256")


def cached_library_ok(lib: Path) -> bool:
    """True if ``lib`` exists and its SHA-256 equals the digest recorded beside it.

    Why: ``dlopen`` of a truncated library dies of SIGBUS and damaged code of SIGILL or
    SIGTRAP — in every later run, since the cache would hand out the same file. A missing
    or unreadable digest counts as damage too (the library is rebuilt).
    """
    try:
        recorded = _digest_path(lib).read_text(encoding="ascii").strip()
        return _sha256(lib) == recorded
    except (OSError, UnicodeDecodeError):
        return False


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        while chunk := f.read(1 << 20):
            h.update(chunk)
    return h.hexdigest()


def ensure_text_file(path: Path, text: str) -> None:
    """Make ``path`` hold exactly ``text``: written (atomically) if missing or different.

    For generated files the cache keeps beside a library (declarations, circuit headers):
    their right content is known, so comparing is the whole check, and a damaged copy is
    replaced rather than fed to cppyy or the compiler.
    """
    try:
        if path.read_bytes() == text.encode("utf-8"):
            return
    except OSError:
        pass
    atomic_write_text(path, text)


# -- loading ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Api:
    """A library's interface: its opaque handle type, and its exported functions as
    ``(return type, name, parameters)``; ``release_gil`` names the long-running ones.

    Python sees every function that takes or returns a handle through a shim with the
    handle as ``uintptr_t`` (:meth:`shims`): an integer, which cppyy passes for free, where
    a pointer to an incomplete struct would cost a new Python class per call.
    """

    opaque: str
    functions: tuple[tuple[str, str, str], ...]
    release_gil: frozenset[str] = frozenset()

    def renames(self, suffix: str) -> str:
        """``#define name name_<suffix>`` for every exported function."""
        return "".join(f"#define {n} {n}_{suffix}\n" for _, n, _ in self.functions)

    def _is_handle(self, ctype: str) -> bool:
        return re.fullmatch(rf"(const\s+)?{re.escape(self.opaque)}\s*\*", ctype.strip()) is not None

    @staticmethod
    def _params(params: str) -> list[tuple[str, str]]:
        """``(type, name)`` of each parameter of a C parameter list."""
        if params.strip() in ("", "void"):
            return []
        out = []
        for p in params.split(","):
            m = re.fullmatch(r"\s*(.*?[\s*])(\w+)\s*", p)
            if m is None:
                raise ValueError(f"cannot parse the C parameter {p!r}")
            out.append((m.group(1).strip(), m.group(2)))
        return out

    def _shimmed(self, ret: str, params: str) -> bool:
        return self._is_handle(ret) or any(self._is_handle(t) for t, _ in self._params(params))

    def _signature(self, ret: str, name: str, params: str) -> str:
        """The signature Python calls: handles as ``uintptr_t``, under the shim's name."""
        ps = self._params(params)
        if not self._shimmed(ret, params):
            return f"{ret} {name}({params})"
        r = "uintptr_t" if self._is_handle(ret) else ret
        args = ", ".join(f"uintptr_t {n}" if self._is_handle(t) else f"{t} {n}" for t, n in ps)
        return f"{r} {name}_h({args or 'void'})"

    def shims(self, suffix: str) -> str:
        """C definitions of the shims, appended to the compile unit (after the sources, so
        the ``#define``\\ s of :meth:`renames` make each call reach the suffixed function)."""
        lines = ["#include <stdint.h>"]
        for ret, name, params in self.functions:
            if not self._shimmed(ret, params):
                continue
            args = ", ".join(f"({t}){n}" if self._is_handle(t) else n
                             for t, n in self._params(params))
            call = f"{name}({args})"
            body = (f"return (uintptr_t){call};" if self._is_handle(ret)
                    else f"{call};" if ret.strip() == "void" else f"return {call};")
            sig = self._signature(ret, f"{name}_{suffix}", params)
            lines.append(f"{sig} {{ {body} }}")
        return "\n".join(lines) + "\n"

    def symbol(self, name: str, suffix: str) -> str:
        """The symbol Python calls for the exported function ``name``."""
        for ret, n, params in self.functions:
            if n == name:
                return f"{n}_{suffix}_h" if self._shimmed(ret, params) else f"{n}_{suffix}"
        raise KeyError(name)

    def declarations(self, suffix: str) -> str:
        """C declarations of what Python calls (shims, and functions without handles)."""
        lines = ["#include <stddef.h>", "#include <stdint.h>"]
        lines += [f"{self._signature(ret, f'{name}_{suffix}', params)};"
                  for ret, name, params in self.functions]
        return "\n".join(lines) + "\n"


@dataclass(frozen=True)
class NativeLib:
    """A loaded library: its path, symbol suffix and the cppyy functions by plain name."""

    kind: str
    path: Path
    suffix: str
    functions: dict[str, Any]

    def __getattr__(self, name: str) -> Any:
        try:
            return self.functions[name]
        except KeyError:
            raise AttributeError(name) from None


#: Loaded libraries by key: a library is built and loaded once per process.
_LOADED: dict[str, NativeLib] = {}


def load_unit(
    kind: str,
    unit: Callable[[str], str],
    api: Api,
    *,
    key_text: str = "",
    flags: Sequence[str] | None = None,
    cache: str | os.PathLike[str] | None = None,
    compiler: str | None = None,
) -> NativeLib:
    """Build (or reuse) and load one library; the same request again returns the same object.

    ``unit(suffix)`` is the compile unit's text with the symbol suffix filled in;
    ``key_text`` is whatever else the unit depends on but does not contain (the text of the
    sources it ``#include``\\ s), so the key changes when they do.
    """
    cc = find_compiler(compiler)
    all_flags = [*(DEFAULT_FLAGS if flags is None else flags), *REQUIRED_FLAGS]

    def full_unit(suffix: str) -> str:
        return unit(suffix) + "\n/* handles as integers for Python (native.Api.shims) */\n" + (
            api.shims(suffix))

    key = build_key(full_unit("SUFFIX") + key_text, all_flags, cc)
    if key in _LOADED:
        return _LOADED[key]
    path = build_shared(full_unit(key), kind=kind, flags=all_flags, cache=cache, compiler=cc,
                        key=key)
    decl = path.with_suffix(".h")
    ensure_text_file(decl, api.declarations(key))

    import cppyy

    cppyy.c_include(str(decl))
    cppyy.load_library(str(path))
    fns = {name: getattr(cppyy.gbl, api.symbol(name, key)) for _, name, _ in api.functions}
    for name in api.release_gil:
        fns[name].__release_gil__ = True  # long runs should not block other Python threads
    lib = NativeLib(kind, path, key, fns)
    _LOADED[key] = lib
    return lib


# -- the scalar runtime and the write-up's runtime -----------------------------------------

#: runtime.c: the scalar runtime a reader studies first.
RUNTIME_API = Api("gatenet_board", (
    ("gatenet_board *", "gatenet_board_new", "size_t width, size_t height"),
    ("void", "gatenet_board_free", "gatenet_board *b"),
    ("void", "gatenet_board_fill_random", "gatenet_board *b, uint64_t seed, double density"),
    ("void", "gatenet_board_load", "gatenet_board *b, const uint8_t *cells"),
    ("void", "gatenet_board_store", "const gatenet_board *b, uint8_t *cells"),
    ("uint64_t", "gatenet_board_population", "const gatenet_board *b"),
    ("void", "gatenet_board_step", "gatenet_board *b, uint64_t generations"),
), frozenset({"gatenet_board_step"}))

#: writeup_baseline.c: the write-up's own runtime, for side-by-side benchmarks.
WRITEUP_API = Api("writeup_sim", (
    ("writeup_sim *", "writeup_new", "size_t width, size_t height"),
    ("void", "writeup_free", "writeup_sim *s"),
    ("void", "writeup_load", "writeup_sim *s, const uint64_t *words"),
    ("void", "writeup_store", "const writeup_sim *s, uint64_t *words"),
    ("void", "writeup_fill_random", "writeup_sim *s"),
    ("void", "writeup_step", "writeup_sim *s, uint64_t generations"),
), frozenset({"writeup_step"}))


@dataclass(frozen=True)
class _Kind:
    api: Api
    sources: tuple[str, ...]  # the last one is #included by the unit
    circuit_alias: str  # the name the runtime calls the circuit by


_KINDS = {
    "runtime": _Kind(RUNTIME_API, ("runtime.h", "runtime.c"), "gatenet_circuit"),
    "writeup": _Kind(WRITEUP_API, ("writeup_baseline.c",), "conway"),
}


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
    if kind not in _KINDS:
        raise ValueError(f"unknown library kind {kind!r}; expected one of {sorted(_KINDS)}")
    if not isinstance(circuit, Circuit):
        raise TypeError(f"expected a gatenet Circuit, got {type(circuit).__name__}")
    check_rule_shape(circuit)
    memo = (kind, circuit.content_hash(), None if flags is None else tuple(flags),
            str(cache_dir(cache)), compiler or os.environ.get("CC"))
    if memo in _LOADED_CIRCUITS:  # skip re-emitting the C: every Board() comes here
        return _LOADED_CIRCUITS[memo]
    spec = _KINDS[kind]
    header = emit_c(circuit)

    def unit(suffix: str) -> str:
        return (
            f"/* gatenet.runtime.native: {kind} for circuit {circuit.content_hash()} */\n"
            f"{spec.api.renames(suffix)}\n#include <stdint.h>\ntypedef uint64_t cell;\n\n"
            f"{header}\n#define {spec.circuit_alias} {default_name(circuit)}\n"
            f'#include "{spec.sources[-1]}"\n'
        )

    lib = load_unit(kind, unit, spec.api, key_text=read_sources(spec.sources), flags=flags,
                    cache=cache, compiler=compiler)
    _LOADED_CIRCUITS[memo] = lib
    return lib


#: :func:`load`'s results by (kind, circuit, flags, cache, compiler).
_LOADED_CIRCUITS: dict[tuple[Any, ...], NativeLib] = {}


def load_runtime(circuit: Circuit, **kwargs: Any) -> NativeLib:
    """The scalar runtime (runtime.c) with ``circuit`` inlined; see :func:`load`."""
    return load("runtime", circuit, **kwargs)


def load_writeup_baseline(circuit: Circuit, **kwargs: Any) -> NativeLib:
    """The write-up's runtime (csrc/writeup_baseline.c) with ``circuit``; see :func:`load`.

    Wrap it in :class:`gatenet.runtime.board.WriteupBoard` to use it like a Board.
    """
    return load("writeup", circuit, **kwargs)


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


def jit_wrong(circuit: Circuit, table: np.ndarray) -> int:
    """Patterns on which the JIT-compiled C of ``circuit`` differs from ``table``.

    The emitted text itself, checked: compiled in-process by cppyy and run on all
    ``2**n_inputs`` patterns, packed 64 to a word (bit ``p`` of input ``i`` is input ``i`` of
    pattern ``p``), so what is counted is what a C compiler made of the header.
    """
    from gatenet.ir.netlist import exhaustive_inputs, pack_table

    fn = jit_circuit(circuit)
    n_patterns = 1 << circuit.n_inputs
    inputs = exhaustive_inputs(circuit.n_inputs)
    mask64 = (1 << 64) - 1
    got = 0
    for w in range(-(-n_patterns // 64)):
        got |= fn([(x >> (64 * w)) & mask64 for x in inputs]) << (64 * w)
    got &= (1 << n_patterns) - 1
    return (got ^ pack_table(table)).bit_count()

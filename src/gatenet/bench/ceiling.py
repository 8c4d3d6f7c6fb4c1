"""The machine's measured ceiling: how many logic and shift instructions per second this CPU
sustains at each vector width, and its effective clock.

A kernel's time can then be compared with the least time its instruction counts allow: at
least ``logic / logic_rate`` and at least ``shift / shift_rate`` (:func:`floor_seconds`).
Because both rates are measured on this machine in the same run, a kernel can reach 100 %
of that floor but never exceed it — unlike a bound built from a data-sheet issue width and
the nominal clock, which a boosting CPU beats. The probes are in ``csrc/probe.c``.
"""

from __future__ import annotations

from dataclasses import dataclass

from gatenet.runtime import native

PROBE_API = native.Api("probe_unused", (
    ("double", "probe_logic_rate", "int width, int64_t iters"),
    ("double", "probe_shift_rate", "int width, int64_t iters"),
    ("double", "probe_clock_hz", "int64_t iters"),
), frozenset({"probe_logic_rate", "probe_shift_rate", "probe_clock_hz"}))

#: No -march=native: every probe selects its width with a target attribute, so the library
#: loads on any x86-64 and only the widths the CPU has are called.
PROBE_FLAGS = ("-O2", "-Wall", "-Wextra")

_WIDTHS = {"scalar": 0, "avx2": 1, "avx512": 2}


@dataclass(frozen=True)
class Ceiling:
    """Measured rates for one vector width (medians of the repeats)."""

    width: str
    logic_per_s: float
    shift_per_s: float
    clock_hz: float

    @property
    def logic_per_cycle(self) -> float:
        return self.logic_per_s / self.clock_hz

    @property
    def shift_per_cycle(self) -> float:
        return self.shift_per_s / self.clock_hz


def _load() -> native.NativeLib:
    def unit(suffix: str) -> str:
        return (f"/* gatenet.bench.ceiling */\n{PROBE_API.renames(suffix)}\n"
                '#include "probe.c"\n')

    return native.load_unit("probe", unit, PROBE_API, key_text=native.read_sources(["probe.c"]),
                            flags=PROBE_FLAGS)


def _timed(probe, per_iter: int, seconds: float) -> int:
    """Iterations that make ``probe(iters)`` take about ``seconds``; ``per_iter`` is the
    number of operations one iteration counts (so ``iters * per_iter / rate`` seconds)."""
    iters = 1000
    while True:
        rate = probe(iters)
        if rate <= 0:
            raise RuntimeError("a machine probe could not be timed")
        took = iters * per_iter / rate
        if took >= seconds / 4 or iters >= 1 << 40:
            return max(iters, int(iters * seconds / took))
        iters *= 4


def measure(width: str, seconds: float = 0.02, repeats: int = 5) -> Ceiling:
    """Logic and shift rates at ``width`` ("scalar", "avx2", "avx512") and the clock.

    Each probe runs about ``seconds`` of its thread's CPU time per repeat (so time other
    processes take the core away is not counted); the probes take turns, repeat by repeat,
    and each rate is the *best* of the ``repeats``: interrupts and a sibling hyperthread can
    only slow a probe down, so the fastest run is the closest to what the core sustains.
    The caller checks that the CPU has the width.
    """
    if width not in _WIDTHS:
        raise ValueError(f"unknown width {width!r}; expected one of {sorted(_WIDTHS)}")
    if not seconds > 0 or repeats < 1:
        raise ValueError("seconds must be positive and repeats at least 1")
    lib = _load()
    w = _WIDTHS[width]
    probes = {  # name: (probe, operations per iteration)
        "logic": (lambda n: lib.probe_logic_rate(w, n), 12),
        "shift": (lambda n: lib.probe_shift_rate(w, n), 12),
        "clock": (lambda n: lib.probe_clock_hz(n), 8),
    }
    iters = {k: _timed(p, per, seconds) for k, (p, per) in probes.items()}
    best = dict.fromkeys(probes, 0.0)
    for _ in range(repeats):
        for k, (p, _per) in probes.items():
            best[k] = max(best[k], p(iters[k]))
    return Ceiling(width, best["logic"], best["shift"], best["clock"])


def floor_seconds(ceiling: Ceiling, logic: float, shift: float) -> float:
    """The least time ``logic`` logic and ``shift`` shift instructions can take at the
    measured rates: each class needs at least its count over its rate, whatever else runs
    beside it. (They share ports on most CPUs, so the truth is nearer the sum; the max is
    the floor no kernel can beat.)"""
    return max(logic / ceiling.logic_per_s, shift / ceiling.shift_per_s)

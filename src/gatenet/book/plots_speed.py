"""Figures for the chapter "Going fast": speed against board size, bars, bounds, loop mixes.

Like :mod:`gatenet.book.plots`, every function takes plain data (StepRecords, dicts of numbers)
and returns a new :class:`matplotlib.figure.Figure` without showing or saving it. Kept in a
module of its own so the speed chapter's figures can change without touching the others.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter, NullFormatter

from gatenet.bench.records import StepRecord
from gatenet.book import style

_KIND = {"baseline": "#b0b0b0", "project": "#1b9e77"}


def speed_vs_size(records: Sequence[StepRecord], order: Sequence[str] | None = None) -> Figure:
    """Cell updates per second against board side, one line per contender, log-log.

    Flat lines mean a constant cost per cell; a line that falls at large boards has left
    the caches (memory traffic), one that rises is amortising fixed per-step costs.
    """
    if not records:
        raise ValueError("speed_vs_size needs at least one record")
    labels = list(order) if order else list(dict.fromkeys(r.name for r in records))
    fig, ax = plt.subplots(figsize=(8.0, 4.6))
    for i, label in enumerate(labels):
        rs = sorted((r for r in records if r.name == label), key=lambda r: r.width)
        if not rs:
            continue
        dashed = rs[0].kind == "baseline"
        ax.plot([r.width for r in rs], [r.cell_updates_per_s for r in rs], ms=5, lw=1.6,
                ls="--" if dashed else "-", label=label, **style.series(i))
    sides = sorted({r.width for r in records})
    ax.set_xscale("log", base=2)
    ax.set_yscale("log")
    ax.set_xticks(sides, [f"{s}²" for s in sides])
    ax.minorticks_off()
    ax.tick_params(labelsize=style.SMALL)
    ax.set_xlabel("board (cells)", fontsize=style.LABEL)
    ax.set_ylabel("cell updates per second", fontsize=style.LABEL)
    ax.grid(True, which="major", alpha=0.3)
    ax.legend(fontsize=style.SMALL, loc="center left", bbox_to_anchor=(1.01, 0.5),
              frameon=False)
    fig.tight_layout()
    return fig


def speed_bars(records: Sequence[StepRecord], highlight: str | None = None) -> Figure:
    """One horizontal bar per contender (one board size), cell updates per second, log axis.

    Baselines are grey and the project's kernels green, so the eye finds the gap; each bar
    is labelled with its µs per step.
    """
    if not records:
        raise ValueError("speed_bars needs at least one record")
    rs = sorted(records, key=lambda r: r.cell_updates_per_s)
    fig, ax = plt.subplots(figsize=(8.0, 0.32 * len(rs) + 1.2))
    y = np.arange(len(rs))
    colours = [_KIND.get(r.kind, "#7570b3") for r in rs]
    if highlight:
        colours = ["#d95f02" if r.name == highlight else c
                   for r, c in zip(rs, colours, strict=True)]
    ax.barh(y, [r.cell_updates_per_s for r in rs], color=colours)
    ax.set_yticks(y, [r.name + (f" ({r.threads} threads)"
                                if r.threads > 1 and "thread" not in r.name else "")
                      for r in rs], fontsize=style.SMALL)
    ax.set_xscale("log")
    for yi, r in zip(y, rs, strict=True):
        us = r.us_per_step
        text = f"{us:,.0f} µs" if us >= 100 else f"{us:.3g} µs"
        ax.text(r.cell_updates_per_s * 1.15, yi, text, va="center", fontsize=style.SMALL)
    lo = min(r.cell_updates_per_s for r in rs)
    hi = max(r.cell_updates_per_s for r in rs)
    ax.set_xlim(lo / 3, hi * 8)
    side = rs[0].width
    ax.set_xlabel(f"cell updates per second on a {side}×{side} board (log scale)")
    ax.grid(True, axis="x", alpha=0.3)
    fig.tight_layout()
    return fig


def floor_fractions(rows: Mapping[str, Mapping[str, float | None]]) -> Figure:
    """Measured µs/step beside the measured floor, one pair of bars per kernel.

    ``rows`` maps a kernel name to ``{"measured": µs, "floor": µs or None}``. The floor is
    the least time the kernel's emitted logic and shift instructions take at the rates this
    CPU was measured to sustain (:mod:`gatenet.bench.ceiling`); the label is the fraction of
    it reached, at most 100 %.
    """
    if not rows:
        raise ValueError("floor_fractions needs at least one kernel")
    names = list(rows)
    series = (("measured", "measured", "#1b9e77"),
              ("floor", "floor: emitted instructions at measured peak rates", "#7570b3"))
    fig, ax = plt.subplots(figsize=(8.0, 0.6 * len(names) + 1.4))
    y = np.arange(len(names))
    h = 0.36
    for k, (key, label, colour) in enumerate(series):
        vals = [rows[n].get(key) for n in names]
        ys = [yi + (k - 0.5) * h for yi, v in zip(y, vals, strict=True) if v]
        ax.barh(ys, [v for v in vals if v], height=h, color=colour, label=label)
    for yi, n in zip(y, names, strict=True):
        m, fl = rows[n].get("measured"), rows[n].get("floor")
        if m and fl:
            ax.text(m * 1.1, yi - 0.5 * h, f"{fl / m:.0%} of the floor's speed", va="center",
                    fontsize=8)
    ax.set_yticks(y, names, fontsize=9)
    ax.invert_yaxis()
    ax.set_xscale("log")
    ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:g}"))
    ax.xaxis.set_minor_formatter(NullFormatter())
    ax.tick_params(axis="x", labelsize=9)
    ax.set_xlabel("µs per step (log scale; shorter is faster)")
    ax.grid(True, axis="x", alpha=0.3)
    ax.legend(fontsize=8, loc="lower right")
    right = max(v for r in rows.values() for v in r.values() if v)
    ax.set_xlim(right=right * 6)
    fig.tight_layout()
    return fig


def loop_mix(profiles: Mapping[str, Mapping[str, float]]) -> Figure:
    """Instructions per output word in each kernel's column loops (the board's mix), by class.

    ``profiles`` maps a kernel name to :func:`gatenet.bench.asm.loop_profile`'s dict. Logic
    and shifts are the work; loads, stores and "other" are what the layout costs.
    """
    if not profiles:
        raise ValueError("loop_mix needs at least one profile")
    classes = (("logic", "#1b9e77"), ("shift", "#66a61e"), ("load", "#d95f02"),
               ("store", "#e6ab02"), ("other", "#b0b0b0"))
    names = list(profiles)
    fig, ax = plt.subplots(figsize=(8.0, 0.5 * len(names) + 1.5))
    y = np.arange(len(names))
    left = np.zeros(len(names))
    for cls, colour in classes:
        vals = np.array([float(profiles[n].get(cls, 0.0)) for n in names])
        ax.barh(y, vals, left=left, color=colour, label=cls, height=0.6)
        left += vals
    for yi, n in zip(y, names, strict=True):
        t = profiles[n].get("ternlog", 0.0)
        note = f"{left[yi]:.1f}" + (f"  ({t:.0f} vpternlog)" if t else "")
        ax.text(left[yi] + 0.5, yi, note, va="center", fontsize=style.SMALL)
    ax.set_yticks(y, names, fontsize=style.SMALL)
    ax.tick_params(axis="x", labelsize=style.SMALL)
    ax.invert_yaxis()
    ax.set_xlim(0, left.max() * 1.3)
    ax.set_xlabel("instructions per output word (column loops, this board's mix)")
    ax.legend(fontsize=style.SMALL, ncol=5, loc="upper center", bbox_to_anchor=(0.5, -0.25),
              frameon=False)
    fig.tight_layout()
    return fig

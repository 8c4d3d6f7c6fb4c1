"""Figures for the chapter "How small can the circuit get?": sizes by op, and size vs speed.

Like :mod:`gatenet.plots`, each function takes plain data and returns a new
:class:`matplotlib.figure.Figure` without showing or saving it; the chapter glues it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.figure import Figure

_SERIES = ("#1b9e77", "#d95f02", "#7570b3", "#e7298a", "#66a61e", "#e6ab02", "#a6761d",
           "#666666", "#1f78b4", "#b15928", "#fb9a99", "#cab2d6")
_KNOWN = "#b0b0b0"


def sizes_by_op(
    stages: Mapping[str, Mapping[str, int]], known: Mapping[str, int] | None = None
) -> Figure:
    """Horizontal stacked bars: one bar per stage, split by op; known circuits as grey bars.

    ``stages`` maps a stage label to its op counts (op name -> gates); ``known`` maps a
    label to a total gate count from elsewhere (no op split). A log axis, because the raw
    network is a hundred times the final circuit.
    """
    if not stages:
        raise ValueError("sizes_by_op needs at least one stage")
    known = dict(known or {})
    ops = list(dict.fromkeys(op for counts in stages.values() for op in counts))
    labels = list(stages) + list(known)
    fig, ax = plt.subplots(figsize=(8.0, 0.42 * len(labels) + 1.4))
    y = np.arange(len(labels))[::-1]
    for i, op in enumerate(ops):
        left = np.zeros(len(stages))
        for j, counts in enumerate(stages.values()):
            left[j] = sum(counts.get(o, 0) for o in ops[:i])
        widths = [counts.get(op, 0) for counts in stages.values()]
        ax.barh(y[: len(stages)], widths, left=left, height=0.7,
                color=_SERIES[i % len(_SERIES)], label=op)
    if known:
        ax.barh(y[len(stages):], list(known.values()), height=0.7, color=_KNOWN,
                label="known circuit (total)")
    totals = [sum(c.values()) for c in stages.values()] + list(known.values())
    for yy, t in zip(y, totals, strict=True):
        ax.text(t * 1.04, yy, f"{t:,}", va="center", fontsize=8)
    ax.set_yticks(y, labels, fontsize=8.5)
    ax.set_xscale("log")
    ax.set_xlim(right=max(totals) * 3)
    ax.set_xlabel("two-input gates (log scale)")
    ax.grid(True, axis="x", which="major", alpha=0.3)
    ax.legend(fontsize=7, loc="center left", bbox_to_anchor=(1.01, 0.5), frameon=False)
    fig.tight_layout()
    return fig


def gates_vs_speed(points: Sequence[tuple[str, int, float]], kernel: str = "") -> Figure:
    """Scatter of (gates, µs per step), one labelled point per circuit, log-log.

    Points on a line of slope one would mean time proportional to gates; the compiler's own
    dead-code elimination makes the raw network sit well below that line.
    """
    if not points:
        raise ValueError("gates_vs_speed needs at least one point")
    fig, ax = plt.subplots(figsize=(7.0, 4.4))
    for i, (label, n, us) in enumerate(points):
        ax.scatter([n], [us], s=42, color=_SERIES[i % len(_SERIES)], zorder=3)
        ax.annotate(label, (n, us), textcoords="offset points", xytext=(6, 4), fontsize=8)
    ns = np.array([p[1] for p in points], dtype=float)
    us = np.array([p[2] for p in points], dtype=float)
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlim(ns.min() / 1.6, ns.max() * 3.0)
    ax.set_ylim(us.min() / 1.6, us.max() * 1.8)
    ax.set_xlabel("two-input gates in the circuit")
    ax.set_ylabel("µs per generation" + (f" ({kernel})" if kernel else ""))
    ax.grid(True, which="major", alpha=0.3)
    fig.tight_layout()
    return fig

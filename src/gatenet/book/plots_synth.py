"""Figures for the chapter "How small can the circuit get?": sizes by op, and size vs speed.

Like :mod:`gatenet.book.plots`, each function takes plain data and returns a new
:class:`matplotlib.figure.Figure` without showing or saving it; the chapter glues it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.figure import Figure
from matplotlib.ticker import LogLocator, NullFormatter, ScalarFormatter

from gatenet.book import style

_KNOWN = "#b0b0b0"
_TOTAL = "#1f2a44"


#: Op families for the figures: an AND or OR with any inputs negated is still "AND-like"
#: or "OR-like" (NOR = ¬a ∧ ¬b, NAND = ¬a ∨ ¬b); wires and constants are not logic at all.
FAMILIES: dict[str, tuple[str, ...]] = {
    "wire (a, b)": ("A", "B"),
    "AND-like": ("AND", "A_AND_NOT_B", "NOT_A_AND_B", "NOR"),
    "OR-like": ("OR", "A_OR_NOT_B", "NOT_A_OR_B", "NAND"),
    "XOR / XNOR": ("XOR", "XNOR"),
    "NOT": ("NOT_A", "NOT_B"),
    "constant": ("FALSE", "TRUE"),
}
_FAMILY_COLOURS = ("#c8c8c8", "#d95f02", "#1b9e77", "#7570b3", "#e7298a", "#666666")


def family_counts(op_counts: Mapping[str, int]) -> dict[str, int]:
    """Op counts (op name -> gates) summed by :data:`FAMILIES`; unknown names raise."""
    known = {op: fam for fam, ops in FAMILIES.items() for op in ops}
    out = dict.fromkeys(FAMILIES, 0)
    for op, n in op_counts.items():
        if op not in known:
            raise ValueError(f"unknown op name {op!r}")
        out[known[op]] += n
    return out


def sizes_by_op(
    stages: Mapping[str, Mapping[str, int]], known: Mapping[str, int] | None = None
) -> Figure:
    """Left: total size per stage and known circuit (log scale). Right: each stage's mix.

    ``stages`` maps a stage label to its op counts (op name -> gates); ``known`` maps a
    label to a total from elsewhere (no op split, drawn grey). The mix is shown as shares
    of 100 % by :data:`FAMILIES`, because stacked bars on a log axis would mislead.
    """
    if not stages:
        raise ValueError("sizes_by_op needs at least one stage")
    known = dict(known or {})
    labels = list(stages) + list(known)
    totals = [sum(c.values()) for c in stages.values()] + list(known.values())
    fig, (ax, mix) = plt.subplots(
        1, 2, figsize=(9.0, 0.42 * len(labels) + 1.5), sharey=True,
        gridspec_kw={"width_ratios": [1.25, 1.0]},
    )
    y = np.arange(len(labels))[::-1]
    colours = [_TOTAL] * len(stages) + [_KNOWN] * len(known)
    ax.barh(y, totals, height=0.7, color=colours)
    for yy, t in zip(y, totals, strict=True):
        ax.text(t * 1.08, yy, f"{t:,}", va="center", fontsize=style.SMALL)
    ax.set_yticks(y, labels, fontsize=style.SMALL)
    ax.set_xscale("log")
    ax.set_xlim(1, max(totals) * 4)
    ax.set_xlabel("size: two-input gates, or LUT3s where the label says so\n"
                  "(log scale; grey: circuits from elsewhere)", fontsize=style.LABEL)
    ax.tick_params(labelsize=style.SMALL)
    ax.grid(True, axis="x", which="major", alpha=0.3)
    shares = [family_counts(c) for c in stages.values()]
    left = np.zeros(len(stages))
    ys = y[: len(stages)]
    for fam, colour in zip(FAMILIES, _FAMILY_COLOURS, strict=True):
        frac = np.array([sh[fam] / max(1, sum(sh.values())) for sh in shares])
        mix.barh(ys, frac * 100, left=left, height=0.7, color=colour, label=fam)
        left += frac * 100
    mix.set_xlim(0, 100)
    mix.set_xlabel("share of the stage's gates (%)")
    mix.tick_params(labelsize=style.SMALL)
    mix.legend(fontsize=style.SMALL, loc="lower center", bbox_to_anchor=(0.5, 1.0), ncol=3,
               frameon=False)
    fig.tight_layout()
    return fig


def gates_vs_speed(points: Sequence[tuple[str, int, float]], kernel: str = "") -> Figure:
    """Scatter of (gates, µs per step), one labelled point per circuit, log-log.

    Points on a line of slope one would mean time proportional to gates; the compiler's own
    dead-code elimination makes the raw network sit well below that line.
    """
    if not points:
        raise ValueError("gates_vs_speed needs at least one point")
    fig, ax = plt.subplots(figsize=(8.0, 4.4))
    for i, (label, n, us) in enumerate(points):
        ax.scatter([n], [us], s=55, zorder=3, label=f"{label} ({n:,} gates)", **style.series(i))
    # a legend instead of labels beside the points: neighbouring circuits never overlap
    ax.legend(fontsize=style.SMALL, loc="center left", bbox_to_anchor=(1.01, 0.5),
              frameon=False)
    ns = np.array([p[1] for p in points], dtype=float)
    us = np.array([p[2] for p in points], dtype=float)
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlim(ns.min() / 1.6, ns.max() * 1.6)
    ax.set_ylim(us.min() / 1.6, us.max() * 1.6)
    ax.set_xlabel("two-input gates in the circuit", fontsize=style.LABEL)
    ax.set_ylabel("µs per generation" + (f" ({kernel})" if kernel else ""),
                  fontsize=style.LABEL)
    ax.tick_params(labelsize=style.SMALL)
    for axis in (ax.xaxis, ax.yaxis):
        axis.set_major_locator(LogLocator(subs=(1.0, 2.0, 5.0)))
        axis.set_major_formatter(ScalarFormatter())
        axis.set_minor_formatter(NullFormatter())
    ax.grid(True, which="major", alpha=0.3)
    fig.tight_layout()
    return fig


_OP_LABEL = {"A_AND_NOT_B": "a∧¬b", "NOT_A_AND_B": "¬a∧b", "A_OR_NOT_B": "a∨¬b",
             "NOT_A_OR_B": "¬a∨b", "NOT_A": "¬a", "NOT_B": "¬b"}
_FAMILY_COLOUR = {"AND-like": "#4c72b0", "OR-like": "#dd8452", "XOR / XNOR": "#55a868",
                  "NOT": "#8172b3", "wire (a, b)": "#b0b0b0", "constant": "#b0b0b0"}


def circuit_diagrams(parts: Sequence[tuple[str, object]], width: float = 9.0) -> Figure:
    """Small circuits drawn as gate diagrams, one panel each: inputs on the left, each live
    gate in the column of its depth, coloured by family (:data:`FAMILIES`), outputs marked.

    ``parts`` is ``(title, circuit)`` pairs (:class:`gatenet.ir.circuit.Circuit`). Meant for
    circuits of a few dozen gates; a larger one is drawn, but not legibly.
    """
    from gatenet import gates as G

    family = {op: fam for fam, ops in FAMILIES.items() for op in ops}
    sizes = [max(4, len(c.gates)) for _, c in parts]
    fig, axes = plt.subplots(len(parts), 1, figsize=(width, sum(0.9 + 0.17 * s for s in sizes)),
                             gridspec_kw={"height_ratios": sizes}, squeeze=False)
    for ax, (title, c) in zip(axes[:, 0], parts, strict=True):
        n = c.n_inputs
        live = c.live_nodes()
        depth = [0] * c.n_nodes
        for k, g in enumerate(c.gates):
            uses_a, uses_b = G.DEPENDS[g.op]
            srcs = [s for s, u in ((g.a, uses_a), (g.b, uses_b)) if u]
            depth[n + k] = 1 + max((depth[s] for s in srcs), default=0)
        columns: dict[int, list[int]] = {}
        for node in range(c.n_nodes):
            if node < n or live[node]:
                columns.setdefault(depth[node], []).append(node)
        pos = {}
        tallest = max(len(v) for v in columns.values())
        for d, nodes in columns.items():
            for i, node in enumerate(nodes):
                pos[node] = (d, (tallest - 1) / 2 - i + (len(nodes) - 1) / 2 - (tallest - 1) / 2
                             + (tallest - len(nodes)) / 2)
        for k, g in enumerate(c.gates):
            node = n + k
            if not live[node]:
                continue
            uses_a, uses_b = G.DEPENDS[g.op]
            for s, used in ((g.a, uses_a), (g.b, uses_b)):
                if used:
                    (x0, y0), (x1, y1) = pos[s], pos[node]
                    ax.plot([x0 + 0.18, x1 - 0.22], [y0, y1], color="#888888", lw=0.7,
                            zorder=1)
        for node, (x, y) in pos.items():
            if node < n:
                ax.text(x, y, c.input_names[node], ha="center", va="center", fontsize=8,
                        bbox={"boxstyle": "round,pad=0.25", "fc": "white", "ec": "#444444"})
                continue
            op = G.NAMES[c.gates[node - n].op]
            colour = _FAMILY_COLOUR.get(family.get(op, ""), "#cccccc")
            ax.text(x, y, _OP_LABEL.get(op, op), ha="center", va="center", fontsize=7,
                    color="white",
                    bbox={"boxstyle": "round,pad=0.25", "fc": colour, "ec": colour})
        for j, o in enumerate(c.outputs):
            x, y = pos[o]
            ax.annotate(c.output_names[j], (x + 0.2, y), xytext=(x + 0.55, y), fontsize=8,
                        va="center", arrowprops={"arrowstyle": "<-", "color": "#444444"})
        ax.set_title(title, fontsize=10, loc="left")
        ax.set_xlim(-0.6, max(d for d in columns) + 1.0)
        ax.set_ylim(-tallest / 2 - 0.2, tallest / 2 - 0.3)
        ax.axis("off")
    fig.tight_layout()
    return fig

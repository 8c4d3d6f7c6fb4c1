"""Figures for the rule-zoo chapter: soups side by side, what makes a rule hard, sizes.

Like :mod:`gatenet.book.plots`, each function takes plain data and returns a new
:class:`matplotlib.figure.Figure` without showing or saving it; the chapter glues it.
"""

from __future__ import annotations

from collections.abc import Sequence

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.figure import Figure

from gatenet.book import style


def soups(boards: Sequence[np.ndarray], titles: Sequence[str], columns: int = 4) -> Figure:
    """One panel per rule: the same random soup after the same number of generations."""
    if not boards or len(boards) != len(titles):
        raise ValueError(f"{len(boards)} boards for {len(titles)} titles")
    rows = -(-len(boards) // columns)
    fig, axes = plt.subplots(rows, columns, figsize=(7.2, 1.95 * rows + 0.2), squeeze=False)
    for ax in axes.flat:
        ax.axis("off")
    for ax, board, title in zip(axes.flat, boards, titles, strict=False):
        ax.imshow(board, cmap="gray_r", interpolation="nearest", vmin=0, vmax=1)
        ax.set_title(title, fontsize=style.SMALL)
        population = int(np.asarray(board).sum())
        ax.text(0.02, -0.04, f"{population} alive", transform=ax.transAxes, va="top",
                fontsize=style.SMALL - 1, color="#555555")
    fig.tight_layout(h_pad=1.2)
    return fig


def hardness(names: Sequence[str], mean_degree: Sequence[float], low_weight: Sequence[float],
             rate: Sequence[float], epochs: Sequence[float | None]) -> Figure:
    """Left: exact-rate against the weight of the rule's Fourier spectrum on single cells
    and pairs (degree 1-2). Right: epochs to exact against the spectrum's mean degree."""
    fig, (a, b) = plt.subplots(1, 2, figsize=(7.2, 3.2))
    for i, name in enumerate(names):
        s = style.series(i)
        a.scatter(low_weight[i], rate[i], s=42, label=name, edgecolor="white", linewidth=0.5,
                  **s)
        if epochs[i] is not None:
            b.scatter(mean_degree[i], epochs[i], s=42, edgecolor="white", linewidth=0.5, **s)
        else:  # never exact: drawn on the top edge, hollow
            b.scatter(mean_degree[i], 1.0, s=42, facecolor="none", clip_on=False,
                      transform=b.get_xaxis_transform(), edgecolor=s["color"],
                      marker=s["marker"])
    a.set_xlabel("Fourier weight on 1-2 cells", fontsize=style.LABEL)
    a.set_ylabel("exact-rate over seeds", fontsize=style.LABEL)
    a.set_ylim(-0.05, 1.05)
    b.set_xlabel("mean degree of the spectrum", fontsize=style.LABEL)
    b.set_ylabel("median epochs to exact", fontsize=style.LABEL)
    for ax in (a, b):
        ax.tick_params(labelsize=style.SMALL)
        ax.grid(alpha=0.3)
    fig.legend(loc="lower center", ncol=4, fontsize=style.SMALL - 0.5, frameon=False,
               bbox_to_anchor=(0.5, -0.02))
    fig.tight_layout(rect=(0, 0.2, 1, 1))
    return fig


def sizes(learned: Sequence[int], reference: Sequence[int], labels: Sequence[str],
          highlight: Sequence[bool] | None = None) -> Figure:
    """Learned-then-synthesised circuit size against synthesis from the function, one
    point per rule; the diagonal is "as small as the reference"."""
    if not (len(learned) == len(reference) == len(labels)):
        raise ValueError("learned, reference and labels differ in length")
    fig, ax = plt.subplots(figsize=(5.2, 4.2))
    hi = list(highlight) if highlight is not None else [False] * len(labels)
    top = max([*learned, *reference, 1]) * 1.1
    ax.plot([0, top], [0, top], color="#999999", lw=1, ls="--", zorder=0)
    ax.text(top * 0.97, top * 0.93, "learned = reference", ha="right", va="top",
            fontsize=style.SMALL, color="#777777", rotation=38)
    for x, y, lab, h in zip(reference, learned, labels, hi, strict=True):
        ax.scatter(x, y, s=36, color=style.COLOURS[3 if h else 0],
                   marker="D" if h else "o", edgecolor="white", linewidth=0.5)
        if h:
            ax.annotate(lab, (x, y), xytext=(4, 3), textcoords="offset points",
                        fontsize=style.SMALL)
    ax.set_xlim(0, top)
    ax.set_ylim(0, top)
    ax.set_xlabel("gates, synthesised from the rule's truth table", fontsize=style.LABEL)
    ax.set_ylabel("gates, learned then synthesised", fontsize=style.LABEL)
    ax.tick_params(labelsize=style.SMALL)
    ax.grid(alpha=0.3)
    fig.tight_layout()
    return fig

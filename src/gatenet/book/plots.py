"""Figures for the book: every chapter's plots, so the chapters themselves stay short.

Each function takes plain data (arrays, dicts of arrays, circuits) and returns a new
:class:`matplotlib.figure.Figure`; none of them shows or saves anything. A chapter glues the
figure into its text and closes it. Keeping plots here, not in notebooks, means a figure is
library code: linted, smoke-tested (``tests/test_plots.py``) and reusable from the CLI.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import matplotlib
import matplotlib.pyplot as plt
import numpy as np
from matplotlib.figure import Figure

from gatenet import gates, rules
from gatenet.book import style

#: Consistent colours: alive cells, dead cells, and one colour per named series.
ALIVE = "#1f2a44"
DEAD = "#f4f1ea"
_CELL_CMAP = matplotlib.colors.ListedColormap([DEAD, ALIVE])
_SERIES = style.COLOURS


def _colour(i: int) -> str:
    return _SERIES[i % len(_SERIES)]


def _board_axes(ax, board: np.ndarray, title: str = "") -> None:
    ax.imshow(np.asarray(board), cmap=_CELL_CMAP, vmin=0, vmax=1, interpolation="nearest")
    ax.set_xticks([])
    ax.set_yticks([])
    if title:
        ax.set_title(title, fontsize=9)


# -- chapter 1: the rule -------------------------------------------------------------------


def truth_table(table: np.ndarray) -> Figure:
    """The 512-entry rule twice: as a 16×32 image, and grouped by (centre, neighbour count).

    The left panel is what a network must learn, pattern by pattern; the right panel shows
    why Life is simple for a person — it depends only on the centre and a count.
    """
    table = np.asarray(table, dtype=np.uint8)
    fig, (ax1, ax2) = plt.subplots(
        1, 2, figsize=(7.5, 2.9), gridspec_kw={"width_ratios": [2.2, 1]}
    )
    ax1.imshow(table.reshape(16, 32), cmap=_CELL_CMAP, vmin=0, vmax=1, interpolation="nearest")
    ax1.set_title("all 512 neighbourhoods (32 per row)", fontsize=style.LABEL)
    ax1.set_xlabel("pattern index mod 32", fontsize=style.SMALL)
    ax1.set_ylabel("pattern index ÷ 32", fontsize=style.SMALL)
    ax1.tick_params(labelsize=style.SMALL)
    n, c = rules.neighbour_counts(), rules.centers()
    grid = np.zeros((2, 9))
    for ci in (0, 1):
        for k in range(9):
            grid[ci, k] = table[(c == ci) & (n == k)].mean()
    ax2.imshow(grid, cmap="Greys", vmin=0, vmax=1, aspect="auto", interpolation="nearest")
    ax2.set_xticks(range(9))
    ax2.set_yticks([0, 1], ["dead", "alive"])
    ax2.set_xlabel("live neighbours", fontsize=style.SMALL)
    ax2.set_ylabel("centre", fontsize=style.SMALL)
    ax2.tick_params(labelsize=style.SMALL)
    ax2.set_title("alive next, by group", fontsize=style.LABEL)
    for ci in (0, 1):
        for k in range(9):
            v = grid[ci, k]
            ax2.text(k, ci, f"{v:.0f}" if v in (0, 1) else f"{v:.2f}", ha="center",
                     va="center", fontsize=style.SMALL, color="white" if v > 0.5 else "black")
    fig.tight_layout()
    return fig


def board_strip(
    boards: Sequence[np.ndarray],
    titles: Sequence[str] | None = None,
    columns: int | None = None,
    size: float = 1.9,
) -> Figure:
    """A grid of boards, e.g. the same soup at several generations.

    ``columns`` boards per row (default: all in one row); ``size`` inches per board.
    """
    k = len(boards)
    if k == 0:
        raise ValueError("board_strip needs at least one board")
    titles = list(titles) if titles is not None else [""] * k
    if len(titles) != k:
        raise ValueError(f"{k} boards but {len(titles)} titles")
    cols = k if columns is None else max(1, min(int(columns), k))
    rows = -(-k // cols)
    h, w = np.asarray(boards[0]).shape
    fig, axes = plt.subplots(rows, cols, figsize=(size * cols, size * rows * h / w + 0.3 * rows),
                             squeeze=False)
    for ax in axes.flat[k:]:
        ax.axis("off")
    for ax, b, t in zip(axes.flat, boards, titles, strict=False):
        _board_axes(ax, b, t)
    fig.tight_layout()
    return fig


# -- chapter 2: relaxations ----------------------------------------------------------------


def relaxation_grid(resolution: int = 41) -> Figure:
    """Each of the 16 relaxations as a heatmap over the unit square, corners marked."""
    t = np.linspace(0.0, 1.0, resolution)
    a, b = np.meshgrid(t, t, indexing="ij")
    fig, axes = plt.subplots(4, 4, figsize=(8, 8.4))
    for op, ax in enumerate(axes.flat):
        z = gates.relax(op, a, b) * np.ones_like(a)
        im = ax.imshow(z.T, origin="lower", extent=(0, 1, 0, 1), cmap="viridis",
                       vmin=0, vmax=1, interpolation="bilinear")
        for ca in (0, 1):
            for cb in (0, 1):
                ax.plot(ca, cb, "o", ms=7, mec="grey", mew=1.0,
                        mfc=ALIVE if gates.TRUTH[op, ca, cb] else DEAD, clip_on=False)
        ax.set_xlim(-0.08, 1.08)
        ax.set_ylim(-0.08, 1.08)
        ax.set_title(f"{op}: {gates.SYMBOLS[op]}", fontsize=9)
        ax.set_xticks([0, 1])
        ax.set_yticks([0, 1])
        ax.tick_params(labelsize=style.SMALL)
    for ax in axes[-1]:
        ax.set_xlabel("a", fontsize=8)
    for ax in axes[:, 0]:
        ax.set_ylabel("b", fontsize=8)
    fig.colorbar(im, ax=axes, shrink=0.6, label="relaxed output")
    return fig


# -- chapter 3: wiring ---------------------------------------------------------------------


def wiring_diagrams(wirings: Mapping[str, tuple[np.ndarray, np.ndarray]], n_in: int) -> Figure:
    """One bipartite drawing per scheme: inputs on top, gates below, two wires per gate.

    Inputs nobody reads are drawn hollow, so lost information is visible at a glance.
    """
    k = len(wirings)
    cols = min(k, 2)  # two per row keeps the drawings at a readable size in the column
    rows = -(-k // cols)
    fig, axes = plt.subplots(rows, cols, figsize=(3.7 * cols, 2.8 * rows), squeeze=False)
    for ax in axes.flat[k:]:
        ax.set_visible(False)
    for i, (ax, (name, (wa, wb))) in enumerate(zip(axes.flat, wirings.items(), strict=False)):
        n_out = len(wa)
        xin = np.linspace(0, 1, n_in)
        xout = np.linspace(0.05, 0.95, n_out)
        for g in range(n_out):
            for src in (wa[g], wb[g]):
                ax.plot([xin[src], xout[g]], [1, 0], color=_colour(i), lw=0.9, alpha=0.7)
        read = set(np.asarray(wa).tolist()) | set(np.asarray(wb).tolist())
        for j in range(n_in):
            filled = j in read
            ax.plot(xin[j], 1, "o", ms=6, mec=ALIVE, mfc=ALIVE if filled else "white")
        ax.plot(xout, np.zeros(n_out), "s", ms=6, color=ALIVE)
        ax.set_title(f"{name}: {len(read)}/{n_in} inputs read", fontsize=style.LABEL)
        ax.set_xlim(-0.05, 1.05)
        ax.set_ylim(-0.15, 1.15)
        ax.axis("off")
    fig.tight_layout()
    return fig


def error_curves(
    runs: Mapping[str, Sequence[np.ndarray]], title: str = "", log: bool = True
) -> Figure:
    """Hard errors (wrong patterns out of 512) against epoch, one colour per group of runs.

    Each group holds one curve per seed; thin lines are seeds, so the spread is visible.
    A run that stops early (it converged) ends in a dot at zero.
    """
    fig, ax = plt.subplots(figsize=(7, 3.4))
    for i, (name, curves) in enumerate(runs.items()):
        for j, c in enumerate(curves):
            c = np.asarray(c, dtype=float)
            x = np.arange(1, len(c) + 1)
            y = np.maximum(c, 0.5) if log else c  # zero has no place on a log axis
            ax.plot(x, y, color=_colour(i), lw=1.1, alpha=0.85, label=name if j == 0 else None)
            if len(c) and c[-1] == 0:
                ax.plot(x[-1], y[-1], "o", color=_colour(i), ms=5)
    if log:
        ax.set_yscale("log")
        ax.axhline(0.5, color="grey", lw=0.6, ls=":")
    ax.set_xlabel("epoch")
    ax.set_ylabel("wrong patterns (of 512)")
    if title:
        ax.set_title(title, fontsize=10)
    ax.legend(fontsize=8, frameon=False)
    fig.tight_layout()
    return fig


# -- chapter 4: initialisation -------------------------------------------------------------


def gradient_norms(norms: Mapping[str, Sequence[float]], floor: float = 1e-30,
                   ylabel: str = "‖∂loss/∂logits‖") -> Figure:
    """Per-layer values on a log scale (gradient norms, pattern spreads), one line per
    series; exact zeros are drawn on the dotted ``floor`` line."""
    fig, ax = plt.subplots(figsize=(7, 3.6))
    dashes = ("-", "--", "-.", ":")
    for i, (name, v) in enumerate(norms.items()):
        v = np.asarray(v, dtype=float)
        x = np.arange(1, len(v) + 1)
        st = style.series(i)
        ax.plot(x, np.maximum(v, floor), color=st["color"], marker=st["marker"], ms=4,
                label=name, ls=dashes[i % len(dashes)])
    ax.axhline(floor, color="grey", lw=0.6, ls=":")
    ax.set_yscale("log")
    ax.set_xlabel("layer (1 = next to the inputs)")
    ax.set_ylabel(ylabel)
    ax.legend(fontsize=8, frameon=False)
    fig.tight_layout()
    return fig


def gate_snapshots(
    snapshots: Sequence[tuple[int, np.ndarray]], max_panels: int = 5
) -> Figure:
    """Mean gate probabilities per layer (rows) and gate (columns) at a few epochs.

    The picture version of the write-up's sparkline grid: at epoch 0 the pass-through
    column ``A`` is dark everywhere; as training goes on, layers pick real gates.
    """
    if not snapshots:
        raise ValueError("gate_snapshots needs at least one snapshot")
    idx = np.unique(np.linspace(0, len(snapshots) - 1, min(max_panels, len(snapshots))).round())
    chosen = [snapshots[int(i)] for i in idx]
    k = len(chosen)
    cols = min(k, 3)  # at most three panels per row: each stays wide enough to read
    rows = -(-k // cols)
    fig, axes = plt.subplots(rows, cols, figsize=(7.5, 4.2 * rows), squeeze=False,
                             sharey=True, layout="constrained")
    for ax in axes.flat[k:]:
        ax.set_visible(False)
    short = ["F", "&", "a&¬b", "a", "¬a&b", "b", "⊕", "∨", "¬∨", "¬⊕", "¬b", "a∨¬b",
             "¬a", "¬a∨b", "¬&", "T"]
    for ax, (epoch, probs) in zip(axes.flat, chosen, strict=False):
        im = ax.imshow(np.asarray(probs), cmap="magma_r", vmin=0, vmax=1, aspect="auto",
                       interpolation="nearest")
        ax.set_title(f"epoch {epoch}", fontsize=style.LABEL)
        ax.set_xticks(range(16), short, rotation=90, fontsize=style.SMALL)
        ax.tick_params(axis="y", labelsize=style.SMALL)
    for row in axes:
        row[0].set_ylabel("layer", fontsize=style.LABEL)
    bar = fig.colorbar(im, ax=axes, shrink=0.8)
    bar.set_label("mean gate probability", fontsize=style.SMALL)
    bar.ax.tick_params(labelsize=style.SMALL)
    return fig


def seed_outcomes(results: Mapping[str, Sequence], cap: int | None = None,
                  title: str = "") -> Figure:
    """An experiment over seeds at a glance: per arm, the exact-rate with its 95 % Wilson
    interval (left) and every seed's epochs to exact (right; a hollow marker at the cap is
    a seed that never became exact)."""
    from gatenet.book.evidence import summarize

    labels = list(results)
    fig, (left, right) = plt.subplots(1, 2, figsize=(7.5, 0.55 * len(labels) + 1.6),
                                      sharey=True, layout="constrained",
                                      gridspec_kw={"width_ratios": [1, 1.6]})
    y = np.arange(len(labels))[::-1]
    for i, runs in enumerate(results.values()):
        s = summarize(runs)
        st = style.series(i)
        left.errorbar(100 * s.rate, y[i], xerr=[[100 * (s.rate - s.low)],
                                                [100 * (s.high - s.rate)]],
                      fmt=st["marker"], color=st["color"], capsize=3, ms=6)
        left.annotate(f"{s.exact}/{s.n}", (100 * s.rate, y[i]), xytext=(0, 7),
                      textcoords="offset points", ha="center", fontsize=style.SMALL)
        jitter = np.linspace(-0.18, 0.18, max(len(runs), 1))
        for j, r in enumerate(runs):
            if r.converged:
                right.plot(r.epochs, y[i] + jitter[j], st["marker"], color=st["color"], ms=5)
            else:
                right.plot(r.epochs, y[i] + jitter[j], st["marker"], mfc="none",
                           color=st["color"], ms=5)
    left.set_xlim(-5, 105)
    left.set_xlabel("exact seeds (%), 95 % interval", fontsize=style.LABEL)
    left.set_yticks(y, labels, fontsize=style.LABEL)
    right.set_xlabel("epochs to exact (hollow: not exact)", fontsize=style.LABEL)
    if cap:
        right.axvline(cap, color="grey", lw=0.6, ls=":")
    for ax in (left, right):
        ax.tick_params(labelsize=style.SMALL)
        ax.grid(axis="x", lw=0.3, alpha=0.5)
    if title:
        fig.suptitle(title, fontsize=style.LABEL)
    return fig


#: Gate families for pictures of whole networks: sixteen colours would not read.
GATE_FAMILIES: tuple[tuple[str, tuple[int, ...], str], ...] = (
    ("wire (a, b)", (3, 5), "#bbbbbb"),
    ("NOT", (10, 12), "#56B4E9"),
    ("AND-like", (1, 2, 4, 8), "#0072B2"),
    ("OR-like", (7, 11, 13, 14), "#E69F00"),
    ("XOR, XNOR", (6, 9), "#D55E00"),
    ("constant", (0, 15), "#000000"),
)


def neuron_settling(snapshots: Sequence[tuple[int, Sequence[np.ndarray]]],
                    sizes: Sequence[int]) -> Figure:
    """Every neuron of a network over training: one row per neuron (layers stacked, first
    layer on top), one column per snapshot; the colour is the family of its argmax gate,
    the strength of the colour how sure the softmax is of it. A neuron has settled when
    its row stops changing colour and turns solid."""
    from matplotlib.patches import Patch

    from gatenet.learn.diagnostics import neuron_states

    if not snapshots:
        raise ValueError("neuron_settling needs at least one snapshot")
    family = np.zeros(gates.N_GATES, dtype=int)
    rgb = np.zeros((len(GATE_FAMILIES), 3))
    for k, (_, members, colour) in enumerate(GATE_FAMILIES):
        family[list(members)] = k
        rgb[k] = matplotlib.colors.to_rgb(colour)
    columns = []
    for _, params in snapshots:
        choice, weight = neuron_states(params)
        c = np.concatenate(choice)
        w = np.concatenate(weight)
        colour = rgb[family[c]]
        alpha = np.clip((w - 1 / gates.N_GATES) / (1 - 1 / gates.N_GATES), 0, 1)[:, None]
        columns.append(alpha * colour + (1 - alpha) * 1.0)  # fade to white when unsure
    img = np.stack(columns, axis=1)
    epochs = [e for e, _ in snapshots]
    fig, ax = plt.subplots(figsize=(7.5, 6.2), layout="constrained")
    ax.imshow(img, aspect="auto", interpolation="nearest",
              extent=(-0.5, len(epochs) - 0.5, img.shape[0], 0))
    bounds = np.cumsum([0, *sizes[1:]])
    for b in bounds[1:-1]:
        ax.axhline(b, color="white", lw=0.4)
    # Label layers that are tall enough to carry a label; the thin ones at the end share one.
    tall = [i for i in range(len(sizes) - 1) if sizes[i + 1] >= bounds[-1] / 40]
    show = sorted({tall[0], tall[len(tall) // 2], tall[-1]}) if tall else [0]
    ticks = [(bounds[i] + bounds[i + 1]) / 2 for i in show]
    names = [f"layer {i + 1}" for i in show]
    if tall and tall[-1] < len(sizes) - 2:
        ticks.append((bounds[tall[-1] + 1] + bounds[-1]) / 2)
        names.append(f"layers {tall[-1] + 2}–{len(sizes) - 1}")
    ax.set_yticks(ticks, names, fontsize=style.SMALL)
    cols = np.unique(np.linspace(0, len(epochs) - 1, 6).round().astype(int))
    ax.set_xticks(cols, [str(epochs[t]) for t in cols], fontsize=style.SMALL)
    ax.set_xlabel("epoch", fontsize=style.LABEL)
    ax.set_ylabel(f"{bounds[-1]:,} neurons, layer by layer", fontsize=style.LABEL)
    handles = [Patch(color=c, label=name) for name, _, c in GATE_FAMILIES]
    fig.legend(handles=handles, loc="outside lower center", ncols=3, fontsize=style.SMALL,
               frameon=False)
    return fig


# -- chapter 5: training -------------------------------------------------------------------


def training_curves(loss: np.ndarray, hard_errors: np.ndarray) -> Figure:
    """Soft loss and hard errors of one run, side by side, both against epoch."""
    loss = np.asarray(loss, dtype=float)
    err = np.asarray(hard_errors, dtype=float)
    fig, (a1, a2) = plt.subplots(1, 2, figsize=(9, 3.2))
    a1.plot(np.arange(1, len(loss) + 1), loss, color=_colour(0))
    a1.set_yscale("log")
    a1.set_xlabel("epoch")
    a1.set_ylabel("soft loss (sum of squared errors)")
    a2.plot(np.arange(1, len(err) + 1), np.maximum(err, 0.5), color=_colour(1))
    a2.set_yscale("log")
    a2.axhline(0.5, color="grey", lw=0.6, ls=":")
    a2.set_xlabel("epoch")
    a2.set_ylabel("wrong patterns of the hard circuit")
    fig.tight_layout()
    return fig


def op_histogram(panels: Mapping[str, Mapping[str, int]]) -> Figure:
    """Bar charts of how often each of the 16 gates is chosen, one panel per population."""
    k = len(panels)
    fig, axes = plt.subplots(k, 1, figsize=(7.5, 2.9 * k), squeeze=False)
    for i, (ax, (title, counts)) in enumerate(zip(axes[:, 0], panels.items(), strict=True)):
        values = [counts.get(name, 0) for name in gates.NAMES]
        ax.bar(range(16), values, color=_colour(i))
        ax.set_xticks(range(16), gates.SYMBOLS, rotation=90, fontsize=style.SMALL)
        ax.tick_params(axis="y", labelsize=style.SMALL)
        ax.set_ylabel("gates", fontsize=style.LABEL)
        ax.set_title(title, fontsize=style.LABEL)
    fig.tight_layout()
    return fig


# -- chapter 7: the C runtime --------------------------------------------------------------


def word_layout(width: int = 150, height: int = 4, word_bits: int = 64) -> Figure:
    """How a ``height × width`` board sits in ``word_bits``-bit words, row-major.

    Each row takes ``ceil(width / word_bits)`` words; cell ``(y, x)`` is bit
    ``x % word_bits`` of word ``y · words_per_row + x // word_bits``. Padding bits past the
    last column are hatched: they always hold dead cells.
    """
    if width < 1 or height < 1 or word_bits < 1:
        raise ValueError(f"need positive sizes, got {width}×{height}, {word_bits}-bit words")
    wpr = -(-width // word_bits)
    fig, ax = plt.subplots(figsize=(7.5, 0.55 * height + 1.0))
    for y in range(height):
        for i in range(wpr):
            word = y * wpr + i
            x0 = i * word_bits
            used = min(word_bits, width - x0)
            ax.add_patch(matplotlib.patches.Rectangle(
                (x0, y), used, 0.85, color=_colour(word % len(_SERIES)), alpha=0.75))
            if used < word_bits:
                ax.add_patch(matplotlib.patches.Rectangle(
                    (x0 + used, y), word_bits - used, 0.85, fill=False, hatch="///",
                    ec="grey", lw=0.5))
            ax.text(x0 + used / 2, y + 0.42, f"word {word}", ha="center", va="center",
                    fontsize=style.SMALL, color="white")
    ax.axvline(width, color=ALIVE, lw=1.2, ls="--")
    ax.text(width - 1, -0.3, f"← column {width - 1}", ha="right", fontsize=style.SMALL)
    ax.text(width + 1, -0.3, "padding (always dead) →", ha="left", fontsize=style.SMALL)
    ax.set_xlim(0, wpr * word_bits)
    ax.set_ylim(height + 0.05, -0.6)
    ax.set_xticks([i * word_bits for i in range(wpr + 1)])
    ax.set_xlabel(f"column x (bit x mod {word_bits} of word x ÷ {word_bits})")
    ax.set_yticks([y + 0.42 for y in range(height)], [f"row {y}" for y in range(height)])
    fig.tight_layout()
    return fig

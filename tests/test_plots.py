"""The book's figures show what they say: one panel, line or bar per item of the input, the
data drawn is the data given, every axis that needs a label has one, series are told apart,
and no text is too small to read (the ``readable`` fixture of tests/conftest.py)."""

import matplotlib.colors as mcolors
import numpy as np
import pytest

from gatenet import gates, rules
from gatenet.book import plots
from gatenet.learn import wiring


def _colours(artists) -> list[str]:
    """Line colours, or face colours of bars."""
    return [mcolors.to_hex(a.get_color() if hasattr(a, "get_color") else a.get_facecolor())
            for a in artists]


def _legend(ax) -> list[str]:
    leg = ax.get_legend()
    assert leg is not None, "no legend"
    return [t.get_text() for t in leg.get_texts()]


def test_truth_table(readable):
    fig = plots.truth_table(rules.LIFE.table)
    readable(fig)
    image, groups = fig.axes[:2]
    assert np.array_equal(image.images[0].get_array(), rules.LIFE.table.reshape(16, 32))
    for ax in (image, groups):
        assert ax.get_xlabel() and ax.get_ylabel() and ax.get_title()
    # the grouped panel: one number per (centre, count) cell; Life's are all 0 or 1
    numbers = [t.get_text() for t in groups.texts]
    assert len(numbers) == 2 * 9 and set(numbers) == {"0", "1"}
    assert numbers.count("1") == 3  # birth on 3; survival on 2 and 3


def test_board_strip(readable):
    b = (np.random.default_rng(0).random((8, 8)) < 0.5).astype(np.uint8)
    boards = [b, rules.step(b), rules.step(b, steps=2)]
    fig = plots.board_strip(boards, ["start", "1", "2"])
    readable(fig)
    assert [ax.get_title() for ax in fig.axes] == ["start", "1", "2"]
    for ax, board in zip(fig.axes, boards, strict=True):
        assert np.array_equal(ax.images[0].get_array(), board)
    with pytest.raises(ValueError):
        plots.board_strip([])
    with pytest.raises(ValueError):
        plots.board_strip([b], ["a", "b"])


def test_board_strip_grid(readable):
    b = np.zeros((6, 8), np.uint8)
    fig = plots.board_strip([b] * 5, columns=3, size=1.0)
    readable(fig)
    assert len(fig.axes) == 6
    assert [bool(ax.images) for ax in fig.axes] == [True] * 5 + [False]
    assert not fig.axes[5].axison  # the spare panel is switched off


def test_relaxation_grid(readable):
    fig = plots.relaxation_grid(resolution=5)
    readable(fig)
    panels = [ax for ax in fig.axes if ax.images]
    assert len(panels) == 16
    for op, ax in enumerate(panels):
        assert ax.get_title() == f"{op}: {gates.SYMBOLS[op]}"
        z = np.asarray(ax.images[0].get_array())  # z[b, a], origin lower
        corners = [[z[0, 0], z[-1, 0]], [z[0, -1], z[-1, -1]]]  # [a][b]
        assert np.allclose(corners, gates.TRUTH[op]), f"panel {op} is not gate {op}"
    assert all(ax.get_xlabel() == "a" for ax in panels[-4:])
    assert all(ax.get_ylabel() == "b" for ax in panels[::4])


def test_wiring_diagrams(readable):
    rng = np.random.default_rng(0)
    ws = {s: wiring.make(s, 8, 4, rng) for s in ("random", "tree")}
    fig = plots.wiring_diagrams(ws, 8)
    readable(fig)
    assert len(fig.axes) == 2
    for ax, (name, (wa, wb)) in zip(fig.axes, ws.items(), strict=True):
        read = len(set(np.concatenate([wa, wb]).tolist()))
        assert ax.get_title() == f"{name}: {read}/8 inputs read"
        wires = [ln for ln in ax.lines if len(ln.get_xdata()) == 2]
        assert len(wires) == 2 * len(wa)  # two wires per gate
    assert _colours(fig.axes[0].lines[:1]) != _colours(fig.axes[1].lines[:1])


def test_error_curves(readable):
    runs = {"x": [np.array([5, 3, 0]), np.array([6, 2, 1])], "y": [np.array([4, 4])]}
    fig = plots.error_curves(runs, title="runs")
    readable(fig)
    ax = fig.axes[0]
    assert ax.get_xlabel() and ax.get_ylabel() and ax.get_title() == "runs"
    assert _legend(ax) == ["x", "y"]  # one entry per group, not per seed
    curves = [ln for ln in ax.lines if len(ln.get_xdata()) > 1 and ln.get_linestyle() != ":"]
    assert len(curves) == 3  # one per seed (the dotted line marks zero on the log axis)
    assert len(set(_colours(curves[:2]))) == 1 and _colours(curves[2:]) != _colours(curves[:1])
    assert ax.get_yscale() == "log"
    assert plots.error_curves(runs, log=False).axes[0].get_yscale() == "linear"


def test_training_curves(readable):
    loss, errors = np.array([3.0, 2.0, 1.0, 0.5]), np.array([9, 2, 1, 0])
    fig = plots.training_curves(loss, errors)
    readable(fig)
    assert len(fig.axes) == 2
    for ax in fig.axes:
        assert ax.get_xlabel() == "epoch" and ax.get_ylabel()
    assert np.array_equal(fig.axes[0].lines[0].get_ydata(), loss)
    assert len(fig.axes[1].lines[0].get_ydata()) == len(errors)


def test_gradient_norms(readable):
    norms = {"a": [1.0, 0.1, 0.0], "b": [1.0, 1.0, 1.0], "c": [0.5, 0.5, 0.5]}
    fig = plots.gradient_norms(norms)
    readable(fig)
    ax = fig.axes[0]
    assert ax.get_xlabel() and ax.get_ylabel()
    assert _legend(ax) == list(norms)
    series = [ln for ln in ax.lines if not ln.get_label().startswith("_")]
    assert len(series) == 3 and len(set(_colours(series))) == 3
    assert all(len(ln.get_xdata()) == 3 for ln in series)
    assert series[0].get_ydata()[2] == 1e-30  # an exact zero sits on the floor line


def test_gate_snapshots(readable):
    snaps = [(e, np.full((3, 16), 1 / 16)) for e in range(0, 70, 10)]
    fig = plots.gate_snapshots(snaps)
    readable(fig)
    panels = [ax for ax in fig.axes if ax.images]
    assert len(panels) == 5  # max_panels of the 7, first and last included
    titles = [ax.get_title() for ax in panels]
    assert titles[0] == "epoch 0" and titles[-1] == "epoch 60"
    assert all(len(ax.get_xticklabels()) == 16 for ax in panels)
    assert panels[0].get_ylabel() == "layer"
    with pytest.raises(ValueError):
        plots.gate_snapshots([])


def test_op_histogram(readable):
    panels = {"all": {"AND": 3, "A": 10}, "some": {"XOR": 1}}
    fig = plots.op_histogram(panels)
    readable(fig)
    assert [ax.get_title() for ax in fig.axes] == ["all", "some"]
    for ax, counts in zip(fig.axes, panels.values(), strict=True):
        heights = [p.get_height() for p in ax.patches]
        assert heights == [counts.get(name, 0) for name in gates.NAMES]
        assert [t.get_text() for t in ax.get_xticklabels()] == list(gates.SYMBOLS)
        assert ax.get_ylabel()
    assert _colours(fig.axes[0].patches[:1]) != _colours(fig.axes[1].patches[:1])


def test_word_layout(readable):
    fig = plots.word_layout(150, 3)
    texts = readable(fig)
    words = [t for t in texts if t.startswith("word ")]
    assert words == [f"word {k}" for k in range(3 * 3)]  # 150 columns: 3 words per row
    ax = fig.axes[0]
    assert ax.get_xlabel() and [t.get_text() for t in ax.get_yticklabels()] == [
        "row 0", "row 1", "row 2"]
    assert len([p for p in ax.patches if p.get_hatch()]) == 3  # one padded word per row
    assert len(plots.word_layout(128, 2).axes[0].patches) == 2 * 2  # no padding at all
    with pytest.raises(ValueError):
        plots.word_layout(0, 3)


def test_seed_outcomes(readable):
    from gatenet.book.evidence import Run

    def run(seed, ok, epochs):
        last = (0,) if ok else (4,)
        return Run(seed, ok, epochs, 1.0, 0 if ok else 4, (4,) * (epochs - 1) + last)

    results = {"a": [run(0, True, 120), run(1, True, 300)],
               "b": [run(0, False, 500), run(1, True, 200), run(2, False, 500)]}
    fig = plots.seed_outcomes(results, cap=500)
    texts = readable(fig)
    left, right = fig.axes[:2]
    assert [t.get_text() for t in left.get_yticklabels()] == ["a", "b"]
    assert "2/2" in texts and "1/3" in texts
    assert left.get_xlabel() and right.get_xlabel()
    # one marker per seed on the right; hollow ones are the seeds that were not exact
    marks = [ln for ln in right.lines if len(ln.get_xdata()) == 1]
    assert len(marks) == 5
    hollow = [ln for ln in marks if ln.get_markerfacecolor() == "none"]
    assert sorted(ln.get_xdata()[0] for ln in hollow) == [500, 500]


def test_neuron_settling(readable):
    sizes = (9, 6, 3, 1)
    start = [np.zeros((n, 16), np.float32) for n in sizes[1:]]
    for p in start:
        p[:, gates.A] = 10.0  # wires
    end = [p.copy() for p in start]
    end[0][0, gates.A], end[0][0, 6] = 0.0, 10.0  # neuron 0 becomes XOR
    fig = plots.neuron_settling([(0, start), (10, start), (20, end)], sizes)
    readable(fig)
    (ax,) = [a for a in fig.axes if a.images]
    img = ax.images[0].get_array()
    assert img.shape[:2] == (10, 3)  # 6 + 3 + 1 neurons, 3 snapshots
    assert not np.allclose(img[0, 0], img[0, 2])  # the neuron that changed its gate
    assert np.allclose(img[1, 0], img[1, 2])  # one that stayed a wire
    assert [t.get_text() for t in ax.get_xticklabels()] == ["0", "10", "20"]
    with pytest.raises(ValueError):
        plots.neuron_settling([], sizes)

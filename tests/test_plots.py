"""Smoke tests for the book's figures: each helper returns a Figure and rejects bad input."""

import matplotlib.pyplot as plt
import numpy as np
import pytest
from matplotlib.figure import Figure

from gatenet import rules
from gatenet.book import plots
from gatenet.learn import wiring


def _check(fig):
    assert isinstance(fig, Figure)
    assert fig.axes
    plt.close(fig)


def test_truth_table():
    _check(plots.truth_table(rules.LIFE.table))


def test_board_strip():
    b = np.zeros((8, 8), np.uint8)
    _check(plots.board_strip([b, rules.step(b)], ["a", "b"]))
    with pytest.raises(ValueError):
        plots.board_strip([])
    with pytest.raises(ValueError):
        plots.board_strip([b], ["a", "b"])


def test_relaxation_grid():
    _check(plots.relaxation_grid(resolution=5))


def test_wiring_diagrams():
    rng = np.random.default_rng(0)
    ws = {s: wiring.make(s, 8, 4, rng) for s in ("random", "tree")}
    _check(plots.wiring_diagrams(ws, 8))


def test_error_curves_and_training_curves():
    _check(plots.error_curves({"x": [np.array([5, 3, 0])], "y": [np.array([4, 4])]}))
    _check(plots.training_curves(np.array([3.0, 2.0, 1.0]), np.array([9, 2, 0])))


def test_gradient_norms():
    _check(plots.gradient_norms({"a": [1.0, 0.1, 0.0], "b": [1.0, 1.0, 1.0]}))


def test_gate_snapshots():
    snaps = [(e, np.full((3, 16), 1 / 16)) for e in range(0, 70, 10)]
    _check(plots.gate_snapshots(snaps))
    with pytest.raises(ValueError):
        plots.gate_snapshots([])


def test_op_histogram():
    _check(plots.op_histogram({"all": {"AND": 3, "A": 10}, "some": {"XOR": 1}}))


def test_word_layout():
    _check(plots.word_layout(150, 3))
    with pytest.raises(ValueError):
        plots.word_layout(0, 3)


def test_board_strip_grid():
    b = np.zeros((6, 8), np.uint8)
    fig = plots.board_strip([b] * 5, columns=3, size=1.0)
    assert len(fig.axes) == 6  # one spare axis, switched off
    plt.close(fig)

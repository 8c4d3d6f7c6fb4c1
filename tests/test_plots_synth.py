"""Smoke tests for the synthesis chapter's figures: they draw, and refuse empty input."""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import pytest
from matplotlib.figure import Figure

from gatenet.book import plots_synth


def test_sizes_by_op_draws_stages_and_known() -> None:
    stages = {"raw": {"AND": 900, "A": 1200, "XOR": 200}, "ABC": {"AND": 20, "XOR": 12}}
    fig = plots_synth.sizes_by_op(stages, {"any-gate optimum": 26})
    assert isinstance(fig, Figure)
    ax = fig.axes[0]
    assert [t.get_text() for t in ax.get_yticklabels()] == ["raw", "ABC", "any-gate optimum"]
    plt.close(fig)


def test_family_counts_cover_every_op() -> None:
    from gatenet import gates

    counts = plots_synth.family_counts({name: 1 for name in gates.NAMES})
    assert sum(counts.values()) == len(gates.NAMES)
    assert counts["AND-like"] == 4 and counts["OR-like"] == 4 and counts["wire (a, b)"] == 2
    with pytest.raises(ValueError, match="unknown op"):
        plots_synth.family_counts({"MUX": 1})


def test_gates_vs_speed_draws_points() -> None:
    fig = plots_synth.gates_vs_speed([("raw", 2303, 45.0), ("ABC", 39, 4.0)], kernel="avx512")
    assert isinstance(fig, Figure)
    assert len(fig.axes[0].collections) == 2
    plt.close(fig)


def test_empty_input_raises() -> None:
    with pytest.raises(ValueError):
        plots_synth.sizes_by_op({})
    with pytest.raises(ValueError):
        plots_synth.gates_vs_speed([])

"""The synthesis chapter's figures: bars and points are the numbers given, labelled, in
distinct colours, readable (the ``readable`` fixture of tests/conftest.py); empty input is
refused."""

import matplotlib.colors as mcolors
import numpy as np
import pytest

from gatenet import gates
from gatenet.book import plots_synth


def test_sizes_by_op(readable):
    stages = {"raw": {"AND": 900, "A": 1200, "XOR": 200}, "ABC": {"AND": 20, "XOR": 12}}
    fig = plots_synth.sizes_by_op(stages, {"any-gate optimum": 26})
    texts = readable(fig)
    total, mix = fig.axes[:2]
    assert [t.get_text() for t in total.get_yticklabels()] == ["raw", "ABC", "any-gate optimum"]
    assert [p.get_width() for p in total.patches] == [2300, 32, 26]
    assert {"2,300", "32", "26"} <= set(texts)  # each bar says its size
    faces = [mcolors.to_hex(p.get_facecolor()) for p in total.patches]
    assert faces[0] == faces[1] != faces[2]  # circuits from elsewhere are drawn apart
    assert total.get_xlabel() and mix.get_xlabel()
    # the mix: one segment per family and stage, each stage's shares adding up to 100 %
    legend = [t.get_text() for t in mix.get_legend().get_texts()]
    assert legend == list(plots_synth.FAMILIES)
    assert len({mcolors.to_hex(p.get_facecolor()) for p in mix.patches}) == len(legend)
    per_stage = np.array([p.get_width() for p in mix.patches]).reshape(len(legend), 2)
    assert np.allclose(per_stage.sum(axis=0), 100)


def test_family_counts_cover_every_op() -> None:
    counts = plots_synth.family_counts({name: 1 for name in gates.NAMES})
    assert sum(counts.values()) == len(gates.NAMES)
    assert counts["AND-like"] == 4 and counts["OR-like"] == 4 and counts["wire (a, b)"] == 2
    with pytest.raises(ValueError, match="unknown op"):
        plots_synth.family_counts({"MUX": 1})


def test_gates_vs_speed(readable):
    points = [("raw", 2303, 45.0), ("passes", 120, 9.0), ("ABC", 39, 4.0)]
    fig = plots_synth.gates_vs_speed(points, kernel="avx512")
    readable(fig)
    ax = fig.axes[0]
    assert len(ax.collections) == 3
    assert [tuple(c.get_offsets()[0]) for c in ax.collections] == [(n, us) for _, n, us in points]
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert legend == ["raw (2,303 gates)", "passes (120 gates)", "ABC (39 gates)"]
    assert len({mcolors.to_hex(c.get_facecolor()[0]) for c in ax.collections}) == 3
    assert ax.get_xlabel() and "avx512" in ax.get_ylabel()


def test_empty_input_raises() -> None:
    with pytest.raises(ValueError):
        plots_synth.sizes_by_op({})
    with pytest.raises(ValueError):
        plots_synth.gates_vs_speed([])

"""The speed chapter's figures: one line or bar per contender and value, labelled, in
distinct colours, readable (the ``readable`` fixture of tests/conftest.py), and empty
input refused."""

import matplotlib.colors as mcolors
import pytest

from gatenet.bench.steps import StepRecord
from gatenet.book import plots_speed

SIDES = (64, 128, 256)


def _records():
    return [
        StepRecord.of(name, kind, n, n, th, n * n * ns * 1e-9)
        for name, kind, th, ns in (("slow", "baseline", 1, 2.0), ("fast", "project", 2, 0.05),
                                   ("middle", "project", 1, 0.5))
        for n in SIDES
    ]


def _legend(ax) -> list[str]:
    leg = ax.get_legend()
    assert leg is not None, "no legend"
    return [t.get_text() for t in leg.get_texts()]


def test_speed_vs_size(readable):
    fig = plots_speed.speed_vs_size(_records())
    readable(fig)
    ax = fig.axes[0]
    assert ax.get_xlabel() and ax.get_ylabel()
    assert _legend(ax) == ["slow", "fast", "middle"]
    assert [list(ln.get_xdata()) for ln in ax.lines] == [list(SIDES)] * 3
    assert len({mcolors.to_hex(ln.get_color()) for ln in ax.lines}) == 3
    assert [ln.get_linestyle() for ln in ax.lines] == ["--", "-", "-"]  # baselines dashed
    assert [t.get_text() for t in ax.get_xticklabels()] == [f"{s}²" for s in SIDES]
    by_name = {r.name: r for r in _records() if r.width == 256}
    assert ax.lines[1].get_ydata()[-1] == pytest.approx(by_name["fast"].cell_updates_per_s)
    # ``order`` sets the legend order and skips names without records
    fig = plots_speed.speed_vs_size(_records(), order=["fast", "absent", "slow"])
    readable(fig)
    assert _legend(fig.axes[0]) == ["fast", "slow"]
    with pytest.raises(ValueError):
        plots_speed.speed_vs_size([])


def test_speed_bars(readable):
    rs = [r for r in _records() if r.width == 256]
    fig = plots_speed.speed_bars(rs, highlight="middle")
    texts = readable(fig)
    ax = fig.axes[0]
    assert ax.get_xlabel() and "256×256" in ax.get_xlabel()
    widths = [p.get_width() for p in ax.patches]
    assert widths == sorted(r.cell_updates_per_s for r in rs)  # slowest at the bottom
    labels = [t.get_text() for t in ax.get_yticklabels()]
    assert labels == ["slow", "middle", "fast (2 threads)"]
    faces = [mcolors.to_hex(p.get_facecolor()) for p in ax.patches]
    assert faces[1] not in (faces[0], faces[2])  # the highlighted bar stands out
    assert faces[0] != faces[2]  # baseline and project differ
    assert sum("µs" in t for t in texts) == len(rs)  # every bar says its µs per step
    with pytest.raises(ValueError):
        plots_speed.speed_bars([])


def test_floor_fractions(readable):
    rows = {"avx512": {"measured": 10.0, "floor": 3.0},
            "scalar": {"measured": 50.0, "floor": None}}
    fig = plots_speed.floor_fractions(rows)
    texts = readable(fig)
    ax = fig.axes[0]
    assert ax.get_xlabel()
    assert [t.get_text() for t in ax.get_yticklabels()] == ["avx512", "scalar"]
    assert len(_legend(ax)) == 2
    assert sorted(p.get_width() for p in ax.patches) == [3.0, 10.0, 50.0]  # no floor: no bar
    assert [t for t in texts if "floor's speed" in t] == ["30% of the floor's speed"]
    with pytest.raises(ValueError):
        plots_speed.floor_fractions({})


def test_loop_mix(readable):
    prof = {"avx512": {"logic": 23, "shift": 4, "load": 3, "store": 1, "other": 14,
                       "ternlog": 8, "total": 45},
            "scalar": {"logic": 40, "shift": 4, "load": 3, "store": 1, "other": 5}}
    fig = plots_speed.loop_mix(prof)
    texts = readable(fig)
    ax = fig.axes[0]
    assert ax.get_xlabel()
    classes = ["logic", "shift", "load", "store", "other"]
    assert _legend(ax) == classes
    assert len(ax.patches) == len(classes) * len(prof)  # one segment per class and kernel
    faces = {mcolors.to_hex(p.get_facecolor()) for p in ax.patches}
    assert len(faces) == len(classes)
    assert "45.0  (8 vpternlog)" in texts and "53.0" in texts  # the stacks' totals
    with pytest.raises(ValueError):
        plots_speed.loop_mix({})

"""Smoke tests for the speed chapter's figures: each returns a Figure and rejects empty input."""

import matplotlib.pyplot as plt
import pytest
from matplotlib.figure import Figure

from gatenet.bench.steps import StepRecord
from gatenet.book import plots_speed


def _check(fig):
    assert isinstance(fig, Figure)
    assert fig.axes
    plt.close(fig)


def _records():
    return [
        StepRecord.of(name, kind, n, n, th, n * n * ns * 1e-9)
        for name, kind, th, ns in (("slow", "baseline", 1, 2.0), ("fast", "project", 2, 0.05))
        for n in (64, 128, 256)
    ]


def test_speed_vs_size():
    _check(plots_speed.speed_vs_size(_records()))
    _check(plots_speed.speed_vs_size(_records(), order=["fast", "slow", "absent"]))
    with pytest.raises(ValueError):
        plots_speed.speed_vs_size([])


def test_speed_bars():
    rs = [r for r in _records() if r.width == 256]
    _check(plots_speed.speed_bars(rs, highlight="fast"))
    with pytest.raises(ValueError):
        plots_speed.speed_bars([])


def test_bound_fractions():
    rows = {"avx512": {"measured": 10.0, "bound": 3.0, "loop_bound": 2.0},
            "scalar": {"measured": 50.0, "bound": None, "loop_bound": None}}
    _check(plots_speed.bound_fractions(rows))
    with pytest.raises(ValueError):
        plots_speed.bound_fractions({})


def test_loop_mix():
    prof = {"avx512": {"logic": 23, "shift": 4, "load": 3, "store": 1, "other": 14,
                       "ternlog": 8, "total": 45},
            "scalar": {"logic": 40, "shift": 4, "load": 3, "store": 1, "other": 5}}
    _check(plots_speed.loop_mix(prof))
    with pytest.raises(ValueError):
        plots_speed.loop_mix({})

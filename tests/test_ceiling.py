"""The machine probes: they build, run at every width this CPU has, and report rates of the
right kind (values are measurements, so only their plausibility is checked, never a speed)."""

from __future__ import annotations

import pytest

from gatenet.bench import ceiling
from gatenet.runtime import fast


@pytest.mark.parametrize("width", ["scalar", "avx2", "avx512"])
def test_probe_reports_rates(width: str) -> None:
    if width not in fast.available_kernels():
        pytest.skip(f"CPU lacks {width}")
    c = ceiling.measure(width, seconds=0.002, repeats=2)
    assert c.width == width
    # a clock between 100 MHz and 10 GHz, a few instructions per cycle at most: anything
    # else means the probe measured the wrong thing (folded away, or a memory round trip)
    assert 1e8 < c.clock_hz < 1e10
    assert 0.5 < c.logic_per_cycle < 16 and 0.2 < c.shift_per_cycle < 16


def test_floor_is_the_slower_class() -> None:
    c = ceiling.Ceiling("avx2", logic_per_s=4e9, shift_per_s=1e9, clock_hz=1e9)
    assert ceiling.floor_seconds(c, 8e9, 1e9) == pytest.approx(2.0)  # logic-bound
    assert ceiling.floor_seconds(c, 4e9, 3e9) == pytest.approx(3.0)  # shift-bound


def test_bad_arguments() -> None:
    with pytest.raises(ValueError, match="unknown width"):
        ceiling.measure("avx1024")
    with pytest.raises(ValueError):
        ceiling.measure("scalar", seconds=0)

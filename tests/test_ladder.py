"""The optimisation ladder: contenders build correct boards, records are well formed."""

import math

import numpy as np
import pytest

from gatenet import rules
from gatenet.bench import ladder
from gatenet.ir.handmade import handmade_life


def test_random_board():
    a = rules.random_board(128, 96, seed=3, density=0.35)
    assert a.shape == (128, 96) and a.dtype == np.uint8
    assert set(np.unique(a)) <= {0, 1}
    assert 0.3 < a.mean() < 0.4
    assert np.array_equal(a, rules.random_board(128, 96, seed=3, density=0.35))
    assert rules.random_board(4, 4, density=1.0).all()
    assert not rules.random_board(4, 4, density=0.0).any()
    with pytest.raises(ValueError):
        rules.random_board(8, 8, density=1.5)


def test_every_contender_computes_life():
    """Each rung's board, stepped, equals the numpy reference (the ladder changes speed only)."""
    circuit = handmade_life()
    cells = rules.random_board(128, 128, seed=1)
    want = rules.step(cells, steps=5)
    rungs = ladder.ladder(threads=2) + ladder.expert(threads=2) + ladder.expert_widths()
    rungs.append(ladder.no_blocking(rungs[-1]))
    for c in rungs:
        with c.board(cells, circuit) as b:
            assert np.array_equal(b.step(5).to_array(), want), c.label


def test_applies_and_no_blocking():
    wu = ladder.ladder()[0]
    assert wu.runtime == "writeup" and wu.applies(128) and not wu.applies(100)
    with pytest.raises(ValueError):
        ladder.no_blocking(wu)
    fast = ladder.ladder()[-1]
    nb = ladder.no_blocking(fast, min_size=1024)
    assert nb.depth == 1 and not nb.applies(512) and nb.applies(1024)


def test_measure_size_and_ratios():
    rungs = ladder.ladder(threads=1)[:3]
    recs = ladder.measure_size(rungs, 64, handmade_life(), budget_s=0.005, repeats=2)
    assert [r.name for r in recs] == [c.label for c in rungs]
    assert all(r.us_per_step > 0 and r.width == 64 for r in recs)
    ratios = ladder.successive_ratios(recs, [c.label for c in rungs] + ["absent"])
    assert len(ratios) == 3 and ratios[0][2] == 1.0
    assert ratios[1][2] == pytest.approx(recs[0].us_per_step / recs[1].us_per_step)
    assert ladder.find(recs, rungs[0].label, 64) is recs[0]
    with pytest.raises(KeyError):
        ladder.find(recs, rungs[0].label, 128)
    with pytest.raises(ValueError):
        ladder.measure_size(rungs, 64, handmade_life(), repeats=0)
    with pytest.raises(TypeError):
        ladder.measure_size(rungs, 64, "not a circuit")


def test_core_capacity_is_a_ratio_of_work():
    """The capacity is a finite positive ratio; its size is a timing, so it is not asserted.

    (A shared CI host once gave 0.14 here: two threads got a seventh of a core each.)
    """
    c = ladder.core_capacity(0.005, n=64, repeats=1)
    assert math.isfinite(c) and c > 0
    with pytest.raises(ValueError):
        ladder.core_capacity(0)
    with pytest.raises(ValueError):
        ladder.core_capacity(0.01, repeats=0)

"""The whole pipeline on a small network, and its on-disk memo."""

import pytest

from gatenet import pipeline, rules
from gatenet.ir.netlist import verify
from gatenet.learn.extract import extract

SMALL = (9, 48, 48, 24, 12, 6, 3, 1)
EASY = "B12345678/S012345678"  # alive if anything in the 3x3 block is alive


@pytest.fixture
def cache(tmp_path, monkeypatch):
    monkeypatch.setenv("GATENET_CACHE", str(tmp_path))
    return tmp_path


def test_learn_every_stage_exact_and_shrinking(cache):
    learned = pipeline.learn(EASY, seed=0, synthesize=False, sizes=SMALL, progress=False)
    table = rules.parse(EASY).table
    assert learned.stages[0].name == "raw network"
    assert len(learned.raw) == sum(SMALL[1:])
    for st in learned.stages:
        assert verify(st.circuit, table) == 0, st.name
    assert len(learned.circuit) <= min(len(s.circuit) for s in learned.stages)
    assert extract(learned.network, learned.params) == learned.raw


def test_learn_with_synthesis(cache):
    learned = pipeline.learn(EASY, seed=0, synthesize=True, synth_effort="default",
                             sizes=SMALL, progress=False)
    table = rules.parse(EASY).table
    abc = learned.stages[-1]
    assert abc.name.startswith("ABC")
    assert verify(abc.circuit, table) == 0
    assert learned.lut3 is not None and verify(learned.lut3, table) == 0


def test_memo_round_trip(cache):
    a = pipeline.learn_cached(EASY, seed=1, synthesize=False, sizes=SMALL, progress=False)
    b = pipeline.learn_cached(EASY, seed=1, synthesize=False, sizes=SMALL, progress=False)
    assert [s.circuit for s in a.stages] == [s.circuit for s in b.stages]
    assert (a.history.hard_errors == b.history.hard_errors).all()
    assert b.train_seconds == a.train_seconds  # loaded, not retrained
    # a damaged memo is recomputed rather than trusted
    for f in cache.rglob("stage0.json"):
        f.write_text("{broken")
    c = pipeline.learn_cached(EASY, seed=1, synthesize=False, sizes=SMALL, progress=False)
    assert c.raw == a.raw


def test_not_converged_is_an_error(cache):
    with pytest.raises(pipeline.NotConvergedError, match="patterns wrong"):
        pipeline.learn("B3/S23", seed=0, synthesize=False, sizes=SMALL, max_epochs=2,
                       progress=False)

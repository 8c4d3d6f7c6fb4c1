"""The whole pipeline on a small network, and its on-disk memo."""

import pytest

from gatenet import pipeline, rules
from gatenet.ir.netlist import verify
from gatenet.learn.extract import extract

SMALL = (9, 48, 48, 24, 12, 6, 3, 1)
EASY = "B12345678/S012345678"  # alive if anything in the 3x3 block is alive


@pytest.fixture(scope="module")
def learned():
    """One run of the whole pipeline, synthesis included, shared by the tests below."""
    return pipeline.learn(EASY, seed=0, synthesize=True, synth_effort="default", sizes=SMALL,
                          progress=False)


def test_learn_every_stage_exact_and_shrinking(learned):
    table = rules.parse(EASY).table
    assert learned.stages[0].name == "raw network"
    assert len(learned.raw) == sum(SMALL[1:])
    for st in learned.stages:
        assert verify(st.circuit, table) == 0, st.name
    sizes = [len(s.circuit) for s in learned.pass_stages]
    assert sizes == sorted(sizes, reverse=True), sizes  # no pass grows the circuit
    assert len(learned.after_passes) < len(learned.raw)
    assert len(learned.circuit) == min(len(s.circuit) for s in learned.stages)
    assert extract(learned.network, learned.params) == learned.raw


def test_learn_with_synthesis(learned):
    table = rules.parse(EASY).table
    abc = learned.stages[-1]
    assert abc.name == "ABC (default)" and learned.pass_stages == learned.stages[:-1]
    assert verify(abc.circuit, table) == 0
    assert abc.circuit.meta["synth"]["source_hash"] == learned.after_passes.content_hash()
    assert learned.lut3 is not None and verify(learned.lut3, table) == 0


def test_memo_round_trip(tmp_path, monkeypatch):
    # a cache of its own: the test damages the memo it wrote
    monkeypatch.setenv("GATENET_CACHE", str(tmp_path))
    a = pipeline.learn_cached(EASY, seed=1, synthesize=False, sizes=SMALL, progress=False)
    assert len(list(tmp_path.glob("learned/*/learned.json"))) == 1
    b = pipeline.learn_cached(EASY, seed=1, synthesize=False, sizes=SMALL, progress=False)
    assert [s.circuit for s in a.stages] == [s.circuit for s in b.stages]
    assert (a.history.hard_errors == b.history.hard_errors).all()
    assert b.train_seconds == a.train_seconds  # loaded, not retrained
    # a damaged memo is recomputed rather than trusted
    for f in tmp_path.rglob("stage0.json"):
        f.write_text("{broken")
    c = pipeline.learn_cached(EASY, seed=1, synthesize=False, sizes=SMALL, progress=False)
    assert c.raw == a.raw


def test_not_converged_is_an_error():
    with pytest.raises(pipeline.NotConvergedError, match="patterns wrong"):
        pipeline.learn("B3/S23", seed=0, synthesize=False, sizes=SMALL, max_epochs=2,
                       progress=False)

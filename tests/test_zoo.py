"""The rule-zoo helpers of the book: summaries, references, soups, and their figures."""

import matplotlib.pyplot as plt
import numpy as np
import pytest

from gatenet import rules
from gatenet.book import plots_zoo, zoo
from gatenet.ir.handmade import handmade_life
from gatenet.ir.netlist import verify


def test_the_zoo_is_distinct_parseable_and_has_every_kind_of_rule():
    assert {n for n, _ in zoo.zoo_rules()} <= {n for n, _ in zoo.ZOO}
    assert set(zoo.FAST_ZOO) <= {n for n, _ in zoo.ZOO}
    parsed = [rules.parse(r) for _, r in zoo.ZOO]
    assert len({p.map_string for p in parsed}) == len(parsed)
    assert sum(not rules.is_isotropic(p.table) for p in parsed) == 1  # the random MAP kernel
    assert sum(p.name.startswith("B") and any(c.isalpha() for c in p.name[1:].replace("S", ""))
               for p in parsed) == 2  # the two Hensel-notation rules
    assert zoo.random_map_rule() == zoo.random_map_rule()
    assert zoo.random_map_rule(1) != zoo.random_map_rule(2)


def _rec(rule, seed, status, gates=None, epochs=100, seconds=1.0):
    return {"rule": rule, "seed": seed, "status": status, "gates": gates, "epochs": epochs,
            "train_seconds": seconds, "lut3": None}


def test_summary_counts_seeds_and_keeps_the_smallest_exact_circuit():
    recs = [_rec("B3/S23", 0, "exact", 50, 800, 10.0), _rec("B3/S23", 1, "not exact"),
            _rec("B3/S23", 2, "exact", 44, 1200, 20.0), _rec("B1357/S1357", 0, "not exact")]
    life, rep = zoo.summarize(recs, {"B3/S23": "Life"})
    assert (life.name, life.seeds, life.exact) == ("Life", 3, 2)
    assert life.best["gates"] == 44 and life.epochs == 1000 and life.seconds == 15.0
    assert 0 < life.low < 2 / 3 < life.high <= 1
    assert rep.exact == 0 and rep.best is None and rep.epochs is None
    assert np.isclose(rep.degree[8], 1.0) and np.isclose(rep.mean_degree, 8.0)


def test_soup_is_the_reference_and_the_kernel_runs():
    life = handmade_life()
    got = zoo.soup(life, "B3/S23", 40, 7, seed=5)
    start = rules.random_board(40, 40, seed=5, density=0.35)
    assert np.array_equal(got, rules.step(start, "B3/S23", steps=7))
    with pytest.raises(AssertionError, match="disagree"):
        zoo.soup(life, "B36/S23", 40, 7, seed=5)  # the circuit is not HighLife
    assert zoo.kernel_ns_per_cell(life, size=64, repeats=1) > 0


def test_synthesis_beside_the_reference_from_the_function():
    life = handmade_life()
    gates, lut3 = zoo.reference("B3/S23", life, budget=3.0)
    assert verify(gates, rules.LIFE.table) == 0 and verify(lut3, rules.LIFE.table) == 0
    assert 10 <= len(lut3) <= len(gates) <= 60
    with pytest.raises(Exception, match="reference input"):
        zoo.reference("B36/S23", life, budget=3.0)
    (x,) = zoo.synthesise([("B3/S23", life)], budget=3.0)
    assert verify(x.gates, rules.LIFE.table) == 0 and verify(x.lut3, rules.LIFE.table) == 0
    # under a budget, -T (so the result) depends on the time left: sizes, not equality
    assert 10 <= x.ref_lut3 <= x.ref_gates <= 60 and len(x.lut3) <= len(x.gates) <= 60


def test_zoo_figures():
    b = [rules.random_board(20, 20, seed=s) for s in range(5)]
    fig = plots_zoo.soups(b, [f"rule {i}" for i in range(5)])
    assert len([ax for ax in fig.axes if ax.images]) == 5
    plt.close(fig)
    fig = plots_zoo.hardness(["a", "b"], [2.0, 8.0], [0.5, 0.0], [1.0, 0.0], [800.0, None])
    plt.close(fig)
    fig = plots_zoo.sizes([40, 60], [35, 70], ["x", "y"], [False, True])
    assert any(t.get_text() == "y" for t in fig.axes[0].texts)
    plt.close(fig)
    with pytest.raises(ValueError):
        plots_zoo.soups(b, ["one title"])


def test_learned_zoo_circuits_are_loaded_verified(tmp_path, monkeypatch):
    """A record's circuit file that does not compute its rule is refused on loading."""
    import json

    monkeypatch.setenv("GATENET_CACHE", str(tmp_path))
    folder = tmp_path / "zoo"
    folder.mkdir(exist_ok=True)
    (folder / "c.json").write_text(json.dumps(handmade_life().to_dict()))
    ok = zoo.load_circuit({"rule": "B3/S23", "circuit": "c.json"})
    assert verify(ok, rules.LIFE.table) == 0
    recs = [{"rule": "B3/S23", "seed": 0, "status": "exact", "circuit": "c.json"},
            {"rule": "B1357/S1357", "seed": 0, "status": "not exact"}]
    assert zoo.check_in_runtime(recs) == 1  # the C runtime against numpy, exact ones only
    with pytest.raises(Exception, match="zoo B36/S23"):
        zoo.load_circuit({"rule": "B36/S23", "circuit": "c.json"})

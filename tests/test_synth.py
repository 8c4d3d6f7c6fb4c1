"""Synthesis through Yosys/ABC: results are exact, not larger, cached, and failures explain.

Results go to the session's cache (tests/conftest.py), so a circuit synthesised with the
same script and options by several tests — here, in tests/test_fast_lut3.py or in a
chapter — runs Yosys once per run at most; the tests of the cache itself use their own.
"""

from __future__ import annotations

import inspect

import numpy as np
import pytest

from _circuits import random_circuit
from gatenet import gates, rules
from gatenet.ir.circuit import Circuit, Gate
from gatenet.ir.lut import Lut3Circuit
from gatenet.ir.netlist import assert_exact
from gatenet.synth.blif import blif_to_circuit
from gatenet.synth.flow import BEST_SCRIPTS, cache_dir, synthesize_gates, synthesize_lut3
from gatenet.synth.scripts import (
    GATE_SCRIPTS,
    LUT_SCRIPTS,
    REFERENCE_SCRIPTS,
    STRONG_ROUNDS,
    SynthOptions,
    abc_script,
    is_structural,
    script_commands,
)
from gatenet.synth.yosys import SynthesisError


def bloated(circuit: Circuit) -> Circuit:
    """The same function with redundant gates (double negations, duplicated logic)."""
    gl = list(circuit.gates)
    n = circuit.n_inputs
    out = circuit.outputs[0]
    for _ in range(3):
        gl.append(Gate(gates.NOT_A, out, out))
        gl.append(Gate(gates.NAND, n + len(gl) - 1, n + len(gl) - 1))
        out = n + len(gl) - 1
    return Circuit(n, tuple(gl), (out,))


@pytest.fixture
def private_cache(tmp_path, monkeypatch):
    """An empty cache of the test's own, for the tests of caching itself."""
    monkeypatch.setenv("GATENET_CACHE", str(tmp_path / "cache"))
    return tmp_path / "cache"


@pytest.fixture
def yosys_runs(monkeypatch) -> list[str]:
    """The command scripts of every Yosys run the test makes (cache hits make none)."""
    from gatenet.synth import flow

    runs: list[str] = []
    real = flow.run_yosys

    def counting(commands, workdir, timeout=600):
        runs.append(commands)
        return real(commands, workdir, timeout)

    monkeypatch.setattr(flow, "run_yosys", counting)
    return runs


#: The small "strong" budget every test of the strong and "best" scripts uses, so they
#: share cache entries.
BUDGET = {"iterations": 1, "patience": 10, "timeout": 5}


LIBRARY_OPS = {gates.AND, gates.OR, gates.XOR, gates.A_AND_NOT_B, gates.A_OR_NOT_B, gates.NOT_A}


def test_default_gates_exact_and_not_larger(life_circuit) -> None:
    c = bloated(life_circuit)
    r = synthesize_gates(c)
    assert isinstance(r, Circuit)
    assert_exact(r, rules.LIFE.table)
    assert len(r) <= len(life_circuit)
    assert {g.op for g in r.gates} <= LIBRARY_OPS
    assert r.meta["synth"]["source_gates"] == len(c)


def test_gate_library_is_respected(life_circuit) -> None:
    r = synthesize_gates(life_circuit, gates=("NAND",))
    assert_exact(r, rules.LIFE.table)
    assert {g.op for g in r.gates} <= {gates.NAND, gates.NOT_A}


def test_default_lut3_exact_and_small(life_circuit) -> None:
    c = life_circuit
    r = synthesize_lut3(c)
    assert isinstance(r, Lut3Circuit)
    assert np.array_equal(r.truth_table()[:, 0], rules.LIFE.table)
    assert len(r) < len(c)


def test_strong_scripts_small_budget(life_circuit) -> None:
    c = bloated(life_circuit)
    rg = synthesize_gates(c, "strong", **BUDGET)
    assert_exact(rg, rules.LIFE.table)
    info = rg.meta["synth"]
    assert len(info["rounds"]) == STRONG_ROUNDS
    assert len(rg) == min(info["candidates"])  # the smallest verified netlist wins
    rl = synthesize_lut3(c, "strong", **BUDGET)
    assert np.array_equal(rl.truth_table()[:, 0], rules.LIFE.table)


def test_strong_lut3_maps_the_strong_gate_netlist(yosys_runs, life_circuit) -> None:
    c = bloated(life_circuit)
    rg = synthesize_gates(c, "strong", **BUDGET)
    n = len(yosys_runs)
    rl = synthesize_lut3(c, "strong", **BUDGET)
    assert np.array_equal(rl.truth_table()[:, 0], rules.LIFE.table)
    meta = rl.meta["synth"]
    assert meta["via"] == "strong gates" and meta["via_gates"] == len(rg)
    assert meta["source_hash"] == c.content_hash() and meta["source_gates"] == len(c)
    # the expensive &deepsyn search is shared with the gate target: only LUT mappers ran
    assert all("&deepsyn" not in run for run in yosys_runs[n:])


def test_pipeline_scripts_never_start_from_the_function() -> None:
    """Synthesis starts from the learned circuit: no named script may collapse it."""
    from gatenet import pipeline

    for table in (GATE_SCRIPTS, LUT_SCRIPTS):
        for name, text in table.items():
            assert is_structural(text), name
            for cmd in ("collapse", "bdd", "&dsdb", "clp"):
                assert cmd not in script_commands(text), (name, cmd)
    assert set(BEST_SCRIPTS) <= set(GATE_SCRIPTS) & set(LUT_SCRIPTS)
    effort = inspect.signature(pipeline.shrink).parameters["synth_effort"].default
    for target in ("gates", "lut3"):
        text = abc_script(target, SynthOptions(effort))
        assert is_structural(text) and "collapse" not in text
    # the reference point is labelled, kept apart, and really is functional
    for target in ("gates", "lut3"):
        for name, text in REFERENCE_SCRIPTS[target].items():
            assert name == "from-function" and not is_structural(text)
            assert name not in GATE_SCRIPTS and name not in LUT_SCRIPTS


def test_is_structural_spots_functional_commands() -> None:
    assert script_commands("strash; &get -n; &deepsyn -I 2 -S 1; &put") == [
        "strash", "&get", "&deepsyn", "&put"]
    assert is_structural("strash; dch -f; map -a; mfs2 -a")
    assert not is_structural("strash; collapse; sop; fx; strash")
    assert not is_structural("strash;clp;strash")
    assert not is_structural("strash; &get -n; &dsdb; &put")


def test_from_function_reference_is_exact(life_circuit) -> None:
    c = life_circuit
    rg = synthesize_gates(c, "from-function", **BUDGET)
    assert_exact(rg, rules.LIFE.table)
    rl = synthesize_lut3(c, "from-function", **BUDGET)
    assert np.array_equal(rl.truth_table()[:, 0], rules.LIFE.table)


def test_random_function_exact() -> None:
    c = random_circuit(11, n_inputs=6, n_gates=40)
    r = synthesize_gates(c, "resyn2")
    assert np.array_equal(r.truth_table(), c.truth_table())
    rl = synthesize_lut3(c, "resyn2")
    assert np.array_equal(rl.truth_table(), c.truth_table())


def test_bad_script_raises_with_log(life_circuit) -> None:
    with pytest.raises(SynthesisError) as info:
        synthesize_gates(life_circuit, "strash; no_such_abc_command; map")
    assert info.value.log_tail  # the Yosys log says which step failed
    assert "ABC" in info.value.log_tail or "abc" in info.value.log_tail


def test_bad_options_raise_value_error(life_circuit) -> None:
    c = life_circuit
    with pytest.raises(ValueError, match="unknown synthesis script"):
        synthesize_gates(c, "fastest")
    with pytest.raises(ValueError, match="gate types"):
        synthesize_gates(c, gates=("AND", "MUX"))
    with pytest.raises(ValueError, match="iterations"):
        synthesize_lut3(c, "strong", iterations=0)
    with pytest.raises(TypeError):
        synthesize_gates(rules.LIFE.table)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="at least one output"):
        synthesize_gates(Circuit(2, (Gate(gates.AND, 0, 1),), ()))


def test_cache_hit_on_second_call(private_cache, yosys_runs, life_circuit) -> None:
    c = life_circuit
    first = synthesize_lut3(c, "resyn2")
    assert cache_dir() == private_cache / "synth" and len(yosys_runs) == 1
    assert len(list(cache_dir().glob("lut3-*.json"))) == 1
    second = synthesize_lut3(c, "resyn2")
    assert len(yosys_runs) == 1 and second == first and second.to_dict() == first.to_dict()
    g1 = synthesize_gates(c, "resyn2")
    assert len(yosys_runs) == 2
    assert synthesize_gates(c, "resyn2") == g1 and len(yosys_runs) == 2
    # a different script is a different entry
    synthesize_gates(c, "default")
    assert len(yosys_runs) == 3
    # and so is the same script without the cache: it runs, and writes nothing
    assert synthesize_gates(c, "resyn2", cache=False) == g1 and len(yosys_runs) == 4
    assert len(list(cache_dir().glob("*.json"))) == 3


def test_corrupt_cache_entry_is_recomputed(private_cache, yosys_runs, life_circuit) -> None:
    c = life_circuit
    first = synthesize_gates(c)
    (entry,) = cache_dir().glob("gates-*.json")
    entry.write_text("{ not json")
    r = synthesize_gates(c)
    assert len(yosys_runs) == 2  # not trusted: synthesised again
    assert_exact(r, rules.LIFE.table)
    assert r == first
    assert Circuit.load(entry) == first  # and the entry rewritten


def test_blif_reader_rejects_wide_covers() -> None:
    c = Circuit(3, (Gate(gates.AND, 0, 1),), (3,), input_names=("a", "b", "c"))
    text = ".model m\n.inputs a b c\n.outputs out\n.names a b c out\n111 1\n.end\n"
    with pytest.raises(SynthesisError, match="3-input cover"):
        blif_to_circuit(text, c)


def test_best_is_the_smallest_of_the_scripts(life_circuit) -> None:
    """The same circuit and budget as the strong tests: their &deepsyn results are reused."""
    c = bloated(life_circuit)
    for fn in (synthesize_gates, synthesize_lut3):
        r = fn(c, "best", **BUDGET)
        sizes = r.meta["best"]["sizes"]
        assert set(sizes) == set(BEST_SCRIPTS)
        assert len(r) == min(sizes.values())
        assert len(r) <= len(fn(c, "default", **BUDGET))
        assert np.array_equal(r.truth_table()[:, 0], rules.LIFE.table)


def test_strong_reports_its_stages_in_order(life_circuit) -> None:
    """Every Yosys run of the strong flow is announced before it runs (or said to be a cache
    hit): the searches, each round's finishing mappers after its search, then for LUTs the
    LUT mappings after the whole gate flow."""
    c = bloated(life_circuit)
    calls: list[str] = []
    rg = synthesize_gates(c, "strong", progress=calls.append, **BUDGET)
    assert len(calls) == len(rg.meta["synth"]["candidates"])  # one stage per netlist
    searches = [i for i, s in enumerate(calls) if " search (&deepsyn, 1 restart)" in s]
    assert len(searches) == STRONG_ROUNDS and searches[0] == 0
    for r, i in enumerate(searches, 1):
        assert calls[i].startswith(f"round {r}/{STRONG_ROUNDS} search")
        end = searches[r] if r < len(searches) else len(calls)
        assert all(s.startswith(f"round {r}/{STRONG_ROUNDS} finish ") for s in calls[i + 1:end])
    lut_calls: list[str] = []
    synthesize_lut3(c, "strong", progress=lut_calls.append, **BUDGET)
    n = len(calls)
    assert [s.removesuffix(" (cached)") for s in lut_calls[:n]] == [
        s.removesuffix(" (cached)") for s in calls]  # the same gate flow, from the cache
    assert lut_calls[n:] and all(s.startswith("LUT3 mapping ") for s in lut_calls[n:])
    one: list[str] = []
    synthesize_gates(c, "resyn2", progress=one.append)
    assert len(one) == 1 and one[0].startswith("resyn2 → two-input gates")


@pytest.mark.parametrize("budget", [0, -1, 0.0, float("nan"), float("inf"), "10", True])
def test_bad_budget_raises_value_error(life_circuit, budget) -> None:
    for fn in (synthesize_gates, synthesize_lut3):
        with pytest.raises(ValueError, match="budget"):
            fn(life_circuit, "strong", budget=budget)


def test_budget_caps_timeout_of_a_single_search_only(life_circuit) -> None:
    """Outside ``strong``, a budget lowers ``-T`` only of a script that has one; the others
    keep their options (and so their cache entries)."""
    from gatenet.synth.flow import _Deadline

    deadline = _Deadline(10.0)
    assert deadline.timeout("gates", SynthOptions("deepsyn", iterations=4)) == 2
    assert deadline.timeout("gates", SynthOptions("timed")) in (9, 10)  # -T is its total
    assert deadline.timeout("gates", SynthOptions("resyn2")) == 30
    assert _Deadline(None).timeout("gates", SynthOptions("deepsyn", iterations=4)) == 30
    assert _Deadline(1000.0).timeout("lut3", SynthOptions("deepsyn")) == 30  # never raised
    r = synthesize_gates(life_circuit, "resyn2", budget=5)
    assert r.meta["synth"]["options"]["timeout"] == 30


def test_synthesize_strong_is_the_two_strong_calls(life_circuit) -> None:
    """Without a budget, the pipeline's one call gives what the two calls give (and shares
    their cache entries)."""
    from gatenet.synth.flow import synthesize_strong

    c = bloated(life_circuit)
    g, lut = synthesize_strong(c, **BUDGET)
    g2, lut2 = synthesize_gates(c, "strong", **BUDGET), synthesize_lut3(c, "strong", **BUDGET)
    assert g == g2 and g.meta["synth"] == g2.meta["synth"]
    assert lut == lut2 and lut.meta["synth"] == lut2.meta["synth"]
    assert "budget" not in g.meta["synth"] and "budget_stopped" not in g.meta["run"]["synth"]

"""The pair level found by decomposition (gatenet.synth.pairing), and the batched synthesis
it ranks codes with: charts, classes, codes, the circuits built from tables, and every
paired circuit checked in both of its readings against the rule."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gatenet import rules
from gatenet.ir.circuit import Circuit
from gatenet.ir.handmade import handmade_paired_life, handmade_separable_life
from gatenet.ir.names import NEIGHBOURHOOD
from gatenet.ir.separable import SeparableCircuit
from gatenet.synth import synthesize_gates
from gatenet.synth.flow import synthesize_batch
from gatenet.synth.pairing import (
    RANK_SCRIPT,
    PairingError,
    circuit_from_tables,
    encodings,
    find_pair_level,
    pair_chart,
    split,
)

LIFE = rules.LIFE


@pytest.fixture(scope="module")
def hand_chart():
    return pair_chart(handmade_separable_life())


def test_life_with_full_adder_rows_has_six_classes(hand_chart) -> None:
    # the pair's count 0..4 and "5 or more" — except that 0 and 6 may share a code: a pair
    # of empty rows never has a live centre and a full pair always has, so their columns
    # never disagree
    assert len(hand_chart.classes) == 6 and hand_chart.bits == 3
    members = sorted(v for c in hand_chart.classes for v in c)
    assert members == list(range(16))  # every pair of full-adder codes occurs


def test_classes_are_minimal_and_consistent(hand_chart) -> None:
    cols = hand_chart.columns
    for cls in hand_chart.classes:
        merged: dict = {}
        for v in cls:
            for key, y in cols[v].items():
                assert merged.setdefault(key, y) == y  # members agree wherever both are defined
    # one representative of each class disagrees with every other class somewhere
    reps = [c[0] for c in hand_chart.classes]
    clashes = sum(any(cols[a].get(key, y) != y for key, y in cols[b].items())
                  for i, a in enumerate(reps) for b in reps[i + 1:])
    assert clashes >= math.comb(len(reps), 2) - 3  # not a tighter colouring than exists


def test_a_rule_that_tells_rows_apart_has_no_pair_level() -> None:
    north = Circuit(9, (), (NEIGHBOURHOOD.index("N"),), NEIGHBOURHOOD, ("next",))
    with pytest.raises(PairingError, match="tells rows apart"):
        pair_chart(SeparableCircuit.trivial(north))


def test_a_paired_circuit_is_not_paired_again() -> None:
    with pytest.raises(PairingError, match="already has a pair level"):
        pair_chart(handmade_paired_life())
    with pytest.raises(TypeError, match="SeparableCircuit"):
        pair_chart("life")


@pytest.mark.parametrize(("n", "bits", "count"), [(2, 1, 1), (3, 2, 3), (4, 2, 3), (6, 3, 420)])
def test_codes_are_listed_once_per_orbit(n: int, bits: int, count: int) -> None:
    codes = encodings(n, bits)
    assert len(codes) == count and len(set(codes)) == count
    assert codes[0] == tuple(range(n))  # the natural binary code's orbit first
    assert all(len(set(c)) == n and max(c) < 1 << bits for c in codes)


def test_codes_refuse_what_does_not_fit() -> None:
    with pytest.raises(ValueError, match="do not fit"):
        encodings(5, 2)


@settings(max_examples=40)
@given(st.integers(1, 5).flatmap(lambda n: st.tuples(
    st.just(n), st.lists(st.lists(st.integers(0, 1), min_size=1 << n, max_size=1 << n),
                         min_size=1, max_size=3))))
def test_circuit_from_tables_computes_the_tables(case) -> None:
    n, tables = case
    c = circuit_from_tables(n, tables, tuple(f"x{i}" for i in range(n)),
                            tuple(f"y{j}" for j in range(len(tables))))
    assert np.array_equal(c.truth_table(), np.array(tables, dtype=np.uint8).T)


def test_circuit_from_tables_rejects_a_table_of_the_wrong_size() -> None:
    with pytest.raises(ValueError, match="8 entries"):
        circuit_from_tables(3, [[0, 1]], ("a", "b", "c"), ("y",))


@settings(max_examples=25)
@given(st.integers(0, 419))
def test_every_code_splits_life_exactly(i: int) -> None:
    sep = handmade_separable_life()
    chart = pair_chart(sep)
    pair, finish = split(sep, chart, encodings(6, 3)[i])
    paired = SeparableCircuit(sep.row, finish, {}, pair)
    assert paired.wrong(LIFE.table) == 0  # both readings, all 512 neighbourhoods


def test_a_learned_looking_row_code_splits_too() -> None:
    # the row features in another order (h, l rather than l, h): the chart is the same
    # up to renaming, and the split is still Life in both readings
    sep = handmade_separable_life()
    row = Circuit(3, sep.row.gates, sep.row.outputs[::-1], sep.row.input_names,
                  sep.row.output_names[::-1])
    comb = sep.combine
    perm = [1, 0, 3, 2, 5, 4, 6]  # the combine circuit reads the swapped features
    swapped = Circuit(7, comb.gates, comb.outputs, comb.input_names, comb.output_names)
    swapped = _rewire_inputs(swapped, perm)
    other = SeparableCircuit(row, swapped, {})
    assert other.computes(LIFE.table)
    chart = pair_chart(other)
    assert len(chart.classes) == 6
    pair, finish = split(other, chart, encodings(6, 3)[7])
    assert SeparableCircuit(row, finish, {}, pair).computes(LIFE.table)


def _rewire_inputs(c: Circuit, perm: list[int]) -> Circuit:
    """``c`` reading input ``perm[i]`` where it read input ``i``."""
    from gatenet.ir.circuit import Gate

    def node(x: int) -> int:
        return perm[x] if x < c.n_inputs else x

    return Circuit(c.n_inputs, tuple(Gate(g.op, node(g.a), node(g.b)) for g in c.gates),
                   tuple(node(o) for o in c.outputs), c.input_names, c.output_names)


def test_batched_synthesis_is_exact_and_ranks_as_single_runs_do() -> None:
    sep = handmade_separable_life()
    chart = pair_chart(sep)
    circuits = [split(sep, chart, codes)[1] for codes in encodings(6, 3)[:4]]
    batch = synthesize_batch(circuits, "gates", RANK_SCRIPT, cache=False)
    for c, b in zip(circuits, batch, strict=True):
        assert np.array_equal(b.truth_table(), c.truth_table())
        # the ranking script keeps no state between circuits: a batch sizes each as alone
        assert len(b) == len(synthesize_gates(c, RANK_SCRIPT, cache=False))
    other = synthesize_batch(circuits, "gates", "default", cache=False)
    assert all(np.array_equal(b.truth_table(), c.truth_table())
               for b, c in zip(other, circuits, strict=True))
    luts = synthesize_batch(batch, "lut3", "default", cache=False)
    assert all(np.array_equal(lu.truth_table(), c.truth_table())
               for lu, c in zip(luts, circuits, strict=True))
    assert synthesize_batch([], "gates") == []
    with pytest.raises(ValueError, match="multi-run"):
        synthesize_batch(circuits, "gates", "strong")
    with pytest.raises(ValueError, match="target"):
        synthesize_batch(circuits, "luts")


def test_find_pair_level_gives_exact_paired_forms() -> None:
    sep = handmade_separable_life()
    from gatenet.synth.flow import synthesize_strong

    row_g, row_l = synthesize_strong(sep.row, budget=5)
    sep = SeparableCircuit(row_g, sep.combine, {})
    level = find_pair_level(sep, LIFE.table, row_lut3=row_l, max_encodings=4, finalists=1,
                            budget=5)
    assert level.tried == 4 and len(level.ranked) == 4
    for form, lut in ((level.gates, level.gates_lut3), (level.luts, level.luts_lut3)):
        assert form.pair is not None and form.computes(LIFE.table)
        lut.check(form)  # every LUT part computes its gate part
    assert level.gates.ops_per_cell_word() <= level.luts.ops_per_cell_word()
    assert level.luts_lut3.ops_per_cell_word() <= level.gates_lut3.ops_per_cell_word()


def test_a_paired_form_survives_the_memo_and_a_wrong_one_is_refused() -> None:
    from gatenet import pipeline
    from gatenet.ir.separable import SeparableLut3
    from gatenet.synth import synthesize_lut3

    hand = handmade_paired_life()
    lut = SeparableLut3(*(synthesize_lut3(p, "default") for p in (hand.row, hand.combine,
                                                                  hand.pair)))
    d = pipeline._paired_to_dict((hand, lut))
    back, back_lut = pipeline._paired_from_dict(d, LIFE)
    assert back == hand and back_lut == lut
    assert pipeline._paired_from_dict(None, LIFE) is None
    with pytest.raises(ValueError, match="not the rule"):
        pipeline._paired_from_dict(d, rules.parse("B36/S23"))
    d["lut3"]["combine"], d["lut3"]["pair"] = d["lut3"]["pair"], d["lut3"]["combine"]
    with pytest.raises(ValueError):
        pipeline._paired_from_dict(d, LIFE)

"""The pair level found by decomposition (gatenet.synth.pairing), and the batched synthesis
it ranks codes with: charts, classes, codes, the circuits built from tables, and every
paired circuit checked in both of its readings against the rule."""

from __future__ import annotations

import itertools

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
    _agree,
    _colour,
    circuit_from_tables,
    class_counts,
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
    # the pair's count 0, 1, 2, 3, 4 and "5 or 6": nothing beyond five can lead to a birth
    # or a survival. (Six would fit beside 0 too — an empty pair never has a live centre, a
    # full one always has — but it shares more answers with 5, and is settled there.)
    assert len(hand_chart.classes) == 6 and hand_chart.bits == 3
    members = sorted(v for c in hand_chart.classes for v in c)
    assert members == list(range(16))  # every pair of full-adder codes occurs
    six = next(c for c in hand_chart.classes if 15 in c)  # codes l + 2h: 3 | 3 << 2
    assert 11 in six and 0 not in six  # beside 3 + 2 = 5, not beside 0
    counts = class_counts(handmade_separable_life(), hand_chart)
    assert sorted(counts) == [[0], [1], [2], [3], [4], [5, 6]]


def test_classes_are_consistent_and_as_few_as_possible(hand_chart) -> None:
    cols = hand_chart.columns
    for cls in hand_chart.classes:
        for i, a in enumerate(cls):  # members agree pairwise wherever both are defined
            assert all(_agree(cols[a], cols[b]) for b in cls[i + 1:])
    # fewer classes cannot exist: some six columns disagree pairwise (a clique of the
    # graph of disagreeing columns needs six colours)
    nodes = sorted(cols)
    assert any(all(not _agree(cols[a], cols[b]) for a, b in itertools.combinations(six, 2))
               for six in itertools.combinations(nodes, len(hand_chart.classes)))


@settings(max_examples=30)
@given(st.lists(st.dictionaries(st.tuples(st.integers(0, 2), st.integers(0, 1)),
                                st.integers(0, 1), max_size=4), min_size=1, max_size=6))
def test_colouring_is_valid_and_minimal_on_any_chart(cols_list) -> None:
    columns = dict(enumerate(cols_list))
    nodes = sorted(columns)
    classes = _colour(nodes, columns)
    assert sorted(v for c in classes for v in c) == nodes
    for c in classes:
        assert all(_agree(columns[a], columns[b]) for a, b in itertools.combinations(c, 2))
    # brute force: no assignment into fewer classes is valid
    for n in range(1, len(classes)):
        for colours in itertools.product(range(n), repeat=len(nodes)):
            groups = [[v for v, k in zip(nodes, colours, strict=True) if k == j]
                      for j in range(n)]
            assert not all(_agree(columns[a], columns[b]) for g in groups
                           for a, b in itertools.combinations(g, 2))


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
                         min_size=1, max_size=3))), st.booleans())
def test_circuit_from_tables_computes_the_tables(case, reverse: bool) -> None:
    n, tables = case
    c = circuit_from_tables(n, tables, tuple(f"x{i}" for i in range(n)),
                            tuple(f"y{j}" for j in range(len(tables))), reverse)
    assert np.array_equal(c.truth_table(), np.array(tables, dtype=np.uint8).T)


def test_circuit_from_tables_rejects_a_table_of_the_wrong_size() -> None:
    with pytest.raises(ValueError, match="8 entries"):
        circuit_from_tables(3, [[0, 1]], ("a", "b", "c"), ("y",))


@settings(max_examples=25)
@given(st.integers(0, 419), st.booleans())
def test_every_code_splits_life_exactly(i: int, reverse: bool) -> None:
    sep = handmade_separable_life()
    chart = pair_chart(sep)
    pair, finish = split(sep, chart, encodings(6, 3)[i], reverse)
    paired = SeparableCircuit(sep.row, finish, {}, pair)
    assert paired.wrong(LIFE.table) == 0  # both readings, all 512 neighbourhoods


def test_split_refuses_codes_that_do_not_name_the_classes(hand_chart) -> None:
    sep = handmade_separable_life()
    for bad in [(0, 1, 2), (0, 1, 2, 3, 4, 4), (0, 1, 2, 3, 4, 8)]:
        with pytest.raises(ValueError, match="distinct codes"):
            split(sep, hand_chart, bad)


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
    batch = synthesize_batch(circuits, "gates", RANK_SCRIPT)
    for c, b in zip(circuits, batch, strict=True):
        assert np.array_equal(b.truth_table(), c.truth_table())
        # the ranking script keeps no state between circuits: a batch sizes each as alone
        assert len(b) == len(synthesize_gates(c, RANK_SCRIPT, cache=False))
    other = synthesize_batch(circuits, "gates", "default")
    assert all(np.array_equal(b.truth_table(), c.truth_table())
               for b, c in zip(other, circuits, strict=True))
    luts = synthesize_batch(batch, "lut3", "default")
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
    assert [r[:2] for r in level.ranked] == sorted(r[:2] for r in level.ranked)
    for form, lut in ((level.gates, level.gates_lut3), (level.luts, level.luts_lut3)):
        assert form.pair is not None and form.p == 3 and form.computes(LIFE.table)
        lut.check(form)  # every LUT part computes its gate part
        assert tuple(form.meta["pair_codes"]) in {r[2] for r in level.ranked}
    # the finalists' record is what was chosen from
    assert min(f["gates"] for f in level.finalists) == level.gates.ops_per_cell_word()
    assert min(f["luts"] for f in level.finalists) == level.luts_lut3.ops_per_cell_word()


def test_the_pipeline_records_why_there_is_no_pair_level() -> None:
    from types import SimpleNamespace

    from gatenet import pipeline

    north = Circuit(9, (), (NEIGHBOURHOOD.index("N"),), NEIGHBOURHOOD, ("next",))
    out = SimpleNamespace(synthesized=SeparableCircuit.trivial(north), row_lut3=None,
                          pairing={}, paired=None, paired_luts=None)
    pipeline._pair(out, rules.parse("B3/S23"), None, None, None)
    assert out.paired is None and "tells rows apart" in out.pairing["none"]


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

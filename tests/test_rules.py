"""Rule parsing, MAP strings and the numpy reference simulator."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gatenet import rules

LIFE_MAP = (
    "MAPARYXfhZofugWaH7oaIDogBZofuhogOiAaIDogIAAgAAWaH7oaIDogGiA6ICAAIAAaIDogIAAgACAAIAAAAAAAA"
)


def test_life_map_test_vector():
    assert rules.LIFE.map_string == LIFE_MAP
    assert rules.parse(LIFE_MAP) == rules.LIFE
    assert rules.parse(LIFE_MAP + "==") == rules.LIFE


def test_life_table_by_hand():
    t = rules.LIFE.table
    # A dead centre with exactly three live neighbours (NW, N, NE) is born.
    assert t[0b111_000_000] == 1
    # A live centre alone dies; with two neighbours it survives.
    assert t[0b000_010_000] == 0
    assert t[0b110_010_000] == 1
    # Four neighbours kill.
    assert t[0b111_110_000] == 0
    assert t.sum() == 140  # C(8,3) births + C(8,2)+C(8,3) survivals = 56 + 28 + 56


@pytest.mark.parametrize(
    "text, name",
    [("B3/S23", "B3/S23"), ("b36/s23", "B36/S23"), ("B2/S", "B2/S"), ("23/3", "B3/S23"),
     ("  B3/S23 ", "B3/S23"), ("B/S012345678", "B/S012345678")],
)
def test_parse_forms(text, name):
    r = rules.parse(text)
    assert r.name == name
    assert rules.parse(r.map_string) == r


def test_highlife_differs_only_in_birth_on_six():
    diff = rules.parse("B36/S23").table != rules.LIFE.table
    idx = np.flatnonzero(diff)
    assert len(idx) == 28  # C(8,6) patterns with a dead centre
    assert (rules.neighbour_counts()[idx] == 6).all()
    assert (rules.centers()[idx] == 0).all()


@pytest.mark.parametrize(
    "text, message",
    [
        ("B9/S23", "neighbour count 9 out of range 0-8"),
        ("B3/S2x", "contains 'x'"),
        ("B3/S2²", "contains '²', expected ASCII digits 0-8"),  # str.isdigit() says yes
        ("B３/S２３", "contains '３', expected ASCII digits 0-8"),
        ("Ｂ３/Ｓ２３", "ASCII digits 0-8"),
        ("２３/３", "ASCII digits 0-8"),
        ("", "empty"),
        ("B3S23", "cannot parse"),
        ("MAP", "no base64"),
        ("MAP" + "A" * 85, "85 base64 characters"),
        ("MAP" + "!" * 86, "invalid base64"),
        ("MAPARYXfhZofugWaH7oaIDogBZofuhogOiAaIDogIAAgAAWaH7oaIDogGiA6ICAAIAAaIDogIAAgACAAIAAAAAAAAAAAA",
         "expected 86"),
    ],
)
def test_bad_rules(text, message):
    with pytest.raises(ValueError, match=message):
        rules.parse(text)


def test_parse_rejects_non_strings():
    with pytest.raises(TypeError):
        rules.parse(23)  # type: ignore[arg-type]


@given(st.lists(st.integers(0, 1), min_size=512, max_size=512))
def test_map_round_trip(bits):
    t = np.array(bits, dtype=np.uint8)
    assert np.array_equal(rules.from_map(rules.to_map(t)), t)


def _place(shape, cells, at=(0, 0)):
    b = np.zeros(shape, dtype=np.uint8)
    for y, x in cells:
        b[(y + at[0]) % shape[0], (x + at[1]) % shape[1]] = 1
    return b


def test_blinker_period_two():
    b = _place((5, 5), [(2, 1), (2, 2), (2, 3)])
    one = rules.step(b)
    assert not np.array_equal(one, b)
    assert np.array_equal(one, _place((5, 5), [(1, 2), (2, 2), (3, 2)]))
    assert np.array_equal(rules.step(b, steps=2), b)


def test_glider_moves_one_diagonal_in_four():
    g = _place((8, 10), [(0, 1), (1, 2), (2, 0), (2, 1), (2, 2)], at=(3, 4))
    assert np.array_equal(rules.step(g, "B3/S23", 4), np.roll(g, (1, 1), axis=(0, 1)))


def test_glider_wraps_around_the_torus():
    g = _place((6, 6), [(0, 1), (1, 2), (2, 0), (2, 1), (2, 2)])
    assert np.array_equal(rules.step(g, steps=24), g)  # 6 diagonal cells in 24 generations


def test_block_is_still():
    b = _place((4, 4), [(1, 1), (1, 2), (2, 1), (2, 2)])
    assert np.array_equal(rules.step(b, steps=7), b)


@settings(max_examples=40, deadline=None)
@given(st.integers(1, 7), st.integers(1, 7), st.integers(0, 2**32 - 1))
def test_reference_matches_direct_neighbour_count(h, w, seed):
    b = np.random.default_rng(seed).integers(0, 2, size=(h, w)).astype(np.uint8)
    n = np.zeros((h, w), dtype=int)
    for dy in (-1, 0, 1):
        for dx in (-1, 0, 1):
            if dy or dx:
                n += np.roll(b, (dy, dx), axis=(0, 1))
    want = ((n == 3) | ((n == 2) & (b == 1))).astype(np.uint8)
    assert np.array_equal(rules.step(b), want)


def test_step_bad_input():
    with pytest.raises(ValueError, match="2-D"):
        rules.step(np.zeros(5, dtype=np.uint8))
    with pytest.raises(ValueError, match="≥ 1"):
        rules.step(np.zeros((0, 3), dtype=np.uint8))
    with pytest.raises(ValueError, match="only 0 and 1"):
        rules.step(np.full((2, 2), 2, dtype=np.uint8))
    with pytest.raises(TypeError, match="dtype"):
        rules.step(np.zeros((2, 2), dtype=np.float32))
    with pytest.raises(ValueError, match="non-negative"):
        rules.step(np.zeros((2, 2), dtype=np.uint8), steps=-1)


# -- Fourier weight by degree --------------------------------------------------------------


def test_degree_weights_of_known_functions():
    from gatenet.rules import degree_weights, parse

    parity8 = degree_weights(parse("B1357/S1357").table)  # parity of the eight neighbours
    assert np.isclose(parity8[8], 1.0) and np.isclose(parity8.sum(), 1.0)
    assert np.isclose(degree_weights(np.zeros(512, np.uint8))[0], 1.0)
    one_cell = (np.arange(512) >> 4) & 1  # the output is one cell: all weight at degree 1
    assert np.isclose(degree_weights(one_cell.astype(np.uint8))[1], 1.0)
    with pytest.raises(rules.RuleError):
        degree_weights(np.full(512, 2))


@settings(max_examples=50, deadline=None)
@given(st.binary(min_size=64, max_size=64))
def test_degree_weights_sum_to_one(bits):
    from gatenet.rules import degree_weights

    table = np.unpackbits(np.frombuffer(bits, np.uint8))
    w = degree_weights(table)
    assert w.shape == (10,) and (w >= 0).all() and np.isclose(w.sum(), 1.0)
    assert np.allclose(degree_weights(1 - table), w)  # complementing flips the sign only

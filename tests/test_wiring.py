"""Wiring schemes: shapes, coverage, and no self-pairs."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from gatenet.learn import wiring

sizes = st.integers(1, 300)


@given(sizes, sizes, st.sampled_from(["random", "tree", "unique", "expand", "auto"]),
       st.integers(0, 2**31))
def test_shapes_range_and_no_self_pairs(n_in, n_out, scheme, seed):
    a, b = wiring.make(scheme, n_in, n_out, np.random.default_rng(seed))
    assert a.shape == b.shape == (n_out,)
    assert a.min() >= 0 and b.min() >= 0 and a.max() < n_in and b.max() < n_in
    if n_in > 1:
        assert (a != b).all()


@given(st.integers(2, 300).flatmap(lambda n: st.tuples(st.just(n), st.integers((n + 1) // 2, n))),
       st.integers(0, 2**31))
def test_unique_reads_every_input_when_n_le_m_le_2n(sizes_, seed):
    n_in, n_out = sizes_
    w = wiring.unique(n_in, n_out, np.random.default_rng(seed))
    assert wiring.coverage(w, n_in) == 1.0


@given(st.integers(2, 12), st.integers(1, 200), st.integers(0, 2**31))
def test_expand_uses_every_pair_once_per_round(n_in, n_out, seed):
    a, b = wiring.expand(n_in, n_out, np.random.default_rng(seed))
    pairs = list(zip(a.tolist(), b.tolist(), strict=True))
    n_pairs = n_in * (n_in - 1) // 2
    first = pairs[: min(n_out, n_pairs)]
    assert len(set(first)) == len(first)
    if n_out >= n_pairs:
        assert {tuple(sorted(p)) for p in first} == {
            (i, j) for i in range(n_in) for j in range(i + 1, n_in)
        }


def test_tree_is_pairs():
    a, b = wiring.tree(8, 4)
    assert a.tolist() == [0, 2, 4, 6] and b.tolist() == [1, 3, 5, 7]


def test_random_can_lose_inputs_unique_cannot():
    rng = np.random.default_rng(0)
    lost = [wiring.coverage(wiring.random_pairs(128, 64, rng), 128) < 1 for _ in range(20)]
    assert any(lost)


def test_single_input_layer_reads_it_twice():
    a, b = wiring.unique(1, 3, np.random.default_rng(0))
    assert a.tolist() == b.tolist() == [0, 0, 0]


def test_bad_arguments():
    with pytest.raises(ValueError, match="unknown wiring scheme"):
        wiring.make("spiral", 4, 4, np.random.default_rng(0))
    with pytest.raises(ValueError, match="n_out"):
        wiring.unique(4, 0, np.random.default_rng(0))

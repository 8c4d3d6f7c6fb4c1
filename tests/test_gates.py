"""The sixteen gates: truth tables, relaxations, swaps and rendered expressions agree."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from gatenet import gates

OPS = range(gates.N_GATES)
BITS = list(itertools.product((0, 1), repeat=2))


def test_order_matches_the_writeup() -> None:
    assert gates.NAMES[gates.AND] == "AND" and gates.AND == 1
    assert gates.NAMES.index("XOR") == 6 and gates.NAMES.index("TRUE") == 15
    for op in OPS:  # gate i outputs bit 3 - (2a + b) of i
        for a, b in BITS:
            assert gates.TRUTH[op, a, b] == (op >> (3 - (2 * a + b))) & 1


@pytest.mark.parametrize("op", OPS)
def test_relaxations_equal_truth_tables_on_bits(op: int) -> None:
    for a, b in BITS:
        t = int(gates.TRUTH[op, a, b])
        assert gates.relax(op, float(a), float(b)) == t
        c0, c1, c2, c3 = gates.COEFFS[op]
        assert c0 + c1 * a + c2 * b + c3 * a * b == t
    a = np.array([0.0, 0.0, 1.0, 1.0])
    b = np.array([0.0, 1.0, 0.0, 1.0])
    assert np.array_equal(gates.relax_all(a, b)[op], gates.TRUTH[op].ravel())


@given(st.floats(0, 1), st.floats(0, 1))
def test_relax_all_matches_relax(a: float, b: float) -> None:
    every = gates.relax_all(np.float64(a), np.float64(b))
    assert every.shape == (16,)
    for op in OPS:
        assert every[op] == pytest.approx(gates.relax(op, a, b), abs=1e-6)
        assert -1e-9 <= every[op] <= 1 + 1e-9  # a probability stays one


@pytest.mark.parametrize("op", OPS)
def test_swap_inputs(op: int) -> None:
    s = gates.swap_inputs(op)
    for a, b in BITS:
        assert gates.truth(s, b, a) == gates.truth(op, a, b)
    assert gates.swap_inputs(s) == op
    assert (s == op) == (op in gates.COMMUTATIVE)


@pytest.mark.parametrize("op", OPS)
def test_expr_is_valid_python_for_the_truth_table(op: int) -> None:
    text = gates.expr(op, "a", "b")
    for a, b in BITS:
        assert eval(text, {}, {"a": a, "b": b}) & 1 == gates.truth(op, a, b), text
    # Bit-parallel: all four cases at once, packed so that case (a, b) sits at bit
    # 3 - (2a + b), the bit of op that holds it — the result is op itself.
    assert eval(text, {}, {"a": 0b0011, "b": 0b0101}) & 0b1111 == op


@pytest.mark.parametrize("op", OPS)
def test_apply_bits_and_depends_on(op: int) -> None:
    assert gates.apply_bits(op, 0b0011, 0b0101, 0b1111) == op
    da, db = gates.depends_on(op)
    assert da == any(gates.truth(op, 0, b) != gates.truth(op, 1, b) for b in (0, 1))
    assert db == any(gates.truth(op, a, 0) != gates.truth(op, a, 1) for a in (0, 1))
    assert (not da and not db) == (op in gates.CONSTANT)
    t = gates.TRUTH[op]
    assert gates.from_truth(*(int(x) for x in t.ravel())) == op


@pytest.mark.parametrize("bad", [-1, 16, 2.5, "AND", None])
def test_bad_ops_are_rejected(bad) -> None:
    with pytest.raises(ValueError, match="gate op"):
        gates.truth(bad, 0, 0)
    with pytest.raises(ValueError, match="gate op"):
        gates.expr(bad, "a", "b")

"""Board: validation (bad input is an exception, never a crash) and lifetime."""

from __future__ import annotations

import gc

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from _circuits import table_circuit
from gatenet import rules
from gatenet.runtime.board import Board, WriteupBoard

LIFE = table_circuit(rules.LIFE.table)
HIGHLIFE = table_circuit(rules.parse("B36/S23").table)


def test_basic_properties() -> None:
    b = Board.random(70, 30, seed=2, density=0.25, circuit=LIFE)
    assert (b.width, b.height, b.shape) == (70, 30, (30, 70))
    assert b.rule == "B3/S23" and Board(3, 3, HIGHLIFE).rule == "B36/S23"
    a = b.to_array()
    assert a.dtype == np.uint8 and a.shape == (30, 70) and set(np.unique(a)) <= {0, 1}
    assert b.population == a.sum()
    assert "30×70" in repr(b) and "B3/S23" in repr(b)
    assert b.step(0) is b and np.array_equal(b.to_array(), a)
    assert Board(5, 4, LIFE).population == 0


@pytest.mark.parametrize(
    "arr",
    [np.array([[True, False], [False, True]]), np.array([[0, 1], [1, 1]], dtype=np.int64),
     np.asfortranarray(np.eye(5, 7, dtype=np.int32)), np.eye(8, dtype=np.uint8)[::2, ::3]],
    ids=["bool", "int64", "fortran", "strided"],
)
def test_from_array_accepts_integer_and_bool_layouts(arr) -> None:
    b = Board.from_array(arr, LIFE)
    assert np.array_equal(b.to_array(), np.asarray(arr).astype(np.uint8))
    assert np.array_equal(b.step(3).to_array(), rules.step(arr, rules.LIFE, 3))


def test_from_array_copies() -> None:
    a = np.eye(6, dtype=np.uint8)
    b = Board.from_array(a, LIFE)
    a[:] = 1
    assert b.population == 6


@pytest.mark.parametrize(
    "arr,exc,msg",
    [
        (np.zeros((4, 4), dtype=np.float64), TypeError, "dtype"),
        (np.zeros((4, 4), dtype=np.float32), TypeError, "dtype"),
        (np.zeros(5, dtype=np.uint8), ValueError, "2-D"),
        (np.zeros((2, 2, 2), dtype=np.uint8), ValueError, "2-D"),
        (np.zeros((0, 5), dtype=np.uint8), ValueError, "≥ 1"),
        (np.zeros((5, 0), dtype=np.uint8), ValueError, "≥ 1"),
        (np.array([[0, 2]]), ValueError, "0 and 1"),
        (np.array([[0, -1]]), ValueError, "0 and 1"),
        ([["a", "b"]], TypeError, "dtype"),
    ],
)
def test_from_array_rejects(arr, exc, msg) -> None:
    with pytest.raises(exc, match=msg):
        Board.from_array(arr, LIFE)


@pytest.mark.parametrize(
    "kwargs,exc,msg",
    [
        ({"density": 1.5}, ValueError, "density"),
        ({"density": -0.1}, ValueError, "density"),
        ({"density": float("nan")}, ValueError, "density"),
        ({"density": "0.5"}, TypeError, "density"),
        ({"seed": -1}, ValueError, "seed"),
        ({"seed": 2**64}, ValueError, "seed"),
        ({"seed": 1.5}, TypeError, "seed"),
        ({"width": 0}, ValueError, "width"),
        ({"height": -3}, ValueError, "height"),
        ({"width": 2.0}, TypeError, "width"),
        ({"width": 2**40, "height": 2**40}, ValueError, "too large"),
    ],
)
def test_random_rejects(kwargs, exc, msg) -> None:
    args = {"width": 8, "height": 8, "seed": 1, "density": 0.5, "circuit": LIFE, **kwargs}
    with pytest.raises(exc, match=msg):
        Board.random(**args)


def test_default_circuit_is_life() -> None:
    b = Board.random(37, 21, seed=4)
    start = b.to_array()
    assert b.rule == "B3/S23"
    assert np.array_equal(b.step(9).to_array(), rules.step(start, "B3/S23", 9))


@pytest.mark.parametrize("n,exc", [(-1, ValueError), (1.0, TypeError), ("3", TypeError),
                                   (True, TypeError), (2**64, ValueError), (None, TypeError)])
def test_step_rejects(n, exc) -> None:
    b = Board(8, 8, LIFE)
    with pytest.raises(exc, match="steps"):
        b.step(n)
    with pytest.raises(exc, match="steps"):
        WriteupBoard(64, 2, LIFE).step(n)


def test_numpy_integer_steps_accepted() -> None:
    a = np.eye(9, dtype=np.uint8)
    assert np.array_equal(Board.from_array(a, LIFE).step(np.int64(4)).to_array(),
                          rules.step(a, rules.LIFE, 4))


def test_close_is_idempotent_and_guards_use_after_free() -> None:
    b = Board.random(64, 64, seed=1, density=0.5, circuit=LIFE)
    b.close()
    b.close()
    assert b.closed and "closed" in repr(b)
    for call in (lambda: b.step(), b.to_array, lambda: b.population):
        with pytest.raises(ValueError, match="closed"):
            call()
    with Board(10, 10, LIFE) as c:
        assert not c.closed
    assert c.closed


def test_many_boards_are_freed() -> None:
    """Finalizers run on collection (a leak would show under the sanitizer harness)."""
    boards = [Board.random(128, 128, seed=i, density=0.5, circuit=LIFE) for i in range(50)]
    finalizers = [b._finalizer for b in boards]
    del boards
    gc.collect()
    assert not any(f.alive for f in finalizers)


def test_non_rule_circuit_rejected() -> None:
    from gatenet.ir.circuit import Circuit, Gate

    with pytest.raises(ValueError, match="9 inputs"):
        Board(4, 4, Circuit(2, (Gate(1, 0, 1),), (2,)))


@settings(max_examples=40, deadline=None)
@given(
    hnp.arrays(np.uint8, hnp.array_shapes(min_dims=2, max_dims=2, min_side=1, max_side=70),
               elements=st.integers(0, 1)),
    st.integers(0, 12),
)
def test_property_matches_reference(a: np.ndarray, steps: int) -> None:
    assert np.array_equal(Board.from_array(a, LIFE).step(steps).to_array(),
                          rules.step(a, rules.LIFE, steps))

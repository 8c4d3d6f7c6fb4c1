"""The circuit as JAX bit operations equals the numpy reference simulator."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gatenet import rules
from gatenet.emit import jaxbits
from gatenet.ir.circuit import Circuit, Gate


def random_circuit(seed: int, n_gates: int = 40) -> Circuit:
    rng = np.random.default_rng(seed)
    gs = []
    for k in range(n_gates):
        node = 9 + k
        gs.append(Gate(int(rng.integers(16)), int(rng.integers(node)), int(rng.integers(node))))
    return Circuit(9, tuple(gs), (9 + n_gates - 1,))


@settings(max_examples=15, deadline=None)
@given(st.integers(0, 2**31), st.integers(1, 9), st.sampled_from([32, 64, 96]),
       st.integers(1, 5))
def test_board_step_matches_reference(seed, height, width, steps):
    c = random_circuit(seed)
    table = c.truth_table()[:, 0]
    board = np.random.default_rng(seed + 1).integers(0, 2, (height, width)).astype(np.uint8)
    step = jaxbits.make_stepper(c, steps)
    got = jaxbits.unpack(np.asarray(step(jaxbits.pack(board))))
    assert np.array_equal(got, rules.step(board, table, steps))


def test_function_is_the_truth_table():
    c = random_circuit(3)
    f = jaxbits.circuit_function(c)
    p = np.arange(512)
    xs = [((p >> (8 - i)) & 1).astype(np.uint32) for i in range(9)]
    assert np.array_equal(f(*xs) & 1, c.truth_table()[:, 0])


def test_pack_round_trip_and_errors():
    b = np.random.default_rng(0).integers(0, 2, (3, 64)).astype(np.uint8)
    assert np.array_equal(jaxbits.unpack(jaxbits.pack(b)), b)
    with pytest.raises(ValueError, match="multiple of 32"):
        jaxbits.pack(np.zeros((4, 33), np.uint8))
    with pytest.raises(ValueError, match="one output"):
        jaxbits.circuit_function(Circuit(2, (Gate(1, 0, 1),), (2,)))

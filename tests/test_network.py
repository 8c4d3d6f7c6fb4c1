"""The write-up's dense formulation of the float network computes the same function as the
gather form the library trains with, at the cost the book attributes to it."""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gatenet.learn.network import (
    DEFAULT_SIZES,
    GATHER_FLOPS_PER_GATE,
    Network,
    all_patterns,
    forward,
    forward_dense,
)

#: One compiled program each, wires as arguments, so every example reuses it.
_DENSE = jax.jit(lambda p, w, x: forward_dense(p, w, x))
_GATHER = jax.jit(lambda p, w, x: forward(p, w, x, hard=False))


@settings(max_examples=15, deadline=None)
@given(seed=st.integers(0, 2**16), scheme=st.sampled_from(["random", "unique", "auto"]),
       noise=st.sampled_from([0.1, 1.0, 3.0]))
def test_dense_equals_gather(seed: int, scheme: str, noise: float) -> None:
    net = Network((9, 12, 8, 4, 2, 1), scheme, seed=seed)
    params = net.init(seed, "random", noise=noise)
    wires = tuple((jnp.asarray(a), jnp.asarray(b)) for a, b in net.wires)
    x = jnp.asarray(all_patterns(9))
    np.testing.assert_allclose(np.asarray(_DENSE(params, wires, x)),
                               np.asarray(_GATHER(params, wires, x)), atol=1e-6)


def test_dense_property_is_the_same_function() -> None:
    net = Network((9, 12, 8, 4, 2, 1), seed=3)
    params = net.init(3, "random", noise=1.0)
    x = jnp.asarray(all_patterns(9))
    np.testing.assert_allclose(np.asarray(net.dense(params, x)), np.asarray(net.soft(params, x)),
                               atol=1e-6)


def test_flop_counts() -> None:
    net = Network((9, 4, 1))
    assert net.gather_flops_per_cell() == GATHER_FLOPS_PER_GATE * 5
    assert net.dense_flops_per_cell() == 4 * (9 * 4 + 4 * 1) + GATHER_FLOPS_PER_GATE * 5
    # the default network: ~1.1 Mflop per cell dense, ~14 kflop gathered
    big = Network(DEFAULT_SIZES)
    assert big.dense_flops_per_cell() > 50 * big.gather_flops_per_cell()


def test_dense_timing_refuses_hard() -> None:
    from gatenet.bench import timing

    net = Network((9, 4, 1))
    with pytest.raises(ValueError, match="soft"):
        timing.time_jax_network(net, net.init(), 32, 32, hard=True, dense=True)

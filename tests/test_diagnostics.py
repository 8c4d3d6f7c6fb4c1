"""Gradient sizes and pattern spread, in float32 and float64: what chapter 4 explains with."""

import numpy as np
import pytest

from gatenet import gates
from gatenet.learn import diagnostics
from gatenet.learn.network import Network

DEEP = (9, *[32] * 16, 8, 4, 2, 1)


@pytest.fixture(scope="module")
def random_start():
    """The measurements of one random start, computed once for the tests below."""
    net = Network(DEEP, seed=0)
    params = net.init(0, init="random")
    return {
        "g32": diagnostics.gradient_norms(net, params),
        "g64": diagnostics.gradient_norms(net, params, dtype=np.float64),
        "naive": diagnostics.gradient_norms(net, params, naive=True),
        "s32": diagnostics.pattern_spread(net, params),
        "s64": diagnostics.pattern_spread(net, params, np.float64),
    }


def test_random_start_vanishes_geometrically_and_float32_follows_float64(random_start):
    g32, g64 = random_start["g32"], random_start["g64"]
    assert (g64 > 0).all()
    assert g64[0] < 1e-20 * g64[-1]  # vanishing towards the inputs
    both = (g32 > 0) & (g64 > 1e-36)
    assert both.sum() >= len(DEEP) - 4
    np.testing.assert_allclose(g32[both], g64[both], rtol=1e-4)


def test_the_naive_norm_underflows_where_the_gradient_does_not(random_start):
    safe, naive = random_start["g32"], random_start["naive"]
    lost = (naive == 0) & (safe > 0)
    assert lost.any()  # squaring 1e-20 underflows float32; the gradient itself is fine
    assert (safe[lost] < 1e-18).all()


def test_passthrough_passes_gradient_and_pattern_to_every_layer():
    net = Network(DEEP, seed=1)
    params = net.init(1, init="passthrough")
    g = diagnostics.gradient_norms(net, params)
    assert (g > 1e-3).all()
    spread = diagnostics.pattern_spread(net, params)
    assert (spread > 0.9).all()  # wires copy 0/1 inputs: values still differ by ~1


def test_uniform_start_is_flat_in_any_precision():
    net = Network(DEEP, seed=2)
    params = net.init(2, init="uniform")
    for dtype in (np.float32, np.float64):
        assert (diagnostics.pattern_spread(net, params, dtype) == 0).all()
        assert (diagnostics.gradient_norms(net, params, dtype=dtype)[:-1] == 0).all()


def test_float32_forgets_the_input_before_float64_does(random_start):
    s32, s64 = random_start["s32"], random_start["s64"]
    assert s32[0] > 0 and (s32 == 0).any()
    first32 = int(np.argmax(s32 == 0))
    assert first32 < int(np.argmax(s64 == 0)) or not (s64 == 0).any()
    assert (s64[:first32] > 0).all()


def test_neuron_states():
    net = Network((9, 4, 2, 1), seed=0)
    params = net.init(0, init="passthrough")
    params[0][1] = 0.0
    params[0][1, gates.XOR] = 5.0
    choice, weight = diagnostics.neuron_states(params)
    assert [c.shape for c in choice] == [(4,), (2,), (1,)]
    assert choice[0][1] == gates.XOR and choice[0][0] == gates.A
    assert ((weight[0] > 0.5) & (weight[0] <= 1)).all()

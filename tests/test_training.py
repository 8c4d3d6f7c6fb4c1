"""Network forward passes, training to an exact circuit, determinism, extraction.

That the default network learns Life is checked where it is trained anyway, not a third
time here: by the command line (tests/test_cli.py, ``gatenet train``) and by the book's
training run (chapter 5, run by tests/test_chapters.py), each verified on all 512
neighbourhoods.
"""

import itertools

import jax.numpy as jnp
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gatenet import gates, rules
from gatenet.ir.netlist import verify
from gatenet.learn import train
from gatenet.learn.extract import extract
from gatenet.learn.network import DEFAULT_SIZES, Network, all_patterns

SMALL = (9, 48, 48, 24, 12, 6, 3, 1)


def test_default_architecture_is_the_writeups():
    assert (9, *[128] * 17, 64, 32, 16, 8, 4, 2, 1) == DEFAULT_SIZES


def test_all_patterns_order():
    x = all_patterns(9)
    assert x.shape == (512, 9)
    assert x[0b100000000].tolist() == [1, 0, 0, 0, 0, 0, 0, 0, 0]  # NW is the top bit
    assert x[1].tolist() == [0] * 8 + [1]


def test_passthrough_init_is_nearly_a_wire():
    net = Network(SMALL, seed=0)
    params = net.init(0, "passthrough", strength=10.0)
    x = jnp.asarray(all_patterns(9))
    hard = np.asarray(net.hard(params, x))
    # every gate is A: the output is a copy of one input
    assert any(np.array_equal(hard[:, 0], np.asarray(x[:, i])) for i in range(9))
    assert all((c == gates.A).all() for c in net.choices(params))


def test_uniform_init_is_flat():
    net = Network(SMALL, seed=0)
    params = net.init(0, "uniform")
    y = np.asarray(net.soft(params, jnp.asarray(all_patterns(9))))
    assert np.allclose(y, 0.5)


def test_hard_forward_equals_extracted_circuit():
    net = Network(SMALL, seed=1)
    params = net.init(3, "random", noise=3.0)
    hard = np.asarray(net.hard(params, jnp.asarray(all_patterns(9))))[:, 0]
    circuit = extract(net, params)
    assert np.array_equal(circuit.truth_table()[:, 0], hard.round().astype(np.uint8))


@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), slots=st.integers(1, 3), noise=st.floats(0.1, 5.0))
def test_packed_error_count_equals_the_float_hard_circuit(seed, slots, noise):
    """The training loop counts the hard circuit's errors on bits (32 patterns per word);
    for any logits, wirings and targets that count equals the float hard forward pass's."""
    rng = np.random.default_rng(seed)
    nets = [Network(SMALL, seed=seed + s) for s in range(slots)]
    params = [np.concatenate(n.init(seed + s, "random", noise=noise)) for s, n in
              enumerate(nets)]
    tables = rng.integers(0, 2, (slots, 512)).astype(np.float32)
    x = all_patterns(9)
    wires = [np.stack([np.concatenate(w) for w in layer]).astype(np.int32)
             for layer in zip(*[n.wires for n in nets], strict=True)]
    got = train._slot_errors(jnp.asarray(np.stack(params)), [jnp.asarray(w) for w in wires],
                             train.pack_patterns(jnp.asarray(x.T.copy())),
                             train.pack_patterns(jnp.asarray(tables)), SMALL)
    bounds = np.cumsum([0, *SMALL[1:]])
    for s, net in enumerate(nets):
        layers = [params[s][a:b] for a, b in itertools.pairwise(bounds)]
        hard = np.asarray(net.hard(layers, jnp.asarray(x)))[:, 0].round()
        assert int(got[s]) == int(np.sum(hard != tables[s]))


def test_pack_patterns_puts_pattern_32w_plus_k_in_bit_k_of_word_w():
    v = np.zeros((2, 512), np.float32)
    v[0, 0] = v[0, 33] = v[1, 511] = 1
    words = np.asarray(train.pack_patterns(jnp.asarray(v)))
    assert words.shape == (2, 16) and words.dtype == np.uint32
    assert words[0, 0] == 1 and words[0, 1] == 2 and words[1, 15] == 1 << 31
    assert words.sum() == 1 + 2 + (1 << 31)


def test_soft_equals_hard_when_logits_are_sharp():
    net = Network(SMALL, seed=2)
    params = [p * 1000 for p in net.init(5, "random", noise=1.0)]
    x = jnp.asarray(all_patterns(9))
    assert np.allclose(net.soft(params, x), net.hard(params, x), atol=1e-4)


def test_small_network_learns_an_easy_rule():
    # "Alive if anything in the 3x3 block is alive": a nine-input OR, learned in seconds.
    rule = rules.parse("B12345678/S012345678")
    res = train.train(rule, sizes=SMALL, max_epochs=2000, seed=0, progress=False)
    assert res.converged, f"{res.hard_errors} patterns wrong after {res.epochs} epochs"
    circuit = extract(res.network, res.params, rule)
    assert verify(circuit, rule.table) == 0
    assert res.history.hard_errors[-1] == 0
    assert len(res.history.loss) == res.epochs == len(res.history.seconds)


def test_training_is_deterministic():
    kw = dict(sizes=SMALL, max_epochs=300, seed=7, progress=False)
    a = train.train("B36/S23", **kw)
    b = train.train("B36/S23", **kw)
    assert np.array_equal(a.history.hard_errors, b.history.hard_errors)
    assert extract(a.network, a.params) == extract(b.network, b.params)


def test_result_does_not_depend_on_chunk_size():
    kw = dict(sizes=SMALL, max_epochs=400, seed=1, progress=False)
    a = train.train("B12345678/S012345678", chunk=7, **kw)
    b = train.train("B12345678/S012345678", chunk=50, **kw)
    assert a.epochs == b.epochs
    assert extract(a.network, a.params) == extract(b.network, b.params)


def test_bad_configs():
    with pytest.raises(ValueError, match="9 inputs and 1 output"):
        train.train("B3/S23", sizes=(9, 4, 2), progress=False)
    with pytest.raises(ValueError, match="max_epochs"):
        train.train("B3/S23", max_epochs=0, progress=False)
    with pytest.raises(ValueError, match="unknown init"):
        Network(SMALL).init(0, "zeros")
    with pytest.raises(ValueError, match="wiring schemes"):
        Network(SMALL, scheme=["unique"])


@pytest.mark.parametrize("field,value,message", [
    ("learning_rate", 0.0, "learning_rate must be in"),
    ("learning_rate", float("nan"), "learning_rate must be in"),
    ("clip", -1.0, "clip must be in"),
    ("b2", 1.0, "b2 must be in"),
    ("weight_decay", -0.1, "weight_decay must be a finite number ≥ 0"),
    ("noise", float("inf"), "noise must be a finite number"),
    ("strength", "10", "strength must be a finite number"),
])
def test_bad_hyperparameters_are_named(field, value, message):
    cfg = train.TrainConfig().replace(**{field: value})
    with pytest.raises(ValueError, match=message):
        cfg.validate()
    train.TrainConfig(clip=float("inf"), strength=-3.0, b1=0.0).validate()  # all allowed

"""Learned wiring (gatenet.learn.choice): candidates, the forward pass against the
extracted circuit, training to an exact circuit, and configuration errors."""

from __future__ import annotations

from dataclasses import replace

import jax.numpy as jnp
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gatenet import pipeline, rules
from gatenet.ir.netlist import verify
from gatenet.learn import wiring
from gatenet.learn.choice import (
    ChoiceConfig,
    extract_choice,
    forward,
    init_params,
    make_candidates,
    moved_wires,
    train_choice,
)
from gatenet.learn.network import all_patterns

EASY = "B12345678/S"
SMALL = ChoiceConfig(layers=(16, 8, 4, 2, 1), candidates=4, max_epochs=200, chunk=50)


def test_candidates_start_with_the_fixed_wiring() -> None:
    cfg = SMALL
    cands = make_candidates(cfg)
    rng = np.random.default_rng([cfg.seed, 7])
    widths = (9, *cfg.layers)
    for c, n_in, n_out in zip(cands, widths[:-1], widths[1:], strict=True):
        assert c.shape == (2, n_out, min(cfg.candidates, n_in)) and c.dtype == np.int32
        a, b = wiring.make("auto", n_in, n_out, rng)  # the same draw, in the same order
        assert np.array_equal(c[0, :, 0], a) and np.array_equal(c[1, :, 0], b)
        rng.permutation(1)  # keep nothing else in step: only candidate 0 is compared
        break
    for c, n_in in zip(cands, widths[:-1], strict=True):
        assert c.min() >= 0 and c.max() < n_in
        for side in c:
            for row in side:
                assert len(set(row.tolist())) == len(row)  # distinct candidates
    assert [c.shape[-1] for c in make_candidates(replace(SMALL, candidates=64))] == \
        [9, 16, 8, 4, 2]  # capped at the previous layer's width


@settings(max_examples=15, deadline=None)
@given(st.integers(0, 2**32 - 1), st.sampled_from([1, 2, 5]))
def test_hard_forward_is_the_extracted_circuit(seed: int, k: int) -> None:
    """For any parameters (random, not trained), the hard forward pass and the extracted
    circuit agree on all 512 patterns: extraction reads what training optimised."""
    cfg = replace(SMALL, candidates=k, seed=seed, wire_bias=0.0, wire_noise=3.0, noise=3.0)
    cands = make_candidates(cfg)
    params = init_params(cfg, cands)
    x = jnp.asarray(all_patterns(9).T, jnp.float32)
    hard = np.asarray(forward(params, [jnp.asarray(c) for c in cands], x, True))[0]
    from gatenet.learn.choice import ChoiceResult

    result = ChoiceResult(cfg, rules.LIFE, params, cands, False, 0, 0.0, 0.0)
    circuit = extract_choice(result)
    assert np.array_equal(circuit.truth_table()[:, 0], hard.astype(np.uint8))
    assert circuit.meta["wrong"] == verify(circuit, rules.LIFE.table)


def test_trains_an_exact_circuit_deterministically() -> None:
    """A rule that a small network learns quickly ("born with any neighbour, never
    survives"): exact, verified, and the same circuit from the same seed."""
    cfg = replace(SMALL, max_epochs=1500, seed=0)
    a, b = (train_choice(EASY, cfg) for _ in range(2))
    assert a.exact and a.epochs == b.epochs and a.errors[-1] == 0
    ca, cb = extract_choice(a), extract_choice(b)
    assert ca.meta["wrong"] == 0 and verify(ca, rules.parse(EASY).table) == 0
    assert ca.content_hash() == cb.content_hash()
    assert 0 <= moved_wires(a) <= 2 * sum(cfg.layers)


def test_search_over_processes_matches_alone() -> None:
    cfg = replace(SMALL, max_epochs=1000)
    runs = pipeline.search_choice([0, 1], EASY, cfg, workers=2)
    alone = pipeline.search_choice([0, 1], EASY, cfg, workers=1)
    def same(r):  # everything but the wall time
        return {k: v for k, v in vars(r).items() if k != "seconds"}

    assert [same(r) for r in runs] == [same(r) for r in alone] and [r.seed for r in runs] == [0, 1]
    assert runs[0].exact and 0 < runs[0].quick_gates <= runs[0].passes_gates
    for r in runs:
        assert (r.wrong == 0) == r.exact and (r.quick_gates > 0) == r.exact


@pytest.mark.parametrize("field, value, needle", [
    ("layers", (8, 2), "last layer must have 1"),
    ("layers", (), "non-empty tuple"),
    ("layers", (0, 1), "every layer width"),
    ("candidates", 0, "candidates"),
    ("candidates", True, "candidates"),
    ("max_epochs", 0, "max_epochs"),
    ("chunk", 10**6, "chunk"),
    ("learning_rate", 0.0, "learning_rate must be positive"),
    ("wire_bias", float("nan"), "wire_bias must be a finite number"),
    ("wire_lr_scale", -1.0, "wire_lr_scale must be non-negative"),
    ("seed", -1, "seed"),
])
def test_bad_config_is_named(field: str, value, needle: str) -> None:
    with pytest.raises(ValueError, match=needle):
        train_choice("B3/S23", replace(SMALL, **{field: value}))

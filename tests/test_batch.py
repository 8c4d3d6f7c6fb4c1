"""Training many networks at once: the same results as one at a time, nothing dropped.

A seed must give the same circuit whether it is trained alone, in a batch in this
process, or on a worker process — bit for bit, so that a statistic over seeds can be
reproduced one seed at a time.
"""

import json
import os
import subprocess
import sys

import numpy as np
import pytest

from gatenet import rules
from gatenet.ir.netlist import verify
from gatenet.learn import batch, train
from gatenet.learn.extract import extract

SMALL = (9, 48, 48, 24, 12, 6, 3, 1)
EASY = "B12345678/S012345678"  # alive if anything in the block is alive: learned quickly


def _config(seed: int, **kw) -> train.TrainConfig:
    return train.TrainConfig(sizes=SMALL, seed=seed, max_epochs=kw.pop("max_epochs", 600),
                             **kw)


def _same(a: train.TrainResult, b: train.TrainResult) -> None:
    assert (a.converged, a.epochs) == (b.converged, b.epochs)
    assert np.array_equal(a.history.hard_errors, b.history.hard_errors)
    assert np.array_equal(a.history.loss, b.history.loss)
    for p, q in zip(a.params, b.params, strict=True):
        assert np.array_equal(np.asarray(p), np.asarray(q))


@pytest.fixture(scope="module")
def alone():
    """Seeds 0-3 trained one at a time with :func:`train.train`: the reference."""
    return [train.train(EASY, _config(s), progress=False) for s in range(4)]


@pytest.mark.parametrize("workers", [1, 2])
def test_batch_equals_each_seed_alone(alone, workers):
    seen = []
    got = batch.train_many(EASY, [_config(s) for s in range(4)], workers=workers,
                           progress=False, on_result=lambda i, r: seen.append(i))
    assert sorted(seen) == [0, 1, 2, 3]
    assert [r.config.seed for r in got] == [0, 1, 2, 3]
    for a, b in zip(alone, got, strict=True):
        _same(a, b)
    rule = rules.parse(EASY)
    for r in got:
        assert r.converged
        assert verify(extract(r.network, r.params, rule), rule.table) == 0


def test_refilled_slots_finish_every_job_exactly():
    """Five jobs through two slots: finished networks are frozen at their exact epoch and
    their slot reused; every result is exact on all 512 patterns or honestly unfinished."""
    rule = rules.parse(EASY)
    jobs = [(rule, _config(s)) for s in range(5)]
    got = train.run_jobs(jobs, slots=2, progress=False)
    assert [r.config.seed for r in got] == list(range(5))
    for r in got:
        assert len(r.history.loss) == r.epochs == len(r.history.hard_errors)
        assert r.epochs <= r.config.max_epochs
        wrong = verify(extract(r.network, r.params, rule), rule.table)
        assert wrong == (0 if r.converged else r.hard_errors)
        if r.converged:
            assert r.history.hard_errors[-1] == 0 and (r.history.hard_errors[:-1] > 0).all()


def test_out_of_epochs_is_reported_not_exact():
    got = batch.train_many("B3/S23", [_config(0, max_epochs=20)], workers=1, progress=False)
    (r,) = got
    assert not r.converged and r.epochs == 20 and r.hard_errors > 0


def test_one_rule_per_config_and_hyperparameters_per_network():
    cfgs = [_config(0), _config(0, learning_rate=0.01), _config(1, clip=float("inf"))]
    got = batch.train_many([EASY, "B36/S23", EASY], cfgs, workers=1, progress=False)
    assert [str(r.rule) for r in got] == [EASY, "B36/S23", EASY]
    for cfg, r in zip(cfgs, got, strict=True):
        _same(train.train(r.rule, cfg, progress=False), r)


def test_different_shapes_are_trained_in_their_own_groups():
    cfgs = [_config(0), train.TrainConfig(sizes=(9, 16, 8, 4, 2, 1), seed=0, max_epochs=50)]
    got = batch.train_many(EASY, cfgs, workers=1, progress=False)
    assert [r.config.sizes for r in got] == [SMALL, (9, 16, 8, 4, 2, 1)]


def test_bad_batches():
    with pytest.raises(ValueError, match="workers"):
        batch.train_many(EASY, [_config(0)], workers=0)
    with pytest.raises(ValueError, match="2 rules for 1 configurations"):
        batch.train_many([EASY, EASY], [_config(0)])
    with pytest.raises(ValueError, match="seed"):
        batch.train_many(EASY, [_config(0), _config(-1)])
    with pytest.raises(rules.RuleError):
        batch.train_many("B9/S23", [_config(0)])
    with pytest.raises(ValueError, match="share sizes"):
        train.run_jobs([(rules.parse(EASY), _config(0)),
                        (rules.parse(EASY), train.TrainConfig(seed=1))])
    assert batch.train_many(EASY, []) == []


class _KillsItsWorker:
    """Unpickling this ends the process that unpickles it: a worker dying mid-batch."""

    def __reduce__(self):
        return (os._exit, (3,))


def test_a_dead_worker_is_reported_with_its_job():
    cfgs = [_config(0, max_epochs=5), _config(1, max_epochs=5).replace(scheme=_KillsItsWorker()),
            _config(2, max_epochs=5)]
    seen = []
    with pytest.raises(RuntimeError, match=r"job 1 \(rule B12345678/S012345678, seed 1\), "
                       "also when retried alone; the other jobs finished"):
        batch.train_many(EASY, cfgs, workers=2, progress=False,
                         on_result=lambda i, r: seen.append(i))
    assert sorted(seen) == [0, 2]  # the innocent jobs were retried and finished


def test_bench_train_batch_json():
    env = {**os.environ, "JAX_PLATFORMS": "cpu"}
    r = subprocess.run(
        [sys.executable, "-m", "gatenet.bench", "train", "--seeds", "2", "--batch",
         "--max-epochs", "30", "--compare-alone", "1", "--json"],
        capture_output=True, text=True, env=env, timeout=900,
    )
    assert r.returncode == 0, r.stderr
    out = json.loads(r.stdout)
    s = out["summary"]
    assert s["wall_seconds"] > 0 and s["seeds"] == 2
    assert s["alone_same_results"] is True and s["share_vs_alone"] > 0
    assert [rec["seed"] for rec in out["records"]] == [0, 1]
    for rec in out["records"]:
        assert {"seed", "converged", "epochs", "hard_errors"} <= set(rec)
        assert rec["epochs"] == 30 and rec["converged"] is False and rec["hard_errors"] > 0
    assert "batched over" in r.stderr

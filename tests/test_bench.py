"""Benchmarks report and never assert timings; here we check only their shape and wiring."""

import json
import os
import subprocess
import sys

from gatenet.bench import records, steps, training
from gatenet.ir.handmade import handmade_life

FIELDS = {"name", "kind", "width", "height", "threads", "us_per_step", "cell_updates_per_s"}


def test_bench_step_records_cover_every_kernel():
    from gatenet.runtime import fast

    recs = steps.bench_step(sizes=(64,), circuit=handmade_life(), threads=(1,), repeats=1)
    names = {r.name for r in recs}
    assert "write-up's scalar method" in names
    assert "project scalar runtime (runtime.c)" in names
    assert "JAX uint32 bit ops" in names
    # the separable kernels run only when a separable circuit is given
    plain = [k for k in fast.available_kernels() if not k.startswith("separable")]
    assert len([r for r in recs if "kernel" in r.name]) == len(plain)
    assert not any("separable" in r.name for r in recs)
    for r in recs:
        assert r.kind in ("project", "baseline")
        assert r.us_per_step > 0 and r.cell_updates_per_s > 0
        assert abs(r.cell_updates_per_s * r.us_per_step * 1e-6 - 64 * 64) < 1e-3 * 64 * 64


def test_bench_step_json_cli(tmp_path):
    path = tmp_path / "life.json"
    handmade_life().save(path)
    env = {**os.environ, "JAX_PLATFORMS": "cpu"}
    r = subprocess.run(
        [sys.executable, "-m", "gatenet.bench", "step", "--sizes", "64", "--threads", "1",
         "--repeats", "1", "--circuit", str(path), "--json"],
        capture_output=True, text=True, env=env, timeout=600,
    )
    assert r.returncode == 0, r.stderr
    records = json.loads(r.stdout)
    assert isinstance(records, list) and records
    assert all(set(rec) >= FIELDS for rec in records)
    assert "# machine:" in r.stderr


def test_summarize_train():
    recs = [records.TrainRecord(s, s != 2, 100 + s, 1.0 + s, 2.0, 0 if s != 2 else 1)
            for s in range(4)]
    s = training.summarize_train(recs)
    assert s["converged"] == 3 and s["seeds"] == 4
    assert s["median_train_seconds"] == 2.5


def test_bench_step_runs_a_separable_circuit() -> None:
    from gatenet.bench import steps
    from gatenet.ir.handmade import handmade_life, handmade_paired_life
    from gatenet.runtime import fast

    recs = steps.bench_step(sizes=(64,), circuit=handmade_life(), threads=(1,), repeats=1,
                            separable=handmade_paired_life())
    names = [r.name for r in recs if "paired" in r.name or "separable" in r.name]
    widths = [k for k in fast.available_kernels() if k.startswith("separable-")]
    assert len(names) == len(widths) and all(n.startswith("hand-written") for n in names)
    assert all("paired kernel" in n for n in names)  # the circuit has a pair level
    assert not any("expert" in n for n in names)


def test_bench_step_refuses_a_bad_separable_file_first(tmp_path) -> None:
    """A damaged or wrong --separable file is one error line, found before any training."""
    from gatenet.ir.handmade import handmade_separable_life

    bad = tmp_path / "bad.json"
    d = handmade_separable_life().to_dict()
    d["version"] = 2
    bad.write_text(json.dumps(d))
    env = {**os.environ, "JAX_PLATFORMS": "cpu", "GATENET_CACHE": str(tmp_path / "cache")}
    r = subprocess.run([sys.executable, "-m", "gatenet.bench", "step", "--separable", str(bad),
                        "--sizes", "32", "--threads", "1", "--repeats", "1"],
                       capture_output=True, text=True, env=env, timeout=600)
    assert r.returncode != 0 and "version 2" in r.stderr and "Traceback" not in r.stderr
    assert not (tmp_path / "cache" / "learned").exists()  # nothing was trained
    other = tmp_path / "other.json"
    handmade_separable_life().save(other)
    r = subprocess.run([sys.executable, "-m", "gatenet.bench", "step", "--separable",
                        str(other), "--rule", "B36/S23", "--sizes", "32", "--threads", "1",
                        "--repeats", "1"], capture_output=True, text=True, env=env, timeout=600)
    assert r.returncode != 0 and "differs from --rule B36/S23" in r.stderr
    assert not (tmp_path / "cache" / "learned").exists()

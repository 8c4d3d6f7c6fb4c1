"""The command line, run as a user would: ``python -m gatenet ...`` in a subprocess."""

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from _circuits import table_circuit
from gatenet import patterns, rules
from gatenet.ir.circuit import Circuit

LIFE_MAP = rules.LIFE.map_string


def gatenet(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "JAX_PLATFORMS": "cpu"}
    return subprocess.run([sys.executable, "-m", "gatenet", *args], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=600)


@pytest.fixture(scope="module")
def life_json(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("cli") / "life.json"
    table_circuit(rules.LIFE.table, rule="B3/S23").save(path)
    return path


def test_table_prints_the_map_string(life_json, tmp_path):
    r = gatenet("table", str(life_json), cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() == LIFE_MAP


def test_run_gosper_gun_and_write_rle(life_json, tmp_path):
    gun = patterns.load_builtin("gosper_glider_gun")
    src = tmp_path / "gosper.rle"
    patterns.write(src, gun.cells, rule="B3/S23")
    out = tmp_path / "after.rle"
    r = gatenet("run", str(life_json), "--pattern", str(src), "--width", "128", "--height", "96",
                "--steps", "90", "--out", str(out), cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert "µs/step" in r.stdout
    after = patterns.read(out)
    assert after.cells.shape == (96, 128)
    assert after.rule == "B3/S23"
    start = patterns.place(gun, 128, 96)
    assert np.array_equal(after.cells, rules.step(start, "B3/S23", 90))


def test_run_random_matches_reference(life_json, tmp_path):
    out = tmp_path / "soup.rle"
    r = gatenet("run", str(life_json), "--random", "5", "--width", "70", "--height", "33",
                "--steps", "0", "--out", str(out), cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    start = patterns.read(out).cells
    out2 = tmp_path / "soup2.rle"
    r = gatenet("run", str(life_json), "--random", "5", "--width", "70", "--height", "33",
                "--steps", "25", "--out", str(out2), cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert np.array_equal(patterns.read(out2).cells, rules.step(start, "B3/S23", 25))


@pytest.mark.parametrize(
    "args, message",
    [
        (["run", "{c}", "--steps", "5"], "exactly one of --pattern"),
        (["run", "{c}", "--random", "1", "--steps", "-3"], "argument --steps"),
        (["run", "{c}", "--random", "1", "--width", "0"], "argument --width"),
        (["run", "{c}", "--random", "-1"], "argument --random"),
        (["run", "{c}", "--random", "1", "--density", "1.5"], "argument --density"),
        (["run", "{c}", "--random", "1", "--report-every", "-1"], "argument --report-every"),
        (["table", "missing.json"], "cannot read circuit file"),
        (["run", "{c}", "--pattern", "nope.rle"], "nope.rle: No such file"),
        (["emit", "{c}", "--target", "c", "--name", "a b"], "--name 'a b' is not a valid"),
        (["train", "--out", "x.json", "--max-epochs", "0"], "argument --max-epochs"),
        (["train", "--out", "x.json", "--rule", "B3/S2x"], "argument --rule"),
        (["train"], "--out"),
    ],
)
def test_errors_are_one_clear_line(life_json, tmp_path, args, message):
    r = gatenet(*[a.format(c=life_json) for a in args], cwd=tmp_path)
    assert r.returncode == 2
    assert r.stderr.startswith("gatenet: error: ") and r.stderr.count("\n") == 1, r.stderr
    assert message in r.stderr
    assert "Traceback" not in r.stderr


def test_unknown_format_version_is_reported(tmp_path):
    bad = tmp_path / "future.json"
    d = table_circuit(rules.LIFE.table).to_dict()
    d["version"] = 99
    import json

    bad.write_text(json.dumps(d))
    r = gatenet("table", str(bad), cwd=tmp_path)
    assert r.returncode != 0 and "unsupported circuit format version 99" in r.stderr
    r = gatenet("emit", str(bad), "--target", "lut3", cwd=tmp_path)  # lut3 loads the same way
    assert r.returncode != 0 and "unsupported circuit format version 99" in r.stderr


def test_table_round_trips_through_circuit(life_json):
    assert rules.to_map(Circuit.load(life_json).truth_table()[:, 0]) == LIFE_MAP


@pytest.mark.slow
def test_train_then_table_is_the_rule(tmp_path):
    """The CLI's train → save → table round trip, on a rule that trains in few epochs (Life
    itself is trained by chapter 5 and tests/test_pipeline.py; this checks the command)."""
    rule = rules.parse("B1/S1")
    out = tmp_path / "b1s1.json"
    r = gatenet("train", "--arch", "flat", "--rule", "B1/S1", "--seed", "1", "--out", str(out),
                "--no-synth", "--quiet", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert "copy propagation" in r.stdout and "verified on all 512" in r.stdout
    t = gatenet("table", str(out), cwd=tmp_path)
    assert t.stdout.strip() == rule.map_string
    c = Circuit.load(out)
    assert c.meta["rule"] == "B1/S1" and c.meta["seed"] == 1


def test_train_separable_writes_both_forms(tmp_path):
    """``train --arch separable``: the flat circuit at --out, the separable form beside it,
    both Life on every neighbourhood (and both readings of nothing: no pair level)."""
    from gatenet.ir.separable import SeparableCircuit

    out = tmp_path / "life.json"
    r = gatenet("train", "--arch", "separable", "--seed", "0", "--out", str(out),
                "--no-synth", "--quiet", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert "gates per word" in r.stdout and "separable" in r.stdout
    assert rules.to_map(Circuit.load(out).truth_table()[:, 0]) == LIFE_MAP
    sep = SeparableCircuit.load(tmp_path / "life.separable.json")
    assert sep.computes(rules.LIFE.table) and sep.k == 2
    bad = gatenet("train", "--arch", "separable", "--max-epochs", "2", "--out", str(out),
                  "--no-synth", "--quiet", cwd=tmp_path)
    assert bad.returncode == 1 and "wrong patterns" in bad.stderr
    assert "Traceback" not in bad.stderr


def test_default_architecture_follows_the_rule(tmp_path):
    """``--arch auto`` (the default): separable for rules whose rows two bits describe (the
    default search of 48 seeds, or 1 without synthesis), flat for the others; the choices
    it implies are refused with a message naming the way out."""
    from gatenet.__main__ import auto_architecture, build_parser
    from gatenet.pipeline import DEFAULT_SEARCH

    assert auto_architecture("B3/S23", None, "strong") == "separable"
    assert auto_architecture("B2-a/S12", None, "strong") == "flat"  # 7 row classes
    assert auto_architecture("B3/S23", None, "default") == "flat"
    assert auto_architecture("B2-a/S12", 4, "strong") == "separable"  # asked for
    assert build_parser().parse_args(["train", "--out", "x.json"]).arch == "auto"
    assert DEFAULT_SEARCH == 48
    out = tmp_path / "life.json"
    r = gatenet("train", "--seed", "0", "--out", str(out), "--no-synth", "--quiet",
                cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert "(seed 0, separable)" in r.stdout and "searched" not in r.stdout
    assert (tmp_path / "life.separable.json").exists()
    for args, needle in [(["--no-synth", "--search", "4"], "--no-synth"),
                         (["--arch", "flat", "--search", "4"], "--search is for"),
                         (["--rule", "B2-a/S12", "--search", "2", "--synth", "default"],
                          "strong script only")]:
        bad = gatenet("train", "--out", str(tmp_path / "y.json"), *args, cwd=tmp_path)
        assert bad.returncode == 2 and needle in bad.stderr, bad.stderr
        assert bad.stdout == "" and not (tmp_path / "y.json").exists()


def test_train_that_does_not_converge_fails_clearly(tmp_path):
    out = tmp_path / "life.json"
    r = gatenet("train", "--arch", "flat", "--seed", "0", "--max-epochs", "3", "--out", str(out),
                "--no-synth", "--quiet", cwd=tmp_path)
    assert r.returncode == 1
    assert "patterns wrong" in r.stderr and "Traceback" not in r.stderr
    assert not out.exists()


@pytest.mark.parametrize("value", ["0", "-1", "nan", "inf", "1e9", "ten"])
def test_synth_budget_must_be_a_positive_number(tmp_path, value):
    r = gatenet("train", "--out", "x.json", "--synth-budget", value, cwd=tmp_path)
    assert r.returncode == 2
    assert r.stderr.startswith("gatenet: error: ") and r.stderr.count("\n") == 1, r.stderr
    assert "argument --synth-budget" in r.stderr and "Traceback" not in r.stderr


def test_synth_budget_without_synthesis_is_an_error(tmp_path):
    r = gatenet("train", "--out", "x.json", "--no-synth", "--synth-budget", "5", cwd=tmp_path)
    assert r.returncode == 2 and r.stderr.count("\n") == 1, r.stderr
    assert r.stderr.startswith("gatenet: error: --synth-budget") and "--no-synth" in r.stderr


@pytest.mark.slow
def test_train_shows_synthesis_stages_and_time(tmp_path):
    """Synthesis under a budget announces each stage with its time on stderr (one line per
    stage when stderr is not a terminal), and the summary gives the total. (--quiet is
    StageProgress(disable=True), tested in tests/test_progress.py.)"""
    out = tmp_path / "b1s1.json"
    r = gatenet("train", "--arch", "flat", "--rule", "B1/S1", "--seed", "1", "--out", str(out),
                "--synth-budget", "3", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    lines = r.stderr.splitlines()
    assert any(line.startswith("  optimisation passes  ") for line in lines), r.stderr
    search = [line for line in lines if line.startswith("  synthesis: round 1/2 search")]
    assert len(search) == 1 and search[0].endswith(" s"), r.stderr
    assert any(line.startswith("  synthesis: LUT3 mapping") for line in lines), r.stderr
    assert "synthesis took " in r.stdout and "budget 3 s" in r.stdout
    assert Circuit.load(out).meta["rule"] == "B1/S1"


def test_train_can_skip_the_pair_level() -> None:
    """``--no-pair-level`` reaches the pipeline (the decomposition costs minutes)."""
    from gatenet.__main__ import build_parser

    assert build_parser().parse_args(["train", "--out", "x.json", "--no-pair-level"]).no_pair_level
    assert not build_parser().parse_args(["train", "--out", "x.json"]).no_pair_level

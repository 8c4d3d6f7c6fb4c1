"""Hostile and careless input: every case ends in one clear error line (or the right
recovery), never a traceback, a crash, a hang or a silently different result.

Command lines run in subprocesses, as a user would run them; no test trains beyond a few
epochs. Circuit files are the hand-made Life circuit, edited.
"""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from gatenet import patterns, rules
from gatenet.emit.c import emit_c
from gatenet.emit.ternary import to_c
from gatenet.emit.verilog import to_verilog
from gatenet.ir.circuit import Circuit
from gatenet.ir.handmade import handmade_life
from gatenet.ir.lut import Lut3Circuit, from_circuit
from gatenet.ir.netlist import MAX_CELLS, CircuitError, load_netlist
from gatenet.synth.blif import to_blif

ROOT = os.geteuid() == 0 if hasattr(os, "geteuid") else False
#: A hostile string for metadata: closes a C comment, calls system(), splices lines.
EVIL = '*/ system("rm -rf ~"); /* \\\r\n ??/ `$(reboot)` \u202e'
EVIL_MARKERS = ("system(", "rm -rf", "??/", "reboot", "\u202e", "*/ s")


def run_cli(*args: str, cwd: Path | None = None, env: dict[str, str] | None = None,
            module: str = "gatenet", umask: int = -1) -> subprocess.CompletedProcess:
    full_env = {**os.environ, "JAX_PLATFORMS": "cpu", **(env or {})}
    return subprocess.run([sys.executable, "-m", module, *args], cwd=cwd, env=full_env,
                          capture_output=True, text=True, timeout=600, umask=umask)


def assert_error(r: subprocess.CompletedProcess, *needles: str, alone: bool = True) -> str:
    """A non-zero exit with exactly one ``gatenet: error:`` line containing ``needles``
    (and, with ``alone``, nothing else on stderr)."""
    assert r.returncode != 0, (r.stdout, r.stderr)
    assert "Traceback" not in r.stderr, r.stderr
    lines = r.stderr.splitlines()
    errors = [ln for ln in lines if ln.startswith("gatenet: error: ")]
    assert len(errors) == 1, r.stderr
    if alone:
        assert lines == errors, r.stderr
    for needle in needles:
        assert needle in errors[0], (needle, errors[0])
    return errors[0]


@pytest.fixture
def life_dict() -> dict:
    return handmade_life().to_dict()


@pytest.fixture
def life_json(tmp_path: Path) -> Path:
    return handmade_life().save(tmp_path / "life.json")


def write_json(path: Path, d: object) -> Path:
    path.write_text(json.dumps(d))
    return path


# -- 1. a circuit file is data -------------------------------------------------------------

HOSTILE_NAMES = [
    "a*/b",  # ends a C comment
    "x\\\r\n",  # backslash + CR/LF: a C line splice
    "x\\\n",
    "??/",  # a trigraph for backslash
    "a\nb",
    "naïve",  # non-ASCII
    "ｘ",  # fullwidth
    "a" * 65,  # longer than MAX_NAME
    "",
    "1abc",
    "in[0]",
    5,
    None,
]


@pytest.mark.parametrize("field", ["input_names", "output_names"])
@pytest.mark.parametrize("name", HOSTILE_NAMES, ids=repr)
@pytest.mark.parametrize("cls", [Circuit, Lut3Circuit])
def test_hostile_names_fail_to_load_naming_the_field(tmp_path, cls, field, name) -> None:
    netlist = handmade_life() if cls is Circuit else from_circuit(handmade_life())
    d = netlist.to_dict()
    d[field] = list(d[field])
    d[field][0] = name
    path = write_json(tmp_path / "evil.json", d)
    with pytest.raises(CircuitError, match=rf"evil\.json: {field}\[0\]"):
        cls.load(path)


def test_duplicate_names_fail_to_load(tmp_path, life_dict) -> None:
    life_dict["input_names"] = ["a"] * 9
    with pytest.raises(CircuitError, match="input_names repeats the name 'a'"):
        Circuit.load(write_json(tmp_path / "dup.json", life_dict))


@pytest.mark.parametrize("command", [
    ["table"], ["emit", "--target", "c"], ["emit", "--target", "verilog"],
    ["emit", "--target", "blif"], ["emit", "--target", "lut3"], ["run", "--random", "1"],
])
def test_every_command_rejects_hostile_names(tmp_path, life_dict, command) -> None:
    life_dict["output_names"] = ['*/ system("x"); /*']
    path = write_json(tmp_path / "evil.json", life_dict)
    r = run_cli(command[0], str(path), *command[1:], cwd=tmp_path)
    assert_error(r, "output_names[0]", "not a valid name")
    assert r.stdout == ""


def test_lut3_files_are_loaded_strictly(tmp_path) -> None:
    """``emit --target lut3`` reads LUT3 files through Netlist.load like every command."""
    d = from_circuit(handmade_life()).to_dict()
    for change, needle in [
        ({"input_names": ["*/", *d["input_names"][1:]]}, "input_names[0]"),
        ({"version": True}, "unsupported LUT3 circuit format version True"),
        ({"n_inputs": "9"}, "n_inputs must be an integer"),
        ({"luts": [[1.5, 0, 1, 2]]}, "must be an integer"),
    ]:
        path = write_json(tmp_path / "l.json", {**d, **change})
        assert_error(run_cli("emit", str(path), "--target", "lut3", cwd=tmp_path), needle)
    (tmp_path / "deep.json").write_text("[" * 100_000 + "]" * 100_000)
    assert_error(run_cli("emit", "deep.json", "--target", "lut3", cwd=tmp_path),
                 "deep.json: JSON nested too deeply")
    (tmp_path / "bin.json").write_bytes(b"\xff\xfe{}")
    assert_error(run_cli("emit", "bin.json", "--target", "lut3", cwd=tmp_path),
                 "bin.json: not UTF-8")


def test_load_netlist_chooses_by_format(tmp_path) -> None:
    c, lc = handmade_life(), from_circuit(handmade_life())
    assert load_netlist(c.save(tmp_path / "c.json"), (Circuit, Lut3Circuit)) == c
    assert load_netlist(lc.save(tmp_path / "l.json"), (Circuit, Lut3Circuit)) == lc
    path = write_json(tmp_path / "x.json", {**c.to_dict(), "format": "evil"})
    with pytest.raises(CircuitError, match=r"x\.json: not a gatenet circuit"):
        load_netlist(path, (Circuit, Lut3Circuit))


def test_metadata_never_reaches_generated_text(tmp_path) -> None:
    c = handmade_life().with_meta(rule=EVIL, name=EVIL, **{"*/": EVIL})
    lc = from_circuit(c)
    assert lc.meta["rule"] == EVIL  # it is carried along, as data
    c2 = Circuit.load(c.save(tmp_path / "c.json"))
    lc2 = Lut3Circuit.load(lc.save(tmp_path / "l.json"))
    for text in (emit_c(c2), emit_c(c2, "f"), to_verilog(c2), to_blif(c2), to_c(lc2)):
        for marker in EVIL_MARKERS:
            assert marker not in text


@pytest.mark.parametrize("target, source", [
    ("c", "c.json"), ("verilog", "c.json"), ("blif", "c.json"), ("lut3", "l.json"),
])
def test_cli_emit_keeps_metadata_out(tmp_path, target, source) -> None:
    c = handmade_life().with_meta(rule=EVIL)
    c.save(tmp_path / "c.json")
    from_circuit(c).save(tmp_path / "l.json")
    r = run_cli("emit", source, "--target", target, cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    for marker in EVIL_MARKERS:
        assert marker not in r.stdout


def test_cli_lut3_synthesis_and_run_keep_metadata_out(tmp_path) -> None:
    handmade_life().with_meta(rule=EVIL).save(tmp_path / "c.json")
    r = run_cli("emit", "c.json", "--target", "lut3", "--script", "default", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert "_mm512_ternarylogic_epi64" in r.stdout
    r2 = run_cli("run", "c.json", "--random", "1", "--width", "64", "--height", "64",
                 "--steps", "2", cwd=tmp_path)
    assert r2.returncode == 0, r2.stderr
    assert "rule B3/S23" in r2.stdout  # computed from the truth table, not read from meta
    for marker in EVIL_MARKERS:
        assert marker not in r.stdout + r2.stdout


def test_emit_rejects_reserved_function_names(tmp_path, life_json) -> None:
    for target, name in [("c", "int"), ("c", "cell"), ("lut3", "return"),
                         ("verilog", "module"), ("c", "a*/b")]:
        r = run_cli("emit", str(life_json), "--target", target, "--name", name, cwd=tmp_path)
        assert_error(r, "--name")
    with pytest.raises(ValueError, match="reserved"):
        to_verilog(handmade_life(), "wire")
    with pytest.raises(ValueError, match="reserved"):
        emit_c(handmade_life(), "static")


def test_emit_says_a_lut3_file_needs_target_lut3(tmp_path) -> None:
    from_circuit(handmade_life()).save(tmp_path / "l.json")
    assert_error(run_cli("emit", "l.json", "--target", "verilog", cwd=tmp_path),
                 "LUT3 circuit", "--target lut3")


# -- 2. resource limits name the limit -------------------------------------------------------


def test_run_board_size_names_the_limit(tmp_path, life_json) -> None:
    r = run_cli("run", str(life_json), "--random", "1", "--width", "1000000",
                "--height", "1000000", cwd=tmp_path)
    assert_error(r, "MAX_CELLS", "17,179,869,184")
    assert r.stdout == ""
    (tmp_path / "g.rle").write_text("x = 1, y = 1\no!\n")
    r = run_cli("run", str(life_json), "--pattern", "g.rle", "--width", "100000",
                "--height", "100000", cwd=tmp_path)
    assert_error(r, "gatenet.patterns.MAX_CELLS")


@pytest.mark.parametrize("steps", ["-1", str(2**64), "1e3", "３"])
def test_run_steps_out_of_range(tmp_path, life_json, steps) -> None:
    r = run_cli("run", str(life_json), "--random", "1", "--steps", steps, cwd=tmp_path)
    assert_error(r, "--steps", "0..2**64-1")


@pytest.mark.parametrize("n_inputs", [10**9, 65, -1, 2**64])
def test_huge_n_inputs_is_refused(tmp_path, life_dict, n_inputs) -> None:
    path = write_json(tmp_path / "big.json", {**life_dict, "n_inputs": n_inputs})
    with pytest.raises(CircuitError, match=r"n_inputs must be in 0\.\.64"):
        Circuit.load(path)
    assert_error(run_cli("table", str(path), cwd=tmp_path), "n_inputs must be in 0..64")


def test_too_many_gates_is_refused_before_building(life_dict) -> None:
    d = {**life_dict, "gates": [[0, 0, 0]] * (MAX_CELLS + 1)}
    with pytest.raises(CircuitError, match="at most 1,000,000"):
        Circuit.from_dict(d)


# -- 3. messages, not tracebacks -------------------------------------------------------------


@pytest.mark.parametrize("seed", [str(2**63), "-1", str(2**32)])
def test_train_seed_range(tmp_path, seed) -> None:
    r = run_cli("train", "--seed", seed, "--out", "x.json", "--no-synth", "--quiet",
                cwd=tmp_path)
    assert_error(r, "seed must be in 0..2**32-1", seed)
    assert not (tmp_path / "x.json").exists()


def test_train_config_validates_seed() -> None:
    from gatenet.learn.train import MAX_SEED, TrainConfig

    TrainConfig(seed=MAX_SEED).validate()
    for bad in (-1, MAX_SEED + 1, 2**63):
        with pytest.raises(ValueError, match=r"seed must be in 0\.\.2\*\*32-1"):
            TrainConfig(seed=bad).validate()
    for bad in (True, 1.0, "1"):
        with pytest.raises(TypeError, match="seed must be an integer"):
            TrainConfig(seed=bad).validate()


@pytest.mark.parametrize("text, needle", [
    ('"n_inputs": Infinity', "n_inputs must be an integer, got float inf"),
    ('"n_inputs": NaN', "n_inputs must be an integer, got float nan"),
    ('"n_inputs": "9"', "n_inputs must be an integer, got str '9'"),
    ('"n_inputs": 9.0', "n_inputs must be an integer, got float 9.0"),
    ('"n_inputs": true', "n_inputs must be an integer, got bool True"),
    ('"n_inputs": 1' + "0" * 5000, "invalid JSON"),
    ('"version": true', "unsupported circuit format version True"),
    ('"output_names": [5]', "output_names[0] must be a string, got int 5"),
    ('"output_names": [null]', "output_names[0] must be a string, got NoneType None"),
    ('"gates": [[0.5, 0, 1]]', "must be an integer, got float 0.5"),
    ('"gates": [[0, 0, true]]', "must be an integer, got bool True"),
    ('"gates": "abc"', "gates must be a list"),
    ('"meta": [1]', "meta must be an object"),
])
def test_lenient_json_is_rejected_by_the_cli(tmp_path, life_dict, text, needle) -> None:
    key = text.split(":")[0].strip('"')
    del life_dict[key]
    body = json.dumps(life_dict)
    path = tmp_path / "c.json"
    path.write_text("{" + text + ", " + body[1:])
    assert_error(run_cli("table", str(path), cwd=tmp_path), "c.json", needle)


def test_deep_and_binary_circuit_files(tmp_path) -> None:
    (tmp_path / "deep.json").write_text('{"a": ' * 50_000 + "1" + "}" * 50_000)
    assert_error(run_cli("run", "deep.json", "--random", "1", cwd=tmp_path),
                 "deep.json: JSON nested too deeply")
    (tmp_path / "latin1.json").write_bytes('{"format": "gatenet-circuit", "n": "é"}'
                                           .encode("latin-1"))
    assert_error(run_cli("table", "latin1.json", cwd=tmp_path), "latin1.json: not UTF-8")


def test_non_utf8_pattern_file_is_named(tmp_path, life_json) -> None:
    bad = tmp_path / "bad.rle"
    bad.write_bytes(b"#N caf\xe9\nx = 1, y = 1\no!\n")
    with pytest.raises(patterns.PatternError, match=r"bad\.rle: not UTF-8"):
        patterns.read(bad)
    r = run_cli("run", str(life_json), "--pattern", str(bad), cwd=tmp_path)
    assert_error(r, "bad.rle", "not UTF-8")


def test_pattern_parse_errors_name_the_file(tmp_path) -> None:
    bad = tmp_path / "bad.rle"
    bad.write_text("x = 2, y = 1\nq!\n")
    with pytest.raises(patterns.PatternError, match=r"bad\.rle: line 2") as e:
        patterns.read(bad)
    assert e.value.line == 2


@pytest.mark.parametrize("rule", ["B3/S2²", "B３/S２３", "Ｂ３/Ｓ２３", "B3/S2٣", "3²/3"])
def test_rules_accept_only_ascii_digits(tmp_path, rule) -> None:
    with pytest.raises(rules.RuleError, match="ASCII digits 0-8"):
        rules.parse(rule)
    r = run_cli("train", "--rule", rule, "--out", "x.json", "--no-synth", cwd=tmp_path)
    assert_error(r, "--rule", "ASCII digits 0-8")


def test_no_compiler_is_one_line(tmp_path, life_json) -> None:
    cache = {"GATENET_CACHE": str(tmp_path / "cache")}
    args = ("run", str(life_json), "--random", "1", "--steps", "1")
    r = run_cli(*args, cwd=tmp_path, env={**cache, "CC": "false"})
    assert_error(r, "C compiler", "false", "failed", "set CC")
    r = run_cli(*args, cwd=tmp_path, env={**cache, "CC": "no-such-cc"})
    assert_error(r, "no C compiler found", "'no-such-cc'", "set CC")
    env = {k: v for k, v in os.environ.items() if k != "CC"}
    env.update(cache, PATH=str(tmp_path / "empty"), JAX_PLATFORMS="cpu")
    r = subprocess.run([sys.executable, "-m", "gatenet", *args], cwd=tmp_path, env=env,
                       capture_output=True, text=True, timeout=600)
    assert_error(r, "no C compiler found", "'cc', 'gcc'", "set CC")


def test_bad_synthesis_script_is_one_line(tmp_path, life_json) -> None:
    r = run_cli("emit", str(life_json), "--target", "lut3", "--script", "no_such_cmd; strash",
                cwd=tmp_path)
    assert_error(r, "--script 'no_such_cmd; strash'", "failed")
    assert r.returncode == 1
    r = run_cli("emit", str(life_json), "--target", "lut3", "--script", "nonsense", cwd=tmp_path)
    assert_error(r, "unknown synthesis script 'nonsense'")


@pytest.mark.parametrize("args, flag", [
    (["step", "--threads", "0"], "--threads"),
    (["step", "--threads", "-1"], "--threads"),
    (["step", "--threads", "abc"], "--threads"),
    (["step", "--threads", "1,"], "--threads"),
    (["step", "--sizes", "0"], "--sizes"),
    (["step", "--sizes", "-64"], "--sizes"),
    (["step", "--sizes", "abc"], "--sizes"),
    (["step", "--sizes", "100"], "--sizes"),
    (["step", "--sizes", "1000000"], "--sizes"),
    (["step", "--repeats", "0"], "--repeats"),
    (["step", "--budget", "0"], "--budget"),
    (["step", "--budget", "nan"], "--budget"),
    (["step", "--circuit", "missing.json"], "--circuit"),
    (["step", "--rule", "B9/S"], "--rule"),
    (["train", "--seeds", "0"], "--seeds"),
    (["train", "--first-seed", "-1"], "--first-seed"),
    (["train", "--max-epochs", "0"], "--max-epochs"),
    (["train", "--first-seed", str(2**32 - 1), "--seeds", "2"], "--first-seed"),
])
def test_bench_flags_are_checked(tmp_path, args, flag) -> None:
    r = run_cli(*args, cwd=tmp_path, module="gatenet.bench")
    assert_error(r, flag)
    assert r.returncode == 2 and r.stdout == ""


def test_bench_circuit_file_errors_are_one_line(tmp_path, life_dict) -> None:
    life_dict["n_inputs"] = "9"
    write_json(tmp_path / "c.json", life_dict)
    r = run_cli("step", "--circuit", "c.json", "--sizes", "32", cwd=tmp_path,
                module="gatenet.bench")
    assert_error(r, "c.json: n_inputs must be an integer", alone=False)


def test_synth_cli_checks_its_input(tmp_path, life_dict) -> None:
    assert_error(run_cli("x.json", "--targets", "gates,fpga", cwd=tmp_path,
                         module="gatenet.synth"), "--targets", "'fpga'")
    assert_error(run_cli("x.json", "--iterations", "0", cwd=tmp_path,
                         module="gatenet.synth"), "--iterations")
    write_json(tmp_path / "c.json", {**life_dict, "version": True})
    assert_error(run_cli("c.json", cwd=tmp_path, module="gatenet.synth"),
                 "unsupported circuit format version")


# -- 4. --out is checked before the work -----------------------------------------------------


@pytest.fixture
def places(tmp_path: Path) -> dict[str, tuple[str, str]]:
    (tmp_path / "a_dir").mkdir()
    (tmp_path / "a_file").write_text("")
    return {
        "directory": (str(tmp_path / "a_dir"), "is a directory"),
        "missing": (str(tmp_path / "nope" / "x.rle"), "does not exist"),
        "under a file": (str(tmp_path / "a_file" / "x.rle"), "is not a directory"),
    }


@pytest.mark.parametrize("where", ["directory", "missing", "under a file"])
def test_train_out_is_checked_before_training(tmp_path, places, where) -> None:
    out, needle = places[where]
    r = run_cli("train", "--out", out, "--no-synth", "--quiet", cwd=tmp_path)
    assert_error(r, "--out", needle)
    assert r.stdout == ""  # nothing trained


@pytest.mark.parametrize("where", ["directory", "missing", "under a file", "suffix"])
def test_run_out_is_checked_before_running(tmp_path, life_json, places, where) -> None:
    out, needle = places.get(where, (str(tmp_path / "board.txt"), ".rle or .cells"))
    if where == "directory":
        out = str(tmp_path / "x.rle")
        os.mkdir(out)
    r = run_cli("run", str(life_json), "--random", "1", "--out", out, cwd=tmp_path)
    assert_error(r, "--out", needle)
    assert r.stdout == ""  # nothing ran


@pytest.mark.parametrize("where", ["directory", "missing", "under a file"])
def test_emit_out_is_checked(tmp_path, life_json, places, where) -> None:
    out, needle = places[where]
    r = run_cli("emit", str(life_json), "--out", out, cwd=tmp_path)
    assert_error(r, "--out", needle)


@pytest.mark.skipif(ROOT, reason="root writes into read-only directories")
def test_out_in_a_read_only_directory(tmp_path, life_json) -> None:
    ro = tmp_path / "ro"
    ro.mkdir()
    ro.chmod(0o555)
    try:
        r = run_cli("emit", str(life_json), "--out", str(ro / "x.h"), cwd=tmp_path)
        assert_error(r, "--out", "cannot write")
    finally:
        ro.chmod(0o755)


@pytest.mark.parametrize("umask, mode", [(0o022, 0o644), (0o077, 0o600), (0o002, 0o664)])
def test_written_files_follow_the_umask(tmp_path, life_json, umask, mode) -> None:
    out = tmp_path / "life.h"
    r = run_cli("emit", str(life_json), "--out", str(out), cwd=tmp_path, umask=umask)
    assert r.returncode == 0, r.stderr
    assert stat.S_IMODE(out.stat().st_mode) == mode


def test_out_replaces_a_symlink_not_its_target(tmp_path, life_json) -> None:
    target = tmp_path / "precious.txt"
    target.write_text("keep me")
    link = tmp_path / "life.h"
    link.symlink_to(target)
    r = run_cli("emit", str(life_json), "--out", str(link), cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert not link.is_symlink() and "static inline cell" in link.read_text()
    assert target.read_text() == "keep me"


# -- 5. an unusable cache directory ----------------------------------------------------------


@pytest.fixture
def bad_cache(tmp_path: Path) -> dict[str, str]:
    """GATENET_CACHE under a regular file: unwritable even for root."""
    (tmp_path / "file.txt").write_text("")
    return {"GATENET_CACHE": str(tmp_path / "file.txt" / "cache")}


def test_run_with_unusable_cache_is_one_line(tmp_path, life_json, bad_cache) -> None:
    r = run_cli("run", str(life_json), "--random", "1", "--steps", "1", cwd=tmp_path,
                env=bad_cache)
    assert_error(r, "GATENET_CACHE", "file.txt")


def test_train_with_unusable_cache_fails_before_training(tmp_path, bad_cache) -> None:
    r = run_cli("train", "--out", "x.json", "--quiet", cwd=tmp_path, env=bad_cache)
    assert_error(r, "GATENET_CACHE")
    assert r.stdout == ""


def test_training_without_the_jax_cache_warns_once(tmp_path, bad_cache) -> None:
    """The JAX cache only saves time: training goes on without it, after one warning.

    A small network for two epochs, so that compiling without the cache stays cheap.
    """
    code = (
        "import warnings\n"
        "from gatenet.learn.train import CacheWarning, enable_compilation_cache, train\n"
        "with warnings.catch_warnings(record=True) as w:\n"
        "    warnings.simplefilter('always')\n"
        "    kw = dict(sizes=(9, 8, 4, 2, 1), max_epochs=2, progress=False)\n"
        "    runs = [train('B3/S23', seed=s, **kw).epochs for s in (0, 1)]\n"
        "    again = enable_compilation_cache()\n"
        "warned = [str(x.message) for x in w if x.category is CacheWarning]\n"
        "print(runs, again, len(warned), 'GATENET_CACHE' in warned[0])\n"
    )
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                       env={**os.environ, "JAX_PLATFORMS": "cpu", **bad_cache}, timeout=600)
    assert r.returncode == 0, r.stderr
    assert r.stdout.split() == ["[2,", "2]", "False", "1", "True"]


def test_cli_shows_package_warnings_as_one_line(capsys) -> None:
    import argparse
    import warnings

    from gatenet.cli import run_command
    from gatenet.learn.train import CacheWarning

    def warn(args: argparse.Namespace) -> int:
        warnings.warn("the cache is read-only; set GATENET_CACHE", CacheWarning, stacklevel=1)
        return 0

    assert run_command(warn, argparse.Namespace()) == 0
    err = capsys.readouterr().err
    assert err == "gatenet: warning: the cache is read-only; set GATENET_CACHE\n"


# -- 6. determinism --------------------------------------------------------------------------


def test_save_can_leave_out_run_data(tmp_path) -> None:
    a = handmade_life().with_meta(rule="B3/S23", run={"seconds": 1.0})
    b = handmade_life().with_meta(rule="B3/S23", run={"seconds": 2.0, "host": "x"})
    assert a.save(tmp_path / "a.json").read_bytes() != b.save(tmp_path / "b.json").read_bytes()
    pa = a.save(tmp_path / "a.json", run=False)
    pb = b.save(tmp_path / "b.json", run=False)
    assert pa.read_bytes() == pb.read_bytes()
    assert "run" not in json.loads(pa.read_text())["meta"]
    loaded = Circuit.load(tmp_path / "a.json")
    assert "run" not in loaded.meta and loaded.meta["rule"] == "B3/S23"


def test_synthesis_keeps_timings_under_meta_run(tmp_path) -> None:
    from gatenet.synth import synthesize_gates

    c = handmade_life()
    one = synthesize_gates(c, "default", cache=False)
    two = synthesize_gates(c, "default", cache=False)
    assert "seconds" not in one.meta["synth"]
    assert isinstance(one.meta["run"]["synth"]["seconds"], float)
    assert (one.save(tmp_path / "1.json", run=False).read_bytes()
            == two.save(tmp_path / "2.json", run=False).read_bytes())


def test_strong_synthesis_keeps_timings_under_meta_run() -> None:
    from gatenet.synth import synthesize_gates, synthesize_lut3

    budget = {"iterations": 1, "patience": 10, "timeout": 5}
    for r in (synthesize_gates(handmade_life(), "strong", **budget),
              synthesize_lut3(handmade_life(), "strong", **budget)):
        assert not {"seconds", "search_seconds"} & set(r.meta["synth"])
        assert r.meta["run"]["synth"]["seconds"] >= 0


def test_cached_results_of_older_versions_are_normalised() -> None:
    from gatenet.synth import flow

    old = handmade_life().with_meta(synth={"script": "x", "seconds": 1.5})
    new = flow._run_apart(old)
    assert new.meta["synth"] == {"script": "x"}
    assert new.meta["run"] == {"synth": {"seconds": 1.5}}
    assert flow._seconds(new) == 1.5 and flow._seconds(handmade_life()) == 0.0


def test_train_out_is_deterministic(tmp_path, monkeypatch) -> None:
    """Two runs giving the same circuit write the same bytes, whatever their timings."""
    from gatenet import pipeline
    from gatenet.__main__ import main
    from gatenet.learn.train import History, TrainConfig
    from gatenet.opt.optimize import Stage

    def fake_learn(rule, seed, **kw):
        fake_learn.calls += 1
        circuit = handmade_life().with_meta(
            run={"synth": {"seconds": fake_learn.calls * 1.234}})
        history = History(np.zeros(7), np.zeros(7, int), np.arange(7.0) * fake_learn.calls)
        return pipeline.Learned(rules.parse(rule), TrainConfig(seed=seed), history, True,
                                1.0 * fake_learn.calls, 2.0, [Stage.of("raw", circuit)])

    fake_learn.calls = 0
    monkeypatch.setattr(pipeline, "learn", fake_learn)
    for name in ("a.json", "b.json"):
        assert main(["train", "--arch", "flat", "--out", str(tmp_path / name), "--no-synth",
                     "--quiet"]) == 0
    a, b = (tmp_path / "a.json").read_bytes(), (tmp_path / "b.json").read_bytes()
    assert a == b
    meta = json.loads(a)["meta"]
    assert "run" not in meta and meta["seed"] == 0 and meta["epochs"] == 7


# -- 7. --json means JSON --------------------------------------------------------------------


def test_bench_train_json_is_only_json(tmp_path) -> None:
    r = run_cli("train", "--seeds", "1", "--max-epochs", "2", "--json", cwd=tmp_path,
                module="gatenet.bench")
    assert r.returncode == 0, r.stderr
    out = json.loads(r.stdout)
    assert out["records"][0]["epochs"] == 2
    assert out["summary"]["median_epochs_converged"] is None  # NaN is not JSON
    assert "NaN" not in r.stdout
    assert "# machine:" in r.stderr and "# machine:" not in r.stdout


def test_json_stdout_diverts_everything_else(tmp_path) -> None:
    code = (
        "import os, sys\n"
        "from gatenet.bench.__main__ import json_stdout\n"
        "with json_stdout() as out:\n"
        "    print('python noise')\n"
        "    os.write(1, b'C noise\\n')\n"
        "    print('[1, 2]', file=out)\n"
        "print('after')\n"
    )
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                       timeout=600)
    assert r.returncode == 0, r.stderr
    assert r.stdout == "[1, 2]\nafter\n"
    assert "python noise" in r.stderr and "C noise" in r.stderr


def test_bench_side_limit_follows_the_runtime() -> None:
    """``--sizes`` is capped by the runtime's own cell limit, not a second copy of it."""
    from gatenet.bench.__main__ import MAX_SIDE
    from gatenet.runtime.checks import MAX_CELLS as RUNTIME_MAX

    assert MAX_SIDE**2 <= RUNTIME_MAX < (MAX_SIDE + 1) ** 2

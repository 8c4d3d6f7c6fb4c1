"""The native path: build, cache and load; the C runtimes against rules.step."""

from __future__ import annotations

import re
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest

from _circuits import SHAPES, asym, random_table, shape_id, table_circuit
from gatenet import rules
from gatenet.bench import timing
from gatenet.ir.circuit import Circuit, Gate
from gatenet.runtime import native
from gatenet.runtime.board import Board, WriteupBoard

LIFE = table_circuit(rules.LIFE.table, rule="B3/S23")
ASYM = asym()
ASYM_TABLE = ASYM.truth_table()[:, 0]


def random_board(shape: tuple[int, int], seed: int, density: float = 0.4) -> np.ndarray:
    return (np.random.default_rng(seed).random(shape) < density).astype(np.uint8)


@pytest.mark.parametrize("shape", SHAPES, ids=shape_id)
@pytest.mark.parametrize("steps", [1, 5, 37])
def test_life_matches_reference(shape: tuple[int, int], steps: int) -> None:
    a = random_board(shape, seed=hash((shape, steps)) % 2**32)
    b = Board.from_array(a, LIFE)
    b.step(steps)
    assert np.array_equal(b.to_array(), rules.step(a, rules.LIFE, steps))
    assert b.population == int(b.to_array().sum())


@pytest.mark.parametrize("shape", SHAPES, ids=shape_id)
def test_asymmetric_rule_matches_reference(shape: tuple[int, int]) -> None:
    """A random rule distinguishes every neighbour: catches swapped or misplaced inputs."""
    a = random_board(shape, seed=7)
    b = Board.from_array(a, ASYM)
    for _ in range(3):
        b.step(1)
        a = rules.step(a, ASYM_TABLE, 1)
        assert np.array_equal(b.to_array(), a)


def test_long_run_512() -> None:
    a = random_board((512, 512), seed=1, density=0.3)
    b = Board.from_array(a, LIFE).step(200)
    assert np.array_equal(b.to_array(), rules.step(a, rules.LIFE, 200))


def test_many_steps_in_pieces_equal_one_call() -> None:
    a = random_board((31, 97), seed=3)
    one = Board.from_array(a, LIFE).step(150).to_array()
    b = Board.from_array(a, LIFE)
    for n in (1, 2, 47, 100):
        b.step(n)
    assert np.array_equal(one, b.to_array())
    assert np.array_equal(one, rules.step(a, rules.LIFE, 150))


@pytest.mark.parametrize("shape", [(20, 20), (9, 70), (70, 9)])
def test_glider_moves_one_cell_diagonally_every_four_generations(shape) -> None:
    a = np.zeros(shape, dtype=np.uint8)
    a[0, 1] = a[1, 2] = a[2, 0] = a[2, 1] = a[2, 2] = 1  # heading south-east
    b = Board.from_array(a, LIFE)
    for k in range(1, 2 * max(shape)):  # long enough to wrap around both edges
        b.step(4)
        assert np.array_equal(b.to_array(), np.roll(a, (k, k), axis=(0, 1)))


def test_random_fill_is_deterministic_and_matches_the_documented_generator() -> None:
    a1 = Board.random(70, 3, seed=5, density=0.3, circuit=LIFE).to_array()
    a2 = Board.random(70, 3, seed=5, density=0.3, circuit=LIFE).to_array()
    assert np.array_equal(a1, a2)
    assert not np.array_equal(a1, Board.random(70, 3, seed=6, density=0.3, circuit=LIFE).to_array())
    # reimplementation of csrc/runtime.h's description: splitmix64 seed, xorshift64 per cell
    m = 2**64 - 1
    x = (5 + 0x9E3779B97F4A7C15) & m
    x = ((x ^ (x >> 30)) * 0xBF58476D1CE4E5B9) & m
    x = ((x ^ (x >> 27)) * 0x94D049BB133111EB) & m
    state = x ^ (x >> 31)
    expect = []
    for _ in range(70 * 3):
        state ^= (state << 13) & m
        state ^= state >> 7
        state ^= (state << 17) & m
        expect.append(int((state >> 11) < 0.3 * 2**53))
    assert np.array_equal(a1.ravel(), expect)


def test_density_extremes() -> None:
    assert Board.random(100, 7, seed=1, density=1.0, circuit=LIFE).population == 700
    assert Board.random(100, 7, seed=1, density=0.0, circuit=LIFE).population == 0
    p = Board.random(256, 256, seed=1, density=0.5, circuit=LIFE).population
    assert abs(p - 32768) < 1000


# -- the write-up's runtime ----------------------------------------------------------------


@pytest.mark.parametrize("shape", [(1, 64), (3, 64), (64, 64), (17, 128), (40, 192)])
@pytest.mark.parametrize("circuit,table", [(LIFE, rules.LIFE.table), (ASYM, ASYM_TABLE)],
                         ids=["life", "asym"])
def test_writeup_baseline_matches_reference(shape, circuit, table) -> None:
    a = random_board(shape, seed=11)
    w = WriteupBoard.from_array(a, circuit)
    assert np.array_equal(w.to_array(), a)
    w.step(9)
    assert np.array_equal(w.to_array(), rules.step(a, table, 9))


def test_writeup_random_start_and_width_check() -> None:
    w = WriteupBoard.random(128, 8, circuit=LIFE)
    a = w.to_array()
    assert 300 < a.sum() < 724
    w.step(3)
    assert np.array_equal(w.to_array(), rules.step(a, rules.LIFE, 3))
    with pytest.raises(ValueError, match="multiple of 64"):
        WriteupBoard(65, 4, LIFE)


# -- building, caching, loading --------------------------------------------------------------


def test_runtime_api_matches_header() -> None:
    """native.RUNTIME_API declares exactly the functions runtime.h exports."""
    header = (native.c_dir() / "runtime.h").read_text()
    declared = set(re.findall(r"^\w[\w\s\*]*?\b(gatenet_board_\w+)\(", header, re.M))
    assert declared == {name for _, name, _ in native.RUNTIME_API.functions}
    flat = re.sub(r"\s+", "", header)
    for ret, name, params in native.RUNTIME_API.functions:
        assert re.sub(r"\s+", "", f"{ret} {name}({params});") in flat


def test_load_is_idempotent_and_cached(tmp_path) -> None:
    c = table_circuit(random_table(99))
    lib = native.load_runtime(c, cache=tmp_path)
    assert native.load_runtime(c, cache=tmp_path) is lib
    assert lib.path.parent == tmp_path and lib.path.exists()
    assert lib.suffix in lib.path.name
    # other flags: another library with other symbol names, coexisting with the first
    lib2 = native.load_runtime(c, cache=tmp_path, flags=["-O1"])
    assert lib2 is not lib and lib2.suffix != lib.suffix
    a = random_board((10, 70), seed=1)
    assert np.array_equal(Board.from_array(a, c, cache=tmp_path, flags=["-O1"]).step(2).to_array(),
                          Board.from_array(a, c, cache=tmp_path).step(2).to_array())


def test_cache_env_var(tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("GATENET_CACHE", str(tmp_path / "env"))
    assert native.cache_dir() == tmp_path / "env" / "native"
    path = native.build_shared("int f(void) { return 1; }\n", kind="probe")
    assert path.parent == tmp_path / "env" / "native" and path.exists()
    assert native.build_shared("int f(void) { return 1; }\n", kind="probe") == path


def test_compiler_errors_raise_native_build_error(tmp_path) -> None:
    with pytest.raises(native.NativeBuildError) as e:
        native.build_shared("int f(void) { return undeclared_thing; }\n", kind="bad",
                            cache=tmp_path)
    assert "undeclared_thing" in e.value.stderr
    assert not list(tmp_path.glob("*.so")) and not list(tmp_path.glob(".*tmp"))
    with pytest.raises(native.NativeBuildError, match="no C compiler"):
        native.build_shared("int f;\n", kind="bad", cache=tmp_path,
                            compiler="/nonexistent/compiler-xyz")


def test_concurrent_builds_do_not_corrupt(tmp_path) -> None:
    """Several processes building the same library at once all end with a loadable file."""
    script = textwrap.dedent(f"""
        import sys
        sys.path.insert(0, {str(Path(__file__).parent)!r})
        from _circuits import table_circuit, random_table
        from gatenet.runtime import native
        lib = native.load_runtime(table_circuit(random_table(5)), cache={str(tmp_path)!r})
        b = lib.gatenet_board_new(10, 10)
        lib.gatenet_board_fill_random(b, 1, 1.0)
        assert lib.gatenet_board_population(b) == 100
        lib.gatenet_board_free(b)
    """)
    procs = [subprocess.Popen([sys.executable, "-c", script], stderr=subprocess.PIPE, text=True)
             for _ in range(3)]
    for p in procs:
        _, err = p.communicate(timeout=300)
        assert p.returncode == 0, err
    assert len(list(tmp_path.glob("runtime_*.so"))) == 1
    assert not list(tmp_path.glob(".*tmp"))


def test_non_rule_circuits_rejected() -> None:
    c = Circuit(2, (Gate(1, 0, 1),), (2,))
    with pytest.raises(ValueError, match="9 inputs"):
        native.load_runtime(c)
    with pytest.raises(TypeError, match="Circuit"):
        native.load_runtime("B3/S23")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="unknown library kind"):
        native.load("verilog", LIFE)


def test_time_steps_reports_each_repeat() -> None:
    b = Board.random(128, 128, seed=1, density=0.3, circuit=LIFE)
    times = timing.time_steps(b, steps=5, repeats=3)
    assert len(times) == 3 and all(t > 0 for t in times)
    with pytest.raises(ValueError):
        timing.time_steps(b, steps=0)
    w = WriteupBoard.from_array(b.to_array(), LIFE)
    for board in (b, w):
        timing.time_steps(board, steps=3, repeats=2)
    assert np.array_equal(b.to_array(), w.to_array())  # both advanced the same generations

"""Reliability of the runtime and of the caches: what happens when things go wrong.

Six promises, each checked by making the bad thing happen:

1. a board shared between threads is safe: steps take turns (the result equals running them
   one after another), reads see whole generations, and ``close()`` during a step neither
   crashes nor corrupts anything (the step stops with ValueError);
2. a damaged cached artefact — a truncated or garbled ``.so``, declarations or circuit
   header, synthesis result or training memo — is rebuilt or recomputed by the next run,
   never loaded (which used to die of SIGBUS or SIGTRAP on every run);
3. a process forked after OpenMP threads ran can still step boards (it used to hang);
4. Ctrl-C stops a step of any length within a fraction of a second;
5. creating and closing boards holds memory flat (cppyy used to keep ~1.4 KB per board);
6. sizes are checked before anything is allocated, and a refused allocation is a
   MemoryError, not a crash.

Whatever could crash, hang or kill the interpreter runs in a subprocess with a timeout, so a
regression fails its test instead of taking pytest down with it.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import signal
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

import numpy as np
import pytest

from gatenet import rules
from gatenet.ir.handmade import handmade_life
from gatenet.runtime import board as board_module
from gatenet.runtime import checks, native
from gatenet.runtime.board import Board, WriteupBoard
from gatenet.runtime.fast import FastBoard

TESTS = Path(__file__).resolve().parent
LIFE = handmade_life()


def run_python(code: str, cache: Path | None = None, timeout: float = 300,
               **env: str) -> subprocess.CompletedProcess[str]:
    """``code`` in a fresh interpreter (own gatenet cache if given); a timeout fails the
    test rather than hanging it."""
    full_env = {**os.environ, "JAX_PLATFORMS": "cpu", "OMP_WAIT_POLICY": "passive", **env}
    if cache is not None:
        full_env["GATENET_CACHE"] = str(cache)
    try:
        return subprocess.run([sys.executable, "-c", textwrap.dedent(code)], cwd=TESTS,
                              capture_output=True, text=True, timeout=timeout, env=full_env)
    except subprocess.TimeoutExpired as e:
        pytest.fail(f"subprocess hung (killed after {timeout:.0f} s)\n{e.stdout}\n{e.stderr}")


def assert_ok(proc: subprocess.CompletedProcess[str]) -> str:
    """Exit status 0 and "ok" printed; a death by signal is named."""
    how = (f"killed by {signal.Signals(-proc.returncode).name}" if proc.returncode < 0
           else f"exit status {proc.returncode}")
    assert proc.returncode == 0, f"{how}\n{proc.stdout}\n{proc.stderr[-3000:]}"
    assert proc.stdout.rstrip().endswith("ok"), proc.stdout + proc.stderr[-3000:]
    return proc.stdout


def random_board(shape: tuple[int, int], seed: int) -> np.ndarray:
    return (np.random.default_rng(seed).random(shape) < 0.4).astype(np.uint8)


def make_board(kind: str, a: np.ndarray):
    if kind == "board":
        return Board.from_array(a, LIFE)
    if kind == "writeup":
        return WriteupBoard.from_array(a, LIFE)
    return FastBoard(a, LIFE, kernel="auto", threads=int(kind.removeprefix("fast")))


KINDS = ["board", "writeup", "fast1", "fast2"]


# -- 1. threads ------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", KINDS)
def test_concurrent_steps_equal_the_sequential_result(kind: str) -> None:
    """Four threads stepping one board (the GIL is released in C): steps take turns, so
    the board ends where 4 × 6 × 7 sequential generations take it."""
    a = random_board((192, 256), seed=1)
    b = make_board(kind, a)
    start = threading.Barrier(4)
    errors: list[BaseException] = []

    def worker() -> None:
        try:
            start.wait()
            for _ in range(6):
                b.step(7)
        except BaseException as e:  # pragma: no cover - reported below
            errors.append(e)

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert not errors and not any(t.is_alive() for t in threads)
    assert np.array_equal(b.to_array(), rules.step(a, rules.LIFE, 4 * 6 * 7))


@pytest.mark.parametrize("kind", ["board", "fast2"])
def test_reads_during_steps_see_whole_generations(kind: str) -> None:
    """Every snapshot another thread takes while the board steps is one of its generations,
    never a half-written buffer."""
    a = random_board((128, 192), seed=2)
    gens = [a]
    for _ in range(40):
        gens.append(rules.step(gens[-1], rules.LIFE, 1))
    known = {g.tobytes() for g in gens}
    b = make_board(kind, a)
    done = threading.Event()
    snapshots: list[bytes] = []

    def reader() -> None:
        while not done.is_set():
            snapshots.append(b.to_array().tobytes())

    t = threading.Thread(target=reader)
    t.start()
    try:
        for _ in range(40):
            b.step(1)
    finally:
        done.set()
        t.join(30)
    assert snapshots and all(s in known for s in snapshots)
    assert np.array_equal(b.to_array(), gens[-1])


def test_close_during_a_long_step_is_safe() -> None:
    """close() from one thread while another is inside a long step: close returns within a
    chunk, the step stops with ValueError, nothing is touched after the free (ASan-free
    evidence: the process exits 0, many times over, at random moments)."""
    code = """
        import random, threading, time
        from gatenet.ir.handmade import handmade_life
        from gatenet.runtime.board import Board, WriteupBoard
        from gatenet.runtime.fast import FastBoard
        LIFE = handmade_life()
        makers = {
            "board": lambda: Board.random(512, 512, seed=1, circuit=LIFE),
            "writeup": lambda: WriteupBoard.random(512, 256, LIFE),
            "fast": lambda: FastBoard.random(1024, 512, LIFE, threads=2),
        }
        random.seed(0)
        worst = 0.0
        for kind, make in makers.items():
            for k in range(12):
                b = make()
                errors = []
                def run():
                    try:
                        b.step(2**62)
                    except ValueError as e:
                        errors.append(str(e))
                t = threading.Thread(target=run)
                t.start()
                time.sleep(random.choice([0, 0.001, 0.02, 0.15]))
                t0 = time.monotonic()
                b.close()
                worst = max(worst, time.monotonic() - t0)
                t.join(10)
                assert not t.is_alive(), "step went on after close"
                assert len(errors) == 1 and "closed" in errors[0], errors
                for op in (lambda: b.step(1), b.to_array, lambda: b.population):
                    try:
                        op()
                    except ValueError as e:
                        assert "closed" in str(e)
                    else:
                        raise AssertionError("operation on a closed board succeeded")
                assert b.closed and "closed" in repr(b)
        assert worst < 2.0, worst
        print(f"close waited at most {worst:.3f} s")
        print("ok")
    """
    assert_ok(run_python(code, timeout=300))


def test_small_steps_are_one_c_call_and_chunks_do_not_change_results(monkeypatch) -> None:
    a = random_board((70, 130), seed=3)
    b = Board.from_array(a, LIFE)
    calls: list[int] = []
    fn = b._lib.functions["gatenet_board_step"]

    def counting(handle: int, k: int) -> None:
        calls.append(k)
        fn(handle, k)

    monkeypatch.setitem(b._lib.functions, "gatenet_board_step", counting)
    b.step(100)
    assert calls == [100]  # no overhead for ordinary step counts
    monkeypatch.setattr(board_module, "CHUNK_SECONDS", 1e-5)  # many tiny chunks
    calls.clear()
    b.step(300)
    assert len(calls) > 5 and sum(calls) == 300
    assert np.array_equal(b.to_array(), rules.step(a, rules.LIFE, 400))
    f = FastBoard(a, LIFE, kernel="auto", threads=2, depth=3)
    f.step(301)
    assert np.array_equal(f.to_array(), rules.step(a, rules.LIFE, 301))


# -- 2. damaged cache entries ------------------------------------------------------------------

#: Builds (or loads) the scalar runtime and the fast runtime for Life and checks both.
BOARDS_SCRIPT = """
    import numpy as np
    from gatenet import rules
    from gatenet.ir.handmade import handmade_life
    from gatenet.runtime.board import Board
    from gatenet.runtime.fast import FastBoard
    a = (np.random.default_rng(5).random((40, 70)) < 0.4).astype(np.uint8)
    want = rules.step(a, rules.LIFE, 9)
    assert np.array_equal(Board.from_array(a, handmade_life()).step(9).to_array(), want)
    f = FastBoard(a, handmade_life(), kernel="scalar", threads=1)
    assert np.array_equal(f.step(9).to_array(), want)
    print("ok")
"""


@pytest.fixture(scope="module")
def built_cache(tmp_path_factory) -> Path:
    """A private cache holding both libraries, built once; tests damage copies of it."""
    cache = tmp_path_factory.mktemp("built")
    assert_ok(run_python(BOARDS_SCRIPT, cache))
    return cache


def _one(native_dir: Path, pattern: str) -> Path:
    found = sorted(native_dir.glob(pattern))
    assert len(found) >= 1, f"nothing matches {pattern}"
    return found[0]


def _truncate_half(p: Path) -> None:
    p.write_bytes(p.read_bytes()[: p.stat().st_size // 2])


def _garble_middle(p: Path) -> None:
    data = bytearray(p.read_bytes())
    mid = len(data) // 2
    data[mid: mid + 4096] = b"\xcc" * len(data[mid: mid + 4096])  # int3: SIGTRAP if run
    p.write_bytes(bytes(data))


DAMAGE = {
    "runtime .so truncated": ("runtime_*.so", _truncate_half),
    "runtime .so emptied": ("runtime_*.so", lambda p: p.write_bytes(b"")),
    "runtime .so code garbled": ("runtime_*.so", _garble_middle),
    "runtime .so digest missing": ("runtime_*.so.sha256", Path.unlink),
    "runtime .so digest garbled": ("runtime_*.so.sha256", lambda p: p.write_bytes(b"\xff\x00")),
    "runtime declarations garbled": ("runtime_*.h", lambda p: p.write_bytes(b"\x00\xffint (")),
    "runtime declarations truncated": ("runtime_*.h", _truncate_half),
    "fast .so truncated": ("fast_*.so", _truncate_half),
    "fast declarations truncated": ("fast_*.h", _truncate_half),
}


@pytest.mark.parametrize("damage", list(DAMAGE))
def test_damaged_library_files_are_rebuilt(built_cache: Path, tmp_path: Path,
                                           damage: str) -> None:
    cache = tmp_path / "cache"
    shutil.copytree(built_cache, cache)
    pattern, hurt = DAMAGE[damage]
    hurt(_one(cache / "native", pattern))
    assert_ok(run_python(BOARDS_SCRIPT, cache))
    libs = sorted((cache / "native").glob("*.so"))
    assert libs and all(native.cached_library_ok(lib) for lib in libs)
    for decl in (lib.with_suffix(".h") for lib in libs):
        assert decl.read_text().startswith("#include <stddef.h>")


def test_damaged_fast_circuit_header_is_regenerated(built_cache: Path, tmp_path: Path) -> None:
    """A garbled circuit header would break (or silently change) the next build of the fast
    library: with the library gone too, that build must still produce the right kernel."""
    cache = tmp_path / "cache"
    shutil.copytree(built_cache, cache)
    header = _one(cache / "native", "fastcircuit_*_w64.h")
    good = header.read_text()
    header.write_text(good.replace("&", "|"))  # still C, but another rule
    for p in (cache / "native").glob("fast_*.so*"):
        p.unlink()
    assert_ok(run_python(BOARDS_SCRIPT, cache))
    assert header.read_text() == good


def test_cached_library_check_unit(tmp_path: Path) -> None:
    """The digest check itself: a library is trusted only with a matching digest."""
    lib = native.build_shared("int f(void) { return 1; }\n", kind="probe", cache=tmp_path)
    assert native.cached_library_ok(lib)
    digest = lib.with_name(lib.name + ".sha256")
    assert digest.read_text().strip() == hashlib.sha256(lib.read_bytes()).hexdigest()
    _truncate_half(lib)
    assert not native.cached_library_ok(lib)
    again = native.build_shared("int f(void) { return 1; }\n", kind="probe", cache=tmp_path)
    assert again == lib and native.cached_library_ok(lib)
    digest.unlink()
    assert not native.cached_library_ok(lib)
    assert not list(tmp_path.glob(".*tmp"))


SYNTH_SCRIPT = """
    from gatenet import synth
    from gatenet.ir.handmade import handmade_life
    print(synth.synthesize_gates(handmade_life(), script="default").content_hash())
    print("ok")
"""


@pytest.mark.parametrize("damage", ["non-UTF-8 bytes", "truncated", "wrong shape", "emptied",
                                    "another function"])
def test_damaged_synthesis_result_is_recomputed(tmp_path: Path, damage: str) -> None:
    import json

    from _circuits import asymmetric_circuit
    from gatenet.ir.circuit import Circuit

    cache = tmp_path / "cache"
    first = assert_ok(run_python(SYNTH_SCRIPT, cache)).split()[0]
    (entry,) = (cache / "synth").glob("gates-*.json")
    text = entry.read_bytes()
    entry.write_bytes({
        "non-UTF-8 bytes": text[:50] + b"\xff\xfe\x80" + text[53:],
        "truncated": text[: len(text) // 2],
        "wrong shape": b'[1, {"gates": 2}]',
        "emptied": b"",
        "another function": json.dumps(asymmetric_circuit(3).to_dict()).encode(),
    }[damage])
    again = assert_ok(run_python(SYNTH_SCRIPT, cache)).split()[0]
    assert again == first  # the same netlist, recomputed
    assert Circuit.load(entry).content_hash() == first  # and cached again


#: A real memo without training: random logits, whose extracted circuit defines the rule.
#: ``learn`` is replaced by a function that returns it and counts calls (a recomputation).
MEMO_PRELUDE = """
    import sys
    import numpy as np
    from gatenet import pipeline, rules
    from gatenet.learn.extract import extract
    from gatenet.learn.network import Network
    from gatenet.learn.train import History, TrainConfig
    from gatenet.opt.optimize import Stage

    SIZES = (9, 24, 12, 6, 3, 1)
    cfg = TrainConfig(sizes=SIZES, seed=3)
    rng = np.random.default_rng(3)
    params = [rng.normal(size=(n, 16)).astype(np.float32) for n in SIZES[1:]]
    raw = extract(Network(cfg.sizes, cfg.scheme, seed=cfg.seed), params)
    RULE = rules.Rule("fabricated", raw.truth_table()[:, 0])
    LEARNED = pipeline.Learned(
        rule=RULE, config=cfg, converged=True, train_seconds=1.25, compile_seconds=0.5,
        history=History(np.linspace(9, 0, 5), np.array([9, 4, 2, 1, 0]), np.arange(5.0)),
        stages=[Stage.of("raw network", raw)], params=params)
    calls = []
    def fake_learn(rule, seed, **kw):
        calls.append(1)
        return LEARNED
    pipeline.learn = fake_learn
    pipeline.source_fingerprint = lambda: "pinned"  # a concurrent edit must not move the key

    def check(got):
        assert got.raw == raw and got.rule == RULE and got.train_seconds == 1.25
        assert [np.array_equal(p, q) for p, q in zip(got.params, params)] == [True] * 5
        assert np.array_equal(got.history.hard_errors, [9, 4, 2, 1, 0])
"""

MEMO_RUN = MEMO_PRELUDE + """
    check(pipeline.learn_cached(RULE, seed=3, sizes=SIZES))
    check(pipeline.learn_cached(RULE, seed=3, sizes=SIZES))  # now loaded, whatever happened
    print(f"learn calls: {len(calls)}")
    print("ok")
"""


@pytest.fixture(scope="module")
def memo_cache(tmp_path_factory) -> Path:
    cache = tmp_path_factory.mktemp("memo")
    assert "learn calls: 1" in assert_ok(run_python(MEMO_RUN, cache))
    return cache


def _flip(data: bytes, start: int, end: int) -> bytes:
    return data[:start] + bytes(x ^ 0x5A for x in data[start:end]) + data[end:]


MEMO_DAMAGE = {
    "history.npz truncated": ("history.npz", lambda b: b[: len(b) // 2]),
    "history.npz emptied": ("history.npz", lambda b: b""),
    "history.npz garbage": ("history.npz", lambda b: b"\x93NUMPY garbage \xff" * 10),
    "history.npz bit flips": ("history.npz", lambda b: _flip(b, 300, 400)),
    "learned.json a list": ("learned.json", lambda b: b"[]"),
    "learned.json wrong types": ("learned.json", lambda b: b'{"stages": 5, "rule": []}'),
    "learned.json missing a key": ("learned.json",
                                   lambda b: b.replace(b'"train_seconds"', b'"x"')),
    "learned.json non-UTF-8": ("learned.json", lambda b: b"\xff\xfe" + b[2:]),
    "learned.json truncated": ("learned.json", lambda b: b[: len(b) // 2]),
    "stage0.json garbled": ("stage0.json", lambda b: b"\x00\xff" + b[2:]),
}


def test_intact_memo_is_loaded_not_recomputed(memo_cache: Path, tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    shutil.copytree(memo_cache, cache)
    assert "learn calls: 0" in assert_ok(run_python(MEMO_RUN, cache))


@pytest.mark.parametrize("damage", list(MEMO_DAMAGE))
def test_damaged_memo_is_recomputed(memo_cache: Path, tmp_path: Path, damage: str) -> None:
    cache = tmp_path / "cache"
    shutil.copytree(memo_cache, cache)
    name, hurt = MEMO_DAMAGE[damage]
    (path,) = (cache / "learned").glob(f"*/{name}")
    path.write_bytes(hurt(path.read_bytes()))
    assert "learn calls: 1" in assert_ok(run_python(MEMO_RUN, cache))


def test_two_processes_filling_one_memo_do_not_collide(tmp_path: Path) -> None:
    """Both used to write ``history.tmp.npz``: one renamed the other's half-written file or
    found it gone. Unique temporary names let any number of writers race."""
    code = textwrap.dedent(MEMO_PRELUDE) + textwrap.dedent("""
        from pathlib import Path
        folder = Path(sys.argv[1])
        for _ in range(60):
            pipeline._save_learned(LEARNED, folder)
        check(pipeline._load_learned(folder))
        print("ok")
    """)
    folder = tmp_path / "memo"
    env = {**os.environ, "JAX_PLATFORMS": "cpu", "GATENET_CACHE": str(tmp_path / "cache")}
    procs = [subprocess.Popen([sys.executable, "-c", code, str(folder)],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
             for _ in range(3)]
    for p in procs:
        out, err = p.communicate(timeout=300)
        assert p.returncode == 0 and out.strip().endswith("ok"), err[-3000:]
    assert sorted(q.name for q in folder.iterdir()) == ["history.npz", "learned.json",
                                                        "stage0.json"]


# -- 3. fork ---------------------------------------------------------------------------------


def test_fork_after_openmp_threads_does_not_hang() -> None:
    """libgomp's threads do not survive fork; a child entering a parallel region with two
    threads waited for them forever. Children now run boards on one thread."""
    code = """
        import multiprocessing as mp, os, threading, time
        import numpy as np
        from gatenet import rules
        from gatenet.ir.handmade import handmade_life
        from gatenet.runtime import fast
        from gatenet.runtime.fast import FastBoard
        LIFE = handmade_life()
        a = (np.random.default_rng(1).random((200, 300)) < 0.4).astype(np.uint8)
        b = FastBoard(a, LIFE, kernel="auto", threads=2)
        b.step(5)  # the parent's OpenMP pool now exists
        start = rules.step(a, rules.LIFE, 5)
        assert np.array_equal(b.to_array(), start)

        pid = os.fork()
        if pid == 0:  # the child: its inherited board and a new one, "two" threads each
            ok = fast.forked()
            b.step(7)
            ok = ok and np.array_equal(b.to_array(), rules.step(start, rules.LIFE, 7))
            c = FastBoard(a, LIFE, kernel="auto", threads=2).step(3)
            ok = ok and c.threads == 1 and np.array_equal(c.to_array(),
                                                          rules.step(a, rules.LIFE, 3))
            os._exit(0 if ok else 1)
        assert os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1]) == 0, "os.fork child failed"

        def work(n):
            b.step(n)  # the board this worker inherited, stepped once
            return b.population

        with mp.get_context("fork").Pool(2, maxtasksperchild=1) as pool:
            got = pool.map_async(work, [1, 2, 3]).get(timeout=60)
        assert got == [int(rules.step(start, rules.LIFE, n).sum()) for n in (1, 2, 3)], got

        # a fork while another thread is in the middle of stepping the board
        stop = threading.Event()
        def stepper():
            while not stop.is_set():
                b.step(3)
        t = threading.Thread(target=stepper)
        t.start()
        time.sleep(0.05)
        pid = os.fork()
        if pid == 0:
            snap = b.to_array()
            b.step(4)
            os._exit(0 if np.array_equal(b.to_array(), rules.step(snap, rules.LIFE, 4)) else 1)
        code = os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1])
        stop.set()
        t.join()
        assert code == 0, "fork during a step: child failed"
        assert b.threads == 2 and not fast.forked()  # the parent keeps its threads
        print("ok")
    """
    assert_ok(run_python(code, timeout=180))


# -- 4. Ctrl-C -------------------------------------------------------------------------------

SIGINT_SCRIPT = """
    import signal, sys, time
    # Ctrl-C as a terminal delivers it, whatever this process inherited: a shell runs
    # background jobs with SIGINT ignored, and Python then never raises KeyboardInterrupt
    signal.signal(signal.SIGINT, signal.default_int_handler)
    from gatenet.ir.handmade import handmade_life
    from gatenet.runtime.board import Board, WriteupBoard
    from gatenet.runtime.fast import FastBoard
    kind = sys.argv[1]
    LIFE = handmade_life()
    if kind == "board":
        b = Board.random(512, 512, seed=1, circuit=LIFE)
    elif kind == "writeup":
        b = WriteupBoard.random(512, 512, LIFE)
    else:
        b = FastBoard.random(1024, 1024, LIFE, threads=int(kind[-1]))
    b.step(2)
    print("ready", flush=True)
    try:
        b.step(2**63 - 1)
    except KeyboardInterrupt:
        stopped = time.monotonic()
        b.step(1)  # still usable, at some generation
        print(f"interrupted {stopped!r} {b.population}", flush=True)
        print("ok")
        sys.exit(0)
    sys.exit(3)
"""


@pytest.mark.parametrize("kind", KINDS)
def test_ctrl_c_stops_a_huge_step(kind: str) -> None:
    env = {**os.environ, "JAX_PLATFORMS": "cpu"}
    p = subprocess.Popen([sys.executable, "-c", textwrap.dedent(SIGINT_SCRIPT), kind],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    watchdog = threading.Timer(300, p.kill)  # a hang before "ready" must not hang pytest
    watchdog.start()
    try:
        assert p.stdout is not None and p.stdout.readline().strip() == "ready"
        time.sleep(1.0)
        sent = time.monotonic()
        p.send_signal(signal.SIGINT)
        out, err = p.communicate(timeout=10)
    except subprocess.TimeoutExpired:
        p.kill()
        p.communicate()
        pytest.fail("the step ignored Ctrl-C")
    finally:
        watchdog.cancel()
    assert p.returncode == 0, err[-3000:]
    latency = float(out.split()[1]) - sent  # time.monotonic is system-wide on Linux
    assert latency < 1.0, latency


# -- 5. memory per board ---------------------------------------------------------------------


def test_boards_hold_memory_flat() -> None:
    """1,000 boards of each kind, created, stepped and closed: traced Python memory and RSS
    stay flat. cppyy used to create a Python class per returned board pointer (about
    1.4 KB traced, 2.3 KB of RSS per board, never freed)."""
    code = """
        import gc, os, tracemalloc
        import numpy as np
        from gatenet.ir.handmade import handmade_life
        from gatenet.runtime.board import Board, WriteupBoard
        from gatenet.runtime.fast import FastBoard
        LIFE = handmade_life()
        zeros = np.zeros((8, 8), np.uint8)
        makers = {
            "board": lambda: Board(8, 8, LIFE),
            "writeup": lambda: WriteupBoard(64, 2, LIFE),
            "fast": lambda: FastBoard(zeros, LIFE, kernel="scalar", threads=1),
        }
        def rss():
            with open("/proc/self/statm") as f:
                return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
        N = 1000
        for kind, make in makers.items():
            def cycle():
                b = make()
                b.step(2)
                b.population
                b.close()
            for _ in range(200):
                cycle()
            gc.collect()
            tracemalloc.start()
            r0 = rss()
            for _ in range(N):
                cycle()
            gc.collect()
            traced = tracemalloc.get_traced_memory()[0] / N
            tracemalloc.stop()
            grown = (rss() - r0) / N
            print(f"{kind}: {traced:.1f} B traced, {grown:.1f} B RSS per board")
            assert traced < 100, (kind, traced)
            assert grown < 600, (kind, grown)
        print("ok")
    """
    assert_ok(run_python(code, timeout=300))


# -- 6. resource caps ------------------------------------------------------------------------


def test_huge_boards_are_refused_before_allocation() -> None:
    limit = f"{checks.MAX_CELLS:,}"
    for make in (lambda: Board.random(10**6, 10**6),
                 lambda: Board(10**6, 10**6, LIFE),
                 lambda: WriteupBoard(64 * 10**5, 10**6, LIFE),
                 lambda: FastBoard.random(10**6, 10**6, LIFE)):
        with pytest.raises(ValueError, match=f"too large: at most {limit} cells"):
            make()


def test_boards_beyond_this_machines_memory_are_refused(monkeypatch) -> None:
    """More than the machine has is a MemoryError before anything is allocated (Linux would
    overcommit and kill the process later, while the board is filled)."""
    monkeypatch.setattr(checks, "memory_limit", lambda: 1 << 20)

    def no_build(*a, **k):
        raise AssertionError("nothing may be built or allocated")

    monkeypatch.setattr(native, "load_runtime", no_build)
    monkeypatch.setattr(native, "load_writeup_baseline", no_build)
    with pytest.raises(MemoryError, match=r"needs .* GiB, more than the 0\.0 GiB"):
        Board(4096, 4096)
    with pytest.raises(MemoryError, match="GiB"):
        WriteupBoard(4096, 4096)
    with pytest.raises(MemoryError, match="GiB"):
        FastBoard.random(4096, 4096, LIFE)
    assert isinstance(checks.check_memory(1000, "x"), int)


def test_allocation_refused_by_c_is_a_memory_error() -> None:
    """With the address space capped, C's allocation fails: each board says so as a
    MemoryError with a message, and the process carries on."""
    code = """
        import resource
        import numpy as np
        from gatenet.ir.handmade import handmade_life
        from gatenet.runtime.board import Board, WriteupBoard
        from gatenet.runtime.fast import FastBoard
        LIFE = handmade_life()
        Board(64, 64, LIFE); WriteupBoard(64, 64, LIFE)  # libraries built and loaded first
        FastBoard(np.zeros((8, 8), np.uint8), LIFE, threads=1)
        a = np.zeros((16384, 16384), np.uint8)
        def cap(extra):
            with open("/proc/self/statm") as f:
                vm = int(f.read().split()[0]) * resource.getpagesize()
            resource.setrlimit(resource.RLIMIT_AS, (vm + extra, resource.RLIM_INFINITY))
        cases = [
            ("board", 16 << 20, lambda: Board(32768, 32768, LIFE)),
            ("writeup", 16 << 20, lambda: WriteupBoard(16384, 16384, LIFE)),
            ("fast", (256 + 16) << 20, lambda: FastBoard(a, LIFE, threads=1)),  # + a copy
        ]
        for name, extra, make in cases:
            resource.setrlimit(resource.RLIMIT_AS, (resource.RLIM_INFINITY,) * 2)
            cap(extra)
            try:
                make()
            except MemoryError as e:
                assert "could not allocate" in str(e) and "board" in str(e), (name, e)
                print(name, e)
            else:
                raise AssertionError(f"{name}: allocation unexpectedly succeeded")
        resource.setrlimit(resource.RLIMIT_AS, (resource.RLIM_INFINITY,) * 2)
        assert Board(64, 64, LIFE).step(1).population == 0
        print("ok")
    """
    assert_ok(run_python(code, timeout=300))

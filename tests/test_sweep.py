"""Sweeps: the plan, the crash-safe results file, local and Dask execution.

A sweep's promise is that nothing is lost and nothing is made up: every (rule, seed) ends as
one line — exact, not exact, bad rule, or failed with the reason — each exact circuit is
saved and verified against its rule, a rerun skips what is done, and running on a Dask
cluster gives the same circuits as running here.
"""

import contextlib
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from _sweep_runners import dies_on_seed_one, sleeps
from gatenet import rules
from gatenet.ir.circuit import Circuit
from gatenet.ir.netlist import verify
from gatenet.sweep import SweepOptions, run_sweep
from gatenet.sweep.executors import run_dask, run_local
from gatenet.sweep.plan import entry, life_like_sample, plan, read_rules_file, split_rules
from gatenet.sweep.results import ResultsFile, circuit_stem

TESTS = Path(__file__).resolve().parent
SMALL = (9, 48, 48, 24, 12, 6, 3, 1)
EASY = "B12345678/S012345678"  # learned in a few hundred epochs by the small network
OPTS = SweepOptions(max_epochs=600, synth="none", sizes=SMALL)
#: Life does not become exact in 40 epochs: a "not exact" line.
RULES = [EASY, "B9/S1", "B3/S23"]


# -- the plan ---------------------------------------------------------------------------------


def test_rules_are_split_parsed_and_deduplicated_by_table():
    assert split_rules(" B3/S23, 23/3 ,,B2-a/S12 ") == ["B3/S23", "23/3", "B2-a/S12"]
    tasks = plan(["B3/S23", "23/3", "B2-a/S12", "B9/S1"], [0, 1])
    assert [(e.text, s) for e, s in tasks] == [
        ("B3/S23", 0), ("B3/S23", 1), ("B2-a/S12", 0), ("B2-a/S12", 1), ("B9/S1", 0),
        ("B9/S1", 1)]
    bad = entry("B9/S1")
    assert bad.rule is None and "9" in bad.error
    assert entry("B2-a/S12").rule.name == "B2-a/S12"


def test_rules_file_skips_comments_and_blank_lines(tmp_path):
    f = tmp_path / "rules.txt"
    f.write_text("# the zoo\nB36/S23  # HighLife\n\n  B2/S\nB2-z/S\n")
    assert read_rules_file(f) == ["B36/S23", "B2/S", "B2-z/S"]
    assert entry("B2-z/S").error is not None  # 2z is not a Hensel letter: the parser says so


def test_one_rule_is_one_key_however_it_is_written():
    life = rules.LIFE.map_string
    assert entry(life).key == entry("B3/S23").key == entry("23/3").key == "B3/S23"
    assert [e.text for e, _ in plan(["B3/S23", life, "b3/s23"], [0])] == ["B3/S23"]
    long = entry("B3/S23" * 1000)
    assert long.rule is None and "6,000 characters" in long.error and len(long.text) < 50


def test_rules_files_with_a_bom_or_not_utf8(tmp_path):
    f = tmp_path / "bom.txt"
    f.write_bytes("\ufeffB3/S23\nB36/S23\n".encode())
    assert read_rules_file(f) == ["B3/S23", "B36/S23"]
    f.write_bytes(b"B3/S23\nB3\x95/S\n")
    with pytest.raises(ValueError, match=r"line 2: not UTF-8"):
        read_rules_file(f)


def test_life_like_sample_is_reproducible_distinct_and_life_like():
    a = life_like_sample(50, seed=3)
    assert a == life_like_sample(50, seed=3) and a != life_like_sample(50, seed=4)
    assert len(set(a)) == 50
    for name in a:
        assert rules.parse(name).name == name  # canonical B…/S… names
    with pytest.raises(ValueError, match=r"0\.\.262144"):
        life_like_sample(2**18 + 1, 0)
    assert life_like_sample(80, seed=3)[:50] == a  # a larger sample extends a smaller one


def test_options_are_checked():
    for bad, what in [(dict(max_epochs=0), "max_epochs"), (dict(synth="fast"), "synth"),
                      (dict(synth_budget=0.0), "synth_budget"),
                      (dict(synth_budget=float("nan")), "synth_budget"),
                      (dict(sizes=(8, 4, 1)), "sizes")]:
        with pytest.raises(ValueError, match=what):
            SweepOptions(**bad).validate()


# -- the results file -------------------------------------------------------------------------


def _rec(rule, seed, status="exact", options=OPTS):
    return {"rule": rule, "seed": seed, "status": status, "options": options.to_dict()}


def test_a_torn_last_line_is_cut_and_its_task_runs_again(tmp_path):
    res = ResultsFile(tmp_path / "r.jsonl")
    with res.writing():
        res.append(_rec("B3/S23", 0))
        res.append(_rec("B3/S23", 1))
    with open(res.path, "ab") as f:  # a crash in the middle of the third line
        f.write(b'{"rule": "B3/S23", "seed": 2, "sta')
    assert set(res.done(OPTS)) == {("B3/S23", 0), ("B3/S23", 1)}
    with res.writing():  # opening for writing cuts the torn tail
        res.append(_rec("B3/S23", 2))
    lines = res.path.read_text().splitlines()
    assert [json.loads(ln)["seed"] for ln in lines] == [0, 1, 2]


def test_a_damaged_middle_line_is_reported_with_its_number(tmp_path):
    p = tmp_path / "r.jsonl"
    p.write_text(json.dumps(_rec("B3/S23", 0)) + "\nnot json\n" + json.dumps(_rec("B3/S23", 1))
                 + "\n")
    with pytest.raises(ValueError, match="line 2"):
        ResultsFile(p).records()


def test_results_of_other_options_are_refused_not_mixed(tmp_path):
    res = ResultsFile(tmp_path / "r.jsonl")
    with res.writing():
        res.append(_rec("B3/S23", 0, options=SweepOptions(max_epochs=10)))
    with pytest.raises(ValueError, match="other options"):
        res.done(OPTS)


def test_failed_tasks_are_not_done_and_the_newest_line_wins(tmp_path):
    res = ResultsFile(tmp_path / "r.jsonl")
    with res.writing():
        res.append(_rec("B3/S23", 0, "failed"))
        res.append(_rec("B3/S23", 1, "failed"))
        res.append(_rec("B3/S23", 1, "exact"))
    assert set(res.done(OPTS)) == {("B3/S23", 1)}


def test_one_writer_at_a_time(tmp_path):
    import threading

    res = ResultsFile(tmp_path / "r.jsonl")
    with res.writing(), pytest.raises(ValueError, match="another sweep"), \
            ResultsFile(tmp_path / "r.jsonl").writing():
        pass
    order = []

    def second() -> None:  # waits for the first writer instead of failing
        with ResultsFile(tmp_path / "r.jsonl").writing(wait=True):
            order.append("second")

    with res.writing():
        t = threading.Thread(target=second)
        t.start()
        time.sleep(0.3)
        order.append("first")
    t.join(10)
    assert order == ["first", "second"]


def test_a_file_that_is_not_a_results_file_is_refused_untouched(tmp_path):
    for text in (b"[1, 2, 3]", b"line one\nline two", b'{"rule": "B3/S23"}\n'):
        p = tmp_path / "r.jsonl"
        p.write_bytes(text)
        with pytest.raises(ValueError, match="not a sweep result"), ResultsFile(p).writing():
            pass
        assert p.read_bytes() == text


def test_a_whole_last_record_without_its_newline_is_kept(tmp_path):
    p = tmp_path / "r.jsonl"
    p.write_text(json.dumps(_rec("B3/S23", 0)) + "\n" + json.dumps(_rec("B3/S23", 1)))
    res = ResultsFile(p)
    with res.writing():
        res.append(_rec("B3/S23", 2))
    assert [json.loads(ln)["seed"] for ln in p.read_text().splitlines()] == [0, 1, 2]


def test_links_fifos_and_a_blocked_circuit_folder_are_refused_before_work(tmp_path):
    (tmp_path / "real.jsonl").write_text("")
    (tmp_path / "link.jsonl").symlink_to(tmp_path / "real.jsonl")
    os.mkfifo(tmp_path / "fifo.jsonl")
    (tmp_path / "blocked.circuits").write_text("a file where the folder goes")
    for name, what in [("link.jsonl", "symbolic link"), ("fifo.jsonl", "not a regular file"),
                       ("blocked.jsonl", "not a directory")]:
        with pytest.raises(ValueError, match=what):
            run_sweep(["B3/S23"], [0], tmp_path / name, OPTS, progress=False)


def test_circuit_file_names():
    assert circuit_stem("B3/S23", 0) == "B3_S23-seed0"
    assert circuit_stem("B2-a/S12", 4) == "B2-a_S12-seed4"
    map_stem = circuit_stem("MAP" + "A" * 86, 1)
    assert map_stem.startswith("MAP-") and "/" not in map_stem and map_stem.endswith("-seed1")


# -- running sweeps ---------------------------------------------------------------------------


def _check_circuits(out: Path, records) -> None:
    """Every exact record's circuit file exists, equals its rule on all 512 neighbourhoods,
    and its ``map`` is the circuit's own truth table."""
    for rec in records:
        if rec["status"] != "exact":
            assert rec.get("circuit") is None
            continue
        rule = rules.parse(rec["rule"])
        circuit = Circuit.load(out.parent / rec["circuit"])
        assert verify(circuit, rule.table) == 0
        assert rec["map"] == rules.to_map(circuit.truth_table()[:, 0]) == rule.map_string
        assert rec["gates"] == len(circuit)


def _comparable(records):
    """Records without what depends on the run (timings)."""
    drop = {"train_seconds", "compile_seconds", "synth_seconds"}
    return [{k: v for k, v in r.items() if k not in drop} for r in records]


@pytest.fixture(scope="module")
def local_sweep(tmp_path_factory):
    out = tmp_path_factory.mktemp("local") / "results.jsonl"
    opts = SweepOptions(max_epochs=600, synth="none", sizes=SMALL)
    report = run_sweep([EASY, "B9/S1"], [0, 1], out, opts, workers=2, progress=False)
    life = run_sweep(["B3/S23"], [0], out, SweepOptions(max_epochs=600, synth="none",
                                                        sizes=SMALL), workers=1,
                     progress=False)
    return out, report, life


def test_a_local_sweep_records_every_task(local_sweep):
    out, report, life = local_sweep
    got = [(r["rule"], r["seed"], r["status"]) for r in report.records]
    assert got == [(EASY, 0, "exact"), (EASY, 1, "exact"), ("B9/S1", 0, "bad rule"),
                   ("B9/S1", 1, "bad rule")]
    assert "out of range" in report.records[2]["error"]
    assert report.ran == 2  # bad rules are recorded without running anything
    (rec,) = life.records
    assert rec["status"] in ("exact", "not exact") and rec["epochs"] <= 600
    _check_circuits(out, report.records + life.records)
    lines = out.read_text().splitlines()
    assert len(lines) == 5 and all(json.loads(ln) for ln in lines)


def test_a_rerun_skips_what_is_done(local_sweep):
    out, report, _ = local_sweep
    before = out.read_bytes()
    again = run_sweep([EASY, "B9/S1"], [0, 1], out, OPTS, workers=2, progress=False)
    assert again.ran == 0 and again.skipped == 4
    assert out.read_bytes() == before
    assert again.records == report.records


def test_a_task_that_kills_its_worker_is_recorded_as_failed():
    tasks = [(EASY, s, SweepOptions(max_epochs=3, synth="none", sizes=SMALL)) for s in range(3)]
    got = {}
    run_local(tasks, lambda i, o: got.__setitem__(i, o.record), workers=2,
              runner=dies_on_seed_one)
    assert sorted(got) == [0, 1, 2]
    assert got[0]["error"] is None and got[2]["error"] is None  # innocent neighbours finish
    assert got[1]["failed"] and "died" in got[1]["error"]


def test_an_interrupt_stops_the_workers_at_once():
    """Ctrl-C (here: the result handler raising) must not wait for tasks in flight."""
    from gatenet.learn.batch import map_processes

    def done(i, outcome):
        raise KeyboardInterrupt

    t = time.monotonic()
    with pytest.raises(KeyboardInterrupt):
        map_processes(sleeps, [("B3/S23", 0, OPTS), ("B3/S23", 120, OPTS)], 2, done)
    assert time.monotonic() - t < 60  # not the 120 s the second task would take


def test_workers_die_with_the_process_that_spawned_them(tmp_path):
    """A sweep killed with SIGKILL leaves no orphans training on."""
    script = tmp_path / "parent.py"
    script.write_text(  # the worker runs init_worker first, as a pool worker does
        "import multiprocessing as mp, time\n"
        "from gatenet.learn.batch import init_worker\n"
        "def _run():\n"
        "    init_worker()\n"
        "    time.sleep(300)\n"
        "if __name__ == '__main__':\n"
        "    p = mp.get_context('spawn').Process(target=_run)\n"
        "    p.start()\n"
        "    print(p.pid, flush=True)\n"
        "    time.sleep(300)\n")
    parent = subprocess.Popen([sys.executable, str(script)], stdout=subprocess.PIPE, text=True)
    child = int(parent.stdout.readline())
    time.sleep(1.0)
    os.kill(parent.pid, signal.SIGKILL)
    parent.wait()
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        try:
            os.kill(child, 0)
        except ProcessLookupError:
            return
        time.sleep(0.2)
    os.kill(child, signal.SIGKILL)
    pytest.fail("the worker outlived its parent")


def test_scheduler_addresses_are_checked_and_silent_peers_time_out():
    import socket

    from gatenet.sweep.executors import check_address, connect

    for bad in ["foo", "tcp://", "", "http://x", "inproc://x", "tls://127.0.0.1:1",
                "tcp://127.0.0.1:99999"]:
        with pytest.raises(ValueError, match="tcp://HOST:PORT"):
            check_address(bad)
    assert check_address("tcp://127.0.0.1:8786") == "tcp://127.0.0.1:8786"
    pytest.importorskip("distributed")
    with socket.socket() as srv:  # accepts connections, never speaks Dask
        srv.bind(("127.0.0.1", 0))
        srv.listen(4)
        t = time.monotonic()
        with pytest.raises(ConnectionError, match="no Dask scheduler answered"):
            connect(f"tcp://127.0.0.1:{srv.getsockname()[1]}", timeout=2)
        assert time.monotonic() - t < 30


def test_an_exception_in_a_task_is_recorded_with_its_place(monkeypatch):
    from gatenet.sweep import executors

    def boom(*args):
        raise RuntimeError("boom")

    monkeypatch.setattr(executors, "run_task", boom)
    rec = executors.safe_task(EASY, 0, OPTS).record
    assert rec["failed"] and rec["error"].startswith("RuntimeError: boom (at ")


# -- Dask -------------------------------------------------------------------------------------


def _bin(name: str) -> str:
    return str(Path(sys.executable).with_name(name))


@pytest.fixture(scope="module")
def dask_cluster(tmp_path_factory):
    """A real Dask scheduler and two workers on loopback; exactly these processes are
    stopped afterwards. The workers use their own gatenet cache, so nothing they return
    can come from the local run's cache."""
    pytest.importorskip("distributed")
    tmp = tmp_path_factory.mktemp("dask")
    env = {**os.environ, "JAX_PLATFORMS": "cpu", "GATENET_CACHE": str(tmp / "cache"),
           "PYTHONPATH": os.pathsep.join([str(TESTS), os.environ.get("PYTHONPATH", "")]),
           "DASK_DISTRIBUTED__SCHEDULER__ALLOWED_FAILURES": "1"}
    sched_file = tmp / "scheduler.json"
    procs = []

    def start(*argv: str, log: str) -> None:
        with open(tmp / log, "wb") as f:  # the child keeps its own copy of the descriptor
            procs.append(subprocess.Popen(argv, env=env, stdout=f, stderr=subprocess.STDOUT,
                                          start_new_session=True))

    try:
        start(_bin("dask"), "scheduler", "--host", "127.0.0.1", "--port", "0",
              "--no-dashboard", "--scheduler-file", str(sched_file), log="scheduler.log")
        deadline = time.monotonic() + 60
        while not sched_file.exists():
            assert time.monotonic() < deadline, (tmp / "scheduler.log").read_text()
            time.sleep(0.2)
        time.sleep(0.5)
        address = json.loads(sched_file.read_text())["address"]
        assert address.startswith("tcp://127.0.0.1:")
        for i in (1, 2):
            start(_bin("dask"), "worker", address, "--nthreads", "1", "--host", "127.0.0.1",
                  "--no-dashboard", "--name", f"w{i}", log=f"worker{i}.log")
        from distributed import Client

        with Client(address, timeout=30, set_as_default=False) as client:
            client.wait_for_workers(2, timeout=120)
        yield address
    finally:
        for p in procs:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(p.pid, signal.SIGTERM)
        for p in procs:
            try:
                p.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(p.pid, signal.SIGKILL)
                p.wait()


def test_a_dask_sweep_gives_the_local_results(local_sweep, dask_cluster, tmp_path):
    out, report, _ = local_sweep
    dout = tmp_path / "dask.jsonl"
    got = run_sweep([EASY, "B9/S1"], [0, 1], dout, OPTS, scheduler=dask_cluster,
                    progress=False)
    assert got.ran == 2
    assert _comparable(got.records) == [
        {**r, "circuit": r.get("circuit", "").replace("results.", "dask.") or None}
        if r.get("circuit") else r for r in _comparable(report.records)]
    _check_circuits(dout, got.records)
    for rec in got.records:
        if rec.get("circuit"):
            local = out.parent / rec["circuit"].replace("dask.", "results.")
            assert (dout.parent / rec["circuit"]).read_bytes() == local.read_bytes()


def test_a_dask_task_that_kills_its_worker_is_reported(dask_cluster):
    tasks = [(EASY, s, SweepOptions(max_epochs=3, synth="none", sizes=SMALL)) for s in (0, 1)]
    got = {}
    run_dask(tasks, lambda i, o: got.__setitem__(i, o.record), dask_cluster,
             runner=dies_on_seed_one)
    assert sorted(got) == [0, 1]
    assert got[0]["error"] is None
    assert got[1]["failed"] and "KilledWorker" in got[1]["error"]


def test_an_unreachable_scheduler_is_a_clear_error(tmp_path):
    pytest.importorskip("distributed")
    with pytest.raises(ConnectionError, match=r"no Dask scheduler answered at tcp://127\.0\.0\.1:9"):
        run_sweep([EASY], [0], tmp_path / "r.jsonl", OPTS, scheduler="tcp://127.0.0.1:9",
                  progress=False)


# -- the command line -------------------------------------------------------------------------


def _cli(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "JAX_PLATFORMS": "cpu"}
    return subprocess.run([sys.executable, "-m", "gatenet", "sweep", *args], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=600)


def test_the_sweep_command_records_bad_rules_and_goes_on(tmp_path):
    (tmp_path / "rules.txt").write_text("# two more\nB2-z/S\nB36/S23\n")
    r = _cli("--rules", "B3/S23,B9/S1", "--rules-file", "rules.txt", "--seeds", "1",
             "--out", "r.jsonl", "--max-epochs", "3", "--synth", "none", "--quiet",
             cwd=tmp_path)
    assert r.returncode == 1, r.stderr  # a rule was rejected: said, and the rest still ran
    lines = [json.loads(ln) for ln in (tmp_path / "r.jsonl").read_text().splitlines()]
    status = {(rec["given"], rec["seed"]): rec["status"] for rec in lines}
    assert status == {("B3/S23", 0): "not exact", ("B9/S1", 0): "bad rule",
                      ("B2-z/S", 0): "bad rule", ("B36/S23", 0): "not exact"}
    assert "B2-z/S seed 0: bad rule" in r.stdout and "2 not exact" in r.stdout
    again = _cli("--rules", "B3/S23", "--seeds", "1", "--out", "r.jsonl", "--max-epochs", "3",
                 "--synth", "none", "--quiet", cwd=tmp_path)
    assert again.returncode == 0 and "0 run now, 0 rule strings rejected now, 1 already" \
        in again.stdout
    other = _cli("--rules", "B3/S23", "--seeds", "1", "--out", "r.jsonl", "--max-epochs", "4",
                 "--synth", "none", "--quiet", cwd=tmp_path)
    assert other.returncode == 2 and "other options" in other.stderr


@pytest.mark.parametrize("args, message", [
    (["--seeds", "1", "--out", "r.jsonl"], "no rules"),
    (["--rules", "B3/S23", "--seeds", "1", "--out", "r.txt"], "use a .jsonl suffix"),
    (["--rules", "B3/S23", "--seeds", "0", "--out", "r.jsonl"], "--seeds"),
    (["--rules", "B3/S23", "--seeds", "1", "--out", "r.jsonl", "--synth-budget", "0"],
     "--synth-budget"),
    (["--rules-file", "missing.txt", "--seeds", "1", "--out", "r.jsonl"], "no such file"),
    (["--rules", "B3/S23", "--seeds", "1", "--out", "r.jsonl", "--synth", "none",
      "--synth-budget", "5"], "--synth none skips"),
    (["--rules", "B3/S23", "--seeds", "1", "--out", "no/such/dir/r.jsonl"], "does not exist"),
])
def test_the_sweep_command_rejects_bad_arguments_in_one_line(tmp_path, args, message):
    r = _cli(*args, cwd=tmp_path)
    assert r.returncode == 2
    assert r.stderr.startswith("gatenet: error:") and message in r.stderr
    assert len(r.stderr.strip().splitlines()) == 1

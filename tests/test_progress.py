"""Stage progress: named stages with their times, one line each, and no thread left behind;
and the synthesis flow's stages and time budget, which report to it."""

from __future__ import annotations

import io
import threading
import time

import pytest

from _circuits import table_circuit
from gatenet import rules
from gatenet.ir.netlist import assert_exact
from gatenet.progress import StageProgress, format_seconds


def progress_threads() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name == "gatenet-progress"]


def test_stage_lines_show_names_times_and_results(capsys) -> None:
    with StageProgress(interval=0.01) as sp:
        sp.stage("optimisation passes")
        time.sleep(0.05)
        sp("synthesis: round 1/2 search")  # the library-side protocol: a plain callable
        sp.end("52 gates")
        sp.stage("synthesis: LUT3 mapping")
    err = capsys.readouterr().err
    lines = err.splitlines()
    assert len(lines) == 3, err
    assert lines[0] == f"  optimisation passes  {format_seconds(sp.records[0].seconds)}"
    assert lines[1].startswith("  synthesis: round 1/2 search  ")
    assert lines[1].endswith(" s  → 52 gates")
    assert lines[2].startswith("  synthesis: LUT3 mapping  ")
    assert [r.name for r in sp.records] == [
        "optimisation passes", "synthesis: round 1/2 search", "synthesis: LUT3 mapping"]
    assert sp.records[0].seconds >= 0.05 and sp.records[1].result == "52 gates"
    assert sp.seconds == pytest.approx(sum(r.seconds for r in sp.records))
    assert not progress_threads()


def test_terminal_display_ticks_while_a_stage_blocks() -> None:
    """On a terminal the running stage's clock is redrawn by the thread while the caller
    blocks (here in sleep, in the CLI in a Yosys subprocess)."""
    out = io.StringIO()
    with StageProgress(file=out, tty=True, interval=0.02) as sp:
        sp.stage("synthesis: round 1/2 search")
        time.sleep(0.3)
        assert progress_threads()
    text = out.getvalue()
    assert text.count("synthesis: round 1/2 search") >= 3  # redrawn, then the final line
    assert "\r" in text and "…" in text
    assert f"  synthesis: round 1/2 search  {format_seconds(sp.records[0].seconds)}\n" in text
    assert not progress_threads()


def test_plain_output_has_a_heartbeat_for_long_stages() -> None:
    out = io.StringIO()
    with StageProgress(file=out, tty=False, interval=0.01, heartbeat=0.05) as sp:
        sp.stage("slow")
        time.sleep(0.2)
    lines = out.getvalue().splitlines()
    assert any(line.endswith("(still running)") for line in lines[:-1]), lines
    assert lines[-1].startswith("  slow  ") and "still" not in lines[-1]


def test_disabled_prints_nothing_but_keeps_records(capsys) -> None:
    with StageProgress(disable=True, tty=True) as sp:
        sp.stage("a")
        sp.stage("b")
        assert not progress_threads()  # no thread at all when disabled
    assert capsys.readouterr() == ("", "")
    assert [r.name for r in sp.records] == ["a", "b"]


def test_no_stage_no_output_no_thread(capsys) -> None:
    with StageProgress(tty=True):
        pass
    assert capsys.readouterr() == ("", "")
    assert not progress_threads()


@pytest.mark.parametrize("error, mark", [(RuntimeError, "(failed)"),
                                         (KeyboardInterrupt, "(interrupted)")])
def test_thread_stops_and_stage_is_marked_on_exceptions(error, mark) -> None:
    out = io.StringIO()
    sp = StageProgress(file=out, tty=True, interval=0.01)
    with pytest.raises(error), sp:
        sp.stage("synthesis: doomed")
        time.sleep(0.05)
        assert progress_threads()
        raise error("boom")
    assert not progress_threads()
    assert sp.records[-1].result == mark
    seconds = format_seconds(sp.records[-1].seconds)
    assert f"  synthesis: doomed  {seconds}  {mark}\n" in out.getvalue()


def test_format_seconds() -> None:
    assert format_seconds(4.24) == "4.2 s"
    assert format_seconds(41.24) == "41.2 s"
    assert format_seconds(252) == "4 min 12 s"


# -- the synthesis flow's stages and budget ------------------------------------------------

#: A learned-size circuit (Life as a BDD of muxes, 81 gates) and &deepsyn bounds small
#: enough for a test: unbounded, the strong flow runs about 14 Yosys runs (seconds, cold).
SEARCH = {"iterations": 2, "patience": 20}


@pytest.fixture(scope="module")
def learned_size():
    return table_circuit(rules.LIFE.table)


def test_tiny_budget_stops_early_and_is_still_exact(learned_size, tmp_path,
                                                    monkeypatch) -> None:
    from gatenet.synth.flow import synthesize_gates, synthesize_strong

    unbounded: list[str] = []
    synthesize_gates(learned_size, "strong", progress=unbounded.append, **SEARCH)
    # a cold cache, so the budget's clock is spent on real Yosys runs
    monkeypatch.setenv("GATENET_CACHE", str(tmp_path / "cache"))
    calls: list[str] = []
    t = time.perf_counter()
    r = synthesize_gates(learned_size, "strong", progress=calls.append, budget=0.5, **SEARCH)
    assert time.perf_counter() - t < 120  # bounded: one short search, not the whole flow
    assert_exact(r, rules.LIFE.table)
    assert calls[0].startswith("round 1/2 search (&deepsyn, 2 restarts of ≤ 1 s)")
    assert len(calls) < len(unbounded)
    info = r.meta["synth"]
    assert info["budget"] == 0.5 and info["search_timeouts"][0] == 1
    assert r.meta["run"]["synth"]["budget_stopped"] is True
    # both targets share one budget: the gate search counts against the LUT mapping's time
    lut_calls: list[str] = []
    g, lut = synthesize_strong(learned_size, progress=lut_calls.append, budget=0.5, **SEARCH)
    assert_exact(g, rules.LIFE.table)
    assert_exact(lut, rules.LIFE.table)
    assert sum(c.startswith("LUT3 mapping") for c in lut_calls) >= 1  # always at least one
    assert lut.meta["synth"]["budget"] == 0.5


# -- the pipeline passes progress and budget through ---------------------------------------


def test_shrink_reports_passes_then_synthesis(learned_size) -> None:
    from gatenet import pipeline

    calls: list[str] = []
    stages, lut3 = pipeline.shrink(learned_size, rules.LIFE.table, synth_effort="default",
                                   progress=calls.append, synth_budget=30)
    assert calls[0] == "optimisation passes"
    assert [c.removesuffix(" (cached)").split(",")[0] for c in calls[1:]] == [
        "synthesis: default → two-input gates", "synthesis: default → 3-input LUTs"]
    assert stages[-1].name == "ABC (default)" and lut3 is not None
    with pytest.raises(ValueError, match="budget"):
        pipeline.shrink(learned_size, rules.LIFE.table, synth_budget=-1)


def test_learn_cached_keys_without_progress_callables(tmp_path, monkeypatch) -> None:
    """A callable's repr names its memory address: in the memo key it would make every call
    a miss. Progress only shows, so it stays out of the key."""
    from gatenet import pipeline

    monkeypatch.setenv("GATENET_CACHE", str(tmp_path))
    runs: list[dict] = []
    real = pipeline.learn

    def counting(*args, **kw):
        runs.append(kw)
        return real(*args, **kw)

    monkeypatch.setattr(pipeline, "learn", counting)
    easy, sizes = "B12345678/S012345678", (9, 24, 12, 6, 3, 1)
    a = pipeline.learn_cached(easy, seed=1, synthesize=False, sizes=sizes, progress=False,
                              synth_progress=[].append)
    b = pipeline.learn_cached(easy, seed=1, synthesize=False, sizes=sizes,
                              synth_progress=lambda s: None)
    assert len(runs) == 1 and a.raw == b.raw
    assert len(list(tmp_path.glob("learned/*/learned.json"))) == 1

"""The book's experiment helpers: intervals, summaries, the sweep cache, the source archive."""

import json
import tarfile
from dataclasses import replace
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from gatenet.book import evidence, report
from gatenet.learn.train import TrainConfig


@given(st.integers(0, 200), st.integers(1, 200))
def test_wilson_interval_is_inside_0_1_and_holds_the_rate(k, n):
    k = min(k, n)
    low, high = evidence.wilson(k, n)
    assert 0.0 <= low <= k / n <= high <= 1.0
    assert high - low < 1.0


def test_wilson_known_values():
    # 8 of 8: the interval still admits a true rate well below 1 (≈ 0.68 at 95 %)
    low, high = evidence.wilson(8, 8)
    assert high == 1.0 and 0.67 < low < 0.69
    low, high = evidence.wilson(0, 4)
    assert low == 0.0 and 0.48 < high < 0.50


def _run(seed, converged, epochs):
    return evidence.Run(seed, converged, epochs, 1.0 + seed, 0 if converged else 3,
                        tuple([5] * (epochs - 1) + [0 if converged else 3]))


def test_summarize_and_table():
    runs = [_run(0, True, 100), _run(1, False, 50), _run(2, True, 300)]
    s = evidence.summarize(runs)
    assert (s.n, s.exact, s.epochs, s.median_epochs) == (3, 2, (100, 300), 200.0)
    assert s.seconds == 2.0
    rows = evidence.table_rows({"a": runs, "b": [_run(0, False, 50)]}, cap=50)
    assert rows[0][:2] == ["a", "2/3"] and rows[0][3] == "200 (100–300)"
    assert rows[1][3] == "none within 50"
    assert len(rows[0]) == len(evidence.TABLE_HEADER)


def test_arms_are_seeds_of_one_configuration():
    arm = evidence.arm(3, sizes=(9, 4, 2, 1), max_epochs=5, init="random")
    assert [c.seed for c in arm] == [0, 1, 2]
    assert {(c.sizes, c.init, c.max_epochs) for c in arm} == {((9, 4, 2, 1), "random", 5)}


def test_sweep_trains_shared_configurations_once_and_caches(monkeypatch, tmp_path):
    monkeypatch.setenv("GATENET_CACHE", str(tmp_path))  # a cold cache of its own
    calls = []
    from gatenet.learn import batch

    real = batch.train_many

    def counting(rule, configs, **kw):
        calls.append(len(configs))
        return real(rule, configs, **kw)

    monkeypatch.setattr(batch, "train_many", counting)
    cfg = dict(sizes=(9, 8, 4, 2, 1), max_epochs=20, chunk=10)
    arms = {"x": evidence.arm(2, **cfg), "y": evidence.arm(2, **cfg, init="random"),
            "x again": evidence.arm(1, **cfg)}
    first = evidence.sweep(arms, "B12345678/S012345678", workers=1)
    assert calls == [4]  # 5 configurations, one of them shared
    assert first["x again"][0] == first["x"][0]
    second = evidence.sweep(arms, "B12345678/S012345678", workers=1)
    assert calls == [4] and second == first  # served from the cache
    for runs in first.values():
        for r in runs:
            assert len(r.errors) == r.epochs and r.errors[-1] == r.hard_errors


def test_book_arms_fast_mode_is_small(monkeypatch):
    monkeypatch.setenv("GATENET_FAST", "1")
    arms = evidence.book_arms()
    assert all(isinstance(c, TrainConfig) for v in arms.values() for c in v)
    assert all(c.max_epochs <= 100 for v in arms.values() for c in v)
    for key in ("default", "wiring: random", "init: uniform", "no gradient clipping"):
        assert key in arms


def test_source_archive_is_the_project(tmp_path, monkeypatch):
    repo = Path(__file__).resolve().parents[1]
    monkeypatch.chdir(tmp_path)
    path = report.source_archive(str(repo), name="src.tar.gz")
    with tarfile.open(path) as tar:
        names = set(tar.getnames())
        assert {"gatenet/pyproject.toml", "gatenet/Makefile",
                "gatenet/src/gatenet/__init__.py", "gatenet/book/05_training.md"} <= names
        assert not any("/.venv/" in n or "/_build/" in n or "_generated" in n
                       or "__pycache__" in n for n in names)
        assert all(m.mtime == 0 for m in tar.getmembers())


def test_source_archive_without_git(tmp_path, monkeypatch):
    root = tmp_path / "proj"
    (root / "src" / "pkg").mkdir(parents=True)
    (root / "src" / "pkg" / "a.py").write_text("x = 1\n")
    (root / "src" / "pkg" / "__pycache__").mkdir()
    (root / "src" / "pkg" / "__pycache__" / "a.pyc").write_bytes(b"\0")
    (root / "book" / "_generated").mkdir(parents=True)
    (root / "book" / "_generated" / "big.bin").write_bytes(b"\0")
    (root / "book" / "ch.md").write_text("# ch\n")
    (root / "pyproject.toml").write_text("[project]\nname='p'\n")
    (root / ".venv").mkdir()
    (root / ".venv" / "x").write_text("no")
    monkeypatch.setenv("GIT_DIR", str(tmp_path / "no-such-git"))  # not a checkout
    monkeypatch.chdir(tmp_path)
    with tarfile.open(report.source_archive(str(root), name="p.tar.gz")) as tar:
        assert set(tar.getnames()) == {"gatenet/src/pkg/a.py", "gatenet/book/ch.md",
                                       "gatenet/pyproject.toml"}
    with pytest.raises(FileNotFoundError, match=r"no pyproject\.toml"):
        report.source_archive(str(tmp_path))


def test_sweep_ignores_a_damaged_cache_file(monkeypatch, tmp_path):
    monkeypatch.setenv("GATENET_CACHE", str(tmp_path))
    cfg = dict(sizes=(9, 4, 2, 1), max_epochs=5, chunk=5)
    arms = {"x": evidence.arm(1, **cfg)}
    first = evidence.sweep(arms, "B3/S23", workers=1)
    from gatenet.storage import cache_subdir

    key = evidence._key(evidence.rules.parse("B3/S23"), arms)
    path = cache_subdir("evidence") / f"{key}.json"
    path.write_text("{not json")
    again = evidence.sweep(arms, "B3/S23", workers=1)  # recomputed: same runs, new timings
    untimed = [[replace(r, seconds=0) for r in got["x"]] for got in (again, first)]
    assert untimed[0] == untimed[1]
    json.loads(path.read_text())  # rewritten whole

"""Experiments over many seeds, for the chapters that ask *does this matter?*

One training run answers nothing: a seed can be lucky. An experiment here is a set of
*arms* (a label and the configurations to train, one per seed), trained together by
:func:`gatenet.learn.batch.train_many`, summarised as an exact-rate with a confidence
interval and the distribution of epochs to exact.

Sweeps are the heaviest thing the book computes, so their results are kept on disk, keyed
by the package's source code, the rule and every configuration: a rebuild with unchanged
code reuses them, and any change to the library recomputes everything (a cold build
always does).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass

import numpy as np

from gatenet import rules
from gatenet.learn.train import TrainConfig
from gatenet.storage import CacheError, atomic_write_text, cache_subdir


@dataclass(frozen=True)
class Run:
    """What an experiment keeps of one training run."""

    seed: int
    converged: bool
    epochs: int
    seconds: float
    hard_errors: int
    errors: tuple[int, ...]  # wrong patterns after each epoch

    @property
    def curve(self) -> np.ndarray:
        return np.asarray(self.errors)


@dataclass(frozen=True)
class Summary:
    """An arm in numbers: how many seeds became exact, and how fast."""

    n: int
    exact: int
    low: float  # 95 % Wilson interval of the exact-rate
    high: float
    epochs: tuple[int, ...]  # epochs to exact of the seeds that became exact
    seconds: float  # median seconds of a run

    @property
    def rate(self) -> float:
        return self.exact / self.n if self.n else float("nan")

    @property
    def median_epochs(self) -> float:
        return float(np.median(self.epochs)) if self.epochs else float("nan")


def wilson(k: int, n: int, z: float = 1.96) -> tuple[float, float]:
    """The Wilson score interval for ``k`` successes in ``n`` trials (95 % by default):
    unlike ``p ± z·√(p(1-p)/n)`` it stays inside [0, 1] and is honest at 0/n and n/n."""
    if n == 0:
        return (0.0, 1.0)
    p = k / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    low = 0.0 if k == 0 else max(0.0, min(p, centre - half))  # exact at the ends, where
    high = 1.0 if k == n else min(1.0, max(p, centre + half))  # rounding could cross p
    return (low, high)


def summarize(runs: Sequence[Run]) -> Summary:
    exact = sum(r.converged for r in runs)
    low, high = wilson(exact, len(runs))
    return Summary(len(runs), exact, low, high,
                   tuple(r.epochs for r in runs if r.converged),
                   float(np.median([r.seconds for r in runs])) if runs else float("nan"))


def seeds(n: int, first: int = 0) -> range:
    return range(first, first + n)


def arm(n_seeds: int, **fields) -> list[TrainConfig]:
    """``n_seeds`` configurations that differ only in the seed (0, 1, …)."""
    base = TrainConfig(**fields)
    return [base.replace(seed=s) for s in seeds(n_seeds)]


def _key(rule: rules.Rule, arms: Mapping[str, Sequence[TrainConfig]]) -> str:
    from gatenet.pipeline import source_fingerprint

    text = json.dumps({"source": source_fingerprint(), "rule": rule.map_string,
                       "arms": {k: [repr(c) for c in v] for k, v in arms.items()}},
                      sort_keys=True)
    return hashlib.sha256(text.encode()).hexdigest()[:24]


def sweep(arms: Mapping[str, Sequence[TrainConfig]], rule: str | rules.Rule = "B3/S23",
          workers: int | None = None, progress: bool = False) -> dict[str, list[Run]]:
    """Train every arm's configurations (all arms in one batch) and return the runs per
    arm, in seed order. Cached on disk by source, rule and configurations."""
    from gatenet.learn.batch import train_many

    rule = rules.parse(rule)
    key = _key(rule, arms)
    path = None
    with contextlib.suppress(CacheError):  # no usable cache: compute, keep nothing
        path = cache_subdir("evidence") / f"{key}.json"
    if path is not None and path.exists():
        try:
            data = json.loads(path.read_text())
            return {k: [Run(**{**r, "errors": tuple(r["errors"])}) for r in v]
                    for k, v in data.items()}
        except (ValueError, TypeError, KeyError):
            pass  # a damaged cache file is recomputed
    unique: dict[str, TrainConfig] = {}  # a configuration in two arms is trained once
    for v in arms.values():
        for c in v:
            unique.setdefault(repr(c), c)
    results = train_many(rule, list(unique.values()), workers=workers, progress=progress)
    by_config = {}
    for c, res in zip(unique, results, strict=True):
        by_config[c] = Run(res.config.seed, res.converged, res.epochs, res.seconds,
                           res.hard_errors, tuple(int(e) for e in res.history.hard_errors))
    out = {k: [by_config[repr(c)] for c in v] for k, v in arms.items()}
    if path is not None:
        with contextlib.suppress(OSError):  # the cache only saves time
            atomic_write_text(path, json.dumps({k: [asdict(r) for r in v]
                                                for k, v in out.items()}))
    return out


def table_rows(results: Mapping[str, Sequence[Run]], cap: int | None = None) -> list[list[str]]:
    """One row per arm: exact-rate with its interval, epochs to exact (median and range),
    median seconds per run — for :func:`gatenet.book.report.markdown_table`."""
    rows = []
    for label, runs in results.items():
        s = summarize(runs)
        if s.epochs:
            ep = f"{s.median_epochs:.0f} ({min(s.epochs)}–{max(s.epochs)})"
        else:
            ep = f"none within {cap}" if cap else "—"
        rows.append([label, f"{s.exact}/{s.n}", f"{100 * s.low:.0f}–{100 * s.high:.0f} %",
                     ep, f"{s.seconds:.1f}"])
    return rows


TABLE_HEADER = ["arm", "exact", "95 % interval", "epochs to exact: median (range)",
                "s per run"]


#: Epochs an experiment arm may use before a seed counts as not exact. The book's
#: training chapter shows where the default recipe's seeds fall against it.
ARM_EPOCHS = 1500


def book_arms() -> dict[str, list[TrainConfig]]:
    """Every experiment the book runs over seeds (chapters 3, 4 and 5), as one sweep so
    that a configuration shared by two chapters is trained once.

    At full size the arms use the default network; in fast mode (the chapters as tests) a
    small network, two seeds and a few epochs — the same code, less of it.
    """
    from gatenet.book.report import pick
    from gatenet.learn.network import DEFAULT_SIZES

    n = pick(4, 2)
    n_main = pick(8, 2)
    sizes = pick(DEFAULT_SIZES, (9, 16, 8, 4, 2, 1))
    cap = pick(ARM_EPOCHS, 60)
    half = pick((9, *[128] * 8, 64, 32, 16, 8, 4, 2, 1), (9, 8, 4, 2, 1))
    narrow = pick((9, *[64] * 17, 32, 16, 8, 4, 2, 1), (9, 12, 6, 3, 1))
    base = dict(sizes=sizes, max_epochs=cap)
    return {
        # chapter 5: the default recipe, and the write-up's "hyperfrustration" list
        "default": arm(n_main, **base),
        "no gradient clipping": arm(n, **base, clip=float("inf")),
        "learning rate 0.01": arm(n, **base, learning_rate=0.01),
        "learning rate 0.2": arm(n, **base, learning_rate=0.2),
        "half depth": arm(n, **{**base, "sizes": half}),
        "half width": arm(n, **{**base, "sizes": narrow}),
        # chapter 3: wiring
        "wiring: random": arm(n, **base, scheme="random"),
        "wiring: tree": arm(n, **base, scheme="tree"),
        "wiring: unique": arm(n, **base, scheme="unique"),
        "wiring: expand, then unique": arm(n, **base, scheme="auto"),
        # chapter 4: initialisation
        "init: pass-through": arm(n, **base),
        "init: random": arm(n, **base, init="random"),
        "init: uniform": arm(n, **base, init="uniform"),
        "init: random, σ = 1": arm(n, **base, init="random", noise=1.0),
        "init: pass-through, σ = 1": arm(n, **base, noise=1.0),
        "init: pass-through, strength 1": arm(n, **base, strength=1.0),
        "init: pass-through, strength 3": arm(n, **base, strength=3.0),
    }


def book_sweep(progress: bool = False) -> dict[str, list[Run]]:
    """:func:`sweep` of :func:`book_arms` (cached: the first chapter to ask trains it)."""
    return sweep(book_arms(), progress=progress)

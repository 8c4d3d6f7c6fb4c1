"""What a sweep runs: a list of (rule, seed) tasks and the options they share.

Rules come from three places — a comma-separated list, a file with one rule per line, and
a reproducible random sample of Life-like rules — and any spelling the parser accepts
(``B3/S23``, ``23/3``, Hensel notation such as ``B2-a/S12``, a ``MAP`` string). A rule
string the parser rejects does not stop the sweep: it becomes an :class:`Entry` carrying the
parser's message, which the sweep records as an error line and moves on.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from gatenet import rules

#: Synthesis a sweep can run on each exact circuit: the pipeline's ``strong`` script,
#: Yosys' ``default`` flow, or none (the circuit the passes leave).
SYNTH_CHOICES = ("strong", "default", "none")
#: Longest rules file the sweep reads (lines), so a wrong file is an error, not a hang.
MAX_RULES = 100_000
#: Longest rule string kept as written: a MAP string (the longest spelling) has 89
#: characters, so anything much longer is a mistake and is recorded shortened.
MAX_RULE_TEXT = 200


@dataclass(frozen=True)
class SweepOptions:
    """Everything besides (rule, seed) that changes a sweep's results.

    Recorded with every result line, so a rerun against the same results file can tell
    whether the lines there were produced the same way (see :mod:`gatenet.sweep.results`).
    ``sizes`` of ``None`` means the library's default network.
    """

    max_epochs: int = 3000
    synth: str = "strong"
    synth_budget: float | None = None
    sizes: tuple[int, ...] | None = None

    def validate(self) -> None:
        """Raise ValueError naming the option, before any work starts."""
        if isinstance(self.max_epochs, bool) or not isinstance(self.max_epochs, int) \
                or self.max_epochs < 1:
            raise ValueError(f"max_epochs must be an integer ≥ 1, got {self.max_epochs!r}")
        if self.synth not in SYNTH_CHOICES:
            raise ValueError(f"synth must be one of {', '.join(SYNTH_CHOICES)}, "
                             f"got {self.synth!r}")
        b = self.synth_budget
        if b is not None and (isinstance(b, bool) or not isinstance(b, int | float)
                              or not math.isfinite(b) or b <= 0):
            raise ValueError(f"synth_budget must be a positive number of seconds, got {b!r}")
        if self.sizes is not None:
            s = self.sizes
            if len(s) < 2 or s[0] != 9 or s[-1] != 1 or any(
                    isinstance(n, bool) or not isinstance(n, int) or n < 1 for n in s):
                raise ValueError(f"sizes must run from 9 inputs to 1 output, got {list(s)}")

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["sizes"] = list(self.sizes) if self.sizes is not None else None
        return d


@dataclass(frozen=True)
class Entry:
    """One rule of the sweep as the user wrote it, parsed (or the parser's complaint)."""

    text: str
    rule: rules.Rule | None = field(default=None, compare=False)
    error: str | None = None

    @property
    def key(self) -> str:
        """What identifies the rule in the results: its canonical name
        (:func:`gatenet.rules.name_of`, so ``B3/S23``, ``23/3`` and Life's MAP string are
        one rule), or the text itself when it does not parse."""
        return rules.name_of(self.rule.table) if self.rule is not None else self.text


def entry(text: str) -> Entry:
    """``text`` parsed into an :class:`Entry`; a bad rule keeps the parser's message (and
    a text too long to be any rule is kept shortened, with its length)."""
    text = text.strip()
    if len(text) > MAX_RULE_TEXT:
        short = f"{text[:40]}…"
        return Entry(short, None, f"a rule string of {len(text):,} characters (the longest "
                     "spelling of a rule, a MAP string, has 89)")
    try:
        return Entry(text, rules.parse(text))
    except rules.RuleError as e:
        return Entry(text, None, str(e))


def split_rules(text: str) -> list[str]:
    """``"B3/S23, B36/S23"`` → the rule strings (MAP and Hensel strings hold no commas)."""
    return [p.strip() for p in text.split(",") if p.strip()]


def read_rules_file(path: str | Path) -> list[str]:
    """The rules of a text file: one per line, ``#`` starts a comment, blank lines skipped."""
    with open(path, "rb") as f:
        data = f.read(MAX_RULES * (MAX_RULE_TEXT + 1) + 1)
    lines = data.removeprefix(b"\xef\xbb\xbf").split(b"\n")  # a byte-order mark is no rule
    if len(lines) > MAX_RULES or len(data) > MAX_RULES * (MAX_RULE_TEXT + 1):
        raise ValueError(f"{path}: more than {MAX_RULES:,} lines; is this a rules file?")
    out = []
    for n, raw in enumerate(lines, 1):
        try:
            line = raw.decode("utf-8")
        except UnicodeDecodeError as e:
            raise ValueError(f"{path}, line {n}: not UTF-8 text ({e.reason}); a rules file "
                             "holds one rule string per line") from None
        text = line.split("#", 1)[0].strip()
        if text:
            out.append(text)
    return out


def life_like_sample(n: int, seed: int) -> list[str]:
    """``n`` distinct Life-like (outer totalistic) rules drawn uniformly from all 2**18,
    reproducibly from ``seed``, named ``B…/S…``. The draw is the first ``n`` of one fixed
    shuffle per seed, so a larger sample extends a smaller one (and a rerun with a larger
    ``n`` against the same results file only trains the new rules)."""
    if not 0 <= n <= 2**18:
        raise ValueError(f"a sample of Life-like rules has 0..{2**18} rules, got {n}")
    codes = np.random.default_rng([seed, 18]).permutation(2**18)[:n]
    names = []
    for code in codes.tolist():
        birth = {k for k in range(9) if code >> k & 1}
        survive = {k for k in range(9) if code >> (9 + k) & 1}
        names.append(rules.bs_name(birth, survive))
    return names


def plan(rule_texts: Iterable[str], seeds: Sequence[int]) -> list[tuple[Entry, int]]:
    """The sweep's tasks: every distinct rule (by its table; first spelling wins) with
    every seed, in the order given."""
    seen: set[str] = set()
    tasks = []
    for text in rule_texts:
        e = entry(text)
        if e.key in seen:
            continue
        seen.add(e.key)
        tasks += [(e, s) for s in seeds]
    return tasks

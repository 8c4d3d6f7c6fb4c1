"""Rule strings ⇄ truth tables, and the numpy reference simulator.

A rule of a two-state cellular automaton on the Moore neighbourhood is a function of nine
bits: the 3×3 neighbourhood NW, N, NE, W, C, E, SW, S, SE. We store it as its truth table,
512 entries indexed by ``NW·2⁸ + N·2⁷ + NE·2⁶ + W·2⁵ + C·2⁴ + E·2³ + SW·2² + S·2 + SE`` —
the numbering of Golly's ``MAP`` rules, so any rule Golly or LifeWiki can name (outer
totalistic ``B3/S23``, ``23/3``, or any ``MAP…`` string) can be learned here.
"""

from __future__ import annotations

import base64
import binascii
import re
from dataclasses import dataclass

import numpy as np

N_PATTERNS = 512
CENTER_BIT = 4  # bit position of C in a pattern index (counting from the SE end)
_NEIGHBOUR_BITS = (8, 7, 6, 5, 3, 2, 1, 0)


class RuleError(ValueError):
    """A rule string cannot be parsed."""


@dataclass(frozen=True)
class Rule:
    """A named 3×3 rule and its 512-entry truth table."""

    name: str
    table: np.ndarray  # shape (512,), uint8, entry p = next state of pattern p

    def __post_init__(self) -> None:
        t = np.asarray(self.table)
        if t.shape != (N_PATTERNS,):
            raise RuleError(f"a rule table has 512 entries, got shape {t.shape}")
        if not np.isin(t, (0, 1)).all():
            raise RuleError("a rule table holds only 0 and 1")
        t = t.astype(np.uint8)
        t.setflags(write=False)
        object.__setattr__(self, "table", t)

    @property
    def map_string(self) -> str:
        return to_map(self.table)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Rule) and np.array_equal(self.table, other.table)

    def __hash__(self) -> int:
        return hash(self.table.tobytes())

    def __str__(self) -> str:
        return self.name


def neighbour_counts() -> np.ndarray:
    """For each of the 512 patterns, the number of live cells among the 8 neighbours."""
    p = np.arange(N_PATTERNS)
    return sum((p >> b) & 1 for b in _NEIGHBOUR_BITS).astype(np.int64)


def centers() -> np.ndarray:
    """For each of the 512 patterns, the state of the centre cell."""
    return ((np.arange(N_PATTERNS) >> CENTER_BIT) & 1).astype(np.int64)


def totalistic_table(birth: set[int], survive: set[int]) -> np.ndarray:
    """Truth table of the outer-totalistic rule B``birth``/S``survive``."""
    n, c = neighbour_counts(), centers()
    born = np.isin(n, sorted(birth)) & (c == 0)
    stays = np.isin(n, sorted(survive)) & (c == 1)
    return (born | stays).astype(np.uint8)


def _digits(s: str, what: str, rule: str) -> set[int]:
    """The neighbour counts spelled by ``s``: ASCII digits ``0``-``8`` only.

    ``str.isdigit`` is not used on purpose: it accepts superscripts (``²``) and other
    scripts' digits (fullwidth ``３``), which would silently read ``B3/S2²`` or ``B３/S２３``
    as some rule the user never wrote.
    """
    out = set()
    for ch in s:
        if ch == "9":
            raise RuleError(f"rule {rule!r}: {what} neighbour count 9 out of range 0-8")
        if ch not in _COUNT_DIGITS:
            raise RuleError(
                f"rule {rule!r}: {what} contains {ch!r}, expected ASCII digits 0-8"
            )
        out.add(int(ch))
    return out


_COUNT_DIGITS = "012345678"


_BS = re.compile(r"^[Bb](?P<b>[^/]*)/[Ss](?P<s>[^/]*)$")
_SB = re.compile(r"^(?P<s>[0-9]*)/(?P<b>[0-9]*)$")


def parse(rule: str | Rule) -> Rule:
    """Parse ``B3/S23``, ``b36/s23``, ``B2/S``, ``23/3`` (S/B) or a ``MAP`` string.

    Neighbour counts are ASCII digits ``0``-``8``; anything else is a :class:`RuleError`.
    """
    if isinstance(rule, Rule):
        return rule
    if not isinstance(rule, str):
        raise TypeError(f"a rule is a string such as 'B3/S23', got {type(rule).__name__}")
    text = rule.strip()
    if not text:
        raise RuleError("empty rule string")
    if text[:3].upper() == "MAP":
        return Rule(text, from_map(text))
    m = _BS.match(text)
    if m:
        birth = _digits(m["b"], "birth", text)
        survive = _digits(m["s"], "survival", text)
    else:
        m = _SB.match(text)
        if not m:
            raise RuleError(
                f"cannot parse rule {rule!r}: expected B<digits>/S<digits> or "
                "<survival>/<birth> (ASCII digits 0-8), or MAP<base64>"
            )
        survive = _digits(m["s"], "survival", text)
        birth = _digits(m["b"], "birth", text)
    return Rule(bs_name(birth, survive), totalistic_table(birth, survive))


def bs_name(birth: set[int], survive: set[int]) -> str:
    """The canonical ``B…/S…`` spelling of an outer-totalistic rule (digits sorted)."""
    return "B" + "".join(map(str, sorted(birth))) + "/S" + "".join(map(str, sorted(survive)))


def name_of(table: np.ndarray) -> str:
    """A human name for a truth table: ``B…/S…`` when it is outer totalistic (checked, not
    assumed), otherwise its Golly ``MAP`` string."""
    t = np.asarray(table, dtype=np.uint8)
    if t.shape != (N_PATTERNS,):
        raise RuleError(f"a rule table has 512 entries, got shape {t.shape}")
    counts, centres = neighbour_counts(), centers()
    birth = {n for n in range(9) if t[(counts == n) & (centres == 0)].all()}
    survive = {n for n in range(9) if t[(counts == n) & (centres == 1)].all()}
    if np.array_equal(totalistic_table(birth, survive), t):
        return bs_name(birth, survive)
    return to_map(t)


def from_map(text: str) -> np.ndarray:
    """Decode a Golly ``MAP`` string: base64 of 512 bits packed MSB first (64 bytes)."""
    body = text.strip()[3:]
    if not body:
        raise RuleError("MAP rule has no base64 data after 'MAP'")
    if len(body.rstrip("=")) != 86:
        raise RuleError(
            f"MAP rule has {len(body.rstrip('='))} base64 characters, expected 86 "
            "(512 bits); is it a hexagonal or von Neumann MAP rule?"
        )
    padded = body.rstrip("=") + "=="
    try:
        raw = base64.b64decode(padded, validate=True)
    except (binascii.Error, ValueError) as e:
        raise RuleError(f"MAP rule has invalid base64: {e}") from None
    if len(raw) != 64:
        raise RuleError(f"MAP rule decodes to {len(raw)} bytes, expected 64")
    return np.unpackbits(np.frombuffer(raw, dtype=np.uint8), bitorder="big")


def to_map(table: np.ndarray) -> str:
    """Encode a 512-entry truth table as a Golly ``MAP`` string (no padding)."""
    t = np.asarray(table, dtype=np.uint8)
    if t.shape != (N_PATTERNS,):
        raise RuleError(f"a rule table has 512 entries, got shape {t.shape}")
    raw = np.packbits(t, bitorder="big").tobytes()
    return "MAP" + base64.b64encode(raw).decode().rstrip("=")


LIFE = parse("B3/S23")


# -- the reference simulator ----------------------------------------------------------------


def pattern_index(board: np.ndarray) -> np.ndarray:
    """For every cell of a torus, the index (0..511) of its 3×3 neighbourhood."""
    b = np.asarray(board).astype(np.int64)
    idx = np.zeros_like(b)
    bit = 8
    for dy in (-1, 0, 1):
        for dx in (-1, 0, 1):
            # the neighbour at (y+dy, x+dx) arrives at (y, x) when rolled by (-dy, -dx)
            idx |= np.roll(b, (-dy, -dx), axis=(0, 1)) << bit
            bit -= 1
    return idx


def check_board(board: np.ndarray) -> np.ndarray:
    """Validate a board: a 2-D array of 0s and 1s with both sides ≥ 1."""
    b = np.asarray(board)
    if b.ndim != 2:
        raise ValueError(f"a board is a 2-D array, got {b.ndim} dimension(s)")
    if b.shape[0] < 1 or b.shape[1] < 1:
        raise ValueError(f"a board needs height and width ≥ 1, got shape {b.shape}")
    if b.dtype == bool:
        return b.astype(np.uint8)
    if not np.issubdtype(b.dtype, np.integer):
        raise TypeError(f"a board holds integers 0/1 (or bools), got dtype {b.dtype}")
    if b.size and (b.min() < 0 or b.max() > 1):
        raise ValueError("a board holds only 0 and 1")
    return b.astype(np.uint8)


def step(board: np.ndarray, rule: str | Rule | np.ndarray = LIFE, steps: int = 1) -> np.ndarray:
    """Advance ``board`` (a torus, ``np.roll`` wrap-around) by ``steps`` generations.

    This is the reference every other implementation is checked against: simple and
    obviously right rather than fast.
    """
    table = rule if isinstance(rule, np.ndarray) else parse(rule).table
    table = np.asarray(table, dtype=np.uint8)
    if table.shape != (N_PATTERNS,):
        raise RuleError(f"a rule table has 512 entries, got shape {table.shape}")
    if not isinstance(steps, int | np.integer) or steps < 0:
        raise ValueError(f"steps must be a non-negative integer, got {steps!r}")
    b = check_board(board)
    for _ in range(int(steps)):
        b = table[pattern_index(b)]
    return b


def random_board(height: int, width: int, seed: int = 0, density: float = 0.5) -> np.ndarray:
    """A ``height × width`` 0/1 soup, each cell alive with probability ≈ ``density``.

    Cheap even at 8192² (one random byte per cell, compared with ``round(256·density)``),
    and reproducible: the same seed gives the same board on every machine. Every random
    board in the project (tests, benchmarks, the book) comes from here.
    """
    if not 0 <= density <= 1:
        raise ValueError(f"density must be in [0, 1], got {density}")
    rng = np.random.default_rng(seed)
    cut = round(256 * density)  # bytes 0..255 below the cut are alive: 256 means all
    return (rng.integers(0, 256, (height, width), dtype=np.uint8) < cut).astype(np.uint8)

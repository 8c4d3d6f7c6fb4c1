"""Rule strings ⇄ truth tables, and the numpy reference simulator.

A rule of a two-state cellular automaton on the Moore neighbourhood is a function of nine
bits: the 3×3 neighbourhood NW, N, NE, W, C, E, SW, S, SE. We store it as its truth table,
512 entries indexed by ``NW·2⁸ + N·2⁷ + NE·2⁶ + W·2⁵ + C·2⁴ + E·2³ + SW·2² + S·2 + SE`` —
the numbering of Golly's ``MAP`` rules, so any rule Golly or LifeWiki can name can be
learned here:

* outer totalistic ``B3/S23`` (``b3/s23``) or its survival/birth form ``23/3``;
* isotropic non-totalistic ``B2-a/S12``, ``B3/S23-q``, ``B2ce3ai/S`` in Hensel notation,
  as Golly and LifeWiki write them: after a neighbour count 1-7 a set of letters keeps only
  those configurations of that many live neighbours, ``-`` and letters keep all but those
  (``HENSEL_LETTERS`` lists each count's letters; 0 and 8 take none);
* any ``MAP…`` string (base64 of the 512 bits).

:func:`name_of` names a table back in the shortest of these that fits: ``B…/S…`` digits when
it is outer totalistic, Hensel letters when it is isotropic, else ``MAP…``.
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
    """Parse ``B3/S23``, ``b36/s23``, ``B2/S``, ``23/3`` (S/B), a Hensel-notation rule
    (``B2-a/S12``, ``B3/S23-q``) or a ``MAP`` string.

    Neighbour counts are ASCII digits ``0``-``8``; in the ``B…/S…`` form each may be
    followed by Hensel letters (see :data:`HENSEL_LETTERS`). Anything else is a
    :class:`RuleError` naming the problem. A rule with letters is named by :func:`name_of`,
    so equal tables get equal names (``B3aceijknqry/S23`` is ``B3/S23``).
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
        birth, b_letters = _hensel_counts(m["b"], "birth", text)
        survive, s_letters = _hensel_counts(m["s"], "survival", text)
        if b_letters or s_letters:
            table = isotropic_table(birth, survive)
            return Rule(name_of(table), table)
        return Rule(bs_name(set(birth), set(survive)), totalistic_table(set(birth), set(survive)))
    m = _SB.match(text)
    if not m:
        raise RuleError(
            f"cannot parse rule {rule!r}: expected B<digits>/S<digits> (ASCII digits 0-8, "
            "each optionally with Hensel letters as in B2-a/S12), <survival>/<birth>, "
            "or MAP<base64>"
        )
    survive_set = _digits(m["s"], "survival", text)
    birth_set = _digits(m["b"], "birth", text)
    return Rule(bs_name(birth_set, survive_set), totalistic_table(birth_set, survive_set))


def bs_name(birth: set[int], survive: set[int]) -> str:
    """The canonical ``B…/S…`` spelling of an outer-totalistic rule (digits sorted)."""
    return "B" + "".join(map(str, sorted(birth))) + "/S" + "".join(map(str, sorted(survive)))


def name_of(table: np.ndarray) -> str:
    """A human name for a truth table: ``B…/S…`` when it is outer totalistic, else the
    Hensel-notation ``B…/S…`` when it is isotropic, else its Golly ``MAP`` string (each
    checked, not assumed). :func:`parse` of the name gives the table back."""
    t = np.asarray(table, dtype=np.uint8)
    if t.shape != (N_PATTERNS,):
        raise RuleError(f"a rule table has 512 entries, got shape {t.shape}")
    counts, centres = neighbour_counts(), centers()
    birth = {n for n in range(9) if t[(counts == n) & (centres == 0)].all()}
    survive = {n for n in range(9) if t[(counts == n) & (centres == 1)].all()}
    if np.array_equal(totalistic_table(birth, survive), t):
        return bs_name(birth, survive)
    if is_isotropic(t):
        return _hensel_name(t)
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


# -- isotropic non-totalistic rules: Hensel notation -----------------------------------------
#
# An isotropic rule treats a neighbourhood like its images under the 8 rotations and
# reflections of the square, so it is a function of the centre and of the neighbourhood's
# class under those symmetries: 1, 2, 6, 10, 13, 10, 6, 2, 1 classes for 0…8 live neighbours,
# 51 in all. Hensel's notation names each class by its count and a letter.

_COMPASS_BIT = {"NW": 8, "N": 7, "NE": 6, "W": 5, "E": 3, "SW": 2, "S": 1, "SE": 0}
_NEIGHBOUR_MASK = 0b111_101_111  # every neighbour alive, centre dead

#: Each neighbour count's Hensel letters, in the order of LifeWiki's table (error messages
#: list them so). 5, 6 and 7 reuse the letters of 3, 2 and 1; 0 and 8 take none.
HENSEL_LETTERS: dict[int, str] = {
    0: "",
    1: "ce",
    2: "cekain",
    3: "cekainyqjr",
    4: "cekainyqjrtwz",
    5: "cekainyqjr",
    6: "cekain",
    7: "ce",
    8: "",
}

# One representative neighbourhood per letter (its live neighbours), counts 1-4. Source:
# Golly, gollybase/liferules.cpp, ``rule_neighborhoods`` (entry0…entry3), whose 3×3 bit
# numbering is this module's (centre 0x10); Golly's number is in the comment. Cross-checked
# class by class against an independent table (nutshell's R4R_NBHDS) and, in
# tests/test_hensel.py, by the class counts and the partition of every count. Count 8-n
# letter x is the complement of count n letter x (Golly XORs with 0x1ef): 5q is the
# neighbourhood whose dead cells form a 3q, and so on.
_HENSEL_REPRESENTATIVES: dict[int, dict[str, str]] = {
    1: {
        "c": "SE",  # 1: a corner
        "e": "S",  # 2: an edge
    },
    2: {
        "c": "SW SE",  # 5: two corners of one side
        "e": "E S",  # 10: two edges at right angles
        "k": "W SE",  # 33: a knight's move apart
        "a": "S SE",  # 3: adjacent edge and corner
        "i": "W E",  # 40: opposite edges
        "n": "NE SW",  # 68: opposite corners
    },
    3: {
        "c": "NE SW SE",  # 69
        "e": "W E S",  # 42
        "k": "NE W S",  # 98
        "a": "E S SE",  # 11
        "i": "SW S SE",  # 7: one whole side
        "n": "E SW SE",  # 13
        "y": "NE W SE",  # 97
        "q": "NE SW S",  # 70
        "j": "E SW S",  # 14
        "r": "W E SE",  # 41
    },
    4: {
        "c": "NW NE SW SE",  # 325
        "e": "N W E S",  # 170
        "k": "NE W S SE",  # 99
        "a": "E SW S SE",  # 15
        "i": "W E SW SE",  # 45
        "n": "NE SW S SE",  # 71
        "y": "NE W SW SE",  # 101
        "q": "NE W SW S",  # 102
        "j": "NE W E S",  # 106
        "r": "W E S SE",  # 43
        "t": "NE W E SE",  # 105
        "w": "NE E SW S",  # 78
        "z": "NE W E SW",  # 108
    },
}


def _symmetries() -> np.ndarray:
    """The 8 rotations/reflections as permutations of pattern indices, identity first."""
    moves = (
        lambda r, c: (r, c),
        lambda r, c: (c, 2 - r),  # quarter turn
        lambda r, c: (2 - r, 2 - c),  # half turn
        lambda r, c: (2 - c, r),  # three-quarter turn
        lambda r, c: (r, 2 - c),  # mirror left-right
        lambda r, c: (2 - r, c),  # mirror top-bottom
        lambda r, c: (c, r),  # transpose
        lambda r, c: (2 - c, 2 - r),  # anti-transpose
    )
    p = np.arange(N_PATTERNS)
    out = np.zeros((len(moves), N_PATTERNS), dtype=np.int64)
    for k, move in enumerate(moves):
        for r in range(3):
            for c in range(3):
                r2, c2 = move(r, c)
                out[k] |= ((p >> (8 - 3 * r - c)) & 1) << (8 - 3 * r2 - c2)
    return out


#: ``SYMMETRIES[k, p]``: pattern ``p`` rotated/reflected by the k-th symmetry of the square.
SYMMETRIES = _symmetries()
SYMMETRIES.setflags(write=False)


def _representative_mask(count: int, letter: str) -> int:
    if count in (0, 8):
        return 0 if count == 0 else _NEIGHBOUR_MASK
    if count > 4:
        return _representative_mask(8 - count, letter) ^ _NEIGHBOUR_MASK
    return sum(1 << _COMPASS_BIT[d] for d in _HENSEL_REPRESENTATIVES[count][letter].split())


def _build_classes() -> tuple[dict[tuple[int, str], int], np.ndarray]:
    """Number the 51 classes and give every pattern its neighbourhood's class."""
    ids: dict[tuple[int, str], int] = {}
    class_of = np.full(N_PATTERNS, -1, dtype=np.int64)
    for count in range(9):
        for letter in HENSEL_LETTERS[count] or "_":
            key = (count, "" if letter == "_" else letter)
            ids[key] = len(ids)
            orbit = SYMMETRIES[:, _representative_mask(*key)]
            for p in (orbit, orbit | (1 << CENTER_BIT)):
                if (class_of[p] != -1).any():
                    raise RuntimeError(f"Hensel class {key} overlaps another")  # table typo
                class_of[p] = ids[key]
    if (class_of == -1).any():
        raise RuntimeError("the Hensel classes miss some neighbourhoods")  # table typo
    class_of.setflags(write=False)
    return ids, class_of


_CLASS_ID, _CLASS_OF = _build_classes()


def hensel_class(count: int, letter: str = "") -> np.ndarray:
    """The pattern indices (centre dead, sorted) of configuration ``count`` ``letter``:
    ``hensel_class(3, "q")`` is the 8 placements of 3q. Counts 0 and 8 take ``letter=""``."""
    key = (count, letter)
    if key not in _CLASS_ID:
        raise RuleError(f"no Hensel configuration {count}{letter}")
    return np.flatnonzero(np.equal(_CLASS_OF, _CLASS_ID[key]) & (centers() == 0))


def is_isotropic(table: np.ndarray) -> bool:
    """Whether ``table`` is unchanged by every rotation and reflection of the 3×3 square."""
    t = np.asarray(table)
    return all(np.array_equal(t[perm], t) for perm in SYMMETRIES[1:])


def isotropic_table(birth: dict[int, str], survive: dict[int, str]) -> np.ndarray:
    """Truth table of an isotropic rule given, for each neighbour count that appears, the
    letters of the configurations that are born (``birth``) or survive (``survive``);
    counts 0 and 8 map to ``""``."""
    on = np.zeros((2, len(_CLASS_ID)), dtype=np.uint8)
    for centre, part in ((0, birth), (1, survive)):
        for count, letters in part.items():
            for letter in letters if HENSEL_LETTERS[count] else [""]:
                on[centre, _CLASS_ID[(count, letter)]] = 1
    return on[centers(), _CLASS_OF]


def _hensel_counts(s: str, what: str, rule: str) -> tuple[dict[int, str], bool]:
    """Read one half (birth or survival) of a ``B…/S…`` rule in Hensel notation.

    Returns, for each neighbour count written, the letters of the configurations it keeps
    (all of them for a bare digit, ``""`` for 0 and 8), and whether any letter or ``-``
    was written at all. Letters are case-insensitive, as in Golly. A bare digit may repeat
    (``B33/S23`` always parsed); a digit with letters may not, since ``B2a2-c`` is unclear.
    """
    out: dict[int, str] = {}
    lettered: set[int] = set()
    i = 0
    while i < len(s):
        ch = s[i]
        if ch == "9":
            raise RuleError(f"rule {rule!r}: {what} neighbour count 9 out of range 0-8")
        if ch == "-":
            raise RuleError(
                f"rule {rule!r}: {what} has a '-' that does not follow a neighbour count "
                "(write it straight after the digit, as in B2-a/S12)"
            )
        if ch.isascii() and ch.isalpha():
            raise RuleError(
                f"rule {rule!r}: {what} contains {ch!r} before any neighbour count; "
                "Hensel letters follow a digit 0-8, as in B2-a/S12"
            )
        if ch not in _COUNT_DIGITS:
            raise RuleError(
                f"rule {rule!r}: {what} contains {ch!r}, expected ASCII digits 0-8 "
                "(each optionally followed by Hensel letters)"
            )
        count = int(ch)
        i += 1
        negative = i < len(s) and s[i] == "-"
        if negative:
            i += 1
        j = i
        while j < len(s) and s[j].isascii() and s[j].isalpha():
            j += 1
        written, i = s[i:j], j
        alphabet = HENSEL_LETTERS[count]
        if (negative or written) and not alphabet:
            bad = "-" if negative else written[0]
            raise RuleError(
                f"rule {rule!r}: {what} contains {bad!r} after {count}: {count} neighbours "
                "have only one configuration and take no letters"
            )
        if negative and not written:
            raise RuleError(
                f"rule {rule!r}: {what} has '-' after {count} with no letters to exclude"
            )
        chosen = ""
        for letter in written:
            low = letter.lower()
            if low not in alphabet:
                plural = "" if count == 1 else "s"
                raise RuleError(
                    f"rule {rule!r}: {what} contains {letter!r}: letter {letter!r} is not a "
                    f"configuration of {count} neighbour{plural}; {count} takes "
                    f"{','.join(alphabet)}"
                )
            if low in chosen:
                raise RuleError(f"rule {rule!r}: {what} repeats letter {low!r} after {count}")
            chosen += low
        if count in out and (written or count in lettered):
            raise RuleError(
                f"rule {rule!r}: {what} repeats neighbour count {count}; write each count "
                "once, with all its letters together"
            )
        if written:
            lettered.add(count)
        if negative:
            chosen = "".join(x for x in alphabet if x not in chosen)
        elif not written:
            chosen = alphabet
        out[count] = chosen
    return out, bool(lettered)


def _hensel_name(table: np.ndarray) -> str:
    """The shortest Hensel name of an isotropic table, spelled as Golly spells it.

    Counts ascend; a count with every configuration is a bare digit, one with none is left
    out; otherwise the letters are listed, or ``-`` and the letters left out when that is
    strictly shorter (a tie lists them, as Golly does). Letters are written in alphabetical
    order, Golly's canonical order (``B3aceijknqry``), not LifeWiki's table order.
    """
    halves = []
    for centre, head in ((0, "B"), (1, "S")):
        out = head
        for count in range(9):
            alphabet = HENSEL_LETTERS[count]
            base = 1 << CENTER_BIT if centre else 0
            if not alphabet:
                if table[_representative_mask(count, "") | base]:
                    out += str(count)
                continue
            ordered = sorted(alphabet)
            on = "".join(x for x in ordered if table[_representative_mask(count, x) | base])
            off = "".join(x for x in ordered if x not in on)
            if not on:
                continue
            out += str(count)
            if off:
                out += "-" + off if 1 + len(off) < len(on) else on
        halves.append(out)
    return "/".join(halves)


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


def degree_weights(table: np.ndarray) -> np.ndarray:
    """How a rule's truth table spreads over interactions of 0..9 cells: its Fourier
    (Walsh–Hadamard) weight by degree, ``w[k]`` for ``k = 0..9``, summing to 1.

    Writing the rule as ``F(x) = (-1)**table[x]`` over the nine cells, ``F`` is a unique sum
    of products of ``(-1)**x_i`` over subsets of cells; ``w[k]`` is the squared weight of
    the products of ``k`` cells (Parseval makes them sum to 1). ``w[1]`` is how much the
    rule follows single cells, ``w[0]`` its bias. A rule with all its weight at high degree
    gives a learner nothing to hold on to at first: no cell, and no pair, says anything
    about the output on its own. Replicator (``B1357/S1357``) is the extreme: the parity of
    the eight neighbours, all of its weight at degree 8.
    """
    t = np.asarray(table)
    if t.shape != (N_PATTERNS,) or not np.isin(t, (0, 1)).all():
        raise RuleError(f"a rule table has 512 entries of 0 or 1, got shape {t.shape}")
    h = 1.0 - 2.0 * t.astype(np.float64)
    step = 1
    while step < N_PATTERNS:  # the fast Walsh–Hadamard transform, in place
        h = h.reshape(-1, 2 * step)
        a, b = h[:, :step].copy(), h[:, step:].copy()
        h[:, :step], h[:, step:] = a + b, a - b
        h = h.reshape(-1)
        step *= 2
    h /= N_PATTERNS
    degree = np.array([bin(i).count("1") for i in range(N_PATTERNS)])
    return np.bincount(degree, weights=h * h, minlength=10)

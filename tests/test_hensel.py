"""Isotropic non-totalistic rules in Hensel notation (``B2-a/S12``): parse, name, RLE."""

import re

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gatenet import patterns, rules

# Golly, gollybase/liferules.cpp: ``rule_neighborhoods`` for counts 1-4, letters in Golly's
# internal order "ceaiknjqrytwz"; Golly's 3×3 numbering is ours (centre 0x10), and counts
# 5-7 are the complements (XOR 0x1ef) of counts 3-1.
GOLLY_LETTERS = "ceaiknjqrytwz"
GOLLY_NEIGHBOURHOODS = {
    1: (1, 2),
    2: (5, 10, 3, 40, 33, 68),
    3: (69, 42, 11, 7, 98, 13, 14, 70, 41, 97),
    4: (325, 170, 15, 45, 99, 71, 106, 102, 43, 101, 105, 78, 108),
}
CLASS_COUNTS = (1, 2, 6, 10, 13, 10, 6, 2, 1)
COMPASS = {"NW": 8, "N": 7, "NE": 6, "W": 5, "C": 4, "E": 3, "SW": 2, "S": 1, "SE": 0}


def idx(*cells: str) -> int:
    """Pattern index of the named live cells, e.g. ``idx("C", "N", "NE")``."""
    return sum(1 << COMPASS[c] for c in cells)


def grid(p: int) -> np.ndarray:
    return np.array([(p >> (8 - i)) & 1 for i in range(9)]).reshape(3, 3)


def index(g: np.ndarray) -> int:
    return int(sum(int(b) << (8 - i) for i, b in enumerate(g.ravel())))


def images(p: int) -> set[int]:
    """The 8 images of pattern ``p`` under rotations and reflections (numpy, not rules.py)."""
    out = set()
    for flip in (False, True):
        g = grid(p)
        if flip:
            g = np.fliplr(g)
        for k in range(4):
            out.add(index(np.rot90(g, k)))
    return out


SYMMETRY_PERMS = np.array(
    [
        [index(np.rot90(np.fliplr(grid(p)) if f else grid(p), k)) for p in range(512)]
        for f in (False, True)
        for k in range(4)
    ]
)


def isotropic(table: np.ndarray) -> bool:
    return all(np.array_equal(table[perm], table) for perm in SYMMETRY_PERMS)


def dead_centre(count: int) -> set[int]:
    return {p for p in range(512) if not p & 16 and bin(p).count("1") == count}


# -- the letter table ----------------------------------------------------------------------


def test_class_counts_match_the_orbit_count():
    for n in range(9):
        orbits = {frozenset(images(p)) for p in dead_centre(n)}
        assert len(orbits) == CLASS_COUNTS[n]
        assert len(rules.HENSEL_LETTERS[n] or "_") == CLASS_COUNTS[n]
    assert sum(CLASS_COUNTS) == 51


@pytest.mark.parametrize("n", range(9))
def test_letter_classes_are_orbits_and_partition_each_count(n):
    seen: set[int] = set()
    for letter in rules.HENSEL_LETTERS[n] or [""]:
        cls = set(rules.hensel_class(n, letter).tolist())
        assert cls  # non-empty
        assert cls == images(min(cls))  # one orbit: closed, and nothing else in it
        assert not cls & seen  # disjoint from the other letters
        seen |= cls
    assert seen == dead_centre(n)


def test_letter_classes_match_golly():
    for n, numbers in GOLLY_NEIGHBOURHOODS.items():
        assert len(numbers) == len(rules.HENSEL_LETTERS[n])
        for letter, x in zip(GOLLY_LETTERS, numbers, strict=False):
            assert x in rules.hensel_class(n, letter)
            if n < 4:
                assert x ^ 0x1EF in rules.hensel_class(8 - n, letter)


def test_hand_checked_letters():
    # counts 1 and 2 straight from the definitions
    assert idx("NW") in rules.hensel_class(1, "c")
    assert idx("N") in rules.hensel_class(1, "e")
    assert idx("NW", "NE") in rules.hensel_class(2, "c")  # corners of one side
    assert idx("N", "W") in rules.hensel_class(2, "e")  # edges at a corner
    assert idx("N", "SE") in rules.hensel_class(2, "k")  # knight's move
    assert idx("N", "NE") in rules.hensel_class(2, "a")  # adjacent
    assert idx("N", "S") in rules.hensel_class(2, "i")  # opposite edges
    assert idx("NE", "SW") in rules.hensel_class(2, "n")  # opposite corners
    assert idx("NW", "N", "NE") in rules.hensel_class(3, "i")  # a whole side
    assert idx("N", "SE", "SW") in rules.hensel_class(3, "y")  # Y with the centre
    assert idx("N", "S", "NE") in rules.hensel_class(3, "r")  # r with the centre
    assert idx("NW", "N", "NE", "S") in rules.hensel_class(4, "t")  # T with the centre
    assert idx("W", "E", "NE", "SW") in rules.hensel_class(4, "z")  # Z with the centre
    assert idx("SW", "W", "N", "NE") in rules.hensel_class(4, "w")  # staircase
    # the complement rule: 5x's dead neighbours form a 3x
    assert idx("N", "NE", "E", "SE", "S") in rules.hensel_class(5, "i")
    sizes = {(n, x): len(rules.hensel_class(n, x)) for n in range(1, 8)
             for x in rules.HENSEL_LETTERS[n]}
    assert sizes[(2, "i")] == sizes[(2, "n")] == 2
    assert sizes[(4, "c")] == sizes[(4, "e")] == 1
    assert sizes[(3, "q")] == 8


def test_hensel_class_rejects_unknown():
    with pytest.raises(rules.RuleError, match="no Hensel configuration 1k"):
        rules.hensel_class(1, "k")


# -- parsing --------------------------------------------------------------------------------


def test_life_spelled_out_is_life():
    r = rules.parse("B3aceijknqry/S2aceikn3aceijknqry")
    assert r == rules.LIFE
    assert r.name == "B3/S23"


@pytest.mark.parametrize("n", range(1, 8))
def test_all_letters_is_the_bare_digit(n):
    letters = rules.HENSEL_LETTERS[n]
    bare = rules.parse(f"B{n}/S{n}")
    assert rules.parse(f"B{n}{letters}/S{n}{letters[::-1]}") == bare
    assert rules.parse(f"B{n}{letters.upper()}/S{n}") == bare  # case-insensitive, as Golly
    assert rules.parse(f"B{n}-{letters}/S").table.sum() == 0  # all excluded: no births
    for x in letters:
        rest = "".join(y for y in letters if y != x)
        assert rules.parse(f"B{n}-{x}/S") == rules.parse(f"B{n}{rest}/S")


def test_b2_minus_a_s12_by_hand():
    t = rules.parse("B2-a/S12").table
    assert t[idx("N", "NE")] == 0  # 2a is excluded from births
    assert t[idx("NW", "N")] == 0
    assert t[idx("N", "S")] == 1  # 2i
    assert t[idx("NW", "NE")] == 1  # 2c
    assert t[idx("N", "SE")] == 1  # 2k
    assert t[idx("C", "N", "NE")] == 1  # survival on 2 keeps every configuration
    assert t[idx("C", "SE")] == 1  # and on 1
    assert t[idx("C")] == 0
    assert t[idx("N", "NE", "E")] == 0  # no birth on 3
    assert t.sum() == (28 - 8) + 8 + 28


def test_b3_s23_minus_q_differs_from_life_in_the_3q_survivals():
    diff = np.flatnonzero(rules.parse("B3/S23-q").table != rules.LIFE.table)
    q = rules.hensel_class(3, "q")
    assert len(diff) == len(q) == 8  # no symmetry fixes a 3q: 8 orientations
    assert set(diff.tolist()) == {int(p) | 16 for p in q}
    assert idx("C", "NE", "SW", "S") in diff


def test_letters_in_any_order_and_counts_in_any_order():
    assert rules.parse("B3ai2ec/S") == rules.parse("B2ce3ai/S")
    assert rules.parse("B2n3/S23-q").name == "B2n3/S23-q"


def test_pure_digits_behave_as_before():
    assert rules.parse("B33/S23") == rules.LIFE  # a bare repeated digit was always accepted
    assert rules.parse("B36/S23").name == "B36/S23"


def semantics(text: str) -> np.ndarray:
    """The table a Hensel B/S string means, worked out cell by cell (a second opinion)."""
    b, s = text[1:].split("/S")
    table = np.zeros(512, dtype=np.uint8)
    for centre, part in ((0, b), (16, s)):
        i = 0
        while i < len(part):
            n = int(part[i])
            i += 1
            neg = part[i : i + 1] == "-"
            i += neg
            j = i
            while j < len(part) and part[j].isalpha():
                j += 1
            written = part[i:j]
            i = j
            for x in rules.HENSEL_LETTERS[n] or [""]:
                if not written or (x in written) != neg:
                    for p in rules.hensel_class(n, x):
                        table[p | centre] = 1
    return table


@st.composite
def hensel_half(draw) -> str:
    pieces = []
    for n in range(9):
        alphabet = rules.HENSEL_LETTERS[n]
        kinds = ["absent", "digit", "letters", "minus"] if alphabet else ["absent", "digit"]
        kind = draw(st.sampled_from(kinds))
        if kind == "absent":
            continue
        piece = str(n)
        if kind != "digit":
            chosen = draw(st.lists(st.sampled_from(alphabet), min_size=1, unique=True))
            piece += ("-" if kind == "minus" else "") + "".join(chosen)
        pieces.append(piece)
    return "".join(draw(st.permutations(pieces)))


hensel_rules = st.builds(lambda b, s: f"B{b}/S{s}", hensel_half(), hensel_half())


@settings(max_examples=150, deadline=None)
@given(hensel_rules)
def test_random_hensel_rules_are_isotropic_and_round_trip(text):
    r = rules.parse(text)
    assert np.array_equal(r.table, semantics(text))
    assert isotropic(r.table)
    assert rules.is_isotropic(r.table)
    name = rules.name_of(r.table)
    assert name == r.name
    assert not name.startswith("MAP")
    assert len(name) <= len(text)  # the shortest spelling
    assert rules.parse(name) == r
    assert rules.parse(r.map_string) == r


@settings(max_examples=150, deadline=None)
@given(st.lists(st.integers(0, 1), min_size=102, max_size=102))
def test_random_isotropic_tables_round_trip(bits):
    # one bit per (centre, class): every isotropic table can be drawn
    table = np.zeros(512, dtype=np.uint8)
    k = 0
    for centre in (0, 16):
        for n in range(9):
            for x in rules.HENSEL_LETTERS[n] or [""]:
                table[rules.hensel_class(n, x) | centre] = bits[k]
                k += 1
    assert k == 102
    assert isotropic(table)
    name = rules.name_of(table)
    assert name.startswith("B") and "/S" in name
    assert np.array_equal(rules.parse(name).table, table)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.integers(0, 1), min_size=512, max_size=512))
def test_random_tables_round_trip(bits):
    t = np.array(bits, dtype=np.uint8)
    name = rules.name_of(t)
    assert name.startswith("MAP") == (not isotropic(t))
    assert np.array_equal(rules.parse(name).table, t)


@pytest.mark.parametrize(
    "written, canonical",
    [
        ("B2cekin/S12", "B2-a/S12"),  # five of six: '-' and one letter is shorter
        ("B2cek/S", "B2cek/S"),  # three of six: listing is shorter
        ("B3-aceij/S", "B3knqry/S"),  # five of ten: listing is shorter
        ("B3aceijk/S", "B3-nqry/S"),  # six of ten: '-' is shorter
        ("B4acejkqr/S", "B4acejkqr/S"),  # seven of thirteen: a tie lists them, as Golly does
        ("B4-intwyz/S", "B4acejkqr/S"),
        ("B4acejkqrt/S", "B4-inwyz/S"),  # eight of thirteen
        ("B3ya/S2-cekain", "B3ay/S"),  # letters alphabetically, as Golly writes them
        ("b2A/s", "B2a/S"),
    ],
)
def test_canonical_names(written, canonical):
    assert rules.parse(written).name == canonical
    assert rules.name_of(rules.parse(written).table) == canonical


def test_simulation_is_isotropic():
    board = rules.random_board(12, 12, seed=3)
    for text in ("B2-a/S12", "B2n3/S23-q", "B3ai4t/S1e2-a5y"):
        for k in range(4):
            got = rules.step(np.rot90(board, k), text, 3)
            assert np.array_equal(got, np.rot90(rules.step(board, text, 3), k))
        assert np.array_equal(rules.step(board.T, text, 3), rules.step(board, text, 3).T)


# -- errors ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text, message",
    [
        ("B3x/S23", "letter 'x' is not a configuration of 3 neighbours; "
                    "3 takes c,e,k,a,i,n,y,q,j,r"),
        ("B1k/S", "letter 'k' is not a configuration of 1 neighbour; 1 takes c,e"),
        ("B3/S6t", "letter 't' is not a configuration of 6 neighbours; 6 takes c,e,k,a,i,n"),
        ("B0c/S", "'c' after 0: 0 neighbours have only one configuration and take no letters"),
        ("B3/S8-a", "'-' after 8: 8 neighbours have only one configuration"),
        ("B2-/S", "'-' after 2 with no letters to exclude"),
        ("B2aa/S", "repeats letter 'a' after 2"),
        ("B2a/S3-qQ", "repeats letter 'q' after 3"),
        ("B2a2c/S", "repeats neighbour count 2"),
        ("B2a2/S", "repeats neighbour count 2"),
        ("B3/S22-a", "repeats neighbour count 2"),
        ("B2a-c/S", "'-' that does not follow a neighbour count"),
        ("B-a/S", "'-' that does not follow a neighbour count"),
        ("Ba2/S", "'a' before any neighbour count"),
        ("B2a!/S", "contains '!', expected ASCII digits 0-8"),
        ("B2a/S1 2", "contains ' ', expected ASCII digits 0-8"),
        ("B2a/S9", "neighbour count 9 out of range 0-8"),
        ("B3/S2x", "contains 'x'"),  # the old message's words are kept
        ("B3/S2²", "contains '²', expected ASCII digits 0-8"),
        ("2a3/3", "cannot parse"),  # letters only in the B…/S… form
    ],
)
def test_bad_hensel_rules(text, message):
    with pytest.raises(rules.RuleError, match=re.escape(message)):
        rules.parse(text)


# -- RLE ------------------------------------------------------------------------------------


def test_rle_header_round_trip():
    text = "x = 3, y = 2, rule = B2-a/S12\nobo$b2o!\n"
    p = patterns.parse_rle(text)
    assert p.rule == "B2-a/S12"
    assert rules.parse(p.rule) == rules.parse("B2cekin/S12")
    out = p.to_rle()
    assert "rule = B2-a/S12" in out
    assert patterns.parse_rle(out) == p
    # a Rule object is written by its canonical name
    written = patterns.to_rle(p.cells, rule=rules.parse("B2cekin/S12"))
    assert "rule = B2-a/S12" in written
    assert patterns.parse_rle(written).cells.tolist() == p.cells.tolist()
    # bounded-grid suffix and the old-style #r line
    assert patterns.parse_rle("x = 1, y = 1, rule = B3/S23-q:T10,10\no!\n").rule == "B3/S23-q"
    assert patterns.parse_rle("#r B2n3/S23-q\nx = 1, y = 1\no!\n").rule == "B2n3/S23-q"


def test_rle_header_with_a_bad_hensel_rule():
    with pytest.raises(patterns.PatternError, match=r"bad rule in header.*letter 'x'"):
        patterns.parse_rle("x = 1, y = 1, rule = B3x/S23\no!\n")

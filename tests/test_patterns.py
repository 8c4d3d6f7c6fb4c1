"""RLE / plaintext reading and writing, and the shipped classics checked against rules.step."""

from __future__ import annotations

import itertools
import re

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gatenet import patterns as P
from gatenet import rules

# -- strategies -----------------------------------------------------------------------------


@st.composite
def boards(draw: st.DrawFn, max_h: int = 12, max_w: int = 160) -> np.ndarray:
    """Binary arrays whose rows are all-dead, all-alive or random at a drawn density.

    Plain uniform bits would almost never produce the blank rows and long runs that
    exercise ``n$`` folding, run merging and line wrapping.
    """
    h = draw(st.integers(1, max_h))
    w = draw(st.integers(1, max_w))
    kind = draw(st.sampled_from(["mixed", "dead", "alive"]))
    if kind == "dead":
        return np.zeros((h, w), np.uint8)
    if kind == "alive":
        return np.ones((h, w), np.uint8)
    seed = draw(st.integers(0, 2**32 - 1))
    rng = np.random.default_rng(seed)
    out = np.zeros((h, w), np.uint8)
    for r in range(h):
        row_kind = draw(st.sampled_from(["dead", "alive", "random", "random"]))
        if row_kind == "alive":
            out[r] = 1
        elif row_kind == "random":
            p = draw(st.sampled_from([0.05, 0.5, 0.95]))
            out[r] = rng.random(w) < p
    return out


# -- round trips ----------------------------------------------------------------------------


@settings(max_examples=200, deadline=None)
@given(boards())
def test_rle_round_trip(a: np.ndarray) -> None:
    text = P.to_rle(a)
    p = P.parse_rle(text)
    assert p.cells.dtype == np.uint8
    np.testing.assert_array_equal(p.cells, a)
    assert p.rule == "B3/S23"
    data = text.splitlines()[1:]
    assert all(len(line) <= P.RLE_LINE_WIDTH for line in data)
    assert data[-1].endswith("!")
    joined = "".join(data)
    # runs are merged: no two adjacent items carry the same tag
    tags = re.findall(r"\d*([bo$])", joined)
    assert all(x != y for x, y in itertools.pairwise(tags))
    # trailing dead cells of a row are never written
    assert "b$" not in joined and "b!" not in joined


@settings(max_examples=200, deadline=None)
@given(boards())
def test_cells_round_trip(a: np.ndarray) -> None:
    p = P.parse_cells(P.to_cells(a, name="x"))
    np.testing.assert_array_equal(p.cells, a)
    assert p.name == "x"


@settings(max_examples=50, deadline=None)
@given(boards(max_h=5, max_w=80))
def test_write_read_round_trip(tmp_path_factory: pytest.TempPathFactory, a: np.ndarray) -> None:
    d = tmp_path_factory.mktemp("pat")
    for suffix in (".rle", ".cells"):
        path = P.write(d / f"p{suffix}", a, name="n", comments=["c1", "c2"])
        p = P.read(path)
        np.testing.assert_array_equal(p.cells, a)
        assert p.name == "n" and p.comments == ("c1", "c2")
        assert P.read(str(path)) == p
    assert [f.name for f in d.iterdir() if f.name.endswith(".tmp")] == []


def test_small_cases() -> None:
    assert P.to_rle(np.zeros((1, 1), np.uint8), rule=None) == "x = 1, y = 1\n!\n"
    assert P.to_rle(np.ones((1, 1), np.uint8), rule=None) == "x = 1, y = 1\no!\n"
    a = np.zeros((5, 4), np.uint8)
    a[0, 1] = a[4, 3] = 1
    assert P.to_rle(a, rule=None).splitlines()[1] == "bo4$3bo!"
    np.testing.assert_array_equal(P.parse_rle("x=1,y=1\n!").cells, [[0]])
    empty = P.parse_rle("x = 0, y = 0\n!")
    assert empty.cells.shape == (0, 0)


def test_wrapped_line_exactly() -> None:
    a = np.tile(np.array([1, 0], np.uint8), 100)[None, :]  # "obobob…" 200 items
    lines = P.to_rle(a, rule=None).splitlines()[1:]
    assert [len(x) for x in lines[:-1]] == [70] * (len(lines) - 1)
    np.testing.assert_array_equal(P.parse_rle("x = 200, y = 1\n" + "\n".join(lines)).cells, a)


def test_pattern_metadata_round_trip() -> None:
    p = P.Pattern(
        np.eye(3, dtype=np.uint8), name="diag", rule="B36/S23", comments=("a", ""), author="me"
    )
    assert P.parse_rle(p.to_rle()) == p
    assert P.parse_cells(p.to_cells()) == p


def test_cells_comment_that_looks_like_a_keyword_stays_a_comment() -> None:
    p = P.parse_cells(P.to_cells(np.ones((1, 1), np.uint8), comments=["Name: not it"]))
    assert p.name is None and p.comments == ("Name: not it",)


# -- RLE parsing details --------------------------------------------------------------------


def test_multiline_runs_and_whitespace() -> None:
    text = "#C split\nx = 12, y = 2, rule = B3/S23\n12\no \n$ 3b\n2o  o\n!"
    p = P.parse_rle(text)
    expected = np.zeros((2, 12), np.uint8)
    expected[0, :] = 1
    expected[1, 3:5] = expected[1, 5] = 1
    np.testing.assert_array_equal(p.cells, expected)
    assert p.comments == ("split",)


def test_skip_rows() -> None:
    p = P.parse_rle("x = 2, y = 4\no3$bo!")
    np.testing.assert_array_equal(p.cells, [[1, 0], [0, 0], [0, 0], [0, 1]])


def test_multistate_letters_and_trailing_text() -> None:
    p = P.parse_rle("x=4,y=1,rule=b3/s23\n.A2.!\nanything after the end is ignored")
    np.testing.assert_array_equal(p.cells, [[0, 1, 0, 0]])
    assert p.rule == "b3/s23"  # kept as written, validated by rules.parse


def test_header_variants() -> None:
    p = P.parse_rle("#N Name here\n#O Someone\n#r 23/3\n  x=3 ,y= 1\n3o!")
    assert (p.name, p.author, p.rule) == ("Name here", "Someone", "23/3")
    q = P.parse_rle("y = 1, x = 2, rule = B3/S23:T10,10\n2o!")
    assert q.cells.shape == (1, 2) and q.rule == "B3/S23"
    m = P.parse_rle(f"x = 1, y = 1, rule = {rules.LIFE.map_string}\no!")
    assert rules.parse(m.rule) == rules.LIFE


@pytest.mark.parametrize(
    ("text", "line", "column", "needle"),
    [
        ("x = 3, y = 3\nbo$2bz$3o!", 2, 6, "unexpected character 'z'"),
        ("#C c\nx = 3, y = 1\n\n  4o!", 4, 4, "wider than the header's x = 3"),
        ("x = 3, y = 1\no$o!", 2, 3, "beyond the header's y = 1"),
        ("x = 3, y = 1, rule = B9/S23\no!", 1, 22, "bad rule"),
        ("x = 3, y = 1, rule = B3/S23\nob\no", 3, 2, "missing '!'"),
        ("x = 3, y = 1\n2 1o!", 2, 3, "split by whitespace"),
        ("x = 3, y = 1\n1\n2o!", 3, 1, "split by whitespace"),
        ("x = 3, y = 1\n4b!", 2, 2, "wider than the header's x = 3"),
        ("x = 3, y = 1\n0o!", 2, 2, "run count 0"),
        ("x = 3, y = 1\n3!", 2, 2, "run count before '!'"),
        ("x = 3, y = 1\n2B!", 2, 2, "unexpected character 'B'"),
        ("x = 3, q = 1\no!", 1, 8, "unknown header field 'q'"),
        ("x = a, y = 1\no!", 1, 5, "non-negative integer"),
        ("x = 3; y = 1\no!", 1, 6, "unexpected character ';'"),
        ("x = 3, x = 1\no!", 1, 8, "repeats"),
    ],
)
def test_rle_errors_name_line_and_column(text: str, line: int, column: int, needle: str) -> None:
    with pytest.raises(P.PatternError, match=re.escape(needle)) as e:
        P.parse_rle(text)
    assert str(e.value).startswith(f"line {line}, column {column}: ")
    assert (e.value.line, e.value.column) == (line, column)
    assert isinstance(e.value, ValueError)


@pytest.mark.parametrize(
    ("text", "line", "needle"),
    [
        ("#N no header\nbo$2bo$3o!", 2, "expected the RLE header"),
        ("", 1, "missing RLE header"),
        ("#C only comments\n", 1, "missing RLE header"),
        ("x = 3\no!", 1, "header lacks 'y"),
        (f"x = {1 << 20}, y = {1 << 20}\n!", 1, "exceeds the limit"),
    ],
)
def test_rle_header_errors(text: str, line: int, needle: str) -> None:
    with pytest.raises(P.PatternError, match=re.escape(needle)) as e:
        P.parse_rle(text)
    assert str(e.value).startswith(f"line {line}")


# -- plaintext parsing ----------------------------------------------------------------------


def test_cells_parsing() -> None:
    p = P.parse_cells("!Name: thing\n!Author: A. Person\n!a comment\n.O\n\n*..O\n\n\n")
    np.testing.assert_array_equal(p.cells, [[0, 1, 0, 0], [0, 0, 0, 0], [1, 0, 0, 1]])
    assert (p.name, p.author, p.comments) == ("thing", "A. Person", ("a comment",))


def test_cells_errors() -> None:
    with pytest.raises(P.PatternError, match=r"^line 3, column 2: unexpected character 'x'"):
        P.parse_cells("!c\n..\n.x\n")
    with pytest.raises(P.PatternError, match=r"^line 1, column 8: bad rule"):
        P.parse_cells("!Rule: nonsense\nO\n")


# -- read / write / place -------------------------------------------------------------------


def test_read_detects_format_of_text() -> None:
    assert P.read("x = 1, y = 1\no!").population == 1
    assert P.read("!c\n.O\n").population == 1
    assert P.read("OO").population == 2
    with pytest.raises(P.PatternError, match="RLE header"):
        P.read("bo$2bo$3o!\n")


def test_read_missing_file_is_an_error(tmp_path) -> None:
    with pytest.raises(FileNotFoundError):
        P.read(str(tmp_path / "nothing.rle"))


def test_read_names_the_file_in_every_error(tmp_path) -> None:
    latin1 = tmp_path / "latin1.cells"
    latin1.write_bytes(b"!Name: caf\xe9\n.O\n")
    with pytest.raises(P.PatternError, match=r"latin1\.cells: not UTF-8 text \(byte 10\)"):
        P.read(latin1)
    bad = tmp_path / "bad.rle"
    bad.write_text("x = 1, y = 1, rule = B3/S2²\no!\n")
    with pytest.raises(P.PatternError, match=r"bad\.rle: line 1, column 22: .*ASCII digits"):
        P.read(bad)


def test_write_rejects_unknown_suffix_and_overrides(tmp_path) -> None:
    with pytest.raises(ValueError, match="suffix"):
        P.write(tmp_path / "x.txt", np.ones((1, 1), np.uint8))
    p = P.load_builtin("glider")
    with pytest.raises(TypeError):
        P.write(tmp_path / "x.rle", p, name="other")
    assert P.read(P.write(tmp_path / "g.rle", p)) == p


def test_write_cells_keeps_non_life_rule(tmp_path) -> None:
    a = np.ones((2, 2), np.uint8)
    assert P.read(P.write(tmp_path / "h.cells", a, rule="B36/S23")).rule == "B36/S23"
    assert P.read(P.write(tmp_path / "l.cells", a)).rule is None


def test_bad_arrays_are_rejected() -> None:
    with pytest.raises(ValueError, match="only 0 and 1"):
        P.to_rle(np.array([[0, 2]]))
    with pytest.raises(ValueError, match="2-D"):
        P.to_cells(np.zeros(3, np.uint8))
    with pytest.raises(TypeError, match="dtype"):
        P.to_rle(np.zeros((2, 2), np.float32))
    with pytest.raises(ValueError, match="single line"):
        P.to_rle(np.zeros((2, 2), np.uint8), name="a\nb")
    with pytest.raises(rules.RuleError):
        P.to_rle(np.zeros((2, 2), np.uint8), rule="B9")


@settings(max_examples=100, deadline=None)
@given(
    boards(max_h=6, max_w=6),
    st.integers(1, 12),
    st.integers(1, 12),
    st.integers(0, 8),
    st.integers(0, 8),
)
def test_place(a: np.ndarray, width: int, height: int, top: int, left: int) -> None:
    h, w = a.shape
    if top + h > height or left + w > width:
        with pytest.raises(ValueError, match="does not fit"):
            P.place(a, width, height, top, left)
        return
    b = P.place(a, width, height, top, left)
    assert b.shape == (height, width) and b.dtype == np.uint8
    np.testing.assert_array_equal(b[top : top + h, left : left + w], a)
    assert b.sum() == a.sum()


def test_place_rejects_negative_offsets() -> None:
    with pytest.raises(ValueError, match="non-negative"):
        P.place(np.ones((1, 1), np.uint8), 4, 4, -1, 0)


# -- the shipped classics -------------------------------------------------------------------

CLASSICS = {
    "acorn": (3, 7, 7),
    "blinker": (1, 3, 3),
    "block": (2, 2, 4),
    "glider": (3, 3, 5),
    "gosper_glider_gun": (9, 36, 36),
    "lwss": (4, 5, 9),
    "r_pentomino": (3, 3, 5),
}


def test_builtin_names() -> None:
    assert P.builtin_names() == sorted(CLASSICS)
    with pytest.raises(ValueError, match="no builtin pattern 'nope'; choose from acorn"):
        P.load_builtin("nope")
    with pytest.raises(ValueError, match="no builtin"):
        P.load_builtin("../patterns/glider")


@pytest.mark.parametrize("name", sorted(CLASSICS))
def test_builtin_shapes_and_rule(name: str) -> None:
    p = P.load_builtin(name)
    h, w, pop = CLASSICS[name]
    assert p.cells.shape == (h, w) and p.population == pop
    assert rules.parse(p.rule) == rules.LIFE
    assert p.name
    assert P.parse_rle(p.to_rle()) == p  # metadata survives a round trip


def test_glider_cells_matches_rle() -> None:
    np.testing.assert_array_equal(
        P.load_builtin("glider.cells").cells, P.load_builtin("glider").cells
    )


def test_glider_moves_one_cell_diagonally_every_4_generations() -> None:
    b = P.place(P.load_builtin("glider"), 16, 16, 2, 2)
    for k in range(1, 4):
        assert not np.array_equal(rules.step(b, steps=k), b)
    np.testing.assert_array_equal(rules.step(b, steps=4), np.roll(b, (1, 1), axis=(0, 1)))


def test_blinker_has_period_2() -> None:
    b = P.place(P.load_builtin("blinker"), 7, 7, 3, 2)
    assert not np.array_equal(rules.step(b), b)
    np.testing.assert_array_equal(rules.step(b, steps=2), b)


def test_block_is_still() -> None:
    b = P.place(P.load_builtin("block"), 6, 6, 2, 2)
    np.testing.assert_array_equal(rules.step(b), b)


def test_lwss_moves_two_cells_left_every_4_generations() -> None:
    b = P.place(P.load_builtin("lwss"), 32, 12, 4, 12)
    for k in range(1, 4):
        assert not np.array_equal(rules.step(b, steps=k), b)
    np.testing.assert_array_equal(rules.step(b, steps=4), np.roll(b, -2, axis=1))


def test_gosper_gun_emits_a_glider_every_30_generations() -> None:
    top = left = 2
    b = P.place(P.load_builtin("gosper_glider_gun"), 120, 120, top, left)
    history = [b]
    for _ in range(240):
        history.append(rules.step(history[-1]))
    pops = [int(x.sum()) for x in history]
    region = (slice(top, top + 9), slice(left, left + 36))
    for t in range(0, 211):
        assert pops[t + 30] - pops[t] == 5, t
        np.testing.assert_array_equal(history[t + 30][region], history[t][region])
    # outside the gun, 120 generations move the glider stream 30 cells down-right
    stream = history[100].copy()
    stream[region] = 0
    moved = np.roll(stream, (30, 30), axis=(0, 1))
    assert moved.sum() > 0 and np.all(history[220][moved == 1] == 1)


def _step_on_plane(board: np.ndarray, steps: int) -> list[int]:
    """Populations under rules.step on a board padded before anything can reach its edge.

    With a margin of 3 dead cells the torus never wraps, so this is the unbounded plane.
    """
    pops = []
    b = board
    for _ in range(steps + 1):
        pops.append(int(b.sum()))
        ys, xs = np.nonzero(b)
        pad = (
            (16 * (ys.min() < 3), 16 * (ys.max() >= b.shape[0] - 3)),
            (16 * (xs.min() < 3), 16 * (xs.max() >= b.shape[1] - 3)),
        )
        b = rules.step(np.pad(b, pad))
    return pops


def test_r_pentomino_stabilises_at_1103_with_116_cells() -> None:
    pops = _step_on_plane(P.load_builtin("r_pentomino").cells, 1110)
    assert pops[1102] != 116
    assert pops[1103:] == [116] * 8


def test_acorn_has_7_cells() -> None:
    np.testing.assert_array_equal(
        P.load_builtin("acorn").cells,
        [[0, 1, 0, 0, 0, 0, 0], [0, 0, 0, 1, 0, 0, 0], [1, 1, 0, 0, 1, 1, 1]],
    )

"""Read and write Life patterns as RLE and plaintext ``.cells`` files.

These are the two formats Golly and LifeWiki publish patterns in, so speaking them lets a
user test a compiled rule on any of the thousands of catalogued patterns, and lets us ship
the classics (glider, Gosper gun, …) as data instead of hand-typed arrays.

RLE (``.rle``)::

    #N Glider                      # name; #O author; #C/#c comment; #r rule (old style)
    x = 3, y = 3, rule = B3/S23    # header: size of the pattern, rule optional
    bob$2bo$3o!                    # runs: b/. dead, o/A alive, $ end of row, ! end

A run count may precede any item (``3o``, ``2$`` = end this row and skip one blank row);
items may be split over lines and separated by whitespace; everything after ``!`` is
ignored. Only two-state letters are accepted (``b``/``.`` and ``o``/``A``); any other
letter is an error rather than a guess. A Golly bounded-grid suffix (``B3/S23:T100,100``)
is accepted and dropped from :attr:`Pattern.rule` — our boards are always tori.

Plaintext (``.cells``)::

    !Name: Glider                  # '!' lines are comments (Name:, Author:, Rule:)
    .O.                            # '.' dead, 'O' (or 'o', '*') alive
    ..O
    OOO

Short rows are padded with dead cells; blank lines are dead rows (trailing blank lines
are ignored). ``!Rule:`` is our extension so that a non-Life pattern survives a round trip.

Malformed input raises :class:`PatternError` (a ``ValueError``) naming the line and column.
"""

from __future__ import annotations

import importlib.resources
import os
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from importlib.resources.abc import Traversable
from pathlib import Path

import numpy as np

from gatenet import rules
from gatenet.storage import atomic_write_text

__all__ = [
    "MAX_CELLS",
    "RLE_LINE_WIDTH",
    "Pattern",
    "PatternError",
    "builtin_names",
    "load_builtin",
    "parse_cells",
    "parse_rle",
    "place",
    "read",
    "to_cells",
    "to_rle",
    "write",
]

RLE_LINE_WIDTH = 70  # Golly's limit for RLE data lines
MAX_CELLS = 1 << 28  # refuse headers that would allocate more than 256 MiB
_BUILTIN_PACKAGE = "gatenet"
_BUILTIN_DIR = ("data", "patterns")
_SUFFIXES = (".rle", ".cells")


class PatternError(ValueError):
    """A pattern file is malformed; ``line`` and ``column`` (1-based) say where."""

    def __init__(self, message: str, line: int | None = None, column: int | None = None):
        self.line = line
        self.column = column
        where = ""
        if line is not None:
            where = f"line {line}, column {column}: " if column is not None else f"line {line}: "
        super().__init__(where + message)


@dataclass(frozen=True, eq=False)
class Pattern:
    """A finite pattern: an H×W array of 0/1 cells plus the metadata of its file."""

    cells: np.ndarray  # uint8, shape (height, width)
    name: str | None = None
    rule: str | None = None  # the rule string as written in the file, validated
    comments: tuple[str, ...] = field(default_factory=tuple)
    author: str | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "cells", _as_cells(self.cells))
        object.__setattr__(self, "comments", tuple(self.comments))
        if self.rule is not None:
            _check_rule(self.rule)

    @property
    def height(self) -> int:
        return int(self.cells.shape[0])

    @property
    def width(self) -> int:
        return int(self.cells.shape[1])

    @property
    def population(self) -> int:
        return int(self.cells.sum())

    def __eq__(self, other: object) -> bool:
        return (
            isinstance(other, Pattern)
            and np.array_equal(self.cells, other.cells)
            and (self.name, self.rule, self.comments, self.author)
            == (other.name, other.rule, other.comments, other.author)
        )

    __hash__ = None  # type: ignore[assignment]  # mutable numpy payload

    def to_rle(self) -> str:
        """This pattern, metadata included, as RLE text."""
        return to_rle(
            self.cells, rule=self.rule, name=self.name, comments=self.comments, author=self.author
        )

    def to_cells(self) -> str:
        """This pattern, metadata included, as plaintext ``.cells`` text."""
        return to_cells(
            self.cells, name=self.name, comments=self.comments, author=self.author, rule=self.rule
        )


# -- validation helpers ---------------------------------------------------------------------


def _as_cells(array: object) -> np.ndarray:
    """A 2-D uint8 array of 0/1 (sides may be 0, unlike a simulation board)."""
    a = np.asarray(array)
    if a.ndim != 2:
        raise ValueError(f"a pattern is a 2-D array, got {a.ndim} dimension(s)")
    if a.dtype != bool and not np.issubdtype(a.dtype, np.integer):
        raise TypeError(f"a pattern holds integers 0/1 (or bools), got dtype {a.dtype}")
    if a.size and (a.min() < 0 or a.max() > 1):
        raise ValueError("a pattern holds only 0 and 1")
    return a.astype(np.uint8)


def _check_rule(rule: str | rules.Rule) -> str:
    """Validate a rule with :func:`gatenet.rules.parse`; return the string to write."""
    if isinstance(rule, rules.Rule):
        return rule.name
    if not isinstance(rule, str):
        raise TypeError(f"a rule is a string such as 'B3/S23', got {type(rule).__name__}")
    rules.parse(rule.split(":", 1)[0])
    return rule.strip()


def _check_text(value: str | None, what: str) -> None:
    if value is not None and ("\n" in value or "\r" in value):
        raise ValueError(f"the {what} must be a single line, got {value!r}")


def _comment_lines(comments: Iterable[str]) -> list[str]:
    if isinstance(comments, str):
        comments = [comments]
    out: list[str] = []
    for c in comments:
        out.extend(str(c).splitlines() or [""])
    return out


# -- RLE ------------------------------------------------------------------------------------

_KEY = re.compile(r"\s*([A-Za-z]+)\s*=\s*")
_INT = re.compile(r"[0-9]+")
_SEP = re.compile(r"\s*(,|$)")
_HEADER_START = re.compile(r"[xy]\s*=")
_DIGITS = "0123456789"
_DEAD = "b."
_ALIVE = "oA"


def _parse_header(line: str, lineno: int) -> tuple[int, int, str | None]:
    """Parse ``x = W, y = H[, rule = R]`` (any order of x/y, spaces optional)."""
    values: dict[str, int] = {}
    rule: str | None = None
    pos = 0
    while True:
        m = _KEY.match(line, pos)
        if not m:
            col = len(line) - len(line[pos:].lstrip()) + 1
            raise PatternError(
                "malformed header, expected 'x = <width>, y = <height>[, rule = <rule>]'",
                lineno,
                col,
            )
        key, vstart = m[1].lower(), m.end()
        if key in values or (key == "rule" and rule is not None):
            raise PatternError(f"header repeats {m[1]!r}", lineno, m.start(1) + 1)
        if key == "rule":
            # the rule runs to the end of the line (bounded-grid suffixes contain commas)
            raw = line[vstart:].strip()
            if not raw:
                raise PatternError("header has an empty rule", lineno, vstart + 1)
            bare = raw.split(":", 1)[0].strip()
            try:
                rules.parse(bare)
            except rules.RuleError as e:
                raise PatternError(f"bad rule in header: {e}", lineno, vstart + 1) from None
            rule = bare
            break
        if key not in ("x", "y"):
            raise PatternError(
                f"unknown header field {m[1]!r} (expected x, y, rule)", lineno, m.start(1) + 1
            )
        n = _INT.match(line, vstart)
        if not n:
            raise PatternError(
                f"header field {key} needs a non-negative integer", lineno, vstart + 1
            )
        values[key] = int(n[0])
        s = _SEP.match(line, n.end())
        if not s:
            bad = len(line) - len(line[n.end() :].lstrip()) + 1
            raise PatternError(f"unexpected character {line[bad - 1]!r} in header", lineno, bad)
        if s[1] == "":
            break
        pos = s.end()
    for key in ("x", "y"):
        if key not in values:
            raise PatternError(f"header lacks '{key} = …'", lineno)
    width, height = values["x"], values["y"]
    if width * height > MAX_CELLS:
        raise PatternError(
            f"header size {width}×{height} exceeds the limit of {MAX_CELLS} cells", lineno
        )
    return width, height, rule


class _Meta:
    """Metadata gathered from ``#`` lines (RLE) or ``!`` lines (plaintext)."""

    def __init__(self) -> None:
        self.name: str | None = None
        self.author: str | None = None
        self.rule: str | None = None
        self.comments: list[str] = []

    def set_rule(self, raw: str, lineno: int, column: int) -> None:
        bare = raw.split(":", 1)[0].strip()
        try:
            rules.parse(bare)
        except rules.RuleError as e:
            raise PatternError(f"bad rule: {e}", lineno, column) from None
        self.rule = bare


def _rle_comment(line: str, lineno: int, meta: _Meta) -> None:
    body = line.lstrip()
    tag, text = body[1:2], body[2:].strip()
    if tag == "N":
        meta.name = text
    elif tag == "O":
        meta.author = text
    elif tag in ("C", "c"):
        meta.comments.append(text)
    elif tag == "r":
        meta.set_rule(text, lineno, len(line) - len(body) + 3)
    # #P / #R (position) and unknown tags are ignored, as Golly does


def parse_rle(text: str) -> Pattern:
    """Parse RLE text into a :class:`Pattern` of exactly the header's size."""
    if not isinstance(text, str):
        raise TypeError(f"parse_rle takes text, got {type(text).__name__}")
    lines = text.splitlines()
    meta = _Meta()
    header_at = None
    for i, line in enumerate(lines):
        stripped = line.strip()
        if not stripped:
            continue
        if stripped.startswith("#"):
            _rle_comment(line, i + 1, meta)
            continue
        if not _HEADER_START.match(stripped):
            col = len(line) - len(line.lstrip()) + 1
            raise PatternError(
                "expected the RLE header 'x = <width>, y = <height>' before the pattern data",
                i + 1,
                col,
            )
        header_at = i
        break
    if header_at is None:
        raise PatternError("missing RLE header 'x = <width>, y = <height>'", max(len(lines), 1))
    width, height, header_rule = _parse_header(lines[header_at], header_at + 1)
    cells = np.zeros((height, width), dtype=np.uint8)

    row = col_x = 0
    count = ""  # digits of a pending run count
    count_split = False  # whitespace seen since the count's last digit
    done = False
    for i in range(header_at + 1, len(lines)):
        line, lineno = lines[i], i + 1
        if line.lstrip().startswith("#"):
            _rle_comment(line, lineno, meta)
            continue
        for c, ch in enumerate(line, start=1):
            if ch.isspace():
                count_split = bool(count)
                continue
            if ch in _DIGITS:
                if count and count_split:
                    raise PatternError("run count split by whitespace", lineno, c)
                count += ch
                continue
            n = int(count) if count else 1
            if n == 0:
                raise PatternError("run count 0", lineno, c)
            if ch in _DEAD or ch in _ALIVE:
                if row >= height:
                    raise PatternError(
                        f"row {row + 1} is beyond the header's y = {height}", lineno, c
                    )
                if col_x + n > width:
                    raise PatternError(
                        f"row {row + 1} reaches column {col_x + n}, wider than the "
                        f"header's x = {width}",
                        lineno,
                        c,
                    )
                if ch in _ALIVE:
                    cells[row, col_x : col_x + n] = 1
                col_x += n
            elif ch == "$":
                row += n
                col_x = 0
            elif ch == "!":
                if count:
                    raise PatternError("run count before '!'", lineno, c)
                done = True
                break
            else:
                raise PatternError(f"unexpected character {ch!r}", lineno, c)
            count, count_split = "", False
        if done:
            break
        count_split = bool(count)  # a line break also ends a count's digits
    if not done:
        last = len(lines)
        raise PatternError("missing '!' at the end of the RLE data", last, len(lines[-1]) + 1)
    return Pattern(
        cells,
        name=meta.name,
        rule=header_rule if header_rule is not None else meta.rule,
        comments=tuple(meta.comments),
        author=meta.author,
    )


def _row_runs(row: np.ndarray) -> list[tuple[int, int]]:
    """(length, value) runs of a row, trailing dead cells dropped."""
    live = np.flatnonzero(row)
    if live.size == 0:
        return []
    r = row[: live[-1] + 1]
    change = np.flatnonzero(np.diff(r)) + 1
    starts = np.concatenate(([0], change))
    ends = np.concatenate((change, [r.size]))
    return [(int(e - s), int(r[s])) for s, e in zip(starts, ends, strict=True)]


def _item(n: int, tag: str) -> str:
    return f"{n}{tag}" if n > 1 else tag


def to_rle(
    array: np.ndarray,
    rule: str | rules.Rule | None = "B3/S23",
    name: str | None = None,
    comments: Sequence[str] = (),
    author: str | None = None,
) -> str:
    """Encode ``array`` as RLE the way Golly writes it.

    The header gives the whole array's size (so leading/trailing dead rows and columns
    survive a round trip); runs are merged, each row's trailing dead cells are omitted,
    blank rows fold into ``n$``, and data lines are at most 70 characters (the header and
    comment lines are not wrapped). ``rule=None`` omits the rule from the header.
    """
    a = _as_cells(array)
    _check_text(name, "name")
    _check_text(author, "author")
    height, width = a.shape
    out: list[str] = []
    if name is not None:
        out.append(f"#N {name}".rstrip())
    if author is not None:
        out.append(f"#O {author}".rstrip())
    out.extend(f"#C {c}".rstrip() for c in _comment_lines(comments))
    header = f"x = {width}, y = {height}"
    if rule is not None:
        header += f", rule = {_check_rule(rule)}"
    out.append(header)

    items: list[str] = []
    cursor = 0  # row the writer is on
    for r in range(height):
        runs = _row_runs(a[r])
        if not runs:
            continue
        if r > cursor:
            items.append(_item(r - cursor, "$"))
        cursor = r
        items.extend(_item(n, "o" if v else "b") for n, v in runs)
    items.append("!")

    line = ""
    for it in items:
        if len(line) + len(it) > RLE_LINE_WIDTH:
            out.append(line)
            line = ""
        line += it
    out.append(line)
    return "\n".join(out) + "\n"


# -- plaintext ------------------------------------------------------------------------------

_CELLS_DEAD = "."
_CELLS_ALIVE = "Oo*"


def parse_cells(text: str) -> Pattern:
    """Parse plaintext ``.cells`` text into a :class:`Pattern` as wide as its longest row."""
    if not isinstance(text, str):
        raise TypeError(f"parse_cells takes text, got {type(text).__name__}")
    meta = _Meta()
    rows: list[list[int]] = []
    for i, line in enumerate(text.splitlines()):
        lineno = i + 1
        if line.startswith("!"):
            body = line[1:]
            # keywords start right after the "!" ("!Name:"); "! Name:" is a plain comment
            key = body.split(":", 1)[0].rstrip().lower() if ":" in body else ""
            value = body.split(":", 1)[1].strip() if ":" in body else ""
            if key == "name":
                meta.name = value
            elif key == "author":
                meta.author = value
            elif key == "rule":
                after = body.index(":") + 1
                meta.set_rule(
                    value, lineno, after + len(body[after:]) - len(body[after:].lstrip()) + 2
                )
            else:
                meta.comments.append(body.strip())
            continue
        line = line.rstrip()
        row = []
        for c, ch in enumerate(line, start=1):
            if ch in _CELLS_DEAD:
                row.append(0)
            elif ch in _CELLS_ALIVE:
                row.append(1)
            else:
                raise PatternError(f"unexpected character {ch!r} (expected '.' or 'O')", lineno, c)
        rows.append(row)
    while rows and not rows[-1]:
        rows.pop()
    width = max((len(r) for r in rows), default=0)
    if len(rows) * width > MAX_CELLS:
        raise PatternError(f"pattern exceeds the limit of {MAX_CELLS} cells")
    cells = np.zeros((len(rows), width), dtype=np.uint8)
    for r, row in enumerate(rows):
        cells[r, : len(row)] = row
    return Pattern(
        cells, name=meta.name, rule=meta.rule, comments=tuple(meta.comments), author=meta.author
    )


def to_cells(
    array: np.ndarray,
    name: str | None = None,
    comments: Sequence[str] = (),
    author: str | None = None,
    rule: str | rules.Rule | None = None,
) -> str:
    """Encode ``array`` as plaintext, every row written to full width so the shape survives.

    The format has no rule; a ``rule`` other than ``None`` is written as a ``!Rule:``
    comment (our extension, read back by :func:`parse_cells`). An array with a zero side
    has no rows to write and reads back as 0×0.
    """
    a = _as_cells(array)
    _check_text(name, "name")
    _check_text(author, "author")
    out: list[str] = []
    if name is not None:
        out.append(f"!Name: {name}".rstrip())
    if author is not None:
        out.append(f"!Author: {author}".rstrip())
    if rule is not None:
        out.append(f"!Rule: {_check_rule(rule)}")
    for c in _comment_lines(comments):
        if ":" in c and c.split(":", 1)[0].rstrip().lower() in ("name", "author", "rule"):
            c = " " + c  # still read back as a plain comment, not as a keyword
        out.append(f"!{c}".rstrip())
    table = np.array([ord(_CELLS_DEAD), ord("O")], dtype=np.uint8)
    out.extend(table[row].tobytes().decode("ascii") for row in a)
    return "\n".join(out) + "\n"


# -- files ----------------------------------------------------------------------------------


def _detect(text: str) -> str:
    """Guess the format of text without a file name: first meaningful line decides."""
    for line in text.splitlines():
        s = line.strip()
        if not s:
            continue
        if s.startswith("#") or _HEADER_START.match(s):
            return "rle"
        if s.startswith("!") or all(ch in _CELLS_DEAD + _CELLS_ALIVE for ch in s):
            return "cells"
        return "rle"  # so that the error is about the missing RLE header
    return "rle"


def read(source: str | os.PathLike[str], format: str | None = None) -> Pattern:
    """Read a pattern from a file path or from pattern text.

    A ``Path``, or a one-line string naming an existing file or ending in ``.rle`` /
    ``.cells``, is read as a file whose suffix picks the format; any other string is
    parsed as text. ``format`` ("rle" or "cells") overrides the guess. A file must be UTF-8;
    every :class:`PatternError` about a file names it.
    """
    if format is not None and format not in ("rle", "cells"):
        raise ValueError(f"format is 'rle' or 'cells', got {format!r}")
    path: Path | None = None
    if isinstance(source, os.PathLike):
        path = Path(source)
    elif isinstance(source, str):
        if "\n" not in source and (
            source.lower().endswith(_SUFFIXES) or (source.strip() and Path(source).is_file())
        ):
            path = Path(source)
    else:
        raise TypeError(f"read takes a path or pattern text, got {type(source).__name__}")
    if path is not None:
        try:
            text = path.read_bytes().decode("utf-8")
        except UnicodeDecodeError as e:
            # the codec's own message names neither the file nor what to do about it
            raise PatternError(f"{path}: not UTF-8 text (byte {e.start})") from None
        suffix = path.suffix.lower()
        fmt = format or {".rle": "rle", ".cells": "cells"}.get(suffix) or _detect(text)
    else:
        text = str(source)
        fmt = format or _detect(text)
    try:
        return parse_rle(text) if fmt == "rle" else parse_cells(text)
    except PatternError as e:
        if path is None:
            raise
        named = PatternError(f"{path}: {e}")  # say which file, keep where in it
        named.line, named.column = e.line, e.column
        raise named from None


def write(
    path: str | os.PathLike[str],
    pattern: Pattern | np.ndarray,
    *,
    rule: str | rules.Rule | None = "B3/S23",
    name: str | None = None,
    comments: Sequence[str] = (),
    author: str | None = None,
) -> Path:
    """Write a pattern atomically (temp file + rename), RLE or plaintext by suffix.

    Given a :class:`Pattern`, its own metadata is written and the keyword arguments must
    be left at their defaults. For ``.cells`` a rule other than Life is kept as a
    ``!Rule:`` comment.
    """
    p = Path(path)
    suffix = p.suffix.lower()
    if suffix not in _SUFFIXES:
        raise ValueError(f"cannot tell the format of {p.name!r}: use a .rle or .cells suffix")
    if isinstance(pattern, Pattern):
        if (rule, name, tuple(comments), author) != ("B3/S23", None, (), None):
            raise TypeError("write(path, Pattern) takes its metadata from the Pattern")
        cells, rule, name = pattern.cells, pattern.rule, pattern.name
        comments, author = pattern.comments, pattern.author
    else:
        cells = _as_cells(pattern)
    if suffix == ".rle":
        text = to_rle(cells, rule=rule, name=name, comments=comments, author=author)
    else:
        keep = rule is not None and rules.parse(_check_rule(rule).split(":")[0]) != rules.LIFE
        text = to_cells(
            cells, name=name, comments=comments, author=author, rule=rule if keep else None
        )
    atomic_write_text(p, text)
    return p


# -- placing and the shipped classics -------------------------------------------------------


def place(
    pattern: Pattern | np.ndarray, width: int, height: int, top: int = 0, left: int = 0
) -> np.ndarray:
    """A ``height``×``width`` dead board with ``pattern`` copied in at (``top``, ``left``)."""
    cells = pattern.cells if isinstance(pattern, Pattern) else _as_cells(pattern)
    for what, v in (("width", width), ("height", height), ("top", top), ("left", left)):
        if not isinstance(v, int | np.integer) or isinstance(v, bool):
            raise TypeError(f"{what} must be an integer, got {v!r}")
    if width < 1 or height < 1:
        raise ValueError(f"a board needs width and height ≥ 1, got {width}×{height}")
    if top < 0 or left < 0:
        raise ValueError(f"offsets must be non-negative, got top={top}, left={left}")
    h, w = cells.shape
    if top + h > height or left + w > width:
        raise ValueError(
            f"a {w}×{h} pattern at top={top}, left={left} does not fit a {width}×{height} board"
        )
    board = np.zeros((height, width), dtype=np.uint8)
    board[top : top + h, left : left + w] = cells
    return board


def _builtin_dir() -> Traversable:
    d = importlib.resources.files(_BUILTIN_PACKAGE)
    for part in _BUILTIN_DIR:
        d = d / part
    return d


def builtin_names() -> list[str]:
    """Names accepted by :func:`load_builtin` (file stems; ``"glider.cells"`` also works)."""
    return sorted(
        {e.name.rsplit(".", 1)[0] for e in _builtin_dir().iterdir() if e.name.endswith(_SUFFIXES)}
    )


def load_builtin(name: str) -> Pattern:
    """Load a shipped classic by name (``"glider"``); a suffix picks the file format."""
    if not isinstance(name, str):
        raise TypeError(f"a pattern name is a string, got {type(name).__name__}")
    d = _builtin_dir()
    candidates = [name] if name.endswith(_SUFFIXES) else [name + s for s in _SUFFIXES]
    if "/" not in name and "\\" not in name:
        for c in candidates:
            entry = d / c
            if entry.is_file():
                text = entry.read_text(encoding="utf-8")
                return parse_rle(text) if c.endswith(".rle") else parse_cells(text)
    raise ValueError(f"no builtin pattern {name!r}; choose from {', '.join(builtin_names())}")

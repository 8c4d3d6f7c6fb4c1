"""A standalone HTML page that runs compiled circuits live: the Game of Life in a browser.

:func:`widget_html` returns one HTML file with everything inline (CSS, JavaScript, the
circuits, the shipped patterns) and a Content-Security-Policy that forbids loading anything
else, so it works offline, from ``file://``, inside an ``<iframe srcdoc>`` of the book, or
attached to an e-mail. The board is stepped by the code of :mod:`gatenet.emit.js` (32 cells
per word, bitwise operators only); the canvas shows one pixel per cell, scaled up.

The page has a small JavaScript API on ``window.gatenet`` so that tests and benchmarks can
drive it without the mouse (see :data:`API`); :func:`board_hash` and :func:`seed_board`
compute in Python exactly what ``state().hash`` and ``seed()`` compute in the page, so a
test compares boards bit for bit.

The page itself (markup, style and script) is ``widget.html`` beside this module, with
three placeholders in its script that this module fills with JSON and emitted JavaScript;
:mod:`gatenet.bench.browser` drives it in a headless Chromium.
"""

from __future__ import annotations

import html
import importlib.resources
import json
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import numpy as np

from gatenet import patterns
from gatenet.emit.c import rule_name
from gatenet.emit.js import emit_js_factory
from gatenet.ir.circuit import Circuit
from gatenet.ir.names import check_rule_shape

#: The largest board side the page accepts (two 4096² generations are 4 MiB of words).
MAX_SIDE = 4096

#: What ``window.gatenet`` offers (documented here and in the page's script).
API = {
    "seed(seed, density)": "fill the board from the PRNG of seed_board(); generation 0",
    "run(n)": "advance n generations without drawing in between; returns state()",
    "state()": "{generation, population, hash, width, height, rule}",
    "setCells(array01, width, height)": "load a row-major 0/1 board of that size",
    "getCells()": "the board as a row-major array of 0/1",
    "benchmark(n)": "generations per second of run(n), nothing drawn",
    "resize(width, height)": "an empty board of that size; generation 0",
    "setRule(index)": "step with the index-th circuit of the selector from now on",
    "rules()": "[{label, rule}] of the selector's circuits",
}

#: FNV-1a (32-bit) parameters: the page hashes the board with the same two numbers.
FNV_OFFSET = 0x811C9DC5
FNV_PRIME = 0x01000193


def board_hash(board: np.ndarray) -> int:
    """32-bit FNV-1a over the cells in row-major order, one byte (0 or 1) per cell.

    The page's ``state().hash``: equal hashes after the same run mean, with overwhelming
    probability, equal boards — without shipping a million cells through the protocol.
    """
    cells = np.ascontiguousarray(np.asarray(board, dtype=np.uint8))
    if cells.ndim != 2 or (cells.size and cells.max() > 1):
        raise ValueError("board_hash takes a 2-D array of 0/1 cells")
    h = FNV_OFFSET
    for byte in cells.tobytes():  # sequential by design: FNV has no vector form
        h = ((h ^ byte) * FNV_PRIME) & 0xFFFFFFFF
    return h


def _check_seed(seed: int, density: float) -> tuple[int, float]:
    if isinstance(seed, bool) or not isinstance(seed, int | np.integer) or not 0 <= seed < 2**32:
        raise ValueError(f"seed must be an integer in 0 .. 2**32 - 1, got {seed!r}")
    if not 0.0 <= float(density) <= 1.0:
        raise ValueError(f"density must be in [0, 1], got {density!r}")
    return int(seed), float(density)


def mulberry32(seed: int, n: int) -> np.ndarray:
    """The first ``n`` draws (uint32) of *mulberry32* from ``seed``, as the page makes them.

    Tommy Ettinger's 32-bit generator: a Weyl sequence ``a += 0x6D2B79F5`` through a
    multiply–xorshift mix. It is tiny in JavaScript (``Math.imul``), and since its state is
    a Weyl sequence, draw ``k`` depends only on ``seed + (k+1)·0x6D2B79F5`` — so this mirror
    is vectorised instead of looping.
    """
    seed, _ = _check_seed(seed, 0.0)
    with np.errstate(over="ignore"):
        k = np.arange(1, n + 1, dtype=np.uint64)
        a = ((np.uint64(seed) + k * np.uint64(0x6D2B79F5)) & np.uint64(0xFFFFFFFF)).astype(
            np.uint32
        )
        t = (a ^ (a >> np.uint32(15))) * (a | np.uint32(1))
        t = (t + (t ^ (t >> np.uint32(7))) * (t | np.uint32(61))) ^ t
        return t ^ (t >> np.uint32(14))


def seed_board(width: int, height: int, seed: int, density: float) -> np.ndarray:
    """The board the page's ``seed(seed, density)`` makes, as a ``height × width`` array.

    One :func:`mulberry32` draw per cell in row-major order; a cell is alive iff its draw
    is below ``floor(density · 2³²)`` (density 1: always).
    """
    seed, density = _check_seed(seed, density)
    n = width * height
    if density >= 1.0:
        alive = np.ones(n, bool)
    else:
        alive = mulberry32(seed, n).astype(np.uint64) < int(density * 2**32)
    return alive.reshape(height, width).astype(np.uint8)


def _script_json(value: Any) -> str:
    """``value`` as JSON that is safe inside ``<script>``: ``<``, ``>`` and ``&`` escaped,
    so no label can close the script element or open a comment (non-ASCII is escaped by
    ``json.dumps`` already, U+2028 included)."""
    text = json.dumps(value)
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def _labelled(
    circuits: Circuit | Mapping[str, Circuit] | Iterable[Circuit | tuple[str, Circuit]],
) -> list[tuple[str, Circuit]]:
    if isinstance(circuits, Circuit):
        items: list[Any] = [circuits]
    elif isinstance(circuits, Mapping):
        items = list(circuits.items())
    else:
        items = list(circuits)
    out = []
    for item in items:
        label, c = item if isinstance(item, tuple) else (None, item)
        if not isinstance(c, Circuit):
            raise TypeError(f"the widget runs Circuits, got {type(c).__name__}")
        check_rule_shape(c, "a widget circuit")
        out.append((str(label) if label is not None else rule_name(c), c))
    if not out:
        raise ValueError("the widget needs at least one circuit")
    return out


def widget_html(
    circuits: Circuit | Mapping[str, Circuit] | Iterable[Circuit | tuple[str, Circuit]],
    *,
    width: int = 160,
    height: int = 120,
    seed: int = 1,
    density: float = 0.3,
    title: str = "gatenet: a learned circuit, live",
    pattern_names: Sequence[str] | None = None,
) -> str:
    """One standalone HTML page running ``circuits`` (a Circuit, ``{label: Circuit}``, or a
    list of Circuits and ``(label, Circuit)`` pairs; the first is selected).

    The board starts as ``seed_board(width, height, seed, density)``. ``pattern_names``
    picks shipped classics for the pattern menu (default: all of
    :func:`gatenet.patterns.builtin_names`); they are embedded as RLE of their cells only.
    Labels and the title are free text: escaped, never interpreted.
    """
    for what, v in (("width", width), ("height", height)):
        if isinstance(v, bool) or not isinstance(v, int) or not 1 <= v <= MAX_SIDE:
            raise ValueError(f"{what} must be an integer in 1..{MAX_SIDE}, got {v!r}")
    seed, density = _check_seed(seed, density)
    labelled = _labelled(circuits)
    names = patterns.builtin_names() if pattern_names is None else list(pattern_names)
    pats = []
    for name in names:
        p = patterns.load_builtin(name)  # rejects unknown names
        pats.append({"name": name, "rle": patterns.to_rle(p.cells, rule=None)})
    rules_js = ",\n".join(
        f"{{label: {_script_json(label)}, rule: {_script_json(rule_name(c))}, "
        f"impl: {emit_js_factory(c)}}}"
        for label, c in labelled
    )
    config = {"width": width, "height": height, "seed": seed, "density": density,
              "maxSide": MAX_SIDE}
    page_text = importlib.resources.files("gatenet.emit").joinpath("widget.html").read_text()
    template = page_text[page_text.index("<script>") + 8:page_text.index("</script>")]
    script = (
        template.replace("/*@RULES@*/", rules_js)
        .replace("/*@PATTERNS@*/", _script_json(pats))
        .replace("/*@CONFIG@*/", _script_json(config))
    )
    start, end = page_text.index("<script>") + 8, page_text.index("</script>")
    return (page_text[:start].replace("@TITLE@", html.escape(title)) + script
            + page_text[end:])

"""The JavaScript emitter, run under Node.js (no browser): same answers as the reference.

The emitted ``step`` is checked on the board shapes every runtime is checked on
(``tests/_circuits.py:SHAPES``: one cell, widths just below/above a word, …) against
:func:`gatenet.rules.step`, for Life and for an asymmetric rule (a runtime that swapped
west and east, or let dead padding leak in, passes Life but not that one). The circuit
function is checked on all 512 neighbourhoods. Without ``node`` these are skipped; the
browser tests (tests/test_browser.py) run the same code in Chromium.
"""

from __future__ import annotations

import json
import shutil
import subprocess

import numpy as np
import pytest

from _circuits import SHAPES, asym, shape_id, table_circuit
from gatenet import rules
from gatenet.emit import js
from gatenet.emit.c import rule_name
from gatenet.ir.circuit import Circuit, Gate
from gatenet.ir.handmade import handmade_life

NODE = shutil.which("node") or shutil.which("nodejs")
needs_node = pytest.mark.skipif(NODE is None, reason="node (Node.js) is not installed")

#: Reads {width, height, steps, cells (row-major 0/1)} cases as JSON on stdin, packs each
#: board into words the way the widget does, steps it and prints the cells back.
_DRIVER = r"""
const input = JSON.parse(require('fs').readFileSync(0, 'utf8'));
const out = [];
for (const t of input.cases) {
  const wpr = (t.width + 31) >>> 5;
  let a = new Uint32Array(wpr * t.height), b = new Uint32Array(wpr * t.height);
  for (let y = 0; y < t.height; y++)
    for (let x = 0; x < t.width; x++)
      if (t.cells[y * t.width + x]) a[y * wpr + (x >>> 5)] |= 1 << (x & 31);
  for (let g = 0; g < t.steps; g++) { step(a, b, t.width, t.height); [a, b] = [b, a]; }
  const cells = [];
  let padding = 0;
  for (let y = 0; y < t.height; y++) {
    for (let x = 0; x < t.width; x++) cells.push((a[y * wpr + (x >>> 5)] >>> (x & 31)) & 1);
    const spare = t.width & 31;
    if (spare) padding |= a[y * wpr + wpr - 1] >>> spare;
  }
  out.push({cells, padding});
}
const words = input.patterns.map(ws => circuit(...ws));
console.log(JSON.stringify({boards: out, words}));
"""


def _pattern_words() -> list[list[int]]:
    """The 512 neighbourhoods as 16 calls of 32 lanes: call k, lane j is pattern 32k + j,
    and input i (NW = 0) holds bit 8 - i of the pattern index."""
    calls = []
    for k in range(16):
        ws = []
        for i in range(9):
            word = 0
            for j in range(32):
                word |= (((32 * k + j) >> (8 - i)) & 1) << j
            ws.append(word)
        calls.append(ws)
    return calls


def _run_node(circuit: Circuit, cases: list[dict]) -> dict:
    src = js.emit_js(circuit) + _DRIVER
    payload = json.dumps({"cases": cases, "patterns": _pattern_words()})
    run = subprocess.run([NODE, "-e", src], input=payload, capture_output=True, text=True,
                         timeout=60)
    assert run.returncode == 0, run.stderr
    return json.loads(run.stdout)


def _check(circuit: Circuit, table: np.ndarray, steps: int = 3) -> None:
    cases, expect = [], []
    for i, (h, w) in enumerate(SHAPES):
        if h * w > 70_000:
            continue  # the big shapes test nothing new here and would slow the JSON down
        board = rules.random_board(h, w, seed=i)
        cases.append({"width": w, "height": h, "steps": steps,
                      "cells": board.ravel().tolist()})
        expect.append(rules.step(board, table, steps))
    got = _run_node(circuit, cases)
    for (h, w), want, res in zip([s for s in SHAPES if s[0] * s[1] <= 70_000], expect,
                                 got["boards"], strict=True):
        cells = np.array(res["cells"], dtype=np.uint8).reshape(h, w)
        np.testing.assert_array_equal(cells, want, err_msg=shape_id((h, w)))
        assert res["padding"] == 0, f"{shape_id((h, w))}: live padding bits"
    # the straight-line function: every neighbourhood, unsigned words
    words = got["words"]
    assert all(0 <= v < 2**32 for v in words)
    lanes = [(words[p // 32] >> (p % 32)) & 1 for p in range(512)]
    np.testing.assert_array_equal(np.array(lanes, dtype=np.uint8), table)


@needs_node
def test_js_life_matches_reference():
    _check(handmade_life(), rules.LIFE.table)


@needs_node
def test_js_asymmetric_rule_matches_reference():
    c = asym()
    _check(c, c.truth_table()[:, 0])


@needs_node
def test_js_highlife_table_circuit():
    table = rules.parse("B36/S23").table
    _check(table_circuit(table), table, steps=5)


@needs_node
def test_js_constant_circuits():
    """Constants are spelled from an input (``nw ^ nw``): ``TRUE`` must fill every live cell
    and still leave the padding dead."""
    for op, value in ((15, 1), (0, 0)):
        c = Circuit(9, (Gate(op, 0, 0),), (9,))
        _check(c, np.full(512, value, dtype=np.uint8), steps=1)


def test_js_rejects_non_rule_circuits():
    with pytest.raises(ValueError, match="9 inputs and 1 output"):
        js.emit_js(Circuit(2, (Gate(1, 0, 1),), (2,)))
    with pytest.raises(ValueError, match="9 inputs and 1 output"):
        js.emit_js(Circuit(9, (Gate(1, 0, 1),), (9, 9)))


def test_js_text_uses_only_project_names():
    """Nothing from the circuit file reaches the text: metadata and input names are
    ignored, the rule comes from the truth table."""
    life = handmade_life()
    hostile = Circuit(9, life.gates, life.outputs,
                      input_names=tuple(f"evil_{i}" for i in range(9)),
                      meta={"rule": "*/ alert(1) /*", "name": "</script>"})
    text = js.emit_js(hostile)
    assert "evil" not in text and "alert" not in text and "</script" not in text
    assert f"rule:    {rule_name(life)}" in text
    assert "function step(src, dst, width, height)" in text
    assert "function circuit(nw, n, ne, w, c, e, sw, s, se)" in text
    factory = js.emit_js_factory(life)
    assert factory.startswith("(function () {") and factory.endswith("})()")

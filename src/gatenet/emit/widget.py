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

:class:`Chromium` drives a headless Chromium over the DevTools protocol through a pipe
(``--remote-debugging-pipe``): standard library only, no port, no websocket client.
:func:`browser_benchmark` uses it to measure generations per second in the browser beside
the C runtime (``python -m gatenet.emit.widget``).
"""

from __future__ import annotations

import base64
import contextlib
import fcntl
import html
import json
import os
import select
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
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
    script = (
        _SCRIPT.replace("/*@RULES@*/", rules_js)
        .replace("/*@PATTERNS@*/", _script_json(pats))
        .replace("/*@CONFIG@*/", _script_json(config))
    )
    return (
        _PAGE.replace("@TITLE@", html.escape(title))
        .replace("@STYLE@", _STYLE)
        .replace("@SCRIPT@", script)
    )


# -- the page -------------------------------------------------------------------------------

_PAGE = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy"
      content="default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'">
<title>@TITLE@</title>
<style>@STYLE@</style>
</head>
<body>
<main>
<h1>@TITLE@</h1>
<div class="row">
  <label>circuit <select id="rule"></select></label>
  <span id="rulename" class="mono"></span>
</div>
<div class="row">
  <button id="play" type="button">Play</button>
  <button id="step" type="button">Step</button>
  <label>speed <input id="speed" type="range" min="0" max="11" value="6"></label>
  <span id="speedtext" class="mono"></span>
</div>
<canvas id="board" width="1" height="1"
        title="click or drag to draw; Space plays or pauses"></canvas>
<div class="row counters mono">
  <span>generation <b id="gen">0</b></span>
  <span>population <b id="pop">0</b></span>
  <span>generations/s <b id="gps">–</b></span>
</div>
<details open>
<summary>Board</summary>
<div class="row">
  <label>width <input id="width" type="number" min="1" step="1"></label>
  <label>height <input id="height" type="number" min="1" step="1"></label>
  <label>seed <input id="seed" type="number" min="0" step="1"></label>
  <label>density <input id="density" type="number" min="0" max="1" step="0.05"></label>
</div>
<div class="row">
  <button id="randomise" type="button">Randomise</button>
  <button id="clear" type="button">Clear</button>
</div>
</details>
<details>
<summary>Patterns</summary>
<div class="row">
  <select id="pattern"></select>
  <button id="loadpattern" type="button">Load</button>
</div>
<textarea id="rle" rows="5" spellcheck="false"
          placeholder="paste RLE here, e.g.&#10;x = 3, y = 3&#10;bo$2bo$3o!"></textarea>
<div class="row"><button id="loadrle" type="button">Load RLE</button></div>
</details>
<p id="status" class="mono" role="status"></p>
</main>
<script>@SCRIPT@</script>
</body>
</html>
"""

_STYLE = """
:root { color-scheme: light; font: 14px/1.4 system-ui, -apple-system, "Segoe UI", sans-serif; }
body { margin: 0; background: #fbfaf8; color: #222; }
main { padding: 10px 12px; max-width: 760px; }
h1 { font-size: 1.05rem; margin: 0 0 6px; }
.row { display: flex; flex-wrap: wrap; gap: 6px 12px; align-items: center; margin: 5px 0; }
.mono { font-family: ui-monospace, "SFMono-Regular", Menlo, Consolas, monospace; }
.counters b { display: inline-block; min-width: 5ch; }
canvas { display: block; margin: 6px 0; border: 1px solid #c9c3b8; cursor: crosshair;
         image-rendering: pixelated; image-rendering: crisp-edges; max-width: 100%;
         touch-action: none; }
input[type=number] { width: 6.5em; }
textarea { width: 100%; box-sizing: border-box; font-family: ui-monospace, monospace; }
button { min-width: 4.5em; }
details { margin: 6px 0; }
summary { cursor: pointer; }
#status { min-height: 1.4em; color: #555; }
#status.error { color: #a01010; }
"""

_SCRIPT = r"""
"use strict";
(function () {
/* Circuits (from gatenet.emit.js), shipped patterns (RLE) and the starting board. */
const RULES = [
/*@RULES@*/
];
const PATTERNS = /*@PATTERNS@*/;
const CONFIG = /*@CONFIG@*/;

/* A board is a Uint32Array: cell (y, x) is bit x % 32 of word y * wpr + (x >> 5), with the
   padding bits of each row's last word kept zero (gatenet.emit.js). Two buffers alternate. */
let W = 0, H = 0, WPR = 0, cur = null, nxt = null, generation = 0, ruleIndex = 0;
let image = null, pixels = null;
const ALIVE = 0xff5a3a1e, DEAD = 0xfff4efe8;  /* ImageData as little-endian ABGR words */

const $ = (id) => document.getElementById(id);
const canvas = $("board"), ctx = canvas.getContext("2d");

function checkSide(v, what) {
  if (!Number.isInteger(v) || v < 1 || v > CONFIG.maxSide)
    throw new RangeError(what + " must be an integer in 1.." + CONFIG.maxSide);
  return v;
}

function resize(width, height) {
  W = checkSide(width, "width"); H = checkSide(height, "height");
  WPR = (W + 31) >>> 5;
  cur = new Uint32Array(WPR * H); nxt = new Uint32Array(WPR * H);
  generation = 0;
  canvas.width = W; canvas.height = H;
  image = ctx.createImageData(W, H);
  pixels = new Uint32Array(image.data.buffer);
  const scale = Math.min(720 / W, 540 / H, 12);
  canvas.style.width = Math.max(1, scale >= 1 ? Math.floor(scale) * W : scale * W) + "px";
  $("width").value = W; $("height").value = H;
}

function getCell(x, y) { return (cur[y * WPR + (x >>> 5)] >>> (x & 31)) & 1; }
function setCell(x, y, v) {
  const i = y * WPR + (x >>> 5), bit = 1 << (x & 31);
  cur[i] = v ? cur[i] | bit : cur[i] & ~bit;
}

/* mulberry32: see gatenet.emit.widget.seed_board, which mirrors it in Python. */
function seed(seedValue, density) {
  if (!Number.isInteger(seedValue) || seedValue < 0 || seedValue > 0xffffffff)
    throw new RangeError("seed must be an integer in 0 .. 2**32 - 1");
  if (!(density >= 0 && density <= 1)) throw new RangeError("density must be in [0, 1]");
  const all = density >= 1, threshold = Math.floor(density * 4294967296);
  let a = seedValue | 0;
  cur.fill(0);
  for (let y = 0; y < H; y++) {
    for (let x = 0; x < W; x++) {
      a = (a + 0x6d2b79f5) | 0;
      let t = Math.imul(a ^ (a >>> 15), a | 1);
      t = (t + Math.imul(t ^ (t >>> 7), t | 61)) ^ t;
      const r = (t ^ (t >>> 14)) >>> 0;
      if (all || r < threshold) cur[y * WPR + (x >>> 5)] |= 1 << (x & 31);
    }
  }
  generation = 0;
}

function stepOnce() {
  RULES[ruleIndex].impl.step(cur, nxt, W, H);
  const t = cur; cur = nxt; nxt = t;
  generation++;
}

function run(n) {
  if (!Number.isInteger(n) || n < 0) throw new RangeError("n must be a non-negative integer");
  for (let g = 0; g < n; g++) stepOnce();
}

function popcount(v) {
  v = v - ((v >>> 1) & 0x55555555);
  v = (v & 0x33333333) + ((v >>> 2) & 0x33333333);
  return Math.imul((v + (v >>> 4)) & 0x0f0f0f0f, 0x01010101) >>> 24;
}

function population() {
  let total = 0;  /* padding bits are zero */
  for (let i = 0; i < cur.length; i++) total += popcount(cur[i]);
  return total;
}

/* 32-bit FNV-1a over the row-major cells, one byte 0/1 each: gatenet.emit.widget.board_hash */
function hash() {
  let h = 0x811c9dc5;
  for (let y = 0; y < H; y++)
    for (let x = 0; x < W; x++) h = Math.imul(h ^ getCell(x, y), 0x01000193);
  return h >>> 0;
}

function draw() {
  for (let y = 0; y < H; y++) {
    let p = y * W;
    for (let i = 0; i < WPR; i++) {
      const word = cur[y * WPR + i], n = Math.min(32, W - 32 * i);
      for (let b = 0; b < n; b++) pixels[p++] = (word >>> b) & 1 ? ALIVE : DEAD;
    }
  }
  ctx.putImageData(image, 0, 0);
}

/* -- counters and status ---------------------------------------------------------------- */

let samples = [];  /* [time ms, generation] while playing, for generations/s */
function showCounters() {
  $("gen").textContent = generation.toLocaleString("en");
  $("pop").textContent = population().toLocaleString("en");
}
function status(text, isError) {
  $("status").textContent = text;
  $("status").className = "mono" + (isError ? " error" : "");
}
function refresh() { draw(); showCounters(); }

/* -- playing ------------------------------------------------------------------------------ */

const SPEEDS = [1, 2, 5, 10, 20, 30, 60, 120, 250, 500, 1000, Infinity];
let playing = false, owed = 0, lastFrame = 0;

function speed() { return SPEEDS[Number($("speed").value)]; }
function showSpeed() {
  const s = speed();
  $("speedtext").textContent = s === Infinity ? "as fast as possible" : s + " gen/s";
}

function frame(now) {
  if (!playing) return;
  const dt = Math.min(0.25, Math.max(0, now - lastFrame) / 1000);
  lastFrame = now;
  const s = speed(), t0 = performance.now();
  if (s === Infinity) {
    do stepOnce(); while (performance.now() - t0 < 14);  /* leave time to draw */
  } else {
    owed += dt * s;
    let k = Math.floor(owed);
    owed -= k;
    while (k-- > 0) {
      stepOnce();
      if (performance.now() - t0 > 30) { owed = 0; break; }  /* falling behind: drop */
    }
  }
  refresh();
  samples.push([now, generation]);
  while (samples.length > 2 && now - samples[0][0] > 1000) samples.shift();
  if (samples.length > 1 && now - samples[0][0] > 200) {
    const [t, g] = samples[0];
    $("gps").textContent = Math.round((generation - g) / ((now - t) / 1000)).toLocaleString("en");
  }
  requestAnimationFrame(frame);
}

function setPlaying(on) {
  playing = on;
  $("play").textContent = on ? "Pause" : "Play";
  if (on) {
    owed = 0; samples = []; lastFrame = performance.now();
    requestAnimationFrame(frame);
  } else {
    $("gps").textContent = "–";
  }
}

/* -- patterns ------------------------------------------------------------------------------ */

/* RLE as Golly writes it: '#' comment lines, 'x = W, y = H[, rule = R]', then runs of
   b/. (dead) and o/A (alive), '$' ends a row, '!' ends the pattern. */
function parseRLE(text) {
  const lines = String(text).split(/\r?\n/);
  let i = 0, w = -1, h = -1, rule = null;
  for (; i < lines.length; i++) {
    const s = lines[i].trim();
    if (!s || s[0] === "#") continue;
    const m = /^x\s*=\s*(\d+)\s*,\s*y\s*=\s*(\d+)\s*(?:,\s*rule\s*=\s*(\S+))?\s*$/i.exec(s);
    if (!m)
      throw new Error("line " + (i + 1) + ": expected the RLE header 'x = <width>, y = <height>'");
    w = Number(m[1]); h = Number(m[2]); rule = m[3] || null; i++;
    break;
  }
  if (w < 0) throw new Error("missing RLE header 'x = <width>, y = <height>'");
  if (w < 1 || h < 1 || w > CONFIG.maxSide || h > CONFIG.maxSide)
    throw new Error("pattern size must be 1.." + CONFIG.maxSide + " on each side");
  const cells = new Uint8Array(w * h);
  let x = 0, y = 0, count = "", done = false;
  for (; i < lines.length && !done; i++) {
    if (lines[i].trimStart().startsWith("#")) continue;
    for (const ch of lines[i]) {
      if (/\s/.test(ch)) continue;
      if (ch >= "0" && ch <= "9") { count += ch; continue; }
      const n = count ? Number(count) : 1;
      count = "";
      const where = "line " + (i + 1) + ": ";
      if (ch === "b" || ch === "." || ch === "o" || ch === "A") {
        if (y >= h || x + n > w)
          throw new Error(where + "runs beyond the header's x = " + w + ", y = " + h);
        if (ch === "o" || ch === "A") cells.fill(1, y * w + x, y * w + x + n);
        x += n;
      } else if (ch === "$") { y += n; x = 0; }
      else if (ch === "!") { done = true; break; }
      else throw new Error(where + "unexpected character " + JSON.stringify(ch));
    }
  }
  if (!done) throw new Error("missing '!' at the end of the RLE data");
  return {width: w, height: h, cells, rule};
}

function fieldInt(id, fallback) {
  const v = Number($(id).value);
  return Number.isInteger(v) && v >= 1 && v <= CONFIG.maxSide ? v : fallback;
}

function loadPattern(p, name) {
  const margin = 8;
  const w = Math.min(CONFIG.maxSide, Math.max(fieldInt("width", W), p.width + 2 * margin));
  const h = Math.min(CONFIG.maxSide, Math.max(fieldInt("height", H), p.height + 2 * margin));
  resize(w, h);
  const left = (w - p.width) >> 1, top = (h - p.height) >> 1;
  for (let y = 0; y < p.height; y++)
    for (let x = 0; x < p.width; x++)
      if (p.cells[y * p.width + x]) setCell(left + x, top + y, 1);
  refresh();
  status("loaded " + name + " (" + p.width + "×" + p.height + ")" +
         (p.rule ? ", written for rule " + p.rule : ""));
}

/* -- the API for tests and benchmarks ----------------------------------------------------- */

function state() {
  return {generation, population: population(), hash: hash(), width: W, height: H,
          rule: RULES[ruleIndex].rule};
}

const api = {
  seed(seedValue, density) {
    seed(seedValue, density);
    $("seed").value = seedValue; $("density").value = density;
    refresh();
    return state();
  },
  run(n) { run(n); refresh(); return state(); },
  state,
  setCells(array01, width, height) {
    if (array01.length !== width * height) throw new RangeError("expected width * height cells");
    resize(width, height);
    for (let y = 0; y < height; y++)
      for (let x = 0; x < width; x++) if (array01[y * width + x]) setCell(x, y, 1);
    refresh();
    return state();
  },
  getCells() {
    const out = new Array(W * H);
    for (let y = 0; y < H; y++) for (let x = 0; x < W; x++) out[y * W + x] = getCell(x, y);
    return out;
  },
  benchmark(n) {
    const t0 = performance.now();
    run(n);
    const seconds = (performance.now() - t0) / 1000;
    refresh();
    return n / seconds;
  },
  resize(width, height) { resize(width, height); refresh(); return state(); },
  setRule(index) {
    if (!Number.isInteger(index) || index < 0 || index >= RULES.length)
      throw new RangeError("no circuit " + index);
    ruleIndex = index;
    $("rule").value = String(index);
    $("rulename").textContent = RULES[index].rule;
    return state();
  },
  rules() { return RULES.map((r) => ({label: r.label, rule: r.rule})); },
  parseRLE,
};
window.gatenet = api;

/* -- the controls --------------------------------------------------------------------------- */

RULES.forEach((r, i) => {
  const o = document.createElement("option");
  o.value = String(i);
  o.textContent = r.label === r.rule ? r.rule : r.label + " (" + r.rule + ")";
  $("rule").appendChild(o);
});
PATTERNS.forEach((p, i) => {
  const o = document.createElement("option");
  o.value = String(i); o.textContent = p.name;
  $("pattern").appendChild(o);
});

$("rule").addEventListener("change", () => api.setRule(Number($("rule").value)));
$("play").addEventListener("click", () => setPlaying(!playing));
$("step").addEventListener("click", () => { setPlaying(false); run(1); refresh(); });
$("speed").addEventListener("input", showSpeed);
$("randomise").addEventListener("click", () => {
  try {
    resize(fieldInt("width", W), fieldInt("height", H));
    const s = Number($("seed").value), d = Number($("density").value);
    seed(s, d);
    refresh();
    status("random board: seed " + s + ", density " + d);
  } catch (e) { status(e.message, true); }
});
$("clear").addEventListener("click", () => {
  resize(fieldInt("width", W), fieldInt("height", H));
  refresh(); status("cleared");
});
$("loadpattern").addEventListener("click", () => {
  const p = PATTERNS[Number($("pattern").value)];
  if (p) loadPattern(parseRLE(p.rle), p.name);
});
$("loadrle").addEventListener("click", () => {
  try { loadPattern(parseRLE($("rle").value), "pasted RLE"); }
  catch (e) { status(e.message, true); }
});
document.addEventListener("keydown", (e) => {
  if (e.key === " " && e.target === document.body) { e.preventDefault(); setPlaying(!playing); }
});

/* Drawing: a press toggles the cell under the pointer, dragging paints that value along
   the path (every cell of the segment between two pointer events, so fast strokes are
   unbroken). */
let painting = null, lastCell = null;
function cellAt(e) {
  const r = canvas.getBoundingClientRect();
  const x = Math.floor((e.clientX - r.left) / r.width * W);
  const y = Math.floor((e.clientY - r.top) / r.height * H);
  return [Math.min(W - 1, Math.max(0, x)), Math.min(H - 1, Math.max(0, y))];
}
function paintLine(a, b, v) {
  let [x0, y0] = a;
  const [x1, y1] = b, dx = Math.abs(x1 - x0), dy = -Math.abs(y1 - y0);
  const sx = x0 < x1 ? 1 : -1, sy = y0 < y1 ? 1 : -1;
  let err = dx + dy;
  for (;;) {
    setCell(x0, y0, v);
    if (x0 === x1 && y0 === y1) break;
    const e2 = 2 * err;
    if (e2 >= dy) { err += dy; x0 += sx; }
    if (e2 <= dx) { err += dx; y0 += sy; }
  }
}
canvas.addEventListener("pointerdown", (e) => {
  const c = cellAt(e);
  painting = getCell(c[0], c[1]) ? 0 : 1;
  lastCell = c;
  canvas.setPointerCapture(e.pointerId);
  paintLine(c, c, painting);
  refresh();
});
canvas.addEventListener("pointermove", (e) => {
  if (painting === null) return;
  const c = cellAt(e);
  paintLine(lastCell, c, painting);
  lastCell = c;
  if (!playing) refresh();
});
const stopPainting = () => { painting = null; lastCell = null; };
canvas.addEventListener("pointerup", stopPainting);
canvas.addEventListener("pointercancel", stopPainting);

/* -- start ---------------------------------------------------------------------------------- */
$("seed").value = CONFIG.seed;
$("density").value = CONFIG.density;
showSpeed();
resize(CONFIG.width, CONFIG.height);
api.setRule(0);
seed(CONFIG.seed, CONFIG.density);
refresh();
status("ready: " + RULES.length + " circuit" + (RULES.length > 1 ? "s" : "") +
       "; click the board to draw");
})();
"""


# -- driving a headless Chromium ------------------------------------------------------------

#: Flags for a quiet, offline, sandbox-free (root in a container) headless Chromium.
CHROMIUM_FLAGS = (
    "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
    "--disable-background-networking", "--disable-dev-shm-usage", "--mute-audio",
    "--disable-extensions", "--disable-sync", "--no-default-browser-check",
    "--window-size=900,900", "--remote-debugging-pipe",
)  # fmt: skip


def find_chromium() -> str | None:
    """The Chromium executable on ``PATH`` (Debian's ``chromium``, or another name)."""
    for name in ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable"):
        found = shutil.which(name)
        if found:
            return found
    return None


class BrowserError(RuntimeError):
    """Chromium failed to start, a command failed, or the page threw."""


class Chromium:
    """A headless Chromium with one page, driven over the DevTools protocol on a pipe.

    ``--remote-debugging-pipe`` makes Chromium read protocol messages from fd 3 and write
    them to fd 4, each a JSON text ended by a NUL byte: no port to pick, no websocket
    handshake, nothing beyond the standard library. Use as a context manager::

        with Chromium() as browser:
            browser.open(path)
            browser.evaluate("gatenet.state()")
    """

    def __init__(self, executable: str | None = None, timeout: float = 60.0) -> None:
        exe = executable or find_chromium()
        if exe is None:
            raise BrowserError("no chromium on PATH (Debian: apt-get install chromium)")
        self.timeout = timeout
        self._profile = tempfile.TemporaryDirectory(prefix="gatenet-chromium-")
        self._log = open(Path(self._profile.name) / "stderr.log", "w+b")  # noqa: SIM115
        to_chrome_r, self._to_chrome = os.pipe()
        self._from_chrome, from_chrome_w = os.pipe()
        # Chromium's ends go to fds 3 and 4 in a small exec wrapper, not in a preexec_fn:
        # that would make subprocess fork() a process running threads (JAX's), which can
        # deadlock. (A shell redirection would do, but dash takes single-digit fds only.)
        # Both ends are first moved to fds >= 10 so that dup2 onto 3 cannot overwrite the
        # other one before it is read.
        ends = []
        for fd in (to_chrome_r, from_chrome_w):
            ends.append(fcntl.fcntl(fd, fcntl.F_DUPFD_CLOEXEC, 10))
            os.close(fd)
        r, w = ends
        wrapper = (f"import os, sys; os.dup2({r}, 3); os.dup2({w}, 4); "
                   f"os.close({r}); os.close({w}); os.execv(sys.argv[1], sys.argv[1:])")
        try:
            self._proc = subprocess.Popen(
                [sys.executable, "-I", "-S", "-c", wrapper, exe, *CHROMIUM_FLAGS,
                 f"--user-data-dir={self._profile.name}", "about:blank"],
                stdin=subprocess.DEVNULL, stdout=self._log, stderr=self._log, pass_fds=ends,
            )
        finally:
            os.close(r)
            os.close(w)
        self._buffer = b""
        self._next_id = 0
        self._events: list[dict[str, Any]] = []
        self.session: str | None = None
        try:
            targets = self.send("Target.getTargets")["targetInfos"]
            page = next((t for t in targets if t["type"] == "page"), None)
            target = page["targetId"] if page else self.send(
                "Target.createTarget", url="about:blank")["targetId"]
            self.session = self.send("Target.attachToTarget", targetId=target,
                                     flatten=True)["sessionId"]
            self.send("Page.enable")
            self.send("Runtime.enable")
        except BaseException:
            self.close()
            raise

    # -- protocol --

    def _read_message(self, deadline: float) -> dict[str, Any]:
        while b"\0" not in self._buffer:
            left = deadline - time.monotonic()
            if left <= 0:
                raise BrowserError("timed out waiting for Chromium" + self._stderr_tail())
            ready, _, _ = select.select([self._from_chrome], [], [], left)
            if ready:
                chunk = os.read(self._from_chrome, 1 << 20)
                if not chunk:
                    raise BrowserError("Chromium closed the pipe" + self._stderr_tail())
                self._buffer += chunk
        raw, self._buffer = self._buffer.split(b"\0", 1)
        return json.loads(raw)

    def send(self, method: str, timeout: float | None = None, **params: Any) -> dict[str, Any]:
        """Send one command (to the page's session once attached) and return its result."""
        self._next_id += 1
        msg: dict[str, Any] = {"id": self._next_id, "method": method, "params": params}
        if self.session is not None and not method.startswith(("Target.", "Browser.")):
            msg["sessionId"] = self.session
        os.write(self._to_chrome, json.dumps(msg).encode() + b"\0")
        deadline = time.monotonic() + (self.timeout if timeout is None else timeout)
        while True:
            reply = self._read_message(deadline)
            if reply.get("id") == self._next_id:
                if "error" in reply:
                    raise BrowserError(f"{method}: {reply['error'].get('message')}")
                return reply.get("result", {})
            if "method" in reply:
                self._events.append(reply)

    def wait_event(self, method: str, timeout: float | None = None) -> dict[str, Any]:
        """The next event called ``method`` (already received ones first)."""
        deadline = time.monotonic() + (self.timeout if timeout is None else timeout)
        while True:
            for i, ev in enumerate(self._events):
                if ev["method"] == method:
                    return self._events.pop(i)
            reply = self._read_message(deadline)
            if "method" in reply:
                self._events.append(reply)

    def page_errors(self) -> list[str]:
        """Uncaught exceptions and console errors the page has reported so far."""
        out = []
        for ev in self._events:
            p = ev.get("params", {})
            if ev["method"] == "Runtime.exceptionThrown":
                d = p.get("exceptionDetails", {})
                out.append(d.get("exception", {}).get("description") or d.get("text", "?"))
            elif ev["method"] == "Runtime.consoleAPICalled" and p.get("type") == "error":
                out.append(" ".join(str(a.get("value", a.get("description")))
                                    for a in p.get("args", [])))
        return out

    def _stderr_tail(self) -> str:
        try:
            self._log.flush()
            self._log.seek(0)
            tail = self._log.read()[-1500:].decode("utf-8", "replace").strip()
        except (OSError, ValueError):
            return ""
        return f"\n--- chromium stderr ---\n{tail}" if tail else ""

    # -- conveniences --

    def open(self, path: str | os.PathLike[str]) -> None:
        """Load a local file in the page and wait for its load event."""
        self._events = [e for e in self._events if e["method"] != "Page.loadEventFired"]
        self.send("Page.navigate", url=Path(path).resolve().as_uri())
        self.wait_event("Page.loadEventFired")

    def evaluate(self, expression: str, timeout: float | None = None) -> Any:
        """The JSON value of a JavaScript expression (promises awaited); a page exception
        raises :class:`BrowserError` with its description."""
        r = self.send("Runtime.evaluate", timeout=timeout, expression=expression,
                      returnByValue=True, awaitPromise=True)
        if "exceptionDetails" in r:
            d = r["exceptionDetails"]
            raise BrowserError(d.get("exception", {}).get("description") or d.get("text"))
        return r["result"].get("value")

    def screenshot(self) -> bytes:
        """A PNG of the page's viewport."""
        return base64.b64decode(self.send("Page.captureScreenshot", format="png")["data"])

    def close(self) -> None:
        """Ask Chromium to quit, kill it if it does not, and remove its profile."""
        if getattr(self, "_proc", None) is not None and self._proc.poll() is None:
            with contextlib.suppress(OSError, BrowserError, ValueError):
                self.session = None
                self.send("Browser.close", timeout=5)
            try:
                self._proc.wait(5)
            except subprocess.TimeoutExpired:
                self._proc.kill()
                self._proc.wait(5)
        for fd in ("_to_chrome", "_from_chrome"):
            with contextlib.suppress(OSError, AttributeError):
                os.close(getattr(self, fd))
                setattr(self, fd, -1)
        with contextlib.suppress(OSError, AttributeError):
            self._log.close()
        with contextlib.suppress(OSError, AttributeError):
            self._profile.cleanup()

    def __enter__(self) -> Chromium:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


# -- benchmark ------------------------------------------------------------------------------


def browser_benchmark(
    circuit: Circuit,
    sizes: Sequence[tuple[int, int]] = ((256, 256), (1024, 1024)),
    seconds: float = 1.0,
    repeats: int = 3,
) -> list[dict[str, Any]]:
    """Generations per second of the widget in headless Chromium (``gatenet.benchmark``,
    nothing drawn) beside the scalar C runtime on the same board size and circuit.

    Each browser rate is the median of ``repeats`` runs of about ``seconds`` each after a
    warm-up that lets V8 optimise the step; the C rate is :func:`time_board`'s median.
    Returns one row per size: ``{width, height, browser_gps, c_gps, ratio}`` (ratio =
    C / browser). A measurement, not a check: the numbers depend on the machine and load.
    """
    import statistics

    from gatenet.bench.timing import time_board
    from gatenet.runtime.board import Board

    rows = []
    with tempfile.TemporaryDirectory(prefix="gatenet-bench-") as tmp:
        page = Path(tmp) / "widget.html"
        page.write_text(widget_html(circuit, width=64, height=64), encoding="utf-8")
        with Chromium() as browser:
            browser.open(page)
            for width, height in sizes:
                browser.evaluate(f"gatenet.resize({width}, {height}), gatenet.seed(1, 0.5), 0")
                rate = browser.evaluate("gatenet.benchmark(20)")  # warm up, first estimate
                n = max(10, int(rate * seconds / 2))
                rate = browser.evaluate(f"gatenet.benchmark({n})")
                n = max(10, int(rate * seconds))
                rates = [browser.evaluate(f"gatenet.benchmark({n})", timeout=60 + 10 * seconds)
                         for _ in range(repeats)]
                board = Board.random(width, height, seed=1, density=0.5, circuit=circuit)
                c_gps = 1.0 / time_board(board, width, height, repeats=repeats)
                board.close()
                js_gps = statistics.median(rates)
                rows.append({"width": width, "height": height, "browser_gps": js_gps,
                             "c_gps": c_gps, "ratio": c_gps / js_gps})
    return rows


def _main() -> None:
    """``python -m gatenet.emit.widget``: the browser benchmark on the hand-made Life
    circuit and, if given a circuit JSON path, on that circuit too."""
    import sys

    from gatenet.ir.handmade import handmade_life

    circuits = [("hand-made Life", handmade_life())]
    circuits += [(p, Circuit.load(p)) for p in sys.argv[1:]]
    for label, c in circuits:
        print(f"{label} ({len(c.gates)} gates, rule {rule_name(c)}):")
        for r in browser_benchmark(c):
            print(f"  {r['width']}×{r['height']}: browser {r['browser_gps']:,.0f} gen/s, "
                  f"C runtime {r['c_gps']:,.0f} gen/s (C/browser {r['ratio']:.1f}×)")


if __name__ == "__main__":
    _main()

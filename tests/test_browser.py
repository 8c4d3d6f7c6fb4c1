"""The standalone widget in a real browser: headless Chromium runs the emitted JavaScript.

One Chromium (driven over the DevTools protocol by :class:`gatenet.bench.browser.Chromium`)
opens one widget page holding two training-free circuits: the hand-made Life circuit and a
mux-tree circuit for HighLife (B36/S23, built from its truth table by
``tests/_circuits.py:table_circuit``), so a widget that always ran Life would fail. Boards
are seeded in the page, run there, and read back as (generation, population, FNV-1a hash)
and as cells, then compared with :func:`gatenet.rules.step`. Widths are not multiples of 32,
so the padding mask and the wrap from the last partial word are exercised.

Without a ``chromium`` executable the browser tests are skipped (``.ci/run`` installs it
where it can); the tests of the page's text and of the Python mirrors need no browser.
"""

from __future__ import annotations

import io
import json

import numpy as np
import pytest

from _circuits import table_circuit
from gatenet import patterns, rules
from gatenet.bench.browser import Chromium, find_chromium
from gatenet.emit.widget import board_hash, mulberry32, seed_board, widget_html
from gatenet.ir.handmade import handmade_life

HIGHLIFE = rules.parse("B36/S23").table


@pytest.fixture(scope="module")
def page(tmp_path_factory):
    """A widget page with Life (index 0) and HighLife (index 1), open in headless Chromium."""
    if find_chromium() is None:
        pytest.skip("no chromium executable (Debian: apt-get install chromium)")
    html = widget_html([("hand-made Life", handmade_life()),
                        ("HighLife mux tree", table_circuit(HIGHLIFE))], width=96, height=64)
    path = tmp_path_factory.mktemp("widget") / "widget.html"
    path.write_text(html, encoding="utf-8")
    with Chromium() as browser:
        browser.open(path)
        yield browser
        assert browser.page_errors() == []


def _run_in_page(page, rule: int, width: int, height: int, seed: int, density: float,
                 steps: int, table: np.ndarray) -> None:
    page.evaluate(f"gatenet.setRule({rule}), gatenet.resize({width}, {height})")
    start = page.evaluate(f"gatenet.seed({seed}, {density})")
    board = seed_board(width, height, seed, density)
    assert start == {"generation": 0, "population": int(board.sum()),
                     "hash": board_hash(board), "width": width, "height": height,
                     "rule": rules.name_of(table)}
    got = page.evaluate(f"gatenet.run({steps})")
    want = rules.step(board, table, steps)
    assert (got["generation"], got["population"], got["hash"]) == (
        steps, int(want.sum()), board_hash(want))
    cells = np.array(page.evaluate("gatenet.getCells()"), dtype=np.uint8)
    np.testing.assert_array_equal(cells.reshape(height, width), want)


@pytest.mark.parametrize("shape", [(83, 61), (32, 5), (1, 1), (130, 40)],
                         ids=lambda s: f"{s[0]}x{s[1]}")
def test_browser_life_matches_reference(page, shape):
    _run_in_page(page, 0, *shape, seed=12345, density=0.37, steps=25, table=rules.LIFE.table)


@pytest.mark.parametrize("shape", [(83, 61), (33, 7)], ids=lambda s: f"{s[0]}x{s[1]}")
def test_browser_highlife_matches_reference(page, shape):
    _run_in_page(page, 1, *shape, seed=7, density=0.3, steps=30, table=HIGHLIFE)


def test_browser_set_cells_and_rule_switch(page):
    """setCells loads an arbitrary board; switching the rule mid-run steps with the new one."""
    board = patterns.place(patterns.load_builtin("r_pentomino"), 70, 45, top=20, left=30)
    page.evaluate("gatenet.setRule(0)")
    page.evaluate(f"gatenet.setCells({json.dumps(board.ravel().tolist())}, 70, 45)")
    page.evaluate("gatenet.run(10), gatenet.setRule(1)")
    got = page.evaluate("gatenet.run(10)")
    want = rules.step(rules.step(board, rules.LIFE, 10), HIGHLIFE, 10)
    assert (got["generation"], got["population"], got["hash"]) == (
        20, int(want.sum()), board_hash(want))


def test_browser_parses_the_shipped_patterns(page):
    """The page's own RLE reader agrees with gatenet.patterns on every shipped classic."""
    for name in patterns.builtin_names():
        p = patterns.load_builtin(name)
        text = json.dumps(p.to_rle())
        got = page.evaluate(
            f"(r => ({{w: r.width, h: r.height, cells: Array.from(r.cells)}}))"
            f"(gatenet.parseRLE({text}))")
        assert (got["w"], got["h"]) == (p.width, p.height), name
        assert got["cells"] == p.cells.ravel().tolist(), name


def test_browser_controls(page):
    """The buttons: load a shipped glider, step it four times (it moves one cell
    diagonally), then a malformed RLE reports an error in the status line instead of
    throwing."""
    page.evaluate("gatenet.setRule(0), gatenet.resize(40, 30)")
    idx = patterns.builtin_names().index("glider")
    page.evaluate(f"document.getElementById('pattern').value = '{idx}';"
                  "document.getElementById('loadpattern').click()")
    before = np.array(page.evaluate("gatenet.getCells()"), np.uint8).reshape(30, 40)
    assert before.sum() == 5
    page.evaluate("for (let i = 0; i < 4; i++) document.getElementById('step').click()")
    after = np.array(page.evaluate("gatenet.getCells()"), np.uint8).reshape(30, 40)
    np.testing.assert_array_equal(after, np.roll(before, (1, 1), axis=(0, 1)))
    assert page.evaluate("gatenet.state().generation") == 4
    assert page.evaluate("document.getElementById('gen').textContent") == "4"
    page.evaluate("document.getElementById('rle').value = 'x = 2, y = 2\\nzz!';"
                  "document.getElementById('loadrle').click()")
    assert "unexpected character" in page.evaluate("document.getElementById('status').textContent")


def test_browser_mouse_draws(page):
    """A click on the canvas toggles the cell under the pointer."""
    page.evaluate("gatenet.setRule(0), gatenet.resize(20, 10)")
    rect = page.evaluate("(r => [r.left, r.top, r.width, r.height])"
                         "(document.getElementById('board').getBoundingClientRect())")
    left, top, w, h = rect
    x, y = left + (13.5 / 20) * w, top + (6.5 / 10) * h  # the centre of cell (13, 6)
    for kind in ("mousePressed", "mouseReleased"):
        page.send("Input.dispatchMouseEvent", type=kind, x=x, y=y, button="left", clickCount=1)
    cells = np.array(page.evaluate("gatenet.getCells()"), np.uint8).reshape(10, 20)
    assert cells.sum() == 1 and cells[6, 13] == 1


def test_browser_screenshot_is_not_blank(page):
    """The canvas really shows the board: the screenshot has both cell colours."""
    from PIL import Image

    page.evaluate("gatenet.setRule(0), gatenet.resize(96, 64), gatenet.seed(3, 0.4)")
    png = page.screenshot()
    img = np.asarray(Image.open(io.BytesIO(png)).convert("RGB"), dtype=np.float64)
    assert img.shape[0] > 100 and img.shape[1] > 100
    assert img.std() > 20, "screenshot is (nearly) uniform"
    alive = np.all(np.abs(img - (0x1E, 0x3A, 0x5A)) < 8, axis=-1).sum()
    dead = np.all(np.abs(img - (0xE8, 0xEF, 0xF4)) < 8, axis=-1).sum()
    assert alive > 500 and dead > 500, (alive, dead)


def test_browser_benchmark_api(page):
    page.evaluate("gatenet.setRule(0), gatenet.resize(256, 256), gatenet.seed(1, 0.5)")
    assert page.evaluate("gatenet.benchmark(20)") > 0
    assert page.evaluate("gatenet.state().generation") == 20


# -- no browser needed ------------------------------------------------------------------------


def test_browser_hash_and_seed_mirrors():
    """The Python mirrors of the page's hash and PRNG on fixed values: the FNV-1a test
    vector of one zero byte, and the first draws of the usual JavaScript mulberry32
    (``a = a + 0x6D2B79F5 | 0; t = Math.imul(a ^ a >>> 15, 1 | a); …``) from seed 42."""
    assert board_hash(np.zeros((0, 0), np.uint8)) == 0x811C9DC5
    assert board_hash(np.array([[0]], np.uint8)) == 0x050C5D1F  # FNV-1a of b"\x00"
    assert board_hash(np.array([[1]], np.uint8)) == 0x040C5B8C
    assert mulberry32(42, 8).tolist() == [2581720956, 1925393290, 3661312704, 2876485805,
                                          750819978, 2261697747, 1173505300, 2683257857]
    assert mulberry32(2**32 - 1, 1).tolist() == [3850105811]
    b = seed_board(64, 64, 42, 0.5)
    assert b.shape == (64, 64) and 0.4 < b.mean() < 0.6
    np.testing.assert_array_equal(b, seed_board(64, 64, 42, 0.5))
    assert not seed_board(8, 8, 1, 0.0).any() and seed_board(8, 8, 1, 1.0).all()
    with pytest.raises(ValueError):
        seed_board(8, 8, -1, 0.5)
    with pytest.raises(ValueError):
        seed_board(8, 8, 1, 1.5)


def test_browser_widget_is_self_contained():
    """No external resource, a CSP forbidding them, and hostile labels kept inert."""
    html = widget_html([("</script><script>alert(1)</script>", handmade_life())],
                       title="<b>x</b>")
    assert "</script><script>alert" not in html and "<b>x</b>" not in html
    assert "default-src 'none'" in html
    for bad in ("http://", "https://", "src=", "href=", "@import", "url("):
        assert bad not in html, bad
    assert html.count("<script>") == 1
    for name in patterns.builtin_names():
        assert json.dumps(name) in html
    with pytest.raises(ValueError, match="9 inputs and 1 output"):
        from gatenet.ir.circuit import Circuit, Gate

        widget_html(Circuit(2, (Gate(1, 0, 1),), (2,)))

"""The separable, row-shared architecture: IR, training, synthesis of multi-output parts,
the emitted row function and the "separable-…" kernels of the fast runtime."""

from __future__ import annotations

import json

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gatenet import gates, rules
from gatenet.emit.c import emit_c_features
from gatenet.ir.circuit import Circuit, Gate
from gatenet.ir.handmade import handmade_separable_life
from gatenet.ir.netlist import CircuitError
from gatenet.ir.separable import SeparableCircuit, combine_input_names
from gatenet.learn.separable import (
    SeparableConfig,
    extract_separable,
    features_suffice,
    row_code_bits,
    row_code_classes,
    train_separable,
)
from gatenet.runtime import fast
from gatenet.runtime.fast import FastBoard

LIFE = rules.LIFE


@pytest.fixture(scope="module")
def learned_sep() -> SeparableCircuit:
    """A separable Life circuit learned by the default recipe (seed 0), extracted raw."""
    res = train_separable("B3/S23", seed=0, progress=False)
    assert res.converged
    return extract_separable(res.network, res.params, "B3/S23")


# -- the IR ---------------------------------------------------------------------------------


def test_handmade_separable_is_life_and_shares_the_full_adder() -> None:
    sep = handmade_separable_life()
    assert np.array_equal(sep.truth_table(), LIFE.table)
    assert sep.k == 2 and sep.live_gates() == (5, 19)
    assert sep.ops_per_cell_word() == 24
    flat = sep.flatten()
    assert flat.n_inputs == 9 and len(flat.gates) == 3 * 5 + 19
    # the row circuit is a full adder: l = parity, h = majority of (W, C, E)
    t = sep.row.truth_table()
    triples = np.arange(8)
    count = (triples >> 2 & 1) + (triples >> 1 & 1) + (triples & 1)
    assert np.array_equal(t[:, 0] + 2 * t[:, 1], count)


def test_json_round_trip(tmp_path) -> None:
    sep = handmade_separable_life()
    path = tmp_path / "sep.json"
    sep.save(path)
    back = SeparableCircuit.load(path)
    assert back == sep and back.content_hash() == sep.content_hash()
    d = json.loads(path.read_text())
    d["version"] = 99
    path.write_text(json.dumps(d))
    with pytest.raises(CircuitError, match="version 99"):
        SeparableCircuit.load(path)
    path.write_text(json.dumps({"format": "gatenet-circuit"}))
    with pytest.raises(CircuitError, match="not a gatenet-separable"):
        SeparableCircuit.load(path)
    path.write_text("{")
    with pytest.raises(CircuitError, match="invalid JSON"):
        SeparableCircuit.load(path)


def test_shapes_are_checked() -> None:
    sep = handmade_separable_life()
    two_in = Circuit(2, (Gate(gates.AND, 0, 1),), (2,))
    with pytest.raises(CircuitError, match="3 cells"):
        SeparableCircuit(two_in, sep.combine)
    with pytest.raises(CircuitError, match="7 inputs"):
        SeparableCircuit(sep.row, Circuit(6, (), (0,)))
    with pytest.raises(CircuitError, match="one output"):
        SeparableCircuit(sep.row, Circuit(7, (), (0, 1)))
    with pytest.raises(TypeError, match="Circuit"):
        SeparableCircuit("row", sep.combine)  # type: ignore[arg-type]
    assert combine_input_names(1) == ("top0", "mid0", "bot0", "centre")


# -- training ---------------------------------------------------------------------------------


def test_features_suffice() -> None:
    sep = handmade_separable_life()
    adder = sep.row.truth_table()
    assert features_suffice(adder, LIFE.table)
    t = np.arange(8)
    w, c, e = t >> 2 & 1, t >> 1 & 1, t & 1
    count = w + c + e
    maj_or = np.stack([count >= 2, count >= 1], axis=1).astype(int)  # 2 and 3 look alike
    assert not features_suffice(maj_or, LIFE.table)
    copies = np.stack([w, c, e], axis=1)  # the triple itself: always enough
    assert features_suffice(copies, LIFE.table)


@settings(max_examples=40)
@given(st.integers(0, 2**512 - 1))
def test_the_cells_themselves_always_suffice(bits: int) -> None:
    """Features that keep the whole triple lose nothing, whatever the rule."""
    table = np.array([(bits >> p) & 1 for p in range(512)], dtype=np.uint8)
    t = np.arange(8)
    copies = np.stack([t >> 2 & 1, t >> 1 & 1, t & 1], axis=1)
    assert features_suffice(copies, table)
    one_bit = (t & 1)[:, None]  # only E of each row: enough exactly when nothing else matters
    p = np.arange(512)
    key = ((p >> 6 & 1) << 3) | ((p >> 3 & 1) << 2) | ((p & 1) << 1) | (p >> 4 & 1)
    depends_on_rest = any(len(set(table[key == k].tolist())) > 1 for k in range(16))
    assert features_suffice(one_bit, table) == (not depends_on_rest)


def test_config_is_validated() -> None:
    with pytest.raises(ValueError, match="3 cells"):
        SeparableConfig(row_sizes=(4, 8, 2)).validate()
    with pytest.raises(ValueError, match="combine_sizes"):
        SeparableConfig(combine_sizes=(8, 4, 1)).validate()
    with pytest.raises(ValueError, match="1 output"):
        SeparableConfig(combine_sizes=(7, 4, 2)).validate()
    with pytest.raises(ValueError, match="at most 4 features"):
        SeparableConfig(row_sizes=(3, 8, 5), combine_sizes=(16, 4, 1)).validate()
    with pytest.raises(ValueError, match="restart_after"):
        SeparableConfig(restart_after=-1).validate()
    with pytest.raises(TypeError, match="seed"):
        SeparableConfig(seed=1.5).validate()  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="learning_rate"):
        train_separable("B3/S23", learning_rate=0.0)


def test_results_do_not_depend_on_the_chunk_size() -> None:
    """Without restarts the chunk size changes nothing; restarts are decided at chunk
    boundaries, so with them a run is reproducible for a given chunk size."""
    small = dict(row_sizes=(3, 4, 2), combine_sizes=(7, 8, 4, 2, 1), max_epochs=60)
    a = train_separable("B3/S23", seed=3, progress=False, chunk=50, restart_after=0, **small)
    b = train_separable("B3/S23", seed=3, progress=False, chunk=7, restart_after=0, **small)
    assert a.epochs == b.epochs == 60 and a.restarts == b.restarts == []
    assert np.array_equal(a.history.hard_errors, b.history.hard_errors)
    for pa, pb in zip(a.params[0] + a.params[1], b.params[0] + b.params[1], strict=True):
        assert np.array_equal(np.asarray(pa), np.asarray(pb))
    c = train_separable("B3/S23", seed=3, progress=False, chunk=7, restart_after=14, **small)
    d = train_separable("B3/S23", seed=3, progress=False, chunk=7, restart_after=14, **small)
    assert c.restarts and c.restarts == d.restarts
    assert all(r % 7 == 0 for r in c.restarts)
    assert np.array_equal(c.history.hard_errors, d.history.hard_errors)


@pytest.mark.slow
def test_learned_separable_is_exact(learned_sep: SeparableCircuit) -> None:
    assert np.array_equal(learned_sep.truth_table(), LIFE.table)
    assert learned_sep.k == 2
    # the learned row features make the rule reachable (else it could not be exact)
    assert features_suffice(learned_sep.row.truth_table(), LIFE.table)


# -- synthesis of a multi-output part -----------------------------------------------------------


def test_multi_output_synthesis_keeps_every_output(tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("GATENET_CACHE", str(tmp_path))
    from gatenet.synth.flow import synthesize_gates

    row = handmade_separable_life().row
    out = synthesize_gates(row, "default")
    assert len(out.outputs) == 2
    assert np.array_equal(out.truth_table(), row.truth_table())
    with pytest.raises(ValueError, match="at least one output"):
        synthesize_gates(Circuit(2, (), ()))


# -- emission and the kernels -----------------------------------------------------------------


def test_feature_emitter() -> None:
    text = emit_c_features(handmade_separable_life().row, "row_fn")
    assert "static inline void row_fn(const cell in[3], cell out[2])" in text
    assert "out[0] = " in text and "out[1] = " in text
    with pytest.raises(ValueError):
        emit_c_features(handmade_separable_life().row, "int")


def _reference(a: np.ndarray, steps: int) -> np.ndarray:
    for _ in range(steps):
        a = rules.step(a, LIFE)
    return a


SHAPES = [(1, 1), (2, 3), (37, 70), (64, 64), (5, 130), (129, 65)]


@pytest.mark.parametrize("which", ["handmade", "learned"])
def test_separable_kernels_equal_the_reference(which: str, request) -> None:
    sep = (handmade_separable_life() if which == "handmade"
           else request.getfixturevalue("learned_sep"))
    rng = np.random.default_rng(7)
    kernels = [k for k in fast.available_kernels() if k.startswith("separable-")]
    assert "separable-scalar" in kernels
    for h, w in SHAPES:
        a = (rng.random((h, w)) < 0.4).astype(np.uint8)
        want = _reference(a, 3)
        for k in kernels:
            for threads in (1, 2):
                with FastBoard(a, kernel=k, threads=threads, separable=sep) as b:
                    b.step(3)
                    assert np.array_equal(b.to_array(), want), (k, h, w, threads)
    # temporal blocking (several generations per pass) on a board tall enough for it
    a = (rng.random((300, 200)) < 0.3).astype(np.uint8)
    with FastBoard(a, kernel="separable", threads=2, depth=4, separable=sep) as b:
        b.step(9)
        assert np.array_equal(b.to_array(), _reference(a, 9))


@settings(max_examples=30)
@given(h=st.integers(1, 40), w=st.integers(1, 150), steps=st.integers(0, 5),
       threads=st.integers(1, 3), seed=st.integers(0, 2**16))
def test_any_rule_through_the_separable_kernels(h: int, w: int, steps: int, threads: int,
                                                seed: int) -> None:
    """An asymmetric rule (every neighbour position matters) in its trivial separable form:
    features are the cells themselves, so any mix-up of rows, columns or the centre shows."""
    from _circuits import asym

    circuit = asym()
    sep = SeparableCircuit.trivial(circuit)
    assert np.array_equal(sep.truth_table(), circuit.truth_table()[:, 0])
    a = (np.random.default_rng(seed).random((h, w)) < 0.45).astype(np.uint8)
    want = rules.step(a, circuit.truth_table()[:, 0], steps)
    for k in fast.available_kernels():
        if k.startswith("separable-"):
            with FastBoard(a, kernel=k, threads=threads, separable=sep) as b:
                assert np.array_equal(b.step(steps).to_array(), want), k


def test_separable_kernel_arguments_are_checked() -> None:
    sep = handmade_separable_life()
    a = np.zeros((8, 8), np.uint8)
    with pytest.raises(TypeError, match="separable="):
        FastBoard(a, kernel="separable-scalar")
    with pytest.raises(ValueError, match="separable kernels"):
        FastBoard(a, sep.flatten(), kernel="scalar", separable=sep)
    with pytest.raises(TypeError, match="SeparableCircuit"):
        FastBoard(a, kernel="separable-scalar", separable=sep.flatten())  # type: ignore
    from gatenet.ir.handmade import handmade_life

    highlife = SeparableCircuit(sep.row, sep.combine)  # Life, checked against a non-Life:
    other = Circuit(9, (), (4,))  # "copy the centre"
    with pytest.raises(ValueError, match="differs"):
        FastBoard(a, other, kernel="separable-scalar", separable=highlife)
    with FastBoard(a, handmade_life(), kernel="separable-scalar", separable=sep) as b:
        assert b.separable is sep
    assert fast.resolve_kernel("separable").startswith("separable-")
    wide = SeparableCircuit(Circuit(3, (), tuple([0] * 17)), Circuit(52, (), (51,)))
    with pytest.raises(ValueError, match="at most 16"):
        FastBoard(a, Circuit(9, (), (4,)), kernel="separable-scalar", separable=wide)
    assert not fast.resolve_kernel("auto").startswith("separable")


# -- the pair level ---------------------------------------------------------------------------


def test_handmade_paired_life_is_the_expert_structure() -> None:
    from gatenet.ir.handmade import handmade_paired_life

    sep = handmade_paired_life()
    assert sep.p == 4 and sep.pair_gates() == 4 and sep.live_gates() == (5, 15)
    assert sep.ops_per_cell_word() == 22  # 5 + 4/2 + 15: what csrc/expert.c states
    assert sep.computes(LIFE.table)
    assert np.array_equal(sep.flatten(above=True).truth_table()[:, 0], LIFE.table)
    back = SeparableCircuit.from_dict(json.loads(json.dumps(sep.to_dict())))
    assert back == sep and back.pair == sep.pair
    with pytest.raises(CircuitError, match="pair circuit reads"):
        SeparableCircuit(sep.row, sep.combine, {}, Circuit(3, (), (0,)))
    with pytest.raises(CircuitError, match="with a pair circuit"):
        SeparableCircuit(sep.row, Circuit(8, (), (0,)), {}, sep.pair)


def test_a_pair_must_work_both_ways() -> None:
    """A pair circuit that only the 'below' reading gets right is not a rule."""
    from gatenet.ir.handmade import handmade_paired_life

    sep = handmade_paired_life()
    # "next = the centre" from the combine, but via a pair bit that depends on the order
    lopsided_pair = Circuit(4, (), (0, 1, 2, 3))  # (up l, up h, down l, down h): not symmetric
    comb = Circuit(7, (), (6,))  # the centre
    copy_centre = SeparableCircuit(sep.row, comb, {}, lopsided_pair)
    table = copy_centre.truth_table()
    assert copy_centre.computes(table)  # ignores the pair: both readings agree
    comb2 = Circuit(7, (), (0,))  # the upper row's l: the middle row below, the top above
    odd = SeparableCircuit(sep.row, comb2, {}, lopsided_pair)
    assert odd.wrong(odd.truth_table()) > 0


@pytest.mark.parametrize("threads", [1, 2])
def test_paired_kernels_equal_the_reference(threads: int) -> None:
    from gatenet.ir.handmade import handmade_paired_life

    sep = handmade_paired_life()
    rng = np.random.default_rng(5)
    for h, w in [*SHAPES, (300, 200)]:
        a = (rng.random((h, w)) < 0.4).astype(np.uint8)
        want = _reference(a, 5)
        for k in fast.available_kernels():
            if k.startswith("separable-"):
                for depth in (1, 3):
                    with FastBoard(a, kernel=k, threads=threads, separable=sep,
                                   depth=depth) as b:
                        assert np.array_equal(b.step(5).to_array(), want), (k, h, w, depth)


def test_pair_training_and_extraction() -> None:
    """A tiny paired network trains both readings at once and extracts all three parts."""
    cfg = dict(row_sizes=(3, 4, 2), pair_sizes=(4, 8, 4), combine_sizes=(7, 8, 4, 2, 1),
               max_epochs=40, restart_after=0)
    r = train_separable("B3/S23", seed=1, progress=False, **cfg)
    assert r.epochs == 40 and len(r.params) == 3
    sep = extract_separable(r.network, r.params)
    assert sep.p == 4 and sep.k == 2
    assert r.hard_errors == sep.wrong(LIFE.table)  # training counts both readings
    with pytest.raises(ValueError, match="pair network reads"):
        SeparableConfig(pair_sizes=(3, 4)).validate()
    with pytest.raises(ValueError, match="with a pair network"):
        SeparableConfig(pair_sizes=(4, 5)).validate()


def test_learn_separable_memo_round_trip(tmp_path, monkeypatch) -> None:
    """The on-disk memo gives back the same circuits, and a damaged memo is recomputed."""
    from gatenet import pipeline

    monkeypatch.setenv("GATENET_CACHE", str(tmp_path))
    first = pipeline.learn_separable_cached("B3/S23", 0, synthesize=False, progress=False)
    assert first.passed.computes(LIFE.table) and first.synthesized is None
    (memo,) = (tmp_path / "learned").glob("separable-*.json")
    again = pipeline.learn_separable_cached("B3/S23", 0, synthesize=False, progress=False)
    assert again.passed == first.passed and again.raw == first.raw
    assert again.restarts == first.restarts
    assert [s.circuit for s in again.flat] == [s.circuit for s in first.flat]
    memo.write_text(memo.read_text()[:100])  # torn
    third = pipeline.learn_separable_cached("B3/S23", 0, synthesize=False, progress=False)
    assert third.passed == first.passed
    assert len(json.loads(memo.read_text())["flat"]) == 2  # rewritten whole


def test_seed_search_is_the_same_over_processes(tmp_path, monkeypatch) -> None:
    """search_separable gives each seed what it gives alone, in one process or two, and
    smallest_run picks the fewest gates per word."""
    from gatenet import pipeline

    monkeypatch.setenv("GATENET_CACHE", str(tmp_path))
    small = SeparableConfig(max_epochs=3000)
    one = pipeline.search_separable([0, 2], config=small, workers=1, progress=False)
    two = pipeline.search_separable([0, 2], config=small, workers=2, progress=False)
    assert [r.seed for r in one] == [0, 2]
    for a, b in zip(one, two, strict=True):
        assert (a.exact, a.epochs, a.restarts, a.quick_gates) == (b.exact, b.epochs,
                                                                  b.restarts, b.quick_gates)
        assert a.passed == b.passed
        if a.exact:
            assert a.passed.computes(LIFE.table)
            assert a.encoding in ("binary count", "Gray count") or "+" in a.encoding
    best = pipeline.smallest_run(one)
    assert best.quick_gates == min(r.quick_gates for r in one if r.exact)
    with pytest.raises(pipeline.NotConvergedError):
        pipeline.smallest_run([pipeline.SeedRun(0, False, 10, 0, 0.1)])


def test_hostile_separable_files_are_refused_with_the_file_named(tmp_path) -> None:
    sep = handmade_separable_life()
    deep = tmp_path / "deep.json"
    deep.write_bytes(b"[" * 100000 + b"]" * 100000)
    with pytest.raises(CircuitError, match=r"deep\.json: JSON nested too deeply"):
        SeparableCircuit.load(deep)
    binary = tmp_path / "bin.json"
    binary.write_bytes(b'{"format": "\xff"}')
    with pytest.raises(CircuitError, match=r"bin\.json: not UTF-8"):
        SeparableCircuit.load(binary)
    d = sep.to_dict()
    d["version"] = True
    path = tmp_path / "v.json"
    path.write_text(json.dumps(d))
    with pytest.raises(CircuitError, match="version True"):
        SeparableCircuit.load(path)
    d = sep.to_dict()
    d["row"]["n_inputs"] = 4
    path.write_text(json.dumps(d))
    with pytest.raises(CircuitError, match=r"v\.json: the row circuit"):
        SeparableCircuit.load(path)
    d = sep.to_dict()
    d["meta"] = None  # as for circuit files: no metadata
    path.write_text(json.dumps(d))
    assert SeparableCircuit.load(path).meta == {}
    with pytest.raises(TypeError, match="meta"):
        SeparableCircuit(sep.row, sep.combine, [1])  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        SeparableCircuit.trivial("x")  # type: ignore[arg-type]


def test_features_suffice_checks_its_inputs() -> None:
    good = handmade_separable_life().row.truth_table()
    with pytest.raises(ValueError, match="shape"):
        features_suffice(good[:7], LIFE.table)
    with pytest.raises(ValueError, match="only 0 and 1"):
        features_suffice(good * 2, LIFE.table)
    with pytest.raises(ValueError, match="512"):
        features_suffice(good, LIFE.table[:100])


def test_config_numbers_are_checked() -> None:
    for field_, value in (("strength", float("nan")), ("strength", None),
                          ("learning_rate", True), ("noise", "0.1")):
        with pytest.raises((TypeError, ValueError), match=field_):
            SeparableConfig(**{field_: value}).validate()
    SeparableConfig(learning_rate=np.float32(0.2)).validate()  # numpy numbers are numbers
    with pytest.raises(ValueError, match="chunk"):
        SeparableConfig(chunk=10**9).validate()
    with pytest.raises(ValueError, match="row_sizes"):
        SeparableConfig(row_sizes=(3, 10**9, 2)).validate()
    with pytest.raises(TypeError, match="SeparableConfig"):
        train_separable("B3/S23", config={"seed": 1})  # type: ignore[arg-type]


def _codes_to_bits(code: np.ndarray) -> np.ndarray:
    """A row code (class per triple) as feature bits, shape (8, 3)."""
    return ((np.asarray(code)[:, None] >> np.arange(3)) & 1).astype(np.uint8)


def test_row_code_classes_known_rules() -> None:
    """Every B/S rule needs at most the row's count (4 classes, two bits); Life needs all
    four, and no 3-class row code of the 3^8 there are lets any combine circuit be Life."""
    assert row_code_classes(rules.LIFE.table) == 4 and row_code_bits(rules.LIFE.table) == 2
    assert row_code_classes(rules.parse("B0/S8").table) == 3  # count 0, count 3, the rest
    assert row_code_classes(np.zeros(512, np.uint8)) == 1
    assert row_code_bits(np.zeros(512, np.uint8)) == 1
    assert row_code_classes(rules.parse("B2-a/S12").table) > 4  # isotropic, not totalistic
    codes = np.array(np.meshgrid(*[range(3)] * 8, indexing="ij")).reshape(8, -1).T
    assert not any(features_suffice(_codes_to_bits(c), rules.LIFE.table) for c in codes)
    for bad in (np.zeros(511), np.full(512, 2)):
        with pytest.raises(ValueError, match="512 entries of 0 and 1"):
            row_code_classes(bad)


@settings(max_examples=40, deadline=None)
@given(st.lists(st.integers(0, 7), min_size=8, max_size=8),
       st.lists(st.integers(0, 1), min_size=1024, max_size=1024))
def test_row_code_classes_finds_a_code_that_suffices(code, outs) -> None:
    """A rule built on a row code of c classes (any function of the three rows' classes and
    the centre) never needs more than c; and a code with the returned number of classes
    exists: the exhaustive check of features_suffice accepts the given code itself."""
    code = np.array(code)
    p = np.arange(512)
    key = ((code[p >> 6] * 8 + code[(p >> 3) & 7]) * 8 + code[p & 7]) * 2 + ((p >> 4) & 1)
    table = np.array(outs, np.uint8)[key % 1024]
    c = len(set(code.tolist()))
    assert features_suffice(_codes_to_bits(code), table)
    assert row_code_classes(table) in range(1, c + 1)

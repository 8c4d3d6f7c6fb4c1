"""The optimisation passes keep every truth table, shrink what they should, and reach
fixed points."""

from __future__ import annotations

import random

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from _circuits import random_circuits
from gatenet import gates, rules
from gatenet.ir.circuit import Circuit, Gate
from gatenet.ir.handmade import Builder, handmade_life
from gatenet.ir.netlist import CircuitError, verify
from gatenet.opt import passes
from gatenet.opt.optimize import optimize, stage_table

G = gates
PASSES = [
    passes.dead_code,
    passes.copy_propagation,
    passes.constant_folding,
    passes.cse,
    passes.not_absorption,
]


def same_function(c1: Circuit, c2: Circuit) -> bool:
    return np.array_equal(c1.truth_table(), c2.truth_table())


def c_of(n: int, gate_list: list[tuple[int, int, int]], outputs: list[int]) -> Circuit:
    return Circuit(n, tuple(Gate(*g) for g in gate_list), tuple(outputs))


# -- properties -----------------------------------------------------------------------


@settings(max_examples=150, deadline=None)
@given(random_circuits(), st.sampled_from(PASSES))
def test_every_pass_keeps_the_truth_table(c: Circuit, p) -> None:
    out = p(c)
    assert same_function(c, out), p.__name__
    assert len(out) <= len(c), p.__name__
    assert out.input_names == c.input_names and out.output_names == c.output_names


@settings(max_examples=100, deadline=None)
@given(random_circuits(), st.sampled_from(
    [passes.dead_code, passes.copy_propagation, passes.constant_folding, passes.cse]))
def test_idempotent_passes(c: Circuit, p) -> None:
    once = p(c)
    assert p(once) == once, p.__name__


@settings(max_examples=100, deadline=None)
@given(random_circuits())
def test_dead_code_keeps_only_live_gates(c: Circuit) -> None:
    out = passes.dead_code(c)
    # Every gate is reachable from an output through operands its op depends on.
    live = set(out.outputs)
    for k in range(len(out.gates) - 1, -1, -1):
        node = out.n_inputs + k
        assert node in live, f"gate {k} is dead"
        g = out.gates[k]
        da, db = G.depends_on(g.op)
        live |= {g.a} if da else set()
        live |= {g.b} if db else set()


@settings(max_examples=150, deadline=None)
@given(random_circuits(max_gates=60))
def test_optimize_is_exact_clean_and_a_fixed_point(c: Circuit) -> None:
    res = optimize(c)
    out = res.circuit
    assert same_function(c, out)
    assert len(out) <= len(c)
    assert all(s.n_gates == len(s.circuit) for s in res.stages)
    assert all(same_function(c, s.circuit) for s in res.stages)
    # Clean: no copies, no dead gates, no constant except as an output, and stable.
    assert passes.dead_code(out) == out
    assert not any(g.op in G.PASS_THROUGH for g in out.gates)
    consts = {out.n_inputs + k for k, g in enumerate(out.gates) if g.op in G.CONSTANT}
    assert consts <= set(out.outputs)
    for g in out.gates:
        assert g.a not in consts and g.b not in consts
    assert optimize(out).circuit == out


@settings(max_examples=50, deadline=None)
@given(random_circuits())
def test_optimize_against_an_explicit_table(c: Circuit) -> None:
    table = c.truth_table()
    res = optimize(c, table)
    assert np.array_equal(res.circuit.truth_table(), table)


# -- specific simplifications -----------------------------------------------------------


def test_and_with_true_constant_is_a_wire() -> None:
    # x0 AND TRUE -> x0, so the output becomes the input itself.
    c = c_of(2, [(G.TRUE, 0, 1), (G.AND, 0, 2)], [3])
    out = passes.constant_folding(c)
    assert out.gates == () and out.outputs == (0,)


def test_x_xor_x_is_one_false_gate() -> None:
    c = c_of(2, [(G.XOR, 1, 1)], [2])
    out = passes.constant_folding(c)
    assert out.gates == (Gate(G.FALSE, 0, 0),) and out.outputs == (2,)


@pytest.mark.parametrize(("op", "expect"), [
    (G.AND, None), (G.OR, "1"), (G.XOR, "not"), (G.NAND, "not"), (G.XNOR, None),
])
def test_fixing_a_true_input(op: int, expect: str | None) -> None:
    # op(x0, TRUE): AND → x0, OR → 1, XOR → ¬x0, NAND → ¬x0, XNOR → x0.
    c = c_of(1, [(G.TRUE, 0, 0), (op, 0, 1)], [2])
    out = passes.constant_folding(c)
    if expect is None:
        assert out.gates == () and out.outputs == (0,)
    elif expect == "1":
        assert out.gates == (Gate(G.TRUE, 0, 0),)
    else:
        assert out.gates == (Gate(G.NOT_A, 0, 0),)
    assert same_function(c, out)


def test_complementary_inputs_and_double_negation() -> None:
    # x AND NOT x = 0; NOT NOT x = x.
    c = c_of(1, [(G.NOT_B, 0, 0), (G.AND, 0, 1), (G.NOT_A, 1, 0)], [2, 3])
    out = passes.constant_folding(c)
    assert out.outputs[1] == 0
    assert out.gates == (Gate(G.FALSE, 0, 0),)


@pytest.mark.parametrize("op", range(16))
def test_complementary_inputs_every_op(op: int) -> None:
    # op(x, ¬x) and op(¬x, x) are functions of x alone: at most the NOT survives.
    c = c_of(1, [(G.NOT_A, 0, 0), (op, 0, 1), (op, 1, 0)], [2, 3])
    out = passes.constant_folding(c)
    assert same_function(c, out)
    assert not any(g.a != g.b for g in out.gates)


def test_cse_merges_commutative_gates() -> None:
    c = c_of(2, [(G.AND, 0, 1), (G.AND, 1, 0), (G.XOR, 2, 3)], [4, 2])
    out = passes.cse(c)
    assert len(out) == 2  # AND(a,b), XOR(n, n) — folding that is constant folding's job
    assert out.gates[0] == Gate(G.AND, 0, 1)
    assert same_function(c, out)


def test_cse_knows_the_swap_equivalence() -> None:
    c = c_of(2, [(G.A_AND_NOT_B, 0, 1), (G.NOT_A_AND_B, 1, 0)], [2, 3])
    out = passes.cse(c)
    assert len(out) == 1 and out.outputs == (2, 2)
    assert same_function(c, out)


def test_cse_merges_nots_with_different_ignored_operands() -> None:
    c = c_of(3, [(G.NOT_A, 0, 1), (G.NOT_A, 0, 2), (G.NOT_B, 2, 0)], [3, 4, 5])
    out = passes.cse(c)
    assert out.gates == (Gate(G.NOT_A, 0, 0),) and out.outputs == (3, 3, 3)


@pytest.mark.parametrize(("gate_list", "expect"), [
    # AND(x, ¬y) → A_AND_NOT_B(x, y)
    ([(G.NOT_A, 1, 1), (G.AND, 0, 2)], Gate(G.A_AND_NOT_B, 0, 1)),
    # AND(¬x, y) → NOT_A_AND_B(x, y)
    ([(G.NOT_A, 0, 0), (G.AND, 2, 1)], Gate(G.NOT_A_AND_B, 0, 1)),
    # XOR(¬x, y) → XNOR(x, y)
    ([(G.NOT_A, 0, 0), (G.XOR, 2, 1)], Gate(G.XNOR, 0, 1)),
    # ¬AND(x, y), the AND used once → NAND(x, y)
    ([(G.AND, 0, 1), (G.NOT_A, 2, 2)], Gate(G.NAND, 0, 1)),
    # ¬XOR → XNOR; ¬OR → NOR
    ([(G.XOR, 0, 1), (G.NOT_B, 0, 2)], Gate(G.XNOR, 0, 1)),
    ([(G.OR, 0, 1), (G.NOT_A, 2, 0)], Gate(G.NOR, 0, 1)),
    # OR(¬x, ¬y) → NAND(x, y)
    ([(G.NOT_A, 0, 0), (G.NOT_A, 1, 1), (G.OR, 2, 3)], Gate(G.NAND, 0, 1)),
])
def test_not_absorption(gate_list, expect: Gate) -> None:
    c = c_of(2, gate_list, [2 + len(gate_list) - 1])
    out = passes.not_absorption(c)
    assert out.gates == (expect,)
    assert same_function(c, out)


def test_not_of_a_shared_gate_is_not_absorbed() -> None:
    # The AND is also an output, so ¬AND cannot become NAND without duplicating it.
    c = c_of(2, [(G.AND, 0, 1), (G.NOT_A, 2, 2)], [2, 3])
    assert passes.not_absorption(c) == c


def test_copy_propagation_forwards_to_users_and_outputs() -> None:
    c = c_of(2, [(G.A, 0, 1), (G.B, 0, 2), (G.XOR, 3, 1)], [4, 3])
    out = passes.copy_propagation(c)
    assert out.gates == (Gate(G.XOR, 0, 1),) and out.outputs == (2, 0)


def test_optimize_records_every_pass_and_rows() -> None:
    c = c_of(2, [(G.A, 0, 1), (G.AND, 1, 2), (G.AND, 0, 1), (G.NOT_A, 4, 4)], [5])
    res = optimize(c)
    names = [s.name for s in res.stages]
    assert names[:6] == ["dead code", "copy propagation", "constant folding", "CSE",
                         "NOT absorption", "dead code"]
    assert res.circuit.gates == (Gate(G.NAND, 0, 1),)
    head, rows = stage_table(res.all_stages(), table=c.truth_table()[:, 0])
    assert head[:4] == ["stage", "gates", "depth", "wrong"] and rows[0][:2] == ["input", 4]
    assert all(len(r) == len(head) for r in rows)
    assert all(r[3] == 0 for r in rows)  # every stage exact
    assert rows[-1][1] == 1 and rows[-1][head.index("NAND")] == 1
    head, _ = stage_table(res.stages, symbols=True, depth=False)
    assert head[:2] == ["stage", "gates"] and "¬(a ∧ b)" in head


def test_optimize_rejects_a_wrong_table() -> None:
    c = c_of(2, [(G.AND, 0, 1)], [2])
    with pytest.raises(CircuitError, match="wrong on output"):
        optimize(c, np.array([0, 0, 0, 0]))
    with pytest.raises(CircuitError, match="shape"):
        optimize(c, np.zeros(8))


def test_optimize_catches_a_broken_pass() -> None:
    def broken(c: Circuit) -> Circuit:
        return Circuit(c.n_inputs, tuple(Gate(G.OR, g.a, g.b) for g in c.gates), c.outputs)

    c = c_of(2, [(G.AND, 0, 1)], [2])
    with pytest.raises(CircuitError, match="after broken"):
        optimize(c, passes=[("broken", broken)])


def test_count_ops_cpu() -> None:
    c = c_of(2, [(G.NAND, 0, 1), (G.A_AND_NOT_B, 0, 1), (G.XNOR, 0, 1), (G.A, 0, 1),
                 (G.TRUE, 0, 0), (G.NOT_A, 0, 0), (G.OR, 0, 1)], [2, 3, 4, 5, 6, 7, 8])
    assert c.cpu_ops() == {"and": 2, "or": 1, "xor": 1, "not": 4, "total": 8}
    assert c.cpu_ops(andn=True) == {
        "and": 1, "or": 1, "xor": 1, "not": 3, "andn": 1, "total": 7}


# -- the handmade Life circuit -----------------------------------------------------------


def test_handmade_life_is_exact() -> None:
    c = handmade_life()
    assert c.n_inputs == 9 and len(c.outputs) == 1
    assert verify(c, rules.LIFE.table) == 0
    assert len(c) == 28
    # Not accidentally Life-like: it differs from HighLife (B36/S23).
    assert verify(c, rules.parse("B36/S23").table) > 0


def pad(c: Circuit, seed: int) -> Circuit:
    """``c`` with redundant copies, duplicates, swapped duplicates, constants and double
    negations wrapped around every operand — the function is unchanged."""
    rng = random.Random(seed)
    b = Builder(c.input_names)
    true = b.gate(G.TRUE, 0, 1)
    false = b.gate(G.XOR, 2, 2)
    node = list(range(c.n_inputs))

    def wrap(x: int) -> int:
        for _ in range(rng.randint(0, 3)):
            kind = rng.randrange(6)
            if kind == 0:
                x = b.gate(G.A, x, rng.randrange(x + 1))
            elif kind == 1:
                x = b.gate(G.B, rng.randrange(x + 1), x)
            elif kind == 2:
                x = b.gate(G.AND, true, x)
            elif kind == 3:
                x = b.gate(G.OR, x, false)
            elif kind == 4:
                x = b.gate(G.NOT_A, b.gate(G.NOT_B, 0, x), 3)
            else:
                x = b.gate(G.XNOR, x, b.gate(G.NAND, false, x))  # x XNOR 1
        return x

    for g in c.gates:
        x, y = wrap(node[g.a]), wrap(node[g.b])
        first = b.gate(g.op, x, y)
        second = b.gate(G.swap_inputs(g.op), y, x)  # a duplicate, mirrored
        node.append(rng.choice([first, second]))
    outs = tuple(wrap(node[o]) for o in c.outputs)
    return b.build(outs, c.output_names)


@pytest.mark.parametrize("seed", range(5))
def test_optimize_strips_padding_from_handmade_life(seed: int) -> None:
    ref = handmade_life()
    padded = pad(ref, seed)
    assert verify(padded, rules.LIFE.table) == 0
    assert len(padded) > 2 * len(ref)
    res = optimize(padded, rules.LIFE.table)
    assert verify(res.circuit, rules.LIFE.table) == 0
    assert len(res.circuit) <= len(ref)
    assert len(res.circuit) == len(optimize(ref).circuit)

"""The C emitter: structure of the header, and the emitted text evaluated as real C."""

from __future__ import annotations

import re
import shutil
import subprocess

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from _circuits import random_table, table_circuit
from gatenet import gates, rules
from gatenet.emit.c import default_name, emit_c, emitted_ops, live_gates, rule_name
from gatenet.ir.circuit import Circuit, Gate
from gatenet.ir.netlist import exhaustive_inputs
from gatenet.runtime import native

LIFE = table_circuit(rules.LIFE.table, rule="B3/S23", seed=42)


def jit_truth_table(circuit: Circuit) -> np.ndarray:
    """All 512 patterns through the JIT-compiled C: 8 calls of 64 patterns each."""
    f = native.jit_circuit(circuit)
    packed = exhaustive_inputs(circuit.n_inputs)  # bit p of input i = input i on pattern p
    out = np.zeros(1 << circuit.n_inputs, dtype=np.uint8)
    for k in range(len(out) // 64):
        words = [(v >> (64 * k)) & (2**64 - 1) for v in packed]
        got = f(words)
        out[64 * k : 64 * k + 64] = [(got >> j) & 1 for j in range(64)]
    return out


def test_header_structure() -> None:
    text = emit_c(LIFE)
    name = default_name(LIFE)
    assert f"static inline cell {name}(const cell in[9])" in text
    guard = f"{name.upper()}_H_"
    assert f"#ifndef {guard}" in text and f"#define {guard}" in text
    assert text.rstrip().endswith(f"#endif /* {guard} */")
    assert "rule:    B3/S23" in text and "seed" not in text  # metadata never reaches the C
    for op, count in LIFE.op_counts().items():
        assert f"{op} {count}" in text
    body = [ln for ln in text.splitlines() if ln.startswith("    cell g")]
    two_input = [g for g in LIFE.gates if all(gates.DEPENDS[g.op])]
    assert len(body) == len(two_input)  # one line per two-input gate; copies and NOTs are free


def test_only_bitwise_operators() -> None:
    text = emit_c(table_circuit(random_table(3)))
    code = re.sub(r"/\*.*?\*/", "", text, flags=re.S)
    code = "\n".join(ln for ln in code.splitlines() if not ln.startswith("#"))
    exprs = re.findall(r"=\s*([^;]*);", code)
    assert exprs
    for e in exprs:
        assert re.fullmatch(r"[\w\[\]\s&|^~()]+", e), e


def test_custom_name_and_bad_names() -> None:
    assert "static inline cell conway(const cell in[9])" in emit_c(LIFE, name="conway")
    for bad in ("1abc", "a-b", "", "x y"):
        with pytest.raises(ValueError, match="not a valid name"):
            emit_c(LIFE, name=bad)


def test_multi_output_rejected() -> None:
    c = Circuit(2, (Gate(gates.AND, 0, 1),), (2, 0))
    with pytest.raises(ValueError, match="1-output"):
        emit_c(c)


def test_rule_name() -> None:
    assert rule_name(LIFE) == "B3/S23"
    assert rule_name(table_circuit(rules.parse("B36/S23").table)) == "B36/S23"
    t = random_table(7)
    assert rule_name(table_circuit(t)) == rules.to_map(t)
    with pytest.raises(ValueError, match="9 inputs"):
        rule_name(Circuit(2, (Gate(gates.AND, 0, 1),), (2,)))


def test_rule_comes_from_the_truth_table_not_the_metadata() -> None:
    text = emit_c(LIFE.with_meta(rule="B36/S23 */ system(\"x\"); /*"))
    assert "rule:    B3/S23\n" in text and "B36" not in text and "system" not in text


def test_dead_gates_omitted() -> None:
    c = Circuit(9, (Gate(gates.XOR, 0, 1), Gate(gates.AND, 2, 3)), (9,))
    assert live_gates(c) == [True, False]
    text = emit_c(c)
    assert "g1" not in text and "1 dead gates omitted" in text
    assert c.cpu_ops() == {"and": 0, "or": 0, "xor": 1, "not": 0, "total": 1}


@pytest.mark.parametrize(
    "table",
    [rules.LIFE.table, rules.parse("B36/S23").table, random_table(1), random_table(2),
     np.zeros(512, np.uint8), np.ones(512, np.uint8)],
    ids=["life", "highlife", "random1", "random2", "zero", "ones"],
)
def test_jit_matches_truth_table(table: np.ndarray) -> None:
    c = table_circuit(table)
    assert np.array_equal(jit_truth_table(c), table)


def test_jit_is_idempotent_and_checks_arity() -> None:
    assert native.jit_circuit(LIFE) is native.jit_circuit(LIFE)
    with pytest.raises(ValueError, match="9 input words"):
        native.jit_circuit(LIFE)([1, 2, 3])


@st.composite
def random_circuits(draw: st.DrawFn) -> Circuit:
    n_gates = draw(st.integers(1, 25))
    gs = []
    for k in range(n_gates):
        node = 9 + k
        gs.append(Gate(draw(st.integers(0, 15)), draw(st.integers(0, node - 1)),
                       draw(st.integers(0, node - 1))))
    return Circuit(9, tuple(gs), (draw(st.integers(0, 9 + n_gates - 1)),))


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(random_circuits())
def test_jit_random_circuits(c: Circuit) -> None:
    """Every op, every wiring (including outputs that are inputs) renders to correct C."""
    assert np.array_equal(jit_truth_table(c), c.truth_table()[:, 0])


@settings(max_examples=60, deadline=None)
@given(random_circuits())
def test_polarity_assignment_costs_one_operation_per_gate(c: Circuit) -> None:
    """Each live two-input gate is one ``&``, ``|`` or ``^`` (with at most one operand
    complemented, as ``andn`` does), copies and NOTs cost nothing, and at most the output
    needs a NOT: what the emitter promises, checked on random circuits of every op."""
    text = emit_c(c)
    lines = [ln.split("/*")[0] for ln in text.splitlines() if ln.startswith("    cell g")]
    live = [g for g, alive in zip(c.gates, live_gates(c), strict=True) if alive]
    assert len(lines) == sum(all(gates.DEPENDS[g.op]) for g in live)
    for ln in lines:
        rhs = ln.split("=", 1)[1]
        assert len(re.findall(r"[&|^]", rhs)) == 1 and rhs.count("~") <= 1, ln
        assert "~" not in rhs or "&" in rhs, ln  # a complement only inside an and-not
    ret = re.search(r"return (.*);", text).group(1)
    assert ret.count("~") <= 1 and not re.search(r"[&|^]", ret)
    assert emitted_ops(c) == len(lines) + ret.count("~")


_VECTOR_MAIN = r"""
#include <stdint.h>
#include <stdio.h>
typedef uint64_t cell __attribute__((vector_size(32)));
#include "circuit.h"
int main(void) {
    uint64_t seed = 88172645463325252ULL;
    for (int round = 0; round < 100; round++) {
        cell in[9];
        for (int i = 0; i < 9; i++)
            for (int lane = 0; lane < 4; lane++) {
                seed ^= seed << 13; seed ^= seed >> 7; seed ^= seed << 17;
                in[i][lane] = seed;
            }
        cell out = gatenet_circuit(in);
        for (int lane = 0; lane < 4; lane++) {
            printf("%llu", (unsigned long long)out[lane]);
            for (int i = 0; i < 9; i++) printf(" %llu", (unsigned long long)in[i][lane]);
            printf("\n");
        }
    }
    return 0;
}
"""


@pytest.mark.skipif(shutil.which("gcc") is None, reason="needs gcc")
def test_same_text_compiles_for_gcc_vector_cells(tmp_path) -> None:
    """The header is valid for `cell` = 4×uint64 GCC vectors, warning-free, and lane-exact."""
    for table in (random_table(11), np.zeros(512, np.uint8), np.ones(512, np.uint8)):
        c = table_circuit(table)
        (tmp_path / "circuit.h").write_text(emit_c(c, name="gatenet_circuit"))
        (tmp_path / "main.c").write_text(_VECTOR_MAIN)
        exe = tmp_path / "main"
        subprocess.run(
            ["gcc", "-O1", "-Wall", "-Wextra", "-Werror", "-Wno-psabi", "-std=gnu11",
             "-I", str(tmp_path), str(tmp_path / "main.c"), "-o", str(exe)],
            check=True, capture_output=True, text=True,
        )
        lines = subprocess.run([str(exe)], check=True, capture_output=True, text=True).stdout
        mask = 2**64 - 1
        for ln in lines.splitlines():
            out, *ins = (int(v) for v in ln.split())
            assert out == c.evaluate(ins, mask)[0]


def test_cli_emit(tmp_path, capsys) -> None:
    from gatenet.__main__ import main

    LIFE.save(tmp_path / "life.json")
    out = tmp_path / "life.h"
    assert main(["emit", str(tmp_path / "life.json"), "--target", "c", "--out", str(out)]) == 0
    assert out.read_text() == emit_c(LIFE, name="gatenet_circuit")
    assert "static inline cell gatenet_circuit(const cell in[9])" in out.read_text()
    assert main(["emit", str(tmp_path / "life.json"), "--name", "conway"]) == 0
    assert capsys.readouterr().out == emit_c(LIFE, name="conway")
    assert main(["emit", str(tmp_path / "missing.json")]) == 2
    assert "cannot read" in capsys.readouterr().err

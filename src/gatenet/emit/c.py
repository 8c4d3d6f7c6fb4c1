"""Emit a Circuit as a C header: one ``static inline`` function over a ``cell`` type.

The generated function uses only ``& | ^ ~`` on values of type ``cell``, which the *includer*
defines. With ``typedef uint64_t cell;`` one call evaluates the rule on 64 cells; with a GCC
vector type (``typedef uint64_t cell __attribute__((vector_size(32)));``) on 256. The text
is therefore the same for every runtime, and the compiler inlines it into the step loop.

Constants are spelled ``in[0] ^ in[0]`` (zero) and ``~zero`` (ones), which are valid for
scalars and vectors alike — a literal ``0`` is not a vector.

The function name defaults to ``gatenet_circuit_<content hash>`` so two circuits can live
in one process (cppyy JIT-compiles everything into one namespace); a compile unit that wants
the generic name adds ``#define gatenet_circuit gatenet_circuit_<hash>``.
"""

from __future__ import annotations

import re
from collections import Counter

import numpy as np

from gatenet import gates, rules
from gatenet.circuit import Circuit

_IDENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")

#: Basic operations each gate costs (the write-up's and/or/xor/not tally).
_BASIC_OPS: dict[int, dict[str, int]] = {
    gates.FALSE: {}, gates.AND: {"and": 1}, gates.A_AND_NOT_B: {"and": 1, "not": 1},
    gates.A: {}, gates.NOT_A_AND_B: {"and": 1, "not": 1}, gates.B: {},
    gates.XOR: {"xor": 1}, gates.OR: {"or": 1}, gates.NOR: {"or": 1, "not": 1},
    gates.XNOR: {"xor": 1, "not": 1}, gates.NOT_B: {"not": 1},
    gates.A_OR_NOT_B: {"or": 1, "not": 1}, gates.NOT_A: {"not": 1},
    gates.NOT_A_OR_B: {"or": 1, "not": 1}, gates.NAND: {"and": 1, "not": 1}, gates.TRUE: {},
}  # fmt: skip


def default_name(circuit: Circuit) -> str:
    """The function name used when none is given: unique per circuit structure."""
    return f"gatenet_circuit_{circuit.content_hash()}"


def rule_name(circuit: Circuit) -> str:
    """A human name for the rule a 9-input circuit computes.

    ``B…/S…`` when the truth table is outer totalistic (checked, not trusted from metadata),
    otherwise the Golly ``MAP`` string. Used in headers and by ``Board.rule``.
    """
    if circuit.n_inputs != 9 or len(circuit.outputs) != 1:
        raise ValueError(
            f"a rule circuit has 9 inputs and 1 output, got {circuit.n_inputs} and "
            f"{len(circuit.outputs)}"
        )
    table = circuit.truth_table()[:, 0]
    counts, centres = rules.neighbour_counts(), rules.centers()
    birth = {int(n) for n in range(9) if table[(counts == n) & (centres == 0)].all()}
    survive = {int(n) for n in range(9) if table[(counts == n) & (centres == 1)].all()}
    if np.array_equal(rules.totalistic_table(birth, survive), table):
        return "B" + "".join(map(str, sorted(birth))) + "/S" + "".join(map(str, sorted(survive)))
    return rules.to_map(table)


def live_gates(circuit: Circuit) -> list[bool]:
    """Which gates some output depends on. Dead gates are not emitted (-Wunused clean)."""
    n = circuit.n_inputs
    live = [False] * circuit.n_nodes
    for o in circuit.outputs:
        live[o] = True
    for k in range(len(circuit.gates) - 1, -1, -1):
        if live[n + k]:
            g = circuit.gates[k]
            uses_a, uses_b = gates.depends_on(g.op)
            live[g.a] |= uses_a
            live[g.b] |= uses_b
    return live[n:]


def basic_op_counts(circuit: Circuit) -> dict[str, int]:
    """and/or/xor/not operations in the emitted (live) code, as tallied in the write-up."""
    total: Counter[str] = Counter()
    for g, live in zip(circuit.gates, live_gates(circuit), strict=True):
        if live:
            total.update(_BASIC_OPS[g.op])
    return {k: total[k] for k in ("and", "or", "xor", "not")}


def emit_c(circuit: Circuit, name: str | None = None) -> str:
    """The circuit as a self-contained C header defining ``static inline cell name(in)``.

    ``in`` has ``circuit.n_inputs`` entries in the circuit's input order (for rules:
    NW, N, NE, W, C, E, SW, S, SE). Only single-output circuits are supported: the runtime
    needs exactly one next-state bit per cell.
    """
    if len(circuit.outputs) != 1:
        raise ValueError(f"the C emitter needs a 1-output circuit, got {len(circuit.outputs)}")
    if circuit.n_inputs < 1:
        raise ValueError("the C emitter needs at least one input")
    name = default_name(circuit) if name is None else name
    if not _IDENT.match(name):
        raise ValueError(f"{name!r} is not a valid C identifier")

    n = circuit.n_inputs
    live = live_gates(circuit)

    def ref(node: int) -> str:
        return f"in[{node}]" if node < n else f"g{node - n}"

    body: list[str] = []
    for k, g in enumerate(circuit.gates):
        if live[k]:
            body.append(
                f"    const cell g{k} = "
                f"{gates.expr(g.op, ref(g.a), ref(g.b), zero='zero', ones='~zero')};"
                f"  /* {gates.NAMES[g.op]} */"
            )
    out = circuit.outputs[0]
    ret = ref(out)
    if any(re.search(r"\bzero\b", line) for line in body):
        body.insert(0, "    const cell zero = in[0] ^ in[0];  /* all-zero cell, any cell type */")

    guard = f"{name.upper()}_H_"
    ops = circuit.op_counts()
    n_live = sum(live)
    header = [
        f"/* {name} — generated by gatenet.emit.c; do not edit.",
        " *",
        f" * rule:    {_comment_safe(_describe_rule(circuit))}",
        f" * seed:    {_comment_safe(str(circuit.meta.get('seed', 'n/a')))}",
        f" * circuit: {circuit.content_hash()}, {n} inputs, {n_live} live gates"
        + (f" ({len(circuit.gates) - n_live} dead gates omitted)" if n_live < len(live) else ""),
        f" * gates:   {_comment_safe(', '.join(f'{k} {v}' for k, v in ops.items()) or 'none')}",
        " * ops:     " + ", ".join(f"{k} {v}" for k, v in basic_op_counts(circuit).items()),
        f" * inputs:  {', '.join(f'in[{i}]={s}' for i, s in enumerate(circuit.input_names))}",
        " *",
        " * The includer defines `cell` (uint64_t, or a GCC vector of uint64_t) before",
        " * including this file; every operation is bitwise, so each bit is one cell.",
        " */",
        f"#ifndef {guard}",
        f"#define {guard}",
        "",
        f"static inline cell {name}(const cell in[{n}])",
        "{",
        *body,
        f"    return {ret};  /* {_comment_safe(circuit.output_names[0])} */",
        "}",
        "",
        f"#endif /* {guard} */",
        "",
    ]
    return "\n".join(header)


def _describe_rule(circuit: Circuit) -> str:
    declared = circuit.meta.get("rule")
    if circuit.n_inputs != 9:
        return str(declared) if declared else "n/a (not a 3x3 rule circuit)"
    computed = rule_name(circuit)
    if declared and str(declared) != computed:
        return f"{computed} (meta says {declared})"
    return computed


def _comment_safe(text: str) -> str:
    """Text that cannot end the C comment it is placed in."""
    return text.replace("*/", "* /").replace("\n", " ")

"""The sixteen two-input logic gates, their truth tables and their continuous relaxations.

The order is the one used by the write-up we follow (and by Petersen et al. 2022):
gate ``i`` outputs bit ``3 - (2a + b)`` of ``i``, so ``AND`` is 1 (0b0001), ``XOR`` is 6
(0b0110) and ``TRUE`` is 15. Every other module refers to gates by these indices, so this
table is the single source of truth for what an op number means.

Every relaxation is a bilinear polynomial ``c0 + c1·a + c2·b + c3·a·b`` (the unique
multilinear extension of the gate's truth table). Training uses that fact: a softmax over
16 logits times the fixed ``16 × 4`` matrix :data:`COEFFS` gives four coefficients per
gate, which is far cheaper than evaluating all sixteen relaxations.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

N_GATES = 16


def _check_op(op: int) -> None:
    if not isinstance(op, int | np.integer) or not 0 <= int(op) < N_GATES:
        raise ValueError(f"gate op must be an integer in 0..15, got {op!r}")

#: Short identifiers, usable in code and JSON.
NAMES: tuple[str, ...] = (
    "FALSE", "AND", "A_AND_NOT_B", "A", "NOT_A_AND_B", "B", "XOR", "OR",
    "NOR", "XNOR", "NOT_B", "A_OR_NOT_B", "NOT_A", "NOT_A_OR_B", "NAND", "TRUE",
)  # fmt: skip

#: Human-readable formulas, as printed in tables and figures.
SYMBOLS: tuple[str, ...] = (
    "0", "a ∧ b", "a ∧ ¬b", "a", "¬a ∧ b", "b", "a ⊕ b", "a ∨ b",
    "¬(a ∨ b)", "¬(a ⊕ b)", "¬b", "a ∨ ¬b", "¬a", "¬a ∨ b", "¬(a ∧ b)", "1",
)  # fmt: skip

#: Relaxations written out the way a person derives them (the write-up's table).
RELAXATIONS: tuple[str, ...] = (
    "0", "a·b", "a − a·b", "a", "b − a·b", "b", "a + b − 2·a·b", "a + b − a·b",
    "1 − (a + b − a·b)", "1 − (a + b − 2·a·b)", "1 − b", "1 − b + a·b", "1 − a",
    "1 − a + a·b", "1 − a·b", "1",
)  # fmt: skip

FALSE, AND, A_AND_NOT_B, A, NOT_A_AND_B, B, XOR, OR = range(8)
NOR, XNOR, NOT_B, A_OR_NOT_B, NOT_A, NOT_A_OR_B, NAND, TRUE = range(8, 16)

#: Gates whose output does not depend on the order of their inputs.
COMMUTATIVE = frozenset({FALSE, AND, XOR, OR, NOR, XNOR, NAND, TRUE})
#: Gates that copy one input unchanged.
PASS_THROUGH = frozenset({A, B})
CONSTANT = frozenset({FALSE, TRUE})


def truth(op: int, a: int, b: int) -> int:
    """Output of gate ``op`` on the bits ``a`` and ``b``."""
    _check_op(op)
    return (op >> (3 - (2 * a + b))) & 1


#: TRUTH[op, a, b] — the truth table of every gate as a 16 × 2 × 2 array.
TRUTH = np.array(
    [[[truth(op, a, b) for b in (0, 1)] for a in (0, 1)] for op in range(N_GATES)],
    dtype=np.uint8,
)


def _coefficients() -> np.ndarray:
    f = TRUTH.astype(np.float32)
    f00, f01, f10, f11 = f[:, 0, 0], f[:, 0, 1], f[:, 1, 0], f[:, 1, 1]
    return np.stack([f00, f10 - f00, f01 - f00, f11 - f10 - f01 + f00], axis=1)


#: COEFFS[op] = (c0, c1, c2, c3) with relaxation(a, b) = c0 + c1·a + c2·b + c3·a·b.
COEFFS: np.ndarray = _coefficients()


def relax(op: int, a, b):
    """The continuous relaxation of gate ``op`` at real inputs ``a``, ``b`` in [0, 1].

    Works on Python floats, numpy arrays and JAX arrays alike.
    """
    _check_op(op)
    c0, c1, c2, c3 = (float(c) for c in COEFFS[op])
    return c0 + c1 * a + c2 * b + c3 * a * b


def relax_all(a, b, xp=np):
    """All sixteen relaxations stacked on a new leading axis (the slow, explicit form)."""
    ab = a * b
    one = xp.ones_like(a)
    zero = xp.zeros_like(a)
    return xp.stack(
        [
            zero, ab, a - ab, a, b - ab, b, a + b - 2 * ab, a + b - ab,
            1 - (a + b - ab), 1 - (a + b - 2 * ab), 1 - b, 1 - b + ab, 1 - a,
            1 - a + ab, 1 - ab, one,
        ]
    )  # fmt: skip


def apply_bits(op: int, a: int, b: int, mask: int) -> int:
    """Gate ``op`` applied bitwise to two packed bit vectors (Python ints) under ``mask``.

    This is how circuits are evaluated on all 512 neighbourhoods at once.
    """
    return _BITWISE[op](a, b) & mask


_BITWISE: tuple[Callable[[int, int], int], ...] = (
    lambda a, b: 0,
    lambda a, b: a & b,
    lambda a, b: a & ~b,
    lambda a, b: a,
    lambda a, b: ~a & b,
    lambda a, b: b,
    lambda a, b: a ^ b,
    lambda a, b: a | b,
    lambda a, b: ~(a | b),
    lambda a, b: ~(a ^ b),
    lambda a, b: ~b,
    lambda a, b: a | ~b,
    lambda a, b: ~a,
    lambda a, b: ~a | b,
    lambda a, b: ~(a & b),
    lambda a, b: -1,
)

#: Expression templates in C (and Verilog, JS, numpy) syntax: ``&``, ``|``, ``^``, ``~``.
#: ``{a}`` and ``{b}`` are operand names; ``{zero}``/``{ones}`` are the constant spellings.
EXPR: tuple[str, ...] = (
    "{zero}", "{a} & {b}", "{a} & ~{b}", "{a}", "~{a} & {b}", "{b}", "{a} ^ {b}", "{a} | {b}",
    "~({a} | {b})", "~({a} ^ {b})", "~{b}", "{a} | ~{b}", "~{a}", "~{a} | {b}", "~({a} & {b})",
    "{ones}",
)  # fmt: skip


def expr(op: int, a: str, b: str, zero: str = "0", ones: str = "~0") -> str:
    """Render gate ``op`` over operand names ``a`` and ``b`` with bitwise operators."""
    _check_op(op)
    return EXPR[op].format(a=a, b=b, zero=zero, ones=ones)


def swap_inputs(op: int) -> int:
    """The op that computes the same function with its two inputs exchanged."""
    _check_op(op)
    t = [[truth(op, b, a) for b in (0, 1)] for a in (0, 1)]
    return from_truth(t[0][0], t[0][1], t[1][0], t[1][1])


def from_truth(f00: int, f01: int, f10: int, f11: int) -> int:
    """The op index whose truth table is ``f(0,0), f(0,1), f(1,0), f(1,1)``."""
    return (f00 << 3) | (f01 << 2) | (f10 << 1) | f11


def depends_on(op: int) -> tuple[bool, bool]:
    """Whether the output of ``op`` depends on input a, and on input b."""
    _check_op(op)
    t = TRUTH[op]
    return bool((t[0] != t[1]).any()), bool((t[:, 0] != t[:, 1]).any())


#: DEPENDS[op] = (whether ``op`` reads input a, whether it reads input b).
DEPENDS: tuple[tuple[bool, bool], ...] = tuple(depends_on(op) for op in range(N_GATES))

#: The basic CPU operations, named by the C operator that performs each.
BASIC_OPS: dict[str, str] = {"and": "&", "or": "|", "xor": "^", "not": "~"}


def basic_ops(op: int) -> dict[str, int]:
    """The basic operations in ``op``'s C expression (:data:`EXPR`): ``NAND`` = ``~(a & b)``
    is one and + one not, ``A_AND_NOT_B`` = ``a & ~b`` likewise; copies and constants cost
    nothing. The write-up tallies circuits this way."""
    _check_op(op)
    text = EXPR[op]
    return {name: text.count(sym) for name, sym in BASIC_OPS.items() if sym in text}

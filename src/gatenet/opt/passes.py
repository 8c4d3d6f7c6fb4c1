"""Optimisation passes: each a pure function ``Circuit -> Circuit`` that keeps every output's
truth table.

The extracted network is mostly wires (pass-through gates) and gates nothing depends on. The
write-up removes those with two passes — dead code and copy propagation — and we add the
classic next steps of a compiler's middle end, each small enough to read in one sitting:

* :func:`dead_code` — keep only what the outputs (transitively) depend on;
* :func:`copy_propagation` — forward ``A``/``B`` gates to their users;
* :func:`constant_folding` — constants, ``x op x``, ``x op ¬x``, double negation;
* :func:`cse` — merge gates computing the same op on the same inputs (up to input order);
* :func:`not_absorption` — fold ``NOT`` gates into their neighbours, since every function of
  two inputs with one of them negated is again one of the sixteen ops.

:func:`gatenet.opt.optimize.optimize` runs them in the write-up's order and then to a fixed
point, verifying the circuit exhaustively after every pass.

Conventions (every pass emits these forms, every pass accepts any form):

* ``NOT x`` is written ``Gate(NOT_A, x, x)``: the unused operand repeats the used one, so it
  can never keep an unrelated node alive.
* A constant is ``Gate(FALSE, 0, 0)`` or ``Gate(TRUE, 0, 0)`` and is only materialised where
  an output needs it — every gate with a constant input simplifies away.
* Operands a gate's op ignores are normalised the same way (``b := a`` if the op ignores
  ``b``, ``a := b`` if it ignores ``a``, both ``0`` for constants).

All passes are a constant number of linear sweeps over the gate list, so a 2600-gate raw
network takes milliseconds per pass.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from gatenet import gates
from gatenet.ir.circuit import Circuit, Gate

__all__ = [
    "DEFAULT_PIPELINE",
    "PRELUDE",
    "Pass",
    "constant_folding",
    "copy_propagation",
    "cse",
    "dead_code",
    "not_absorption",
]

Pass = Callable[[Circuit], Circuit]

# -- op algebra: everything derived from the truth tables, nothing hand-listed ------------


def _negate_a(op: int) -> int:
    """The op ``op'`` with ``op'(x, y) == op(¬x, y)``."""
    t = gates.TRUTH[op]
    return gates.from_truth(int(t[1, 0]), int(t[1, 1]), int(t[0, 0]), int(t[0, 1]))


def _negate_b(op: int) -> int:
    """The op ``op'`` with ``op'(x, y) == op(x, ¬y)``."""
    t = gates.TRUTH[op]
    return gates.from_truth(int(t[0, 1]), int(t[0, 0]), int(t[1, 1]), int(t[1, 0]))


def _complement(op: int) -> int:
    """The op computing ``¬op(a, b)``: every truth-table bit flipped."""
    return op ^ 0b1111


NEGATE_A = tuple(_negate_a(op) for op in range(gates.N_GATES))
NEGATE_B = tuple(_negate_b(op) for op in range(gates.N_GATES))
SWAP = tuple(gates.swap_inputs(op) for op in range(gates.N_GATES))


def _normalise_unused(op: int, a: int, b: int) -> tuple[int, int]:
    """Operands with the ones ``op`` ignores replaced (see the module's conventions)."""
    dep_a, dep_b = gates.DEPENDS[op]
    if not dep_a and not dep_b:
        return 0, 0
    if not dep_b:
        return a, a
    if not dep_a:
        return b, b
    return a, b


def _not_source(g: Gate) -> int | None:
    """The node ``g`` negates, if ``g`` is a NOT gate (``NOT_A`` or ``NOT_B``), else None."""
    if g.op == gates.NOT_A:
        return g.a
    if g.op == gates.NOT_B:
        return g.b
    return None


def _rebuild(c: Circuit, gate_list: Sequence[Gate], outputs: Sequence[int]) -> Circuit:
    """A circuit like ``c`` (same names and metadata) with new gates and outputs."""
    return Circuit(
        c.n_inputs, tuple(gate_list), tuple(outputs), c.input_names, c.output_names, c.meta
    )


# -- the passes ----------------------------------------------------------------------------


def dead_code(c: Circuit) -> Circuit:
    """Drop every gate no output depends on, and renumber.

    A backward sweep marks what the outputs need, like the write-up's ``ext_elim`` — except
    that a gate only needs the operands its op actually reads (``NOT_A`` ignores ``b``),
    and the ignored operands are normalised so they cannot keep anything alive later.
    """
    n = c.n_inputs
    live = c.live_nodes()
    new_id = list(range(n)) + [-1] * len(c.gates)
    kept: list[Gate] = []
    for k, g in enumerate(c.gates):
        if live[n + k]:
            a, b = _normalise_unused(g.op, new_id[g.a], new_id[g.b])
            new_id[n + k] = n + len(kept)
            kept.append(Gate(g.op, a, b))
    return _rebuild(c, kept, [new_id[o] for o in c.outputs])


def copy_propagation(c: Circuit) -> Circuit:
    """Forward pass-through gates (``A`` → its ``a``, ``B`` → its ``b``) to their users.

    The write-up's ``ext_copy_prop``: one forward sweep with a rename table. Outputs are
    renamed too, so an output may end up naming an input directly. Ends with
    :func:`dead_code`.
    """
    n = c.n_inputs
    rename = list(range(n))
    kept: list[Gate] = []
    for g in c.gates:
        a, b = rename[g.a], rename[g.b]
        if g.op == gates.A:
            rename.append(a)
        elif g.op == gates.B:
            rename.append(b)
        else:
            rename.append(n + len(kept))
            kept.append(Gate(g.op, a, b))
    return dead_code(_rebuild(c, kept, [rename[o] for o in c.outputs]))


# Values during constant folding: a node of the new circuit (>= 0) or one of two constants.
_C0, _C1 = -1, -2


def _fold_once(c: Circuit) -> Circuit:
    n = c.n_inputs
    kept: list[Gate] = []
    neg_of: dict[int, int] = {}  # new NOT node -> the node it negates
    not_cache: dict[int, int] = {}  # node -> new NOT node of it

    def emit(op: int, a: int, b: int) -> int:
        kept.append(Gate(op, a, b))
        return n + len(kept) - 1

    def negate(x: int) -> int:
        if x in neg_of:  # ¬¬y = y
            return neg_of[x]
        if x not in not_cache:
            node = emit(gates.NOT_A, x, x)
            neg_of[node] = x
            not_cache[x] = node
        return not_cache[x]

    def one_var(f0: int, f1: int, x: int) -> int:
        """The value of a function of one node ``x`` with f(0) = f0, f(1) = f1."""
        if f0 == f1:
            return _C1 if f0 else _C0
        return x if f1 else negate(x)

    def const(bit: int) -> int:
        return _C1 if bit else _C0

    def bit(v: int) -> int:
        return 1 if v == _C1 else 0

    t = gates.truth
    val = list(range(n))
    for g in c.gates:
        op, va, vb = g.op, val[g.a], val[g.b]
        dep_a, dep_b = gates.DEPENDS[op]
        if not dep_a:
            va = vb if dep_b else _C0  # the value of an ignored operand does not matter
        if not dep_b:
            vb = va
        if va < 0 and vb < 0:
            v = const(t(op, bit(va), bit(vb)))
        elif va < 0:
            v = one_var(t(op, bit(va), 0), t(op, bit(va), 1), vb)
        elif vb < 0:
            v = one_var(t(op, 0, bit(vb)), t(op, 1, bit(vb)), va)
        elif va == vb:
            v = one_var(t(op, 0, 0), t(op, 1, 1), va)
        elif neg_of.get(vb) == va:  # b = ¬a
            v = one_var(t(op, 0, 1), t(op, 1, 0), va)
        elif neg_of.get(va) == vb:  # a = ¬b
            v = one_var(t(op, 1, 0), t(op, 0, 1), vb)
        else:
            v = emit(op, va, vb)
        val.append(v)

    consts: dict[int, int] = {}
    outputs = []
    for o in c.outputs:
        v = val[o]
        if v < 0:
            if v not in consts:
                consts[v] = emit(gates.TRUE if v == _C1 else gates.FALSE, 0, 0)
            v = consts[v]
        outputs.append(v)
    return dead_code(_rebuild(c, kept, outputs))


def constant_folding(c: Circuit) -> Circuit:
    """Simplify gates whose function collapses to a constant, a copy or a NOT.

    Rules are computed from the op's truth table, never listed by hand: fixing a constant
    input, or tying both inputs to the same node (``x ∧ x``), or to complementary nodes
    (``x ∧ ¬x``), leaves a function of one variable — a constant, a copy or a negation.
    Copies are forwarded, double negations cancel, and a surviving constant becomes one
    ``FALSE``/``TRUE`` gate only if an output is constant. Repeats to a fixed point.
    """
    for _ in range(len(c.gates) + 2):
        nxt = _fold_once(c)
        if nxt == c:
            return nxt
        c = nxt
    return c  # pragma: no cover - each sweep strictly shrinks or stops changing


def _cse_key(op: int, a: int, b: int) -> tuple[int, int, int]:
    """A canonical ``(op, a, b)`` for the function: equal keys compute equal values.

    Ignored operands are normalised, ``x op x`` becomes its one-variable op over ``(x, x)``,
    and the inputs are ordered ``a <= b`` by swapping — ``op(a, b) == swap_inputs(op)(b, a)``
    — so commutative gates and mirrored pairs like ``A_AND_NOT_B(x, y)`` /
    ``NOT_A_AND_B(y, x)`` meet.
    """
    a, b = _normalise_unused(op, a, b)
    if a == b:
        f0, f1 = gates.truth(op, 0, 0), gates.truth(op, 1, 1)
        op = gates.from_truth(f0, f0, f1, f1)
        a, b = _normalise_unused(op, a, b)
    elif a > b:
        op, a, b = SWAP[op], b, a
    return op, a, b


def cse(c: Circuit) -> Circuit:
    """Common-subexpression elimination by hashing canonical gates (see :func:`_cse_key`).

    One forward sweep: each gate's operands are renamed to their surviving representatives,
    canonicalised, and looked up; a hit forwards the gate to the earlier equal one.
    """
    n = c.n_inputs
    rename = list(range(n))
    seen: dict[tuple[int, int, int], int] = {}
    kept: list[Gate] = []
    for g in c.gates:
        key = _cse_key(g.op, rename[g.a], rename[g.b])
        if key not in seen:
            seen[key] = n + len(kept)
            kept.append(Gate(*key))
        rename.append(seen[key])
    return dead_code(_rebuild(c, kept, [rename[o] for o in c.outputs]))


def not_absorption(c: Circuit) -> Circuit:
    """Fold NOT gates into the gates around them; never adds a gate.

    1. *Into users.* If gate ``g``'s operand is ``¬z``, then ``g(¬z, y)`` is another op over
       ``(z, y)`` (the truth table with its rows exchanged), so ``AND(x, ¬y)`` becomes
       ``A_AND_NOT_B(x, y)`` and ``XOR(¬x, y)`` becomes ``XNOR(x, y)``. A NOT whose users
       all absorb it dies; ``¬¬z`` becomes a copy of ``z`` and is forwarded.
    2. *Into its source.* ``¬g`` where ``g`` has no other user becomes the complemented op
       over ``g``'s operands (``¬AND`` → ``NAND``), and ``g`` dies.

    The objective is the gate count. (Absorbing one NOT into several users trades one ``~``
    for several fused ops such as ``a & ~b``; on x86 with BMI1 those are one ``andn``.)
    """
    c = copy_propagation(c)
    n = c.n_inputs
    # Step 1, in place: the forward order means a gate that *becomes* a NOT (a copy of a
    # NOT) is seen as one by its later users.
    gs = list(c.gates)
    for k, g in enumerate(gs):
        op, a, b = g.op, g.a, g.b
        src_a = _not_source(gs[a - n]) if a >= n else None
        if src_a is not None and gates.DEPENDS[op][0]:
            op, a = NEGATE_A[op], src_a
        src_b = _not_source(gs[b - n]) if b >= n else None
        if src_b is not None and gates.DEPENDS[op][1]:
            op, b = NEGATE_B[op], src_b
        a, b = _normalise_unused(op, a, b)
        gs[k] = Gate(op, a, b)
    c = copy_propagation(_rebuild(c, gs, c.outputs))  # forwards ¬¬z = z, drops dead NOTs

    # Step 2: every gate is live now, so use counts are exact; rewriting ¬g in place moves
    # g's operand uses to the rewritten gate, leaving all other counts unchanged.
    uses = [0] * c.n_nodes
    for g in c.gates:
        dep_a, dep_b = gates.DEPENDS[g.op]
        if dep_a:
            uses[g.a] += 1
        if dep_b and not (dep_a and g.b == g.a):
            uses[g.b] += 1
    for o in set(c.outputs):
        uses[o] += 1
    gs = list(c.gates)
    for k, g in enumerate(gs):
        src = _not_source(g)
        if src is not None and src >= n and uses[src] == 1:
            inner = gs[src - n]
            gs[k] = Gate(_complement(inner.op), *_normalise_unused(inner.op, inner.a, inner.b))
            uses[src] = 0
    return dead_code(_rebuild(c, gs, c.outputs))


#: The write-up's two passes, run once first.
PRELUDE: tuple[tuple[str, Pass], ...] = (
    ("dead code", dead_code),
    ("copy propagation", copy_propagation),
)
#: The passes repeated, in this order, until a whole round changes nothing.
DEFAULT_PIPELINE: tuple[tuple[str, Pass], ...] = (
    ("constant folding", constant_folding),
    ("CSE", cse),
    ("NOT absorption", not_absorption),
    ("dead code", dead_code),
)

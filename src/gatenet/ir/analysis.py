"""Reading structure out of a circuit: the patterns the book points at in learned circuits.

A *compare-exchange* is the pair ``a ∧ b`` and ``a ∨ b`` over the same two nodes: the two
outputs of a sorting-network element (the smaller and the larger bit). Learned Life circuits
after synthesis are full of them — the network sorts the neighbours rather than adding them.
"""

from __future__ import annotations

from gatenet import gates
from gatenet.ir.circuit import Circuit


def compare_exchanges(c: Circuit) -> list[tuple[int, int]]:
    """Every compare-exchange of ``c`` as ``(and_gate, or_gate)`` indices, in gate order of
    the AND: pairs of nodes read by both an AND and an OR gate."""
    ands: dict[frozenset[int], int] = {}
    ors: dict[frozenset[int], int] = {}
    for k, g in enumerate(c.gates):
        if g.op == gates.AND:
            ands.setdefault(frozenset((g.a, g.b)), k)
        elif g.op == gates.OR:
            ors.setdefault(frozenset((g.a, g.b)), k)
    return sorted((k, ors[pair]) for pair, k in ands.items() if pair in ors)


def describe_compare_exchange(c: Circuit, pair: tuple[int, int]) -> str:
    """A compare-exchange as two Verilog-like lines, ``g7 = nw | n and g6 = nw & n``
    (inputs by their lower-case names, gates as ``g<k>``)."""
    names = [n.lower() for n in c.input_names] + [f"g{k}" for k in range(len(c.gates))]
    and_k, or_k = pair
    a, o = c.gates[and_k], c.gates[or_k]
    return (f"g{or_k} = {names[o.a]} | {names[o.b]} and "
            f"g{and_k} = {names[a.a]} & {names[a.b]}")

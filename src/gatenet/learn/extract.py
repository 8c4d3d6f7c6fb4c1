"""From trained parameters to a discrete circuit: take the argmax gate of every neuron.

The extracted circuit is the whole network, pass-through gates and all (the "raw" stage);
:mod:`gatenet.opt.passes` then strips it down. Because the hard forward pass used during
training computes exactly this circuit, an exact network yields an exact circuit — which
:func:`extract` checks anyway, exhaustively.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from gatenet import rules
from gatenet.ir.circuit import Circuit, Gate
from gatenet.ir.netlist import assert_exact
from gatenet.learn.network import Network, Params


def extract(
    net: Network, params: Params, rule: rules.Rule | str | None = None, **meta: Any
) -> Circuit:
    """The argmax circuit of ``net`` with ``params``; verified against ``rule`` if given."""
    choices = net.choices(params)
    gate_list: list[Gate] = []
    base = 0  # node id of the previous layer's first node
    width = net.n_inputs
    next_base = net.n_inputs
    for (ia, ib), ops in zip(net.wires, choices, strict=True):
        for k in range(len(ops)):
            gate_list.append(Gate(int(ops[k]), base + int(ia[k]), base + int(ib[k])))
        base, width = next_base, len(ops)
        next_base = base + width
    outputs = tuple(range(base, base + width))
    info: dict[str, Any] = {"sizes": list(net.sizes), "schemes": sorted(set(net.schemes))}
    if rule is not None:
        rule = rules.parse(rule)
        info.update(rule=rule.name, map=rule.map_string)
    info.update(meta)
    circuit = Circuit(net.n_inputs, tuple(gate_list), outputs, meta=info)
    if rule is not None:
        assert_exact(circuit, rule.table, "extraction")
    return circuit


def non_pass_through(circuit: Circuit) -> int:
    """Gates that are not plain wires (the write-up's first, rough measure of size)."""
    return int(np.sum([g.op not in (3, 5) for g in circuit.gates]))

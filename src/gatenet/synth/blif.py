"""BLIF, the hand-off format between gatenet and Yosys/ABC: writing a Circuit as BLIF, and
reading a synthesised BLIF netlist back as a Circuit (two-input gates) or a Lut3Circuit.

A written netlist keeps gate ``k`` as wire ``g<k>`` so it can be traced back to the circuit
it came from; ports are named by :func:`gatenet.ir.names.port_names`.
"""

from __future__ import annotations

from dataclasses import dataclass

from gatenet import gates
from gatenet.ir.circuit import Circuit, Gate
from gatenet.ir.lut import Lut, Lut3Circuit, table_from_function
from gatenet.ir.names import check_name, port_names
from gatenet.synth.yosys import SynthesisError


@dataclass(frozen=True)
class BlifNetlist:
    """A combinational BLIF model: each signal is a ``.names`` cover as a truth vector.

    ``covers[name] = (fanins, values)``: ``values[m]`` is the output on minterm ``m``, whose
    first fanin is the most significant bit.
    """

    inputs: tuple[str, ...]
    outputs: tuple[str, ...]
    covers: dict[str, tuple[tuple[str, ...], tuple[int, ...]]]


def _cover_values(k: int, rows: list[tuple[str, str]], where: str) -> tuple[int, ...]:
    if k > 16:
        raise SynthesisError(f"{where}: .names with {k} inputs is too wide to tabulate")
    if not rows:
        return (0,) * (1 << k)
    polarity = {out for _, out in rows}
    if len(polarity) != 1 or not polarity <= {"0", "1"}:
        raise SynthesisError(f"{where}: mixed or invalid output column {sorted(polarity)}")
    on = polarity == {"1"}
    values = [0] * (1 << k)
    for cube, _ in rows:
        if len(cube) != k or set(cube) - set("01-"):
            raise SynthesisError(f"{where}: bad cube {cube!r} for {k} inputs")
        for m in range(1 << k):
            if all(c == "-" or int(c) == (m >> (k - 1 - i)) & 1 for i, c in enumerate(cube)):
                values[m] = 1
    return tuple(v if on else 1 - v for v in values)


def read_blif(text: str) -> BlifNetlist:
    """Parse the first model of a combinational BLIF file (``.names`` only)."""
    logical: list[str] = []
    pending = ""
    for raw in text.splitlines():
        line = raw.split("#", 1)[0].rstrip()
        if line.endswith("\\"):
            pending += line[:-1] + " "
            continue
        line = (pending + line).strip()
        pending = ""
        if line:
            logical.append(line)
    inputs: list[str] = []
    outputs: list[str] = []
    covers: dict[str, tuple[tuple[str, ...], tuple[int, ...]]] = {}
    current: tuple[list[str], list[tuple[str, str]]] | None = None

    def finish() -> None:
        if current is None:
            return
        names, rows = current
        *fanins, out = names
        if out in covers:
            raise SynthesisError(f"BLIF: signal {out!r} is defined twice")
        covers[out] = (tuple(fanins), _cover_values(len(fanins), rows, f"BLIF .names {out}"))

    for line in logical:
        tok = line.split()
        if tok[0].startswith("."):
            finish()
            current = None
            kw = tok[0]
            if kw == ".model":
                continue
            if kw == ".inputs":
                inputs += tok[1:]
            elif kw == ".outputs":
                outputs += tok[1:]
            elif kw == ".names":
                if len(tok) < 2:
                    raise SynthesisError("BLIF: .names without an output")
                current = (tok[1:], [])
            elif kw == ".end":
                break
            else:
                raise SynthesisError(f"BLIF: unsupported construct {kw!r} (expected .names only)")
        else:
            if current is None:
                raise SynthesisError(f"BLIF: cover row outside .names: {line!r}")
            k = len(current[0]) - 1
            if k == 0:
                if len(tok) != 1:
                    raise SynthesisError(f"BLIF: bad constant row {line!r}")
                current[1].append(("", tok[0]))
            else:
                if len(tok) != 2:
                    raise SynthesisError(f"BLIF: bad cover row {line!r}")
                current[1].append((tok[0], tok[1]))
    finish()
    return BlifNetlist(tuple(inputs), tuple(outputs), covers)


def _resolve(
    net: BlifNetlist, like: Circuit | Lut3Circuit, make, ports: tuple[list[str], list[str]]
) -> tuple[list[int], int]:
    """Walk the netlist from the outputs, creating nodes with ``make(fanin_nodes, values)``.

    ``make`` returns a node index (it may alias an existing node). Returns the output nodes
    and the number of inputs. Signals are resolved depth-first, so the result is in
    topological order whatever order the BLIF lists them in.
    """
    ins, outs = ports
    if list(net.inputs) != ins:
        # Yosys may drop or reorder unused inputs; map by name.
        unknown = set(net.inputs) - set(ins)
        if unknown:
            raise SynthesisError(f"BLIF has unexpected inputs {sorted(unknown)}")
    if list(net.outputs) != outs:
        raise SynthesisError(f"BLIF outputs {list(net.outputs)} differ from {outs}")
    node: dict[str, int] = {name: i for i, name in enumerate(ins)}
    visiting: set[str] = set()

    def get(sig: str) -> int:
        if sig in node:
            return node[sig]
        if sig not in net.covers:
            raise SynthesisError(f"BLIF signal {sig!r} is never driven")
        if sig in visiting:
            raise SynthesisError(f"BLIF has a combinational loop through {sig!r}")
        visiting.add(sig)
        fanins, values = net.covers[sig]
        srcs = [get(f) for f in fanins]
        visiting.discard(sig)
        node[sig] = make(srcs, values)
        return node[sig]

    return [get(o) for o in net.outputs], len(ins)


def blif_to_circuit(text: str, like: Circuit) -> Circuit:
    """Read a BLIF netlist of ≤2-input covers back into a Circuit with ``like``'s ports.

    A two-input cover becomes the gate whose truth table it is (:func:`gates.from_truth`),
    a one-input inverter becomes ``NOT_A`` with ``b = a``, a buffer is an alias (no gate),
    a constant becomes ``FALSE``/``TRUE`` over node 0.
    """
    net = read_blif(text)
    gl: list[Gate] = []
    n = like.n_inputs
    memo: dict[tuple[int, int, int], int] = {}

    def add(op: int, a: int, b: int) -> int:
        key = (op, a, b)
        if key not in memo:
            gl.append(Gate(op, a, b))
            memo[key] = n + len(gl) - 1
        return memo[key]

    def make(srcs: list[int], values: tuple[int, ...]) -> int:
        k = len(srcs)
        if k == 0 or len(set(values)) == 1:
            return add(gates.TRUE if values[0] else gates.FALSE, 0, 0)
        if k == 1:
            return srcs[0] if values == (0, 1) else add(gates.NOT_A, srcs[0], srcs[0])
        if k == 2:
            op = gates.from_truth(*values)
            if op == gates.A:
                return srcs[0]
            if op == gates.B:
                return srcs[1]
            return add(op, srcs[0], srcs[1])
        raise SynthesisError(f"netlist has a {k}-input cover; expected two-input gates")

    if n == 0:
        raise SynthesisError("cannot synthesise a circuit without inputs")
    outs, _ = _resolve(net, like, make, port_names(like))
    return Circuit(n, tuple(gl), tuple(outs), like.input_names, like.output_names)


def blif_to_lut3(text: str, like: Circuit) -> Lut3Circuit:
    """Read a BLIF netlist of ≤3-input covers into a Lut3Circuit with ``like``'s ports."""
    net = read_blif(text)
    luts: list[Lut] = []
    n = like.n_inputs

    def make(srcs: list[int], values: tuple[int, ...]) -> int:
        k = len(srcs)
        if k > 3:
            raise SynthesisError(f"netlist has a {k}-input cover; expected 3-input LUTs")
        if k == 1 and values == (0, 1):
            return srcs[0]
        pad = [*srcs, *([srcs[0]] if srcs else [0]) * (3 - k)]
        luts.append(Lut(table_from_function(k, list(values)), (pad[0], pad[1], pad[2])))
        return n + len(luts) - 1

    if n == 0:
        raise SynthesisError("cannot synthesise a circuit without inputs")
    outs, _ = _resolve(net, like, make, port_names(like))
    return Lut3Circuit(n, tuple(luts), tuple(outs), like.input_names, like.output_names)


# -- writing ------------------------------------------------------------------------------


def _cover(k: int, values: list[int]) -> list[str]:
    """On-set rows of a ``k``-input function (``values`` indexed by minterm, first input MSB)."""
    rows = []
    for m, v in enumerate(values):
        if v:
            bits = "".join(str((m >> (k - 1 - i)) & 1) for i in range(k))
            rows.append(f"{bits} 1" if k else "1")
    return rows


def to_blif(circuit: Circuit, model: str = "gatenet_circuit") -> str:
    """The circuit as BLIF: one ``.names`` per gate over the inputs it really depends on.

    A gate ignoring an input (NOT_A, pass-through) or reading the same node twice becomes a
    one-input cover; constants become zero-input covers. That keeps every table minimal
    and avoids listing one signal twice in a ``.names`` line, which some readers reject.
    """
    ins, outs = port_names(circuit)
    node = ins + [f"g{k}" for k in range(len(circuit.gates))]
    lines = [
        f"# Generated by gatenet: {len(circuit.gates)} two-input gates.",
        f".model {check_name(model, 'model name')}",
        ".inputs " + " ".join(ins),
        ".outputs " + " ".join(outs),
    ]
    for k, g in enumerate(circuit.gates):
        dep_a, dep_b = gates.depends_on(g.op)
        if g.a == g.b and dep_a and dep_b:
            srcs = [g.a]
            values = [gates.truth(g.op, x, x) for x in (0, 1)]
        elif dep_a and dep_b:
            srcs = [g.a, g.b]
            values = [gates.truth(g.op, a, b) for a in (0, 1) for b in (0, 1)]
        elif dep_a:
            srcs = [g.a]
            values = [gates.truth(g.op, x, 0) for x in (0, 1)]
        elif dep_b:
            srcs = [g.b]
            values = [gates.truth(g.op, 0, x) for x in (0, 1)]
        else:
            srcs = []
            values = [gates.truth(g.op, 0, 0)]
        lines.append(".names " + " ".join([*(node[s] for s in srcs), f"g{k}"]))
        lines.extend(_cover(len(srcs), values))
    for name, o in zip(outs, circuit.outputs, strict=True):
        lines.append(f".names {node[o]} {name}")
        lines.append("1 1")
    lines.append(".end")
    return "\n".join(lines) + "\n"

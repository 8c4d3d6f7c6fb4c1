"""The ABC scripts: what each named script does, and the check that synthesis starts
from the learned structure rather than from the rule's truth table.

Every script the pipeline and the command line use on a learned circuit works on the
*learned structure*: it rewrites, resubstitutes and remaps the circuit it is given, and
never rebuilds it from its truth table (no ``collapse``, BDDs or DSD of the function;
:func:`is_structural` checks, and the tests hold every named script to it). The one
exception is declared where it lives: :mod:`gatenet.synth.pairing` builds a pair level's
circuits from tables (the learned circuit read through its row code), and ranks them with
a script that collapses them. ``default`` is Yosys' own ABC flow for the target;
``resyn2`` the classic AIG rewriting loop; ``timed`` a time-bounded ``&deepsyn`` (so
load-dependent); ``deepsyn`` an iteration-bounded ``&deepsyn`` with two-input LUT moves;
``strong`` the pipeline's (see :mod:`gatenet.synth.flow`). ``&deepsyn`` is bounded by
restarts (``-I``, each restart ``i`` seeded with ``-S + i`` and started from the input) and
by steps without improvement (``-J``), so results are reproducible; its ``-T`` limit per
restart is only a safety net. (``&satlut``, ``&mfsd`` and ``&transduction`` trap inside the
WebAssembly build, so no script uses them.)

One script is kept apart, in :data:`REFERENCE_SCRIPTS`: ``from-function`` first collapses
the circuit to its Boolean function and factors that (``collapse; sop; fx``) before the same
``&deepsyn``. That is synthesis *from the rule*, not from what was learned; the book quotes
it as a reference point only, and nothing in the pipeline runs it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

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
#: ``lutpack`` re-covering groups of up to five LUTs that share up to three inputs, first
#: accepting equal-size moves (``-z``) so the second pass finds savings behind them.
_REPACK = "lutpack -N 5 -S 3 -z; lutpack -N 5 -S 3"
_MFS_LUT3 = "strash; &get -n; &dch -f; &if -K 3 -a; &mfs -e -W 20 -L 20; &put"
#: LUT mappers tried on each strong gate netlist (the smallest LUT netlist wins). The
#: wider repacking saves a LUT on learned Life combine circuits (10 → 9) where neither
#: plain mapper does; repeating a map-and-repack round sometimes saves one more.
FINISH_LUT3 = (
    STRONG_LUT3,
    f"{_MFS_LUT3}; lutpack -S 1",
    f"strash; dch -f; if -K 3 -a; mfs2 -a; {_REPACK}",
    f"{_MFS_LUT3}; {_REPACK}; {_MFS_LUT3}; {_REPACK}",
)

#: Named ABC scripts for two-input gates (mapped with ``map -a`` to the genlib library).
GATE_SCRIPTS: dict[str, str] = {
    "default": YOSYS_DEFAULT_GATES,
    "resyn2": f"strash; {RESYN2}; {RESYN2}; dch -f; map -a",
    # a time-bounded &deepsyn (-T): results depend on machine load
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
#: as what starting from the rule would give, never run on a learned circuit by the pipeline
#: or the CLI defaults (the pair level's tables, :mod:`gatenet.synth.pairing`, are the one
#: place the pipeline starts from a function).
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


#: Commands that only move the netlist between ABC's representations or compute choices:
#: left out of :func:`script_summary`, which names what a script does.
_HOUSEKEEPING = frozenset({"strash", "&get", "&put", "dch", "&dch", "read_library"})


def script_summary(script: str, limit: int = 48) -> str:
    """A short name for an ABC script in progress messages: its working commands with
    their flags (``"strash; dch -f; amap"`` → ``"amap"``), cut to about ``limit``
    characters."""
    parts = [" ".join(p.split()) for p in script.replace("\n", ";").split(";")]
    work = [p for p in parts if p and p.split()[0] not in _HOUSEKEEPING] or [p for p in parts if p]
    text = ", ".join(work)
    return text if len(text) <= limit else text[: limit - 1].rstrip(" ,") + "…"


def is_structural(script: str) -> bool:
    """True if ``script`` never rebuilds the circuit from its function.

    Synthesis must start from the learned circuit, not from the rule: a script that
    collapses to the truth table would give the same answer for any circuit of the rule, and
    so would say nothing about what was learned.
    """
    return not any(cmd in FUNCTIONAL_COMMANDS for cmd in script_commands(script))


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
        """The options as a JSON-able dict, with the target: part of the cache key."""
        return {"target": target, **self.__dict__, "gates": list(self.gates)}



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


def _named_scripts(target: str) -> dict[str, str]:
    """Every named script of ``target`` ('gates' or 'lut3'), reference scripts included."""
    return {**(GATE_SCRIPTS if target == "gates" else LUT_SCRIPTS), **REFERENCE_SCRIPTS[target]}


def timeout_runs(target: str, script: str, iterations: int) -> int:
    """How many times ``timeout`` may elapse in one run of ``script``: ``iterations`` for a
    script with ``{deepsyn}`` (``-T`` caps each restart), 1 for one with only
    ``{timeout}``, 0 for a script the timeout does not affect (a time budget cannot
    shorten it, and changing its timeout would only split its cache entries)."""
    text = _named_scripts(target).get(script, script)
    if "{deepsyn}" in text:
        return iterations
    return 1 if "{timeout}" in text else 0


def abc_script(target: str, opts: SynthOptions) -> str:
    """The ABC command sequence for ``target`` ('gates' or 'lut3') under ``opts``.

    ``opts.script`` is a name from :data:`GATE_SCRIPTS` / :data:`LUT_SCRIPTS` or a literal
    ABC script (commands separated by ``;``), which may use ``{deepsyn}``.
    """
    table = _named_scripts(target)
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


def _yosys_commands(target: str, opts: SynthOptions, suffix: str = "") -> str:
    """The Yosys commands synthesising ``input{suffix}.blif`` into ``output{suffix}.blif``
    (and its ``stat{suffix}.txt``)."""
    if target == "gates":
        abc = f"abc -g {','.join(opts.gates)} -script abc.script"
    else:
        abc = "abc -lut 3 -script abc.script"
    return "\n".join([
        f"read_blif input{suffix}.blif",
        "hierarchy -top gatenet_circuit",
        "techmap",
        "opt_clean",
        abc,
        "opt_clean -purge",
        f"write_blif output{suffix}.blif",
        f"tee -q -o stat{suffix}.txt stat",
    ]) + "\n"  # fmt: skip



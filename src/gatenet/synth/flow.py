"""Synthesis: a learned Circuit in, a smaller verified netlist out, cached.

ABC's AIG optimisers and technology mappers shrink a learned circuit to a small netlist in
one of two shapes the CPU executes:

* :func:`synthesize_gates` — two-input gates from a CPU-like library (AND, OR, XOR, ANDNOT,
  ORNOT, NOT by default), read back as a :class:`~gatenet.ir.circuit.Circuit`;
* :func:`synthesize_lut3` — three-input LUTs (one AVX-512 ``vpternlogq`` each), read back as
  a :class:`~gatenet.ir.lut.Lut3Circuit`.

Every result is verified exhaustively against the input's truth table before it is returned
or cached, and results are cached by (circuit hash, script, options), so a notebook re-run
costs nothing. ``strong``, the pipeline's script, runs an iteration-bounded ``&deepsyn`` and
area mapping (:data:`~gatenet.synth.scripts.STRONG_GATES`), then the best of several cheap
mappers (:data:`~gatenet.synth.scripts.FINISH_GATES`), in
:data:`~gatenet.synth.scripts.STRONG_ROUNDS` rounds each starting from the best netlist so
far; for LUTs the strong gate netlists are mapped with each of
:data:`~gatenet.synth.scripts.FINISH_LUT3`.
"""

from __future__ import annotations

import hashlib
import json
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from gatenet.ir.circuit import Circuit
from gatenet.ir.lut import Lut3Circuit
from gatenet.ir.netlist import RUN_META, CircuitError, Netlist, assert_exact
from gatenet.storage import atomic_write_text, cache_subdir
from gatenet.synth.blif import blif_to_circuit, blif_to_lut3, to_blif
from gatenet.synth.scripts import (
    DEFAULT_GATES,
    FINISH_GATES,
    FINISH_LUT3,
    STRONG_ROUNDS,
    SynthOptions,
    _check_options,
    _genlib,
    _yosys_commands,
    abc_script,
)
from gatenet.synth.yosys import SynthesisError, _log_tail, run_yosys


@dataclass(frozen=True)
class _Target:
    """What differs between the two targets: the netlist class and the BLIF reader."""

    netlist: type[Netlist]
    read: Callable[[str, Circuit], Any]


_TARGETS = {"gates": _Target(Circuit, blif_to_circuit), "lut3": _Target(Lut3Circuit, blif_to_lut3)}


def cache_dir() -> Path:
    """Where synthesis results are cached: the ``synth`` folder of the gatenet cache."""
    return cache_subdir("synth")


#: Synthesis meta that depends on the run, not on the inputs: kept under
#: ``meta["run"]["synth"]`` so a result's file is otherwise deterministic (see
#: :mod:`gatenet.ir.netlist`).
_RUN_KEYS = ("seconds", "search_seconds")


def _run_apart(result: Netlist) -> Netlist:
    """``result`` with timings moved from ``meta["synth"]`` to ``meta["run"]["synth"]``
    (entries cached by earlier versions kept them in ``meta["synth"]``)."""
    synth = result.meta.get("synth")
    if not isinstance(synth, dict) or not any(k in synth for k in _RUN_KEYS):
        return result
    synth = dict(synth)
    timing = {k: synth.pop(k) for k in _RUN_KEYS if k in synth}
    run = result.meta.get(RUN_META)
    run = dict(run) if isinstance(run, dict) else {}
    old = run.get("synth")
    run["synth"] = {**(old if isinstance(old, dict) else {}), **timing}
    return result.with_meta(synth=synth, **{RUN_META: run})


def _seconds(result: Netlist, key: str = "seconds") -> float:
    """A timing recorded under ``meta["run"]["synth"]`` (0.0 if absent or malformed)."""
    try:
        return float(result.meta[RUN_META]["synth"][key])
    except (KeyError, TypeError, ValueError):
        return 0.0


def _check_exact(result: Netlist, table: Any, stage: str) -> None:
    try:
        assert_exact(result, table, stage)
    except CircuitError as e:
        raise SynthesisError(str(e)) from None


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
    kind = _TARGETS[target]
    table = circuit.truth_table()[:, 0]
    path = cache_dir() / f"{target}-{digest}.json" if use_cache else None
    if path is not None and path.exists():
        try:
            result = kind.netlist.load(path)
            _check_exact(result, table, "cached synthesis result")
            return _run_apart(result)
        except (CircuitError, SynthesisError):
            path.unlink(missing_ok=True)  # a damaged or stale entry: recompute
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
            result = kind.read(text, circuit)
            _check_exact(result, table, f"synthesis ({opts.script})")
        except (CircuitError, SynthesisError) as e:
            raise SynthesisError(str(e), _log_tail(work)) from None
        stat = (work / "stat.txt").read_text() if (work / "stat.txt").exists() else ""
    seconds = time.perf_counter() - t0
    meta = {
        "synth": {
            "target": target, "script": opts.script, "abc": script,
            "options": opts.key(target),
            "source_hash": circuit.content_hash(), "source_gates": len(circuit.gates),
            "yosys_stat": stat,
        },
        RUN_META: {"synth": {"seconds": round(seconds, 2)}},
    }  # fmt: skip
    result = result.with_meta(**meta)
    if path is not None:
        atomic_write_text(path, json.dumps(result.to_dict(), indent=1) + "\n")
    return result


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
    seconds = _seconds(best_gates) + sum(_seconds(r) for r in results)
    info = {
        **win.meta["synth"], "script": "strong",
        "via": "strong gates", "via_gates": len(best_gates),
        "candidates": [len(r) for r in results],
        "source_hash": circuit.content_hash(), "source_gates": len(circuit.gates),
    }
    return win.with_meta(synth=info, **{RUN_META: {"synth": {"seconds": round(seconds, 2)}}})


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
    first = searches[0]
    info = {
        **first.meta["synth"], "script": "strong", "search_gates": len(first),
        "rounds": [len(s) for s in searches], "candidates": [len(r) for r in pool],
    }
    run = {"synth": {
        "seconds": round(sum(_seconds(r) for r in pool), 2),
        "search_seconds": round(sum(_seconds(s) for s in searches), 2),
    }}
    return best.with_meta(synth=info, **{RUN_META: run}), first


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
    return results[i].with_meta(**meta)

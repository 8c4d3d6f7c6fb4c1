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

``strong`` takes minutes on a learned circuit, in a dozen blocking Yosys runs, so two things
let a caller live with it. ``progress`` (any ``Callable[[str], None]``, such as a
:class:`gatenet.progress.StageProgress`) is called with a stage's name before each Yosys
run, so a user sees what is running; this layer needs no display code. ``budget`` (seconds)
bounds the whole flow: the ``&deepsyn`` searches get ``-T`` limits from the time left, and
once the time is up no further round or mapper starts. That trades circuit size for time,
and makes the result depend on the machine's load (``-T`` cuts restarts short by the
clock), which the unbounded flow does not.
"""

from __future__ import annotations

import hashlib
import json
import math
import numbers
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np

from gatenet.ir.circuit import Circuit
from gatenet.ir.lut import Lut3Circuit
from gatenet.ir.netlist import RUN_META, CircuitError, Netlist, verify
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
    script_summary,
    timeout_runs,
)
from gatenet.synth.yosys import SynthesisError, _log_tail, run_yosys


@dataclass(frozen=True)
class _Target:
    """What differs between the two targets: the netlist class and the BLIF reader."""

    netlist: type[Netlist]
    read: Callable[[str, Circuit], Any]


_TARGETS = {"gates": _Target(Circuit, blif_to_circuit), "lut3": _Target(Lut3Circuit, blif_to_lut3)}


#: What the flow reports stages to: called with a stage's name before each Yosys run (a
#: :class:`gatenet.progress.StageProgress` is one; so is ``list.append``).
Progress = Callable[[str], None]


def check_budget(budget: Any) -> float | None:
    """``budget`` as seconds (None: unbounded); a clear ValueError for anything else."""
    if budget is None:
        return None
    if isinstance(budget, bool) or not isinstance(budget, numbers.Real):
        raise ValueError(f"budget must be a positive number of seconds or None, got {budget!r}")
    value = float(budget)
    if not math.isfinite(value) or value <= 0:
        raise ValueError(f"budget must be a positive finite number of seconds, got {budget!r}")
    return value


class _Deadline:
    """A time budget on the wall clock, shared by every stage of one synthesis call."""

    def __init__(self, budget: float | None) -> None:
        self.budget = budget
        self.end = None if budget is None else time.perf_counter() + budget

    @property
    def bounded(self) -> bool:
        return self.end is not None

    def passed(self) -> bool:
        return self.end is not None and time.perf_counter() >= self.end

    def left(self) -> float:
        """Seconds until the deadline (infinite without one, 0 once it has passed)."""
        return math.inf if self.end is None else max(0.0, self.end - time.perf_counter())

    def timeout(self, target: str, opts: SynthOptions) -> int:
        """``opts.timeout``, lowered so a run's restarts fit in the time left (at least 1 s:
        ``-T 0`` would mean no limit)."""
        runs = timeout_runs(target, opts.script, opts.iterations)
        if self.end is None or runs == 0:
            return opts.timeout
        return max(1, min(opts.timeout, int(self.left() / runs)))


def _report(progress: Progress | None, text: str) -> None:
    if progress is not None:
        progress(text)


def _label(target: str, opts: SynthOptions, circuit: Circuit) -> str:
    """The stage name of a single-script run."""
    name = opts.script if " " not in opts.script.strip() else script_summary(opts.script)
    what = "two-input gates" if target == "gates" else "3-input LUTs"
    return f"{name} → {what}, on {len(circuit)} gates"


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
    """``table`` is ``(2**n,)`` for one output or ``(2**n, outputs)``: every output checked."""
    table = np.asarray(table)
    columns = table.reshape(table.shape[0], -1)
    try:
        if len(result.outputs) != columns.shape[1]:
            raise CircuitError(f"{result.KIND} after {stage} has {len(result.outputs)} outputs, "
                               f"expected {columns.shape[1]}")
        for j in range(columns.shape[1]):
            wrong = verify(result, columns[:, j], output=j)
            if wrong:
                raise CircuitError(f"{result.KIND} after {stage} is wrong on output {j}: "
                                   f"{wrong} of {len(columns)} patterns")
    except CircuitError as e:
        raise SynthesisError(str(e)) from None


def _synthesize(circuit: Circuit, target: str, opts: SynthOptions, use_cache: bool,
                progress: Progress | None = None, label: str | None = None):
    return _synthesize_all([circuit], target, opts, use_cache, progress, label)[0]


def _cache_path(circuit: Circuit, script: str, target: str, opts: SynthOptions) -> Path:
    key = json.dumps([circuit.content_hash(), script, opts.key(target)], sort_keys=True)
    digest = hashlib.sha256(key.encode()).hexdigest()[:24]
    return cache_dir() / f"{target}-{digest}.json"


def _cached(path: Path | None, target: str, table: np.ndarray):
    """The cached result at ``path`` if it is there and still exact, else None (a damaged
    or stale entry is removed, to be recomputed)."""
    if path is None or not path.exists():
        return None
    try:
        result = _TARGETS[target].netlist.load(path)
        _check_exact(result, table, "cached synthesis result")
        return _run_apart(result)
    except (CircuitError, SynthesisError):
        path.unlink(missing_ok=True)
        return None


def _synthesize_all(circuits: Sequence[Circuit], target: str, opts: SynthOptions,
                    use_cache: bool, progress: Progress | None = None,
                    label: str | None = None) -> list[Any]:
    """:func:`_synthesize` for several circuits under one script, in one Yosys run (the
    WebAssembly start-up costs more than ABC on a small circuit). Each result is verified
    on its own, and cached only if ``use_cache`` — which a run of several must not ask
    for: ABC keeps some state from one circuit to the next within a process, so a
    circuit's result there depends on the circuits before it, not on its key alone."""
    _check_options(opts)
    script = abc_script(target, opts)
    for circuit in circuits:
        _check_input(circuit, script, opts)
    kind = _TARGETS[target]
    tables = [c.truth_table() for c in circuits]  # every output: feature circuits have several
    paths = [_cache_path(c, script, target, opts) if use_cache else None for c in circuits]
    results: list[Any] = [_cached(p, target, t) for p, t in zip(paths, tables, strict=True)]
    todo = [i for i, r in enumerate(results) if r is None]
    what = label or (_label(target, opts, circuits[0]) if len(circuits) == 1 else
                     f"{opts.script} on {len(circuits)} circuits ({target})")
    if not todo:
        _report(progress, f"{what} (cached)")
        return results
    _report(progress, what)
    t0 = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="gatenet-synth-") as tmp:
        work = Path(tmp)
        for i in todo:
            (work / f"input{i}.blif").write_text(to_blif(circuits[i]))
        (work / "abc.script").write_text(script.replace("; ", "\n").replace(";", "\n") + "\n")
        if target == "gates":
            (work / "unit.genlib").write_text(_genlib(opts.gates))
        # -T caps each &deepsyn restart; a script without one gets seconds per circuit
        per = timeout_runs(target, opts.script, opts.iterations) * opts.timeout + 10
        limit = 300 + len(todo) * per
        run_yosys("design -reset\n".join(_yosys_commands(target, opts, f"{i}") for i in todo),
                  work, timeout=limit)
        texts = {}
        for i in todo:
            out = work / f"output{i}.blif"
            if not out.exists():
                raise SynthesisError("yosys wrote no netlist", _log_tail(work))
            texts[i] = (out.read_text(), (work / f"stat{i}.txt").read_text()
                        if (work / f"stat{i}.txt").exists() else "")
        for i in todo:
            try:
                result = kind.read(texts[i][0], circuits[i])
                _check_exact(result, tables[i], f"synthesis ({opts.script})")
            except (CircuitError, SynthesisError) as e:
                raise SynthesisError(str(e), _log_tail(work)) from None
            results[i] = result
    seconds = (time.perf_counter() - t0) / len(todo)
    for i in todo:
        c = circuits[i]
        meta = {
            "synth": {
                "target": target, "script": opts.script, "abc": script,
                "options": opts.key(target),
                "source_hash": c.content_hash(), "source_gates": len(c.gates),
                "yosys_stat": texts[i][1],
            },
            RUN_META: {"synth": {"seconds": round(seconds, 2)}},
        }  # fmt: skip
        results[i] = results[i].with_meta(**meta)
        if paths[i] is not None:
            atomic_write_text(paths[i], json.dumps(results[i].to_dict(), indent=1) + "\n")
    return results


def _check_input(circuit: Any, script: str, opts: SynthOptions) -> None:
    if not isinstance(circuit, Circuit):
        raise TypeError(f"expected a Circuit, got {type(circuit).__name__}")
    if not circuit.outputs:
        raise ValueError("synthesis needs a circuit with at least one output")
    if circuit.n_inputs < 1:
        raise ValueError("synthesis needs a circuit with at least one input")
    if "collapse" in script and circuit.n_inputs > 16:
        raise ValueError(
            f"script {opts.script!r} collapses the function, too costly for "
            f"{circuit.n_inputs} inputs; use 'deepsyn' or 'resyn2'"
        )


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
    progress: Progress | None = None,
    budget: float | None = None,
) -> Circuit:
    """Map ``circuit`` to two-input gates of the library ``gates`` (plus NOT); verified exact.

    ``script``: a name from :data:`GATE_SCRIPTS` (``"default"`` is Yosys' ABC flow,
    ``"strong"`` the deepest), ``"best"`` (the smallest of :data:`BEST_SCRIPTS`), or literal
    ABC commands separated by ``;``. ``iterations`` (restarts), ``patience`` (steps without
    improvement) and ``seed`` bound &deepsyn reproducibly; ``timeout`` (seconds per restart)
    only caps it. With ``unit_cost`` every gate has area 1, so ABC minimises the gate count
    rather than Yosys' transistor-based area.

    ``progress`` is called with each stage's name before its Yosys run (``"... (cached)"``
    for a cache hit). ``budget`` (seconds, or None for no bound) trades size for time: the
    ``strong`` flow lowers each ``&deepsyn``'s ``-T`` to fit the time left, starts no
    mapper once it is up, and no further search round unless every restart can have
    ``-T 1``. Its first search always runs, at least a second per restart, so a budget under
    about ``iterations`` seconds is overrun. Another
    script with ``{deepsyn}`` or ``{timeout}`` gets a ``-T`` that fits the budget; the rest
    are one short run and ignore it. With a budget the result depends on the machine's
    load, not only on the inputs: ``-T`` stops restarts by the clock, and a busy machine
    reaches the deadline after fewer stages. Every result is still verified exhaustively,
    and cached under the ``-T`` it ran with.
    """
    budget = check_budget(budget)
    if script == "best":
        return _best(synthesize_gates, circuit, locals())
    opts = SynthOptions(script, tuple(gates), bool(unit_cost), iterations, patience, seed, timeout)
    deadline = _Deadline(budget)
    if script == "strong":
        return _strong_gates(circuit, opts, cache, progress, deadline)[0]
    opts = replace(opts, timeout=deadline.timeout("gates", opts))
    return _synthesize(circuit, "gates", opts, cache, progress)


def synthesize_batch(
    circuits: Sequence[Circuit],
    target: str = "gates",
    script: str = "default",
    *,
    iterations: int = 8,
    patience: int = 100,
    seed: int = 1,
    timeout: int = 30,
    progress: Progress | None = None,
) -> list[Any]:
    """:func:`synthesize_gates` (``target="gates"``, the default library at unit cost) or
    :func:`synthesize_lut3` (``"lut3"``) of each of ``circuits``, all in one Yosys run.

    For many small circuits — a search ranking hundreds of candidates — Yosys' start-up
    costs more than ABC's work, and one run pays it once. Every result is verified. None is
    cached: a circuit's result can depend on the circuits before it in the run (ABC keeps
    some state within a process; the ranking script of :mod:`gatenet.synth.pairing` does not
    show it, Yosys' default script does), so only the whole run is reproducible — callers
    memoise what they conclude from it. ``script`` is a single-run script (not ``strong``
    or ``best``); there is no time budget.
    """
    if target not in _TARGETS:
        raise ValueError(f"target must be 'gates' or 'lut3', got {target!r}")
    if script in ("strong", "best"):
        raise ValueError(f"{script!r} is a multi-run flow; batch a single-run script")
    circuits = list(circuits)
    if not circuits:
        return []
    opts = SynthOptions(script, DEFAULT_GATES, target == "gates", iterations, patience, seed,
                        timeout)
    return _synthesize_all(circuits, target, opts, False, progress)


def synthesize_lut3(
    circuit: Circuit,
    script: str = "default",
    *,
    iterations: int = 8,
    patience: int = 100,
    seed: int = 1,
    timeout: int = 30,
    cache: bool = True,
    progress: Progress | None = None,
    budget: float | None = None,
) -> Lut3Circuit:
    """Map ``circuit`` to three-input LUTs (one ``vpternlogq`` each); verified exact.

    ``script``, the &deepsyn bounds, ``progress`` and ``budget`` are as for
    :func:`synthesize_gates`, with the names of :data:`LUT_SCRIPTS` (and the same caveat: a
    budget makes the result load-dependent). ``"strong"`` maps the strong gate netlists (the
    search's and the smallest finished one, computed or taken from the cache) with each of
    :data:`FINISH_LUT3` and keeps the smallest; its gate search counts against the same
    budget, and at least one LUT mapping always runs.
    """
    budget = check_budget(budget)
    if script == "best":
        return _best(synthesize_lut3, circuit, locals())
    if script != "strong":
        opts = SynthOptions(script, DEFAULT_GATES, False, iterations, patience, seed, timeout)
        opts = replace(opts, timeout=_Deadline(budget).timeout("lut3", opts))
        return _synthesize(circuit, "lut3", opts, cache, progress)
    return synthesize_strong(circuit, iterations=iterations, patience=patience, seed=seed,
                             timeout=timeout, cache=cache, progress=progress, budget=budget)[1]


def synthesize_strong(
    circuit: Circuit,
    *,
    iterations: int = 8,
    patience: int = 100,
    seed: int = 1,
    timeout: int = 30,
    cache: bool = True,
    progress: Progress | None = None,
    budget: float | None = None,
) -> tuple[Circuit, Lut3Circuit]:
    """Both targets of the ``strong`` script from one search under one ``budget``:
    ``(synthesize_gates(circuit, "strong"), synthesize_lut3(circuit, "strong"))``.

    The two calls would share &deepsyn's search through the cache, but not a budget: the
    second would get a fresh deadline, so different ``-T`` limits, so cache misses and a
    second search. This runs the gate flow once and maps its netlists to LUTs within the
    time left. Arguments as for :func:`synthesize_gates`; without a budget the results are
    those of the two calls.
    """
    budget = check_budget(budget)
    deadline = _Deadline(budget)
    # &deepsyn's search is the expensive part and serves both targets, so it runs once.
    gate_opts = SynthOptions("strong", DEFAULT_GATES, True, iterations, patience, seed, timeout)
    best_gates, search = _strong_gates(circuit, gate_opts, cache, progress, deadline)
    opts = SynthOptions("strong", DEFAULT_GATES, False, iterations, patience, seed, timeout)
    sources = [search] if best_gates == search else [search, best_gates]
    jobs = [(i, j) for i in range(len(sources)) for j in range(len(FINISH_LUT3))]
    # under a budget the smallest gate netlist goes first: if time runs out, the one mapping
    # that always runs is the most promising (the ranking below keeps the unbounded order)
    order = sorted(jobs, key=lambda job: job[0] != len(sources) - 1) if deadline.bounded else jobs
    done: dict[tuple[int, int], Lut3Circuit] = {}
    for k, (i, j) in enumerate(order, 1):
        if done and deadline.passed():
            break
        src, f = sources[i], FINISH_LUT3[j]
        label = f"LUT3 mapping {k}/{len(order)} ({script_summary(f)}) of {len(src)} gates"
        done[i, j] = _synthesize(src, "lut3", replace(opts, script=f), cache, progress, label)
    results = [done[job] for job in jobs if job in done]
    win = min(results, key=lambda r: (len(r), r.depth()))
    seconds = _seconds(best_gates) + sum(_seconds(r) for r in results)
    info = {
        **win.meta["synth"], "script": "strong",
        "via": "strong gates", "via_gates": len(best_gates),
        "candidates": [len(r) for r in results],
        "source_hash": circuit.content_hash(), "source_gates": len(circuit.gates),
    }
    run = {"synth": {"seconds": round(seconds, 2)}}
    if deadline.bounded:
        info["budget"] = budget
        gate_run = best_gates.meta[RUN_META]["synth"]
        run["synth"]["budget_stopped"] = gate_run["budget_stopped"] or len(results) < len(jobs)
    return best_gates, win.with_meta(synth=info, **{RUN_META: run})


def _strong_gates(circuit: Circuit, opts: SynthOptions, cache: bool,
                  progress: Progress | None = None,
                  deadline: _Deadline | None = None) -> tuple[Circuit, Circuit]:
    """The strong gate netlist, and the first search's netlist (the LUT mapper uses both).

    :data:`STRONG_ROUNDS` rounds, each starting from the best netlist so far (round one from
    the learned circuit): :data:`STRONG_GATES` (``&deepsyn``, the expensive part, cached)
    with fresh seeds, then every mapper of :data:`FINISH_GATES` on its netlist, again from
    the best result while that keeps shrinking (at most three times). The smallest netlist
    wins (ties: the shallower, then the earlier). Every step is verified exhaustively.

    Under a bounded ``deadline`` each search's ``-T`` fits its restarts into the time left
    (the finishing mappers keep ``opts``, so their cache entries are shared with unbounded
    runs), and once the deadline has passed no further search or mapper starts; the first
    search always runs, a later one only if the time left allows each restart the minimum
    ``-T`` of one second (else it would surely overrun the budget).
    """
    deadline = deadline or _Deadline(None)

    def size(c: Circuit) -> tuple[int, int]:
        return len(c), c.depth()

    pool: list[Circuit] = []
    searches: list[Circuit] = []
    timeouts: list[int] = []
    stopped = False
    best = circuit
    for r in range(STRONG_ROUNDS):
        # a later round starts only if each restart can have its minimum -T of 1 s
        if r > 0 and deadline.left() < opts.iterations:
            stopped = True
            break
        # a new round restarts &deepsyn with seeds the previous rounds did not use
        search_opts = replace(opts, seed=opts.seed + r * opts.iterations,
                              timeout=deadline.timeout("gates", opts))
        timeouts.append(search_opts.timeout)
        cap = f" of ≤ {search_opts.timeout} s" if deadline.bounded else ""
        restarts = f"{opts.iterations} restart{'s' if opts.iterations != 1 else ''}"
        label = (f"round {r + 1}/{STRONG_ROUNDS} search (&deepsyn, {restarts}{cap}) "
                 f"on {len(best)} gates")
        search = _synthesize(best, "gates", search_opts, cache, progress, label)
        searches.append(search)
        pool.append(search)
        current = search
        for p in range(3):
            new = []
            for i, f in enumerate(FINISH_GATES):
                if deadline.passed():
                    stopped = True
                    break
                label = (f"round {r + 1}/{STRONG_ROUNDS} finish {p + 1}.{i + 1}/"
                         f"{len(FINISH_GATES)} ({script_summary(f)}) on {len(current)} gates")
                new.append(_synthesize(current, "gates", replace(opts, script=f), cache,
                                       progress, label))
            pool += new
            if not new:
                break
            cand = min(new, key=size)
            if size(cand) >= size(current):
                break
            current = cand
            if stopped:
                break
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
    if deadline.bounded:
        info.update(budget=deadline.budget, search_timeouts=timeouts)
        run["synth"]["budget_stopped"] = stopped
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

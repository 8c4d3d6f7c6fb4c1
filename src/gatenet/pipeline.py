"""The whole pipeline in one call: rule → trained network → raw circuit → passes → synthesis.

Every stage's circuit is verified exhaustively against the rule before the next stage sees
it, and every stage is kept, so the command line and the book can show how the circuit
shrinks. :func:`learn_cached` memoises a run on disk, keyed by the configuration *and* the
package's own source, so the book's chapters share one training run per build without ever
reusing a result computed by older code.
"""

from __future__ import annotations

import hashlib
import io
import json
import sys
import zipfile
import zlib
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from gatenet import rules
from gatenet.ir.circuit import Circuit
from gatenet.ir.netlist import assert_exact
from gatenet.learn.extract import extract, non_pass_through
from gatenet.learn.network import Network
from gatenet.learn.train import History, TrainConfig, TrainResult, train
from gatenet.opt.optimize import Stage, optimize
from gatenet.storage import atomic_write_bytes, atomic_write_text, cache_subdir


@dataclass
class Learned:
    """What :func:`learn` returns: the training record and every stage of the circuit."""

    rule: rules.Rule
    config: TrainConfig
    history: History
    converged: bool
    train_seconds: float
    compile_seconds: float
    stages: list[Stage] = field(default_factory=list)
    lut3: Any = None  # a gatenet.ir.lut.Lut3Circuit when synthesis ran
    params: list[np.ndarray] = field(default_factory=list)  # trained logits, per layer

    @property
    def network(self) -> Network:
        """The network the parameters belong to (wiring is rebuilt from the seed)."""
        c = self.config
        return Network(c.sizes, c.scheme, seed=c.seed)

    @property
    def raw(self) -> Circuit:
        return self.stages[0].circuit

    @property
    def pass_stages(self) -> list[Stage]:
        """The stages up to the end of the passes (everything before synthesis)."""
        return [s for s in self.stages if not s.name.startswith("ABC")]

    @property
    def after_passes(self) -> Circuit:
        """The circuit the passes leave: the write-up's kind of result, before synthesis."""
        return self.pass_stages[-1].circuit

    @property
    def circuit(self) -> Circuit:
        """The smallest verified two-input circuit of all stages."""
        return min((s.circuit for s in self.stages), key=len)

    def stage(self, name: str) -> Stage:
        for s in self.stages:
            if s.name == name:
                return s
        raise KeyError(f"no stage {name!r}; stages are {[s.name for s in self.stages]}")


class NotConvergedError(RuntimeError):
    """Training ended without an exact circuit."""


def shrink(raw: Circuit, table: np.ndarray, synthesize: bool = True,
           synth_effort: str = "strong", *, progress: Callable[[str], None] | None = None,
           synth_budget: float | None = None) -> tuple[list[Stage], Any]:
    """Run the passes (and synthesis) on ``raw``; every stage verified against ``table``.

    ``progress`` (a :class:`gatenet.progress.StageProgress`, or any callable) hears the
    name of each stage as it starts: ``"optimisation passes"``, then each Yosys run as
    ``"synthesis: ..."``, because synthesis takes minutes and would otherwise be silent.
    ``synth_budget`` (seconds) bounds synthesis, both targets together, trading circuit size
    for time; with it the result depends on the machine's load (see
    :func:`gatenet.synth.flow.synthesize_gates`).
    """
    if synthesize:
        from gatenet.synth.flow import check_budget

        check_budget(synth_budget)  # a bad budget fails before the passes, not after
    if progress is not None:
        progress("optimisation passes")
    stages = [Stage.of("raw network", assert_exact(raw, table, "extraction"))]
    result = optimize(raw, table)  # verifies against ``table`` after every pass
    stages += result.stages
    lut3 = None
    if synthesize:
        from gatenet import synth
        from gatenet.synth.flow import synthesize_strong

        def said(text: str) -> None:
            progress(f"synthesis: {text}")

        report = said if progress is not None else None
        best = result.circuit
        if synth_effort == "strong":  # one search and one budget for both targets
            gates2, lut3 = synthesize_strong(best, progress=report, budget=synth_budget)
        else:
            gates2 = synth.synthesize_gates(best, script=synth_effort, progress=report,
                                            budget=synth_budget)
            lut3 = synth.synthesize_lut3(best, script=synth_effort, progress=report,
                                         budget=synth_budget)
        stages.append(Stage.of(f"ABC ({synth_effort})", assert_exact(gates2, table, "synthesis")))
    return stages, lut3


def learn(
    rule: str | rules.Rule = "B3/S23",
    seed: int = 0,
    synthesize: bool = True,
    synth_effort: str = "strong",
    progress: bool | None = None,
    config: TrainConfig | None = None,
    *,
    synth_budget: float | None = None,
    synth_progress: Callable[[str], None] | None = None,
    **overrides: Any,
) -> Learned:
    """Train on ``rule`` and shrink the extracted circuit; raise if training is not exact.

    ``progress`` is the training bar (see :func:`gatenet.learn.train.train`);
    ``synth_progress`` and ``synth_budget`` go to :func:`shrink`'s ``progress`` and
    ``synth_budget``: stage names for the minutes after training, and a time bound on
    synthesis that makes its result load-dependent.
    """
    rule = rules.parse(rule)
    if synthesize:
        from gatenet.synth.flow import check_budget

        check_budget(synth_budget)  # before training, not after it
    res: TrainResult = train(rule, config, progress=progress, seed=seed, **overrides)
    if not res.converged:
        raise NotConvergedError(
            f"training {rule} with seed {seed} ended after {res.epochs} epochs with "
            f"{res.hard_errors} of 512 patterns wrong; try another seed or more epochs"
        )
    raw = extract(res.network, res.params, rule, seed=seed, epochs=res.epochs)
    raw = raw.with_meta(non_pass_through=non_pass_through(raw))
    stages, lut3 = shrink(raw, rule.table, synthesize, synth_effort, progress=synth_progress,
                          synth_budget=synth_budget)
    return Learned(
        rule=rule, config=res.config, history=res.history, converged=True,
        train_seconds=res.seconds, compile_seconds=res.compile_seconds,
        stages=stages, lut3=lut3, params=[np.asarray(p) for p in res.params],
    )


# -- on-disk memo for the book ---------------------------------------------------------------


def source_fingerprint() -> str:
    """Hash of every source file of the package and its C runtime: invalidates memos."""
    root = Path(__file__).parent
    h = hashlib.sha256()
    files = sorted(
        p for p in root.rglob("*") if p.suffix in {".py", ".c", ".h"} and p.is_file()
    )
    for p in files:
        h.update(str(p.relative_to(root)).encode())
        h.update(p.read_bytes())
    return h.hexdigest()[:16]


#: :func:`learn` arguments that change what is shown, never what is learned.
_DISPLAY_ONLY = frozenset({"progress", "synth_progress"})


def learn_cached(rule: str | rules.Rule = "B3/S23", seed: int = 0, refresh: bool = False,
                 **kw: Any) -> Learned:
    """:func:`learn`, memoised on disk by (rule, seed, options, package source).

    Arguments that only show progress (``progress``, ``synth_progress``) are not part of the
    key: they do not change the result, and a callable's ``repr`` holds a memory address
    that would make every call a miss.
    """
    rule = rules.parse(rule)
    keyed = {k: repr(v) for k, v in sorted(kw.items()) if k not in _DISPLAY_ONLY}
    key_src = json.dumps(
        {"rule": rule.map_string, "seed": seed, "kw": keyed, "src": source_fingerprint()},
        sort_keys=True)
    key = hashlib.sha256(key_src.encode()).hexdigest()[:20]
    folder = cache_subdir("learned") / key
    meta_path = folder / "learned.json"
    if meta_path.exists() and not refresh:
        try:
            learned = _load_learned(folder)
            if extract(learned.network, learned.params) == learned.raw:
                return learned
        except (OSError, ValueError, KeyError, TypeError, IndexError):
            # a damaged memo (any file truncated, garbled or of the wrong shape; _load_learned
            # reports those as ValueError) or parameters that do not rebuild the circuit:
            # recomputed, never trusted
            pass
    learned = learn(rule, seed, **kw)
    _save_learned(learned, folder)
    return learned


def _save_learned(learned: Learned, folder: Path) -> None:
    """Write the memo: every file atomically under a unique temporary name (two processes
    filling the same memo at once must not write one shared temporary file), and
    ``learned.json`` last, so a memo without it is never read."""
    folder.mkdir(parents=True, exist_ok=True)
    h = learned.history
    buf = io.BytesIO()
    np.savez(buf, loss=h.loss, hard_errors=h.hard_errors, seconds=h.seconds,
             **{f"params{i}": p for i, p in enumerate(learned.params)})
    atomic_write_bytes(folder / "history.npz", buf.getvalue())
    for i, st in enumerate(learned.stages):
        st.circuit.save(folder / f"stage{i}.json")
    if learned.lut3 is not None:
        atomic_write_text(folder / "lut3.json", json.dumps(learned.lut3.to_dict()))
    cfg = asdict(learned.config)
    meta = {
        "rule": learned.rule.map_string, "rule_name": learned.rule.name, "config": cfg,
        "train_seconds": learned.train_seconds, "compile_seconds": learned.compile_seconds,
        "stages": [s.name for s in learned.stages],
        "has_lut3": learned.lut3 is not None,
    }
    atomic_write_text(folder / "learned.json", json.dumps(meta, indent=1))


def _load_learned(folder: Path) -> Learned:
    """The memo in ``folder``. A file that is truncated, undecodable or of the wrong shape
    raises ValueError (OSError if missing), whatever numpy, json or zipfile raised, so the
    caller can recompute instead of crashing; every stage is verified against the rule."""
    try:
        meta = json.loads((folder / "learned.json").read_bytes().decode("utf-8"))
        shape = {"rule": str, "rule_name": str, "config": dict, "stages": list,
                 "has_lut3": bool, "train_seconds": (int, float),
                 "compile_seconds": (int, float)}
        if not isinstance(meta, dict) or any(not isinstance(meta.get(k), t)
                                             for k, t in shape.items()):
            raise ValueError("learned.json does not have the memo's fields")
        if not all(isinstance(name, str) for name in meta["stages"]) or not meta["stages"]:
            raise ValueError("learned.json: stages must be a non-empty list of names")
        with np.load(folder / "history.npz", allow_pickle=False) as z:
            history = History(z["loss"], z["hard_errors"], z["seconds"])
            params = [z[f"params{i}"] for i in range(sum(k.startswith("params") for k in z.files))]
        stages = [
            Stage.of(name, Circuit.load(folder / f"stage{i}.json"))
            for i, name in enumerate(meta["stages"])
        ]
        rule = rules.Rule(meta["rule_name"], rules.from_map(meta["rule"]))
        for st in stages:
            assert_exact(st.circuit, rule.table, f"loading {st.name}")
        lut3 = None
        if meta["has_lut3"]:
            from gatenet.ir.lut import Lut3Circuit

            lut3 = Lut3Circuit.load(folder / "lut3.json")
            assert_exact(lut3, rule.table, "loading the LUT3 circuit")
        cfg = dict(meta["config"])
        cfg["sizes"] = tuple(cfg["sizes"])
        if isinstance(cfg["scheme"], list):
            cfg["scheme"] = tuple(cfg["scheme"])
        config = TrainConfig(**cfg)
    except (KeyError, TypeError, IndexError, AttributeError, EOFError, RecursionError,
            zipfile.BadZipFile, zlib.error) as e:
        raise ValueError(f"damaged memo in {folder}: {type(e).__name__}: {e}") from None
    return Learned(
        rule=rule, config=config, history=history, converged=True,
        train_seconds=meta["train_seconds"], compile_seconds=meta["compile_seconds"],
        stages=stages, lut3=lut3, params=params,
    )


# -- the separable, row-shared architecture ------------------------------------------------------


@dataclass
class LearnedSeparable:
    """What :func:`learn_separable` returns: the training record and every form of the circuit.

    ``raw``/``passed``/``synthesized`` are the row and combine circuits as extracted, after
    the passes, and after synthesis (each part on its own, as the fast runtime runs them:
    row features computed once per row). ``flat`` are the same rule's stages as one 9-input
    circuit (the three row copies composed with the combine circuit, passes, then synthesis
    of the whole), which is what a two-input gate count of the rule means.
    """

    rule: rules.Rule
    config: Any  # a gatenet.learn.separable.SeparableConfig
    history: History
    train_seconds: float
    compile_seconds: float
    raw: Any  # SeparableCircuit
    passed: Any
    synthesized: Any = None
    flat: list[Stage] = field(default_factory=list)
    row_lut3: Any = None
    combine_lut3: Any = None
    flat_lut3: Any = None
    pair_lut3: Any = None
    restarts: list[int] = field(default_factory=list)  # epochs of training's restarts
    #: The synthesised circuit with a pair level found by decomposing its combine circuit
    #: (:mod:`gatenet.synth.pairing`): the form with the fewest gates per output word, and
    #: the one with the fewest LUTs per output word, each as (SeparableCircuit,
    #: SeparableLut3); None when the rule has no pair level or pairing was not asked for.
    paired: tuple[Any, Any] | None = None
    paired_luts: tuple[Any, Any] | None = None
    #: What the pairing found: classes, bits, codes ranked, finalists — or why it found none.
    pairing: dict[str, Any] = field(default_factory=dict)

    @property
    def best(self) -> Any:
        """The smallest separable form (fewest gates per output word), paired or not."""
        forms = [f for f in (self.passed, self.synthesized) if f is not None]
        if self.paired is not None:
            forms.append(self.paired[0])
        return min(forms, key=lambda f: f.ops_per_cell_word())

    @property
    def lut3_form(self) -> tuple[Any, Any] | None:
        """The separable form with the fewest LUTs per output word and its LUT3 parts, as
        ``(SeparableCircuit, SeparableLut3)`` (what the 512-bit LUT3 kernel should run), or
        None without synthesis."""
        forms = [f for f in (self.paired, self.paired_luts) if f is not None]
        if self.lut3 is not None:
            forms.insert(0, (self.synthesized, self.lut3))
        return min(forms, key=lambda f: f[1].ops_per_cell_word()) if forms else None

    @property
    def circuit(self) -> Circuit:
        """The smallest verified flat two-input circuit."""
        return min((s.circuit for s in self.flat), key=len)

    @property
    def lut3(self) -> Any:
        """The parts as LUT3 netlists (a :class:`~gatenet.ir.separable.SeparableLut3`, what
        the 512-bit separable kernel runs), or None without synthesis."""
        from gatenet.ir.separable import SeparableLut3

        if self.row_lut3 is None or self.combine_lut3 is None:
            return None
        return SeparableLut3(self.row_lut3, self.combine_lut3, self.pair_lut3)


def _assert_separable(sep: Any, rule: rules.Rule, stage: str) -> None:
    """Raise CircuitError unless every reading of ``sep`` is ``rule`` (all 512 patterns)."""
    from gatenet.ir.netlist import CircuitError

    wrong = sep.wrong(rule.table)
    if wrong:
        raise CircuitError(f"separable circuit after {stage} is wrong on {wrong} patterns")


def _shrink_part(part: Circuit) -> Circuit:
    """The passes on one part of a separable circuit, checked against its own truth table
    (every output: a row circuit has several)."""
    return optimize(part).circuit


def learn_separable(
    rule: str | rules.Rule = "B3/S23",
    seed: int | None = None,
    synthesize: bool = True,
    progress: bool | None = None,
    config: Any = None,
    *,
    synth_budget: float | None = None,
    synth_progress: Callable[[str], None] | None = None,
    pair_level: bool = True,
    pair_encodings: int | None = None,
    **overrides: Any,
) -> LearnedSeparable:
    """Train a separable network on ``rule`` and shrink its circuits; raise if not exact.

    ``seed`` defaults to ``config.seed`` (0 without a config); given, it wins.

    Synthesis (Yosys/ABC, ``strong``) runs on the row circuit (all its outputs at once, so
    they share logic), on the pair circuit if there is one, on the combine circuit, and on
    the flat composition — always from the learned circuits, never from the rule's truth
    table. ``synth_budget`` bounds each run.

    With ``pair_level`` (and synthesis), a circuit trained without a pair level gets one by
    decomposing its synthesised combine circuit (:func:`gatenet.synth.pairing.find_pair_level`,
    ranking at most ``pair_encodings`` codes; None: all of them): ``paired`` and
    ``paired_luts`` of the result, or the reason there is none in ``pairing``.
    """
    from gatenet.learn.separable import extract_separable, train_separable

    rule = rules.parse(rule)
    if synthesize:
        from gatenet.synth.flow import check_budget

        check_budget(synth_budget)
    if seed is None:  # the config's seed, else 0
        seed = config.seed if config is not None else 0
    res = train_separable(rule, config, progress=progress, seed=seed, **overrides)
    if not res.converged:
        raise NotConvergedError(
            f"training a separable network on {rule} with seed {seed} ended after "
            f"{res.epochs} epochs with {res.hard_errors} wrong patterns"
            + (" (both pair readings counted)" if res.config.pair_sizes else "")
            + "; try another seed or more epochs")
    raw = extract_separable(res.network, res.params, rule, seed=seed, epochs=res.epochs)
    if synth_progress is not None:
        synth_progress("optimisation passes")
    pair = None if raw.pair is None else _shrink_part(raw.pair)
    passed = type(raw)(_shrink_part(raw.row), _shrink_part(raw.combine), raw.meta, pair)
    _assert_separable(passed, rule, "passes on the separable parts")
    flat_raw = raw.flatten()
    flat = [Stage.of("raw network (flat)", assert_exact(flat_raw, rule.table, "flattening"))]
    flat.append(Stage.of("passes (flat)", optimize(flat_raw, rule.table).circuit))
    out = LearnedSeparable(rule, res.config, res.history, res.seconds, res.compile_seconds,
                           raw, passed, flat=flat, restarts=list(res.restarts))
    if not synthesize:
        return out
    from gatenet.synth.flow import synthesize_strong

    def said(what: str):
        if synth_progress is None:
            return None
        return lambda text: synth_progress(f"synthesis ({what}): {text}")

    row_g, out.row_lut3 = synthesize_strong(passed.row, progress=said("row"),
                                            budget=synth_budget)
    pair_g = None
    if passed.pair is not None:
        pair_g, out.pair_lut3 = synthesize_strong(passed.pair, progress=said("pair"),
                                                  budget=synth_budget)
    comb_g, out.combine_lut3 = synthesize_strong(passed.combine, progress=said("combine"),
                                                 budget=synth_budget)
    # the synthesised parts keep their roles' names (ABC renames nothing it was given)
    synthesized = type(raw)(row_g, comb_g, raw.meta, pair_g)
    _assert_separable(synthesized, rule, "synthesis of the separable parts")
    out.synthesized = synthesized
    flat_g, out.flat_lut3 = synthesize_strong(flat[-1].circuit, progress=said("flat"),
                                              budget=synth_budget)
    flat.append(Stage.of("ABC (strong, flat)", assert_exact(flat_g, rule.table, "synthesis")))
    if pair_level and synthesized.pair is None:
        _pair(out, rule, pair_encodings, synth_budget, synth_progress)
    return out


def _pair(out: LearnedSeparable, rule: rules.Rule, encodings: int | None,
          budget: float | None, progress: Callable[[str], None] | None) -> None:
    """Give ``out`` a pair level by decomposition, or record why it has none."""
    from gatenet.synth.pairing import PairingError, find_pair_level
    from gatenet.synth.yosys import SynthesisError

    try:
        level = find_pair_level(out.synthesized, rule.table, row_lut3=out.row_lut3,
                                max_encodings=encodings, budget=budget, progress=progress)
    except (PairingError, SynthesisError) as e:  # the circuit stands without a pair level
        out.pairing = {"none": str(e).splitlines()[0]}
        return
    out.paired = (level.gates, level.gates_lut3)
    out.paired_luts = (level.luts, level.luts_lut3)
    out.pairing = {"classes": [list(c) for c in level.chart.classes],
                   "bits": level.chart.bits, "tried": level.tried,
                   "ranked": [[q, lq, list(c)] for q, lq, c in level.ranked],
                   "finalists": level.finalists}


def learn_separable_cached(rule: str | rules.Rule = "B3/S23", seed: int = 0,
                           refresh: bool = False, **kw: Any) -> LearnedSeparable:
    """:func:`learn_separable`, memoised on disk like :func:`learn_cached` (keyed by rule,
    seed, options and the package source; every circuit re-verified when read back)."""
    rule = rules.parse(rule)
    keyed = {k: repr(v) for k, v in sorted(kw.items()) if k not in _DISPLAY_ONLY}
    key_src = json.dumps({"arch": "separable", "rule": rule.map_string, "seed": seed,
                          "kw": keyed, "src": source_fingerprint()}, sort_keys=True)
    key = hashlib.sha256(key_src.encode()).hexdigest()[:20]
    path = cache_subdir("learned") / f"separable-{key}.json"
    if path.exists() and not refresh:
        try:
            return _load_separable(path, rule)
        except (OSError, ValueError, KeyError, TypeError, IndexError):
            pass  # damaged or stale: recomputed, never trusted
    learned = learn_separable(rule, seed, **kw)
    atomic_write_text(path, json.dumps(_separable_to_dict(learned)))
    return learned


def _separable_to_dict(ls: LearnedSeparable) -> dict[str, Any]:
    def part(x: Any) -> Any:
        return None if x is None else x.to_dict()

    h = ls.history
    return {
        "rule": ls.rule.map_string, "rule_name": ls.rule.name, "config": asdict(ls.config),
        "history": {"loss": h.loss.tolist(), "hard_errors": h.hard_errors.tolist(),
                    "seconds": h.seconds.tolist()},
        "train_seconds": ls.train_seconds, "compile_seconds": ls.compile_seconds,
        "raw": ls.raw.to_dict(), "passed": ls.passed.to_dict(),
        "synthesized": part(ls.synthesized),
        "flat": [[s.name, s.circuit.to_dict()] for s in ls.flat],
        "row_lut3": part(ls.row_lut3), "combine_lut3": part(ls.combine_lut3),
        "flat_lut3": part(ls.flat_lut3), "pair_lut3": part(ls.pair_lut3),
        "restarts": ls.restarts,
        "paired": _paired_to_dict(ls.paired), "paired_luts": _paired_to_dict(ls.paired_luts),
        "pairing": ls.pairing,
    }


def _paired_to_dict(form: Any) -> Any:
    if form is None:
        return None
    sep, lut = form
    return {"circuit": sep.to_dict(), "lut3": {name: part.to_dict()
                                               for name, part in lut.parts().items()}}


def _paired_from_dict(d: Any, rule: rules.Rule) -> Any:
    """A memo's paired form, checked: both readings are the rule, the LUTs its parts."""
    from gatenet.ir.lut import Lut3Circuit
    from gatenet.ir.separable import SeparableCircuit, SeparableLut3

    if d is None:
        return None
    sep = SeparableCircuit.from_dict(d["circuit"])
    if sep.pair is None or not sep.computes(rule.table):
        raise ValueError("memo's paired circuit is not the rule")
    parts = {name: Lut3Circuit.from_dict(x) for name, x in d["lut3"].items()}
    return sep, SeparableLut3(parts["row"], parts["combine"], parts["pair"]).check(sep)


def _load_separable(path: Path, rule: rules.Rule) -> LearnedSeparable:
    """Read a memo back; every circuit is checked against ``rule`` (ValueError if not)."""
    from gatenet.ir.lut import Lut3Circuit
    from gatenet.ir.netlist import CircuitError
    from gatenet.ir.separable import SeparableCircuit
    from gatenet.learn.separable import SeparableConfig

    d = json.loads(path.read_text(encoding="utf-8"))
    if d["rule"] != rule.map_string:
        raise ValueError("memo of another rule")
    forms = {k: None if d[k] is None else SeparableCircuit.from_dict(d[k])
             for k in ("raw", "passed", "synthesized")}
    for name, form in forms.items():
        if form is not None and not form.computes(rule.table):
            raise ValueError(f"memo's {name} circuit is not the rule")
    flat = [Stage.of(name, assert_exact(Circuit.from_dict(c), rule.table, name))
            for name, c in d["flat"]]
    luts: dict[str, Any] = {}
    for k in ("row_lut3", "combine_lut3", "flat_lut3", "pair_lut3"):
        luts[k] = None if d.get(k) is None else Lut3Circuit.from_dict(d[k])
    try:
        if luts["flat_lut3"] is not None:
            assert_exact(luts["flat_lut3"], rule.table, "flat LUT3")
        syn = forms["synthesized"]
        for k, part in (("row_lut3", "row"), ("combine_lut3", "combine"),
                        ("pair_lut3", "pair")):
            if luts[k] is not None and syn is not None:
                want = getattr(forms["passed"], part).truth_table()
                if not np.array_equal(luts[k].truth_table(), want):
                    raise ValueError(f"memo's {k} differs from the {part} circuit")
    except CircuitError as e:
        raise ValueError(str(e)) from None
    cfg = dict(d["config"])
    for k in ("row_sizes", "combine_sizes", "pair_sizes"):
        cfg[k] = tuple(cfg[k])
    h = d["history"]
    history = History(np.asarray(h["loss"], np.float32), np.asarray(h["hard_errors"], np.int32),
                      np.asarray(h["seconds"], np.float64))
    return LearnedSeparable(rule, SeparableConfig(**cfg), history, d["train_seconds"],
                            d["compile_seconds"], forms["raw"], forms["passed"],
                            forms["synthesized"], flat, **luts,
                            restarts=[int(r) for r in d["restarts"]],
                            paired=_paired_from_dict(d.get("paired"), rule),
                            paired_luts=_paired_from_dict(d.get("paired_luts"), rule),
                            pairing=dict(d.get("pairing") or {}))


@dataclass
class SeedRun:
    """One seed of a separable seed search (:func:`search_separable`)."""

    seed: int
    exact: bool
    epochs: int
    restarts: int
    seconds: float
    encoding: str = ""  # how the row circuit encodes a row (see learn.separable.encoding)
    row_gates: int = 0  # after the passes
    combine_gates: int = 0
    pair_gates: int = 0
    quick_gates: float = 0  # gates per output word after ABC's quick default script
    passed: Any = None  # the SeparableCircuit after the passes (exact runs)


def _seed_job(rule_map: str, seed: int, config: dict[str, Any]) -> dict[str, Any]:
    """One seed of :func:`search_separable` (module level: it runs in worker processes):
    train, extract, passes and ABC's quick script on each part, every form verified."""
    from gatenet.ir.separable import SeparableCircuit
    from gatenet.learn.separable import (
        SeparableConfig,
        encoding,
        extract_separable,
        train_separable,
    )
    from gatenet.synth.flow import synthesize_gates

    rule = rules.Rule(rules.name_of(rules.from_map(rule_map)), rules.from_map(rule_map))
    cfg = SeparableConfig(**config)
    r = train_separable(rule, cfg, seed=seed, progress=False)
    out: dict[str, Any] = {"seed": seed, "exact": r.converged, "epochs": r.epochs,
                           "restarts": len(r.restarts), "seconds": r.seconds}
    if r.converged:
        sep = extract_separable(r.network, r.params, rule)
        pair = None if sep.pair is None else _shrink_part(sep.pair)
        passed = SeparableCircuit(_shrink_part(sep.row), _shrink_part(sep.combine), {}, pair)
        _assert_separable(passed, rule, "passes on the separable parts")
        quick = SeparableCircuit(
            synthesize_gates(passed.row, "default"), synthesize_gates(passed.combine, "default"),
            {}, None if pair is None else synthesize_gates(pair, "default"))
        _assert_separable(quick, rule, "quick synthesis")
        row_gates, combine_gates = passed.live_gates()
        out.update(encoding=encoding(passed.row.truth_table()), row_gates=row_gates,
                   combine_gates=combine_gates, pair_gates=passed.pair_gates(),
                   quick_gates=quick.ops_per_cell_word(), passed=passed.to_dict())
    return out


#: Seeds the command line's separable architecture searches unless told otherwise
#: (``train --search``), and the search chapter 10 shows. On Life, seeds 0..47 find a
#: 27-gate circuit (seed 37, 24 gates per output word); the seeds before it are all at
#: least ten gates per word larger after the quick script. About ten minutes on two cores.
DEFAULT_SEARCH = 48


def search_separable(
    seeds: Sequence[int],
    rule: str | rules.Rule = "B3/S23",
    config: Any = None,
    workers: int | None = None,
    progress: bool | None = None,
) -> list[SeedRun]:
    """Train a separable network for every seed and shrink each exact one (passes, then
    ABC's quick default script on each part) — cheap enough for dozens of seeds, and the
    circuit a seed learns decides its size more than any later effort. Seeds run over
    ``workers`` processes (default: one per usable core); each gives bit for bit what it
    gives alone. Results in seed order; see :func:`smallest_run`.
    """
    from gatenet.ir.separable import SeparableCircuit
    from gatenet.learn.separable import SeparableConfig

    rule = rules.parse(rule)
    cfg = config or SeparableConfig()
    cfg.validate()
    seeds = [int(s) for s in seeds]
    jobs = [(rule.map_string, s, asdict(cfg)) for s in seeds]
    found = _map_seeds(_seed_job, jobs, seeds, workers, progress, f"search {rule} (separable)")
    runs = []
    for d in found:
        if d.get("passed") is not None:
            d["passed"] = SeparableCircuit.from_dict(d["passed"])
            _assert_separable(d["passed"], rule, "the seed search")
        runs.append(SeedRun(**d))
    return runs


def _map_seeds(fn: Callable[..., dict[str, Any]], jobs: list[tuple], seeds: list[int],
               workers: int | None, progress: bool | None, desc: str) -> list[dict[str, Any]]:
    """``fn(*job)`` for every job, over ``workers`` processes (default: one per usable
    core), with a progress bar on a terminal; results in job order."""
    from tqdm.auto import tqdm

    from gatenet.learn.batch import default_workers, map_processes

    workers = default_workers() if workers is None else workers
    found: dict[int, dict[str, Any]] = {}
    show = sys.stderr.isatty() if progress is None else progress
    with tqdm(total=len(jobs), disable=not show, unit="seed", desc=desc) as bar:
        def done(i: int, result: dict[str, Any]) -> None:
            found[i] = result
            bar.update(1)

        if workers <= 1:
            for i, job in enumerate(jobs):
                done(i, fn(*job))
        else:
            dead = map_processes(fn, jobs, workers, done)
            if dead:
                raise RuntimeError(f"seeds {[seeds[i] for i in dead]} killed their worker")
    return [found[i] for i in range(len(jobs))]


@dataclass
class ChoiceRun:
    """One seed of :func:`search_choice`: how training went and, if exact, the circuit's
    size after the passes and after ABC's quick script (both verified)."""

    seed: int
    candidates: int
    exact: bool
    epochs: int
    seconds: float
    wrong: int  # of the hard circuit at the end (0 when exact)
    moved: int = 0  # gate inputs reading another source than the fixed wiring's
    passes_gates: int = 0
    quick_gates: int = 0


def _choice_job(rule_map: str, seed: int, config: dict[str, Any]) -> dict[str, Any]:
    """One seed of :func:`search_choice` (module level: it runs in worker processes)."""
    from gatenet.learn.choice import ChoiceConfig, extract_choice, moved_wires, train_choice
    from gatenet.synth.flow import synthesize_gates

    rule = rules.Rule(rules.name_of(rules.from_map(rule_map)), rules.from_map(rule_map))
    cfg = ChoiceConfig(**{**config, "layers": tuple(config["layers"]), "seed": seed})
    r = train_choice(rule, cfg)
    c = extract_choice(r)
    out: dict[str, Any] = {"seed": seed, "candidates": cfg.candidates, "exact": r.exact,
                           "epochs": r.epochs, "seconds": r.seconds,
                           "wrong": c.meta["wrong"], "moved": moved_wires(r)}
    if r.exact:
        passed = assert_exact(optimize(c, rule.table).circuit, rule.table,
                              "passes on the learned-wiring circuit")
        quick = assert_exact(synthesize_gates(passed, "default"), rule.table,
                             "quick synthesis of the learned-wiring circuit")
        out.update(passes_gates=len(passed), quick_gates=len(quick))
    return out


def search_choice(seeds: Sequence[int], rule: str | rules.Rule = "B3/S23", config: Any = None,
                  workers: int | None = None, progress: bool | None = None) -> list[ChoiceRun]:
    """Train a learned-wiring network (:mod:`gatenet.learn.choice`) for every seed, over
    ``workers`` processes, and shrink each exact circuit (passes, ABC's quick script).
    ``config.candidates = 1`` is the fixed-wiring control. Results in seed order."""
    from gatenet.learn.choice import ChoiceConfig

    rule = rules.parse(rule)
    cfg = (config or ChoiceConfig()).validate()
    seeds = [int(s) for s in seeds]
    jobs = [(rule.map_string, s, asdict(cfg)) for s in seeds]
    found = _map_seeds(_choice_job, jobs, seeds, workers, progress,
                       f"{rule}, {cfg.candidates} candidate{'s' * (cfg.candidates > 1)}")
    return [ChoiceRun(**d) for d in found]


def smallest_run(runs: Sequence[SeedRun]) -> SeedRun:
    """The exact run with the fewest gates per output word after the quick script (ties:
    the earlier seed): the one worth the strong synthesis."""
    exact = [r for r in runs if r.exact]
    if not exact:
        raise NotConvergedError("no seed of the search became exact")
    return min(exact, key=lambda r: (r.quick_gates, r.seed))

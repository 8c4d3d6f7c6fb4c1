"""Training: full-batch optax over all 512 neighbourhoods until the hard circuit is exact.

The recipe is the write-up's (after DiffLogic CA): every batch is the whole truth table,
the loss is the sum of squared errors of the *soft* network, the optimiser is
``clip(100) → AdamW(0.05, b1=0.9, b2=0.99, weight_decay=1e-2)``. What we watch is not the
loss but the *hard* error — how many of the 512 patterns the argmax circuit gets wrong —
and we stop once that has been zero for ``patience`` consecutive epochs.

Epochs run in chunks inside one jitted ``lax.scan`` so Python is visited once per chunk,
not once per epoch. The program trains *slots* — networks side by side, each with its own
wiring, rule, hyperparameters and epoch budget — and freezes a slot the epoch it becomes
exact, so results do not depend on the chunk size or on the other slots' progress.
:func:`train` runs one network; :mod:`gatenet.learn.batch` runs many over all cores.
"""

from __future__ import annotations

import itertools
import math
import sys
import time
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np
import optax
from tqdm.auto import tqdm

from gatenet import gates, rules
from gatenet.learn.network import DEFAULT_SIZES, Network, Params, all_patterns, coefficients
from gatenet.storage import CacheError, cache_subdir

#: Seeds accepted: ``jax.random.PRNGKey`` keeps only the low 32 bits of a seed (2**32 and 0
#: give the same key), so a larger seed would silently repeat a smaller one's run.
MAX_SEED = 2**32 - 1


class CacheWarning(UserWarning):
    """The gatenet cache cannot hold JAX's compiled programs; training compiles afresh."""


@dataclass(frozen=True)
class TrainConfig:
    """Everything that determines a training run (with ``rule``, the whole input)."""

    sizes: tuple[int, ...] = DEFAULT_SIZES
    scheme: str | tuple[str, ...] = "auto"
    init: str = "passthrough"
    strength: float = 10.0
    noise: float = 0.1  # σ of the Gaussian logit noise: breaks ties, keeps pass-through
    learning_rate: float = 0.05
    b1: float = 0.9
    b2: float = 0.99
    weight_decay: float = 1e-2
    clip: float = 100.0
    max_epochs: int = 3000
    patience: int = 1
    chunk: int = 50
    seed: int = 0
    snapshot_every: int = 0  # record per-layer gate probabilities every N epochs (0: never)

    def replace(self, **changes: Any) -> TrainConfig:
        return replace(self, **changes)

    def validate(self) -> None:
        """Raise a :class:`ValueError` (:class:`TypeError` for a non-integer) naming the
        field and its range, before anything is built or compiled."""
        for name in ("seed", "max_epochs", "patience", "chunk", "snapshot_every"):
            v = getattr(self, name)
            if isinstance(v, bool) or not isinstance(v, int | np.integer):
                raise TypeError(f"{name} must be an integer, got {type(v).__name__} {v!r}")
        if not 0 <= self.seed <= MAX_SEED:
            raise ValueError(f"seed must be in 0..2**32-1 (0..{MAX_SEED}), got {self.seed}")
        if self.snapshot_every < 0:
            raise ValueError(f"snapshot_every must be ≥ 0, got {self.snapshot_every}")
        if self.max_epochs < 1:
            raise ValueError(f"max_epochs must be ≥ 1, got {self.max_epochs}")
        if self.patience < 1:
            raise ValueError(f"patience must be ≥ 1, got {self.patience}")
        if self.chunk < 1:
            raise ValueError(f"chunk must be ≥ 1, got {self.chunk}")
        for name, lo, hi, lo_in, hi_in in (("learning_rate", 0.0, math.inf, False, False),
                                           ("clip", 0.0, math.inf, False, True),
                                           ("b1", 0.0, 1.0, True, False),
                                           ("b2", 0.0, 1.0, True, False)):
            v = getattr(self, name)
            ok = (not isinstance(v, bool) and isinstance(v, int | float | np.number)
                  and not math.isnan(v) and (lo < v or (lo_in and v == lo))
                  and (v < hi or (hi_in and v == hi)))
            if not ok:
                raise ValueError(f"{name} must be in {'[' if lo_in else '('}{lo:g}, {hi:g}"
                                 f"{']' if hi_in else ')'}, got {v!r}")
        for name in ("weight_decay", "noise", "strength"):
            v = getattr(self, name)
            if isinstance(v, bool) or not isinstance(v, int | float | np.number) or not (
                    math.isfinite(v) and (v >= 0 or name == "strength")):
                raise ValueError(f"{name} must be a finite number"
                                 f"{'' if name == 'strength' else ' ≥ 0'}, got {v!r}")
        if self.sizes[0] != 9 or self.sizes[-1] != 1:
            raise ValueError(
                f"a 3×3 rule network has 9 inputs and 1 output, got sizes {list(self.sizes)}"
            )


@dataclass
class History:
    """Per-epoch record of a run, for plots."""

    loss: np.ndarray  # soft loss (sum of squared errors) before each epoch's update
    hard_errors: np.ndarray  # wrong patterns of the argmax circuit after the update
    seconds: np.ndarray  # cumulative wall time of training at the end of each epoch
    #: ``(epoch, logits per layer)`` every ``snapshot_every`` epochs (at chunk boundaries)
    param_snapshots: list[tuple[int, list[np.ndarray]]] = field(default_factory=list)

    @property
    def epochs(self) -> int:
        return len(self.loss)

    @property
    def snapshots(self) -> list[tuple[int, np.ndarray]]:
        """``(epoch, mean gate probabilities per layer)``: shape ``(layers, 16)`` each."""
        return [(e, Network.gate_probabilities(p)) for e, p in self.param_snapshots]


@dataclass
class TrainResult:
    rule: rules.Rule
    config: TrainConfig
    network: Network
    params: Params
    history: History
    converged: bool
    compile_seconds: float

    @property
    def epochs(self) -> int:
        return self.history.epochs

    @property
    def seconds(self) -> float:
        """Training wall time, excluding the one-off JIT compilation."""
        return float(self.history.seconds[-1]) if self.history.epochs else 0.0

    @property
    def hard_errors(self) -> int:
        return int(self.history.hard_errors[-1]) if self.history.epochs else -1


def _recipe(clip: float, learning_rate: float, b1: float, b2: float,
            weight_decay: float) -> optax.GradientTransformation:
    return optax.chain(
        optax.clip(clip),
        optax.adamw(learning_rate, b1=b1, b2=b2, weight_decay=weight_decay),
    )


def make_optimizer(cfg: TrainConfig) -> optax.GradientTransformation:
    """Clip every gradient entry to ±``clip``, then AdamW.

    The hyperparameters are *injected*: they live in the optimiser's state rather than in
    the compiled program, so networks trained side by side in one batch can each have
    their own learning rate, clip, betas and weight decay.
    """
    return optax.inject_hyperparams(_recipe)(
        clip=cfg.clip, learning_rate=cfg.learning_rate, b1=cfg.b1, b2=cfg.b2,
        weight_decay=cfg.weight_decay,
    )


def _slot_forward(flat, wires, x, sizes: tuple[int, ...], hard: bool):
    """``S`` networks of the same shape as one block-diagonal network.

    ``flat`` holds every neuron's logits, ``(S, neurons, 16)``, layer after layer: one
    softmax for the whole network instead of one per layer (on a CPU, XLA's cost per
    operation is what dominates at these sizes). ``wires[l]`` is ``(S, 2·n_l)``: each
    gate's first inputs, then its second inputs, as indices into the slot's own previous
    layer. Offsetting each slot's indices by its position turns the batch into one wide
    network, so every layer is one row gather, however many networks there are. ``x`` is
    the ``(n_in, patterns)`` input. Returns ``(S, patterns)``.
    """
    slots = flat.shape[0]
    coef = coefficients(flat.reshape(-1, flat.shape[-1]), hard).reshape(slots, -1, 4)
    return _run_slots(x, coef, wires, sizes,
                      lambda c, a, b: c[:, 0] + c[:, 1] * a + c[:, 2] * b + c[:, 3] * a * b)


def _run_slots(x, per_gate, wires, sizes: tuple[int, ...], gate: Callable):
    """The layer walk shared by the float and the bit forms: ``S`` networks side by side,
    each layer one row gather of both inputs, then ``gate(g, a, b)`` with ``g`` the gates'
    four numbers (``per_gate`` is ``(S, neurons, 4)``) as ``(S·n, 4, 1)``. Returns
    ``(S, row length)``."""
    slots = per_gate.shape[0]
    rows = jnp.tile(x, (slots, 1))
    start = 0
    for n_prev, n, idx in zip(sizes[:-1], sizes[1:], wires, strict=True):
        off = (jnp.arange(slots, dtype=idx.dtype) * n_prev)[:, None]
        ab = rows[(idx + off).reshape(-1)].reshape(slots, 2, n, -1)
        a = ab[:, 0].reshape(slots * n, -1)
        b = ab[:, 1].reshape(slots * n, -1)
        g = per_gate[:, start : start + n].reshape(slots * n, 4, 1)
        start += n
        rows = gate(g, a, b)
    return rows.reshape(slots, -1)


#: Each gate in algebraic normal form, as ``uint32`` masks (all ones or zero):
#: ``gate(a, b) = m0 ^ (m1 & a) ^ (m2 & b) ^ (m3 & a & b)``.
_ANF = np.array([[t[0, 0], t[0, 0] ^ t[1, 0], t[0, 0] ^ t[0, 1],
                  t[0, 0] ^ t[0, 1] ^ t[1, 0] ^ t[1, 1]] for t in gates.TRUTH],
                dtype=np.uint32) * np.uint32(0xFFFFFFFF)


def pack_patterns(v: jax.Array) -> jax.Array:
    """``(rows, patterns)`` of 0/1 as ``(rows, patterns / 32)`` ``uint32`` words, pattern
    ``32·w + k`` in bit ``k`` of word ``w``."""
    if v.shape[-1] % 32:
        raise ValueError(f"patterns pack 32 to a word; got {v.shape[-1]} patterns")
    bits = v.reshape(v.shape[0], -1, 32).astype(jnp.uint32)
    return jnp.sum(bits << jnp.arange(32, dtype=jnp.uint32), axis=-1, dtype=jnp.uint32)


def _slot_errors(flat, wires, xbits, ybits, sizes: tuple[int, ...]):
    """Wrong patterns of each slot's *hard* circuit, ``(S,)``: the argmax network run on
    bits, 32 patterns per ``uint32`` word, instead of on floats.

    Counting the hard circuit's errors every epoch is what decides when a network is
    exact, and on floats it cost a fifth of the epoch: one more forward pass over the
    whole network. On packed bits the same count reads 16 words per neuron instead of 512
    floats. The count is exact either way (a hard gate on 0/1 inputs is 0 or 1), so the
    training run is the same epoch for epoch.
    """
    masks = jnp.asarray(_ANF)[jnp.argmax(flat, axis=-1)]  # (S, neurons, 4)
    out = _run_slots(xbits, masks, wires, sizes,
                     lambda m, a, b: m[:, 0] ^ (m[:, 1] & a) ^ (m[:, 2] & b) ^ (m[:, 3] & a & b))
    wrong = jax.lax.population_count(out ^ ybits)
    return jnp.sum(wrong, axis=1, dtype=jnp.int32)


def _make_chunk(opt: optax.GradientTransformation, sizes: tuple[int, ...], patience: int,
                n: int):
    """A jitted run of ``n`` epochs of ``S`` networks side by side (``S`` from the shapes).

    Each network is a *slot* with its own wiring, target, optimiser state, epoch count and
    epoch limit. A slot that becomes exact (its hard circuit right on all patterns for
    ``patience`` epochs) or reaches its limit is frozen in place: its parameters and
    optimiser state stop changing, so what is read out afterwards is exactly its state at
    that epoch, whatever the chunk size and whatever its neighbours do. Wiring, inputs and
    targets are arguments, not constants, so one compiled program serves every batch of
    the same shapes.
    """

    def losses(params, wires, x, y):
        per = jnp.sum((_slot_forward(params, wires, x, sizes, hard=False) - y) ** 2, axis=1)
        return jnp.sum(per), per  # networks are independent: the sum's gradient is each one's

    def run(carry, wires, x, y, limit):
        xbits, ybits = pack_patterns(x), pack_patterns(y)

        def epoch(carry, _):
            params, state, count, streak, done = carry
            (_, loss), grads = jax.value_and_grad(losses, has_aux=True)(params, wires, x, y)
            updates, new_state = jax.vmap(opt.update)(grads, state, params)
            new_params = optax.apply_updates(params, updates)
            active = jnp.logical_and(~done, count < limit)

            def keep(new, old):
                return jnp.where(active.reshape((-1,) + (1,) * (new.ndim - 1)), new, old)

            params = jax.tree.map(keep, new_params, params)
            state = jax.tree.map(keep, new_state, state)
            errors = _slot_errors(params, wires, xbits, ybits, sizes)
            streak = jnp.where(active, jnp.where(errors == 0, streak + 1, 0), streak)
            done = jnp.logical_or(done, jnp.logical_and(active, streak >= patience))
            count = count + active.astype(jnp.int32)
            return (params, state, count, streak, done), (loss, errors, active)

        return jax.lax.scan(epoch, carry, None, length=n)

    return jax.jit(run)


#: Compiled chunk programs, keyed by everything that changes the program's code or shapes.
_COMPILED: dict[tuple, Any] = {}


#: Set once the cache directory has been found unusable, so the warning is given once.
_CACHE_UNUSABLE = False


def enable_compilation_cache() -> bool:
    """Keep XLA's compiled programs on disk (unless the user chose a place already).

    Compiling the training step takes longer than many training runs; with the persistent
    cache, every process after the first — each chapter of the book, each test — reuses it.

    The cache only saves time, so an unusable cache directory (``GATENET_CACHE`` read-only,
    or under a file) does not stop training: a :class:`CacheWarning` naming
    ``GATENET_CACHE`` is issued once per process and training compiles without the
    persistent cache, rather than failing later inside JAX. Returns whether the persistent
    cache is in use.
    """
    global _CACHE_UNUSABLE
    if jax.config.jax_compilation_cache_dir is not None:
        return True
    if _CACHE_UNUSABLE:
        return False
    try:
        folder = cache_subdir("jax")
    except CacheError as e:
        _CACHE_UNUSABLE = True
        warnings.warn(f"{e}; training without the persistent JAX compilation cache",
                      CacheWarning, stacklevel=2)
        return False
    jax.config.update("jax_compilation_cache_dir", str(folder))
    jax.config.update("jax_persistent_cache_min_compile_time_secs", 1.0)
    return True


def train(
    rule: str | rules.Rule = "B3/S23",
    config: TrainConfig | None = None,
    progress: bool | None = None,
    **overrides: Any,
) -> TrainResult:
    """Train a network on ``rule`` until its hard circuit is exact (or ``max_epochs``).

    ``overrides`` replace fields of ``config`` (e.g. ``train("B3/S23", seed=3)``).
    ``progress`` shows a tqdm bar; by default only when stderr is a terminal. This is
    :func:`gatenet.learn.batch.train_many` with one network: the same compiled program
    trains a network alone or among others, so a seed gives the same circuit either way.
    """
    rule = rules.parse(rule)
    cfg = (config or TrainConfig()).replace(**overrides)
    cfg.validate()
    (result,) = run_jobs([(rule, cfg)], slots=1, progress=progress)
    return result


def group_key(cfg: TrainConfig) -> tuple:
    """Configurations with equal keys can share one batch: same shapes, same program."""
    return (tuple(cfg.sizes), cfg.patience, cfg.chunk)


@dataclass
class _Job:
    index: int
    rule: rules.Rule
    cfg: TrainConfig
    net: Network
    losses: list[np.ndarray] = field(default_factory=list)
    errors: list[np.ndarray] = field(default_factory=list)
    seconds: list[np.ndarray] = field(default_factory=list)
    elapsed: float = 0.0
    epochs: int = 0
    snapshots: list[tuple[int, list[np.ndarray]]] = field(default_factory=list)


#: Hyperparameters carried in the optimiser state (see :func:`make_optimizer`).
_HYPER = ("clip", "learning_rate", "b1", "b2", "weight_decay")

#: Jitted optimiser initialisers, keyed by layer sizes.
_OPT_INIT: dict[tuple, Any] = {}


def _host(tree: Any) -> Any:
    """A writable numpy copy of a pytree of arrays (slot surgery happens on the host,
    where it compiles nothing)."""
    return jax.tree.map(lambda leaf: np.array(leaf), tree)


def _initial_state(cfg: TrainConfig, params: np.ndarray) -> Any:
    """The optimiser state of a fresh network, as numpy, with ``cfg``'s hyperparameters."""
    key = tuple(cfg.sizes)
    init = _OPT_INIT.get(key)
    if init is None:
        init = _OPT_INIT[key] = jax.jit(make_optimizer(cfg).init)
    state = _host(init(params))
    hyper = dict(state.hyperparams)
    for name in _HYPER:
        hyper[name] = np.asarray(getattr(cfg, name), dtype=np.asarray(hyper[name]).dtype)
    return state._replace(hyperparams=hyper)


def run_jobs(
    jobs: Sequence[tuple[rules.Rule, TrainConfig]],
    slots: int = 1,
    progress: bool | None = None,
    on_result: Callable[[int, TrainResult], None] | None = None,
) -> list[TrainResult]:
    """Train every ``(rule, config)`` job in this process, ``slots`` networks at a time.

    All jobs must share :func:`group_key`. The slots run as one compiled program; when a
    network finishes (exact or out of epochs) its slot is refilled with the next job at
    the next chunk boundary, so nothing recompiles and no slot idles while work is left.
    Results come back in job order; ``on_result(index, result)`` is called as each one
    finishes. With ``slots=1`` (what :func:`train` and
    :func:`gatenet.learn.batch.train_many` use) every network runs in the same program
    whatever else is queued, so its result is reproducible bit for bit; with more slots
    XLA compiles a wider program and the last bits of a network's arithmetic may differ.
    """
    if not jobs:
        return []
    keys = {group_key(cfg) for _, cfg in jobs}
    if len(keys) != 1:
        raise ValueError(f"jobs of one batch must share sizes, patience and chunk; got {keys}")
    if slots < 1:
        raise ValueError(f"slots must be ≥ 1, got {slots}")
    slots = min(slots, len(jobs))
    enable_compilation_cache()
    first_cfg = jobs[0][1]
    chunk, patience = first_cfg.chunk, first_cfg.patience
    x = all_patterns(9).T.copy()

    def prepare(index: int):
        rule, cfg = jobs[index]
        net = Network(cfg.sizes, cfg.scheme, seed=cfg.seed)
        params = np.concatenate(net.init(cfg.seed, cfg.init, cfg.strength, cfg.noise))
        state = _initial_state(cfg, params)
        wires = [np.concatenate([a, b]).astype(np.int32) for a, b in net.wires]
        return _Job(index, rule, cfg, net), params, state, wires, rule.table

    def stack(*leaves):
        return np.stack(leaves)

    loaded = [prepare(i) for i in range(slots)]
    params = jax.tree.map(stack, *[p for _, p, _, _, _ in loaded])
    state = jax.tree.map(stack, *[s for _, _, s, _, _ in loaded])
    wires = jax.tree.map(stack, *[w for _, _, _, w, _ in loaded])
    y = np.stack([t for *_, t in loaded]).astype(np.float32)
    limit = np.asarray([job.cfg.max_epochs for job, *_ in loaded], np.int32)
    count = np.zeros(slots, np.int32)
    streak = np.zeros(slots, np.int32)
    done = np.zeros(slots, bool)
    running: list[_Job | None] = [job for job, *_ in loaded]
    sizes = tuple(first_cfg.sizes)
    bounds = np.cumsum([0, *sizes[1:]])

    def layers(flat: np.ndarray) -> list[np.ndarray]:
        return [flat[a:b].copy() for a, b in itertools.pairwise(bounds)]

    for job, p, *_ in loaded:
        if job.cfg.snapshot_every:
            job.snapshots.append((0, layers(p)))
    next_job = slots

    key = (group_key(first_cfg), slots, jax.tree.structure(state))
    t0 = time.perf_counter()
    compiled = _COMPILED.get(key)
    if compiled is None:
        run = _make_chunk(make_optimizer(first_cfg), sizes, patience, chunk)
        compiled = run.lower((params, state, count, streak, done), wires, x, y, limit).compile()
        _COMPILED[key] = compiled
    compile_seconds = time.perf_counter() - t0

    results: list[TrainResult | None] = [None] * len(jobs)
    if progress is None:
        progress = sys.stderr.isatty()
    single = len(jobs) == 1
    name = str(jobs[0][0]) if len({str(r) for r, _ in jobs}) == 1 else "rules"
    bar = tqdm(total=first_cfg.max_epochs if single else len(jobs), disable=not progress,
               unit="epoch" if single else "net", desc=f"train {name}")
    exact = 0
    try:
        while any(job is not None for job in running):
            t = time.perf_counter()
            (params, state, count, streak, done), (loss, err, act) = compiled(
                (params, state, count, streak, done), wires, x, y, limit)
            loss, err, act = np.asarray(loss), np.asarray(err), np.asarray(act)
            counts, dones = np.asarray(count), np.asarray(done)
            dt = time.perf_counter() - t
            busy = sum(job is not None for job in running)
            host_params = None
            on_host = False  # copied to numpy for slot surgery, once per chunk at most
            for s, job in enumerate(running):
                if job is None:
                    continue
                rows = act[:, s]
                take = int(rows.sum())
                share = dt / chunk / busy  # this network's share of the chunk's wall time
                job.losses.append(loss[rows, s])
                job.errors.append(err[rows, s])
                job.seconds.append(job.elapsed + share * np.arange(1, take + 1))
                job.elapsed += share * take
                job.epochs += take
                every = job.cfg.snapshot_every
                finished = bool(dones[s]) or int(counts[s]) >= job.cfg.max_epochs
                snap = every and job.epochs // every > (job.epochs - take) // every
                if (snap or finished) and host_params is None:
                    host_params = np.asarray(params)
                if snap:
                    job.snapshots.append((job.epochs, layers(host_params[s])))
                if single:
                    bar.update(take)
                    if take:
                        bar.set_postfix(loss=f"{loss[rows, s][-1]:.3g}",
                                        wrong=int(err[rows, s][-1]))
                if not finished:
                    continue
                history = History(
                    loss=np.concatenate(job.losses), hard_errors=np.concatenate(job.errors),
                    seconds=np.concatenate(job.seconds), param_snapshots=job.snapshots)
                res = TrainResult(job.rule, job.cfg, job.net,
                                  [jnp.asarray(p) for p in layers(host_params[s])], history,
                                  bool(dones[s]), compile_seconds)
                results[job.index] = res
                exact += res.converged
                if on_result is not None:
                    on_result(job.index, res)
                if not single:
                    bar.update(1)
                    bar.set_postfix(exact=f"{exact}/{bar.n}")
                running[s] = None
                # Refill the slot on the host: numpy surgery compiles nothing.
                if not on_host:
                    params, state, wires = _host(params), _host(state), _host(wires)
                    limit, count, streak, done = (np.array(v)
                                                  for v in (limit, count, streak, done))
                    on_host = True
                if next_job < len(jobs):
                    new, p, st, w, table = prepare(next_job)
                    next_job += 1
                    for tree, value in ((params, p), (state, st), (wires, w)):
                        for leaf, v in zip(jax.tree.leaves(tree), jax.tree.leaves(value),
                                           strict=True):
                            leaf[s] = v
                    y[s] = table
                    limit[s], count[s], streak[s], done[s] = new.cfg.max_epochs, 0, 0, False
                    running[s] = new
                    if new.cfg.snapshot_every:
                        new.snapshots.append((0, layers(p)))
                else:
                    limit[s] = 0  # idle: frozen until the batch ends
    finally:
        bar.close()
    return [r for r in results if r is not None]


def hard_errors(net: Network, params: Params, rule: str | rules.Rule) -> int:
    """Number of the 512 patterns on which the argmax network disagrees with ``rule``."""
    rule = rules.parse(rule)
    out = np.asarray(net.hard(params, jnp.asarray(all_patterns(9))))[:, 0]
    return int(np.sum(np.round(out).astype(np.uint8) != rule.table))

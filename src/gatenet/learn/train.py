"""Training: full-batch optax over all 512 neighbourhoods until the hard circuit is exact.

The recipe is the write-up's (after DiffLogic CA): every batch is the whole truth table,
the loss is the sum of squared errors of the *soft* network, the optimiser is
``clip(100) → AdamW(0.05, b1=0.9, b2=0.99, weight_decay=1e-2)``. What we watch is not the
loss but the *hard* error — how many of the 512 patterns the argmax circuit gets wrong —
and we stop once that has been zero for ``patience`` consecutive epochs.

Epochs run in chunks inside one jitted ``lax.scan`` so Python is visited once per chunk,
not once per epoch; the chunk also snapshots the parameters at the exact epoch where the
stopping rule fired, so the result does not depend on the chunk size.
"""

from __future__ import annotations

import sys
import time
import warnings
from dataclasses import dataclass, field, replace
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np
import optax
from tqdm.auto import tqdm

from gatenet import rules
from gatenet.learn.network import DEFAULT_SIZES, Network, Params, all_patterns, forward
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
    snapshots: list[tuple[int, np.ndarray]] = field(default_factory=list)

    @property
    def epochs(self) -> int:
        return len(self.loss)


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


def make_optimizer(cfg: TrainConfig) -> optax.GradientTransformation:
    return optax.chain(
        optax.clip(cfg.clip),
        optax.adamw(cfg.learning_rate, b1=cfg.b1, b2=cfg.b2, weight_decay=cfg.weight_decay),
    )


def _make_chunk(opt: optax.GradientTransformation, patience: int, n: int):
    """A jitted run of ``n`` epochs. Wiring, inputs and targets are arguments, not constants,
    so the compiled program is reused by every run with the same shapes and optimiser."""

    def loss_fn(params, wires, x, y):
        pred = forward(params, wires, x, hard=False)[:, 0]
        return jnp.sum((pred - y) ** 2)

    def run(params, opt_state, streak, done, snap, wires, x, y):
        def epoch(carry, _):
            params, opt_state, streak, done, snap = carry
            loss, grads = jax.value_and_grad(loss_fn)(params, wires, x, y)
            updates, opt_state = opt.update(grads, opt_state, params)
            params = optax.apply_updates(params, updates)
            hard = forward(params, wires, x, hard=True)[:, 0]
            errors = jnp.sum(jnp.round(hard) != y).astype(jnp.int32)
            streak = jnp.where(errors == 0, streak + 1, 0)
            fire = jnp.logical_and(~done, streak >= patience)
            snap = jax.tree.map(lambda new, old: jnp.where(fire, new, old), params, snap)
            done = jnp.logical_or(done, fire)
            return (params, opt_state, streak, done, snap), (loss, errors, done)

        return jax.lax.scan(epoch, (params, opt_state, streak, done, snap), None, length=n)

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
    ``progress`` shows a tqdm bar; by default only when stderr is a terminal.
    """
    rule = rules.parse(rule)
    cfg = (config or TrainConfig()).replace(**overrides)
    cfg.validate()
    enable_compilation_cache()
    net = Network(cfg.sizes, cfg.scheme, seed=cfg.seed)
    params = net.init(cfg.seed, cfg.init, cfg.strength, cfg.noise)
    opt = make_optimizer(cfg)
    opt_state = opt.init(params)
    x = jnp.asarray(all_patterns(9))
    y = jnp.asarray(rule.table, jnp.float32)
    wires = tuple((jnp.asarray(a), jnp.asarray(b)) for a, b in net.wires)

    streak = jnp.int32(0)
    done = jnp.bool_(False)
    snap = params
    if progress is None:
        progress = sys.stderr.isatty()

    key = (cfg.sizes, cfg.clip, cfg.learning_rate, cfg.b1, cfg.b2, cfg.weight_decay,
           cfg.patience, cfg.chunk)
    t0 = time.perf_counter()
    compiled = _COMPILED.get(key)
    if compiled is None:
        run = _make_chunk(opt, cfg.patience, cfg.chunk)
        compiled = run.lower(params, opt_state, streak, done, snap, wires, x, y).compile()
        _COMPILED[key] = compiled
    compile_seconds = time.perf_counter() - t0

    losses: list[np.ndarray] = []
    errs: list[np.ndarray] = []
    secs: list[np.ndarray] = []
    snapshots: list[tuple[int, np.ndarray]] = []
    if cfg.snapshot_every:
        snapshots.append((0, Network.gate_probabilities(params)))
    elapsed = 0.0
    epochs = 0
    bar = tqdm(total=cfg.max_epochs, disable=not progress, unit="epoch", desc=f"train {rule}")
    try:
        while epochs < cfg.max_epochs:
            t = time.perf_counter()
            (params, opt_state, streak, done, snap), (loss, err, done_at) = compiled(
                params, opt_state, streak, done, snap, wires, x, y
            )
            loss, err, done_at = np.asarray(loss), np.asarray(err), np.asarray(done_at)
            dt = time.perf_counter() - t
            take = cfg.chunk
            if done_at.any():
                take = int(np.argmax(done_at)) + 1
            take = min(take, cfg.max_epochs - epochs)
            losses.append(loss[:take])
            errs.append(err[:take])
            secs.append(elapsed + dt * np.arange(1, take + 1) / cfg.chunk)
            elapsed += dt * take / cfg.chunk
            epochs += take
            if cfg.snapshot_every and (epochs // cfg.snapshot_every) > (
                (epochs - take) // cfg.snapshot_every
            ):
                snapshots.append((epochs, Network.gate_probabilities(params)))
            bar.update(take)
            bar.set_postfix(loss=f"{loss[take - 1]:.3g}", wrong=int(err[take - 1]))
            if done_at.any():
                break
    finally:
        bar.close()

    converged = bool(np.asarray(done))
    final = snap if converged else params
    history = History(
        loss=np.concatenate(losses),
        hard_errors=np.concatenate(errs),
        seconds=np.concatenate(secs),
        snapshots=snapshots,
    )
    return TrainResult(rule, cfg, net, final, history, converged, compile_seconds)


def hard_errors(net: Network, params: Params, rule: str | rules.Rule) -> int:
    """Number of the 512 patterns on which the argmax network disagrees with ``rule``."""
    rule = rules.parse(rule)
    out = np.asarray(net.hard(params, jnp.asarray(all_patterns(9))))[:, 0]
    return int(np.sum(np.round(out).astype(np.uint8) != rule.table))

"""A separable, row-shared logic gate network: one small network per row, weights shared.

The flat network of :mod:`gatenet.learn.network` sees all nine cells at once, so nothing
in its circuit can be shared between neighbouring output cells. This architecture learns
the structure hand-written kernels use instead:

1. a *row network* (``row_sizes``, 3 inputs → ``k`` features) is applied to each of the
   three rows' (west, centre, east) triples — one set of weights for all three rows, the
   logic-gate analogue of a convolution (as in convolutional DLGNs, Petersen et al. 2024);
2. a *combine network* (``combine_sizes``, ``3k + 1`` inputs → 1) reads the three rows'
   features and the centre cell and gives the next state.

Compiled, each row's features are computed once per row and reused by the three output
rows that need them (see :class:`gatenet.ir.separable.SeparableCircuit`).

With ``pair_sizes`` a third network, the *pair network* (``2k`` inputs → ``p``), reads two
adjacent rows' features, and the combine network (``p + k + 1`` inputs) reads the pair's
bits, the remaining row's features and the centre. Compiled, a pair is computed once for
the two output rows that share it. Both readings — the pair below the top row (for one
output row) and above the bottom row (for the next) — must be the rule, so the network is
trained on both at once: each epoch's batch is the 512 neighbourhoods read both ways.

Training is the flat network's recipe (full batch of 512 patterns, sum of squared errors,
clip → AdamW, pass-through initialisation), run in jitted chunks of epochs. A network is
frozen the epoch its hard circuit becomes exact, so the parameters read out are exactly
the exact-epoch ones.

One failure is specific to this shape and detectable exactly: with two feature bits per
row, the row network can settle on features that merge two triples the rule tells apart
(majority and "any alive", say, merge counts 2 and 3), and then no combine network can be
exact. :func:`features_suffice` tests that at every chunk boundary; after ``restart_after``
epochs of unusable features both networks are re-drawn (a random restart, recorded in
:attr:`SeparableResult.restarts`). Measured on Life: without restarts 1 seed in 8 became
exact within 4,000 epochs, with them 7 in 8 within 12,000. Restarts are decided at chunk
boundaries, so with restarts the chunk size is part of the recipe (without, it changes
nothing).

Which rules fit two feature bits at all is a fact about the rule, decided exactly by
:func:`row_code_classes` (every B/S rule does: a row's count is enough); the command line
uses it to pick this architecture by default.

It has its own small loop rather than the slot engine of :mod:`gatenet.learn.train`, which
is built around one flat layer stack.
"""

from __future__ import annotations

import math
import numbers
import sys
import time
from dataclasses import dataclass, field, replace
from functools import cached_property
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np
import optax
from tqdm.auto import tqdm

from gatenet import rules
from gatenet.colouring import min_colouring
from gatenet.ir.circuit import Circuit, Gate
from gatenet.ir.separable import (
    ROW_INPUTS,
    SeparableCircuit,
    combine_input_names,
    pair_input_names,
)
from gatenet.learn.network import Network, all_patterns, forward_rows
from gatenet.learn.train import MAX_SEED, History, enable_compilation_cache

#: Row network: one row's 3 cells → 2 feature bits (enough for the row's count, 0..3).
DEFAULT_ROW_SIZES: tuple[int, ...] = (3, 16, 16, 8, 4, 2)
#: Combine network: 3 rows × 2 features + the centre → the next state.
DEFAULT_COMBINE_SIZES: tuple[int, ...] = (7, 64, 64, 64, 32, 16, 8, 4, 2, 1)

#: Feature bits per row and pair bits the recipe accepts (see SeparableConfig.validate).
MAX_FEATURES, MAX_PAIR_BITS = 4, 8
#: Widest layer and longest compiled chunk of epochs accepted: these networks are small,
#: and a typo of a few zeros should be an error, not an hour of compiling.
MAX_WIDTH, MAX_CHUNK = 4096, 10_000

#: The combine network's wiring is drawn from its own stream: offsetting the seed by 2**32
#: (seeds are < 2**32) keeps it apart from every row network's.
_COMBINE_STREAM = 1 << 32


@dataclass(frozen=True)
class SeparableConfig:
    """Everything that determines a separable training run (with the rule)."""

    row_sizes: tuple[int, ...] = DEFAULT_ROW_SIZES
    combine_sizes: tuple[int, ...] = DEFAULT_COMBINE_SIZES
    pair_sizes: tuple[int, ...] = ()  # empty: no pair network
    scheme: str = "auto"
    strength: float = 10.0
    row_strength: float = 10.0  # the row network's pass-through logit
    noise: float = 0.1
    learning_rate: float = 0.2
    b1: float = 0.9
    b2: float = 0.99
    weight_decay: float = 1e-2
    clip: float = 100.0
    max_epochs: int = 12000
    chunk: int = 50
    seed: int = 0
    #: Re-draw both networks once the row network's hard features have made the rule
    #: unreachable for this many consecutive epochs (0: never); see :func:`features_suffice`.
    restart_after: int = 1000

    def replace(self, **changes: Any) -> SeparableConfig:
        return replace(self, **changes)

    def validate(self) -> None:
        """Raise a ValueError/TypeError naming the bad field before anything is compiled."""
        for name in ("seed", "max_epochs", "chunk", "restart_after"):
            v = getattr(self, name)
            if isinstance(v, bool) or not isinstance(v, int | np.integer):
                raise TypeError(f"{name} must be an integer, got {type(v).__name__} {v!r}")
        if not 0 <= self.seed <= MAX_SEED:
            raise ValueError(f"seed must be in 0..2**32-1, got {self.seed}")
        if self.restart_after < 0:
            raise ValueError(f"restart_after must be ≥ 0, got {self.restart_after}")
        if self.max_epochs < 1 or not 1 <= self.chunk <= MAX_CHUNK:
            raise ValueError(f"max_epochs must be ≥ 1 and chunk in 1..{MAX_CHUNK}, got "
                             f"{self.max_epochs}, {self.chunk}")

        def real(name: str) -> float:
            v = getattr(self, name)
            if isinstance(v, bool) or not isinstance(v, numbers.Real):
                raise TypeError(f"{name} must be a number, got {type(v).__name__} {v!r}")
            if not math.isfinite(float(v)):
                raise ValueError(f"{name} must be finite, got {v!r}")
            return float(v)

        for name in ("learning_rate", "clip"):
            if real(name) <= 0:
                raise ValueError(f"{name} must be > 0, got {getattr(self, name)!r}")
        for name in ("strength", "row_strength"):
            real(name)
        for name in ("weight_decay", "noise"):
            if real(name) < 0:
                raise ValueError(f"{name} must be ≥ 0, got {getattr(self, name)!r}")
        for name in ("b1", "b2"):
            if not 0 <= real(name) < 1:
                raise ValueError(f"{name} must be in [0, 1), got {getattr(self, name)!r}")
        if not isinstance(self.scheme, str):
            raise TypeError(f"scheme must be a string, got {type(self.scheme).__name__}")
        row, comb, pair = tuple(self.row_sizes), tuple(self.combine_sizes), tuple(self.pair_sizes)
        named = [("row_sizes", row), ("combine_sizes", comb)] + ([("pair_sizes", pair)]
                                                                 if pair else [])
        for name, sizes in named:
            if len(sizes) < 2 or any(isinstance(s, bool) or not isinstance(s, int | np.integer)
                                     or not 1 <= s <= MAX_WIDTH for s in sizes):
                raise ValueError(f"{name} must be ≥ 2 integers in 1..{MAX_WIDTH}, got "
                                 f"{list(sizes)}")
        if row[0] != 3:
            raise ValueError(f"the row network reads 3 cells, got row_sizes[0] = {row[0]}")
        # the parts are shrunk and checked exhaustively on their own inputs (2**(3k+1)
        # patterns for the combine circuit), and the runtime keeps every bit in registers
        if row[-1] > MAX_FEATURES:
            raise ValueError(f"at most {MAX_FEATURES} features per row, got {row[-1]}")
        if pair and pair[-1] > MAX_PAIR_BITS:
            raise ValueError(f"at most {MAX_PAIR_BITS} pair bits, got {pair[-1]}")
        if pair:
            if pair[0] != 2 * row[-1]:
                raise ValueError(f"the pair network reads 2 × {row[-1]} features, got "
                                 f"pair_sizes[0] = {pair[0]}")
            if comb[0] != pair[-1] + row[-1] + 1:
                raise ValueError(f"with a pair network the combine network reads {pair[-1]} "
                                 f"pair bits + {row[-1]} features + the centre = "
                                 f"{pair[-1] + row[-1] + 1} inputs, got combine_sizes[0] = "
                                 f"{comb[0]}")
        elif comb[0] != 3 * row[-1] + 1:
            raise ValueError(f"the combine network reads 3 × {row[-1]} features + the centre "
                             f"= {3 * row[-1] + 1} inputs, got combine_sizes[0] = {comb[0]}")
        if comb[-1] != 1:
            raise ValueError(f"the combine network has 1 output, got {comb[-1]}")


#: (row, combine) logits per layer, or (row, combine, pair).
Params = tuple[list[jax.Array], ...]

#: The paired recipe measured in the book: 4 pair bits (what a pair of full adders' outputs
#: needs: two half adders), combine reading 4 + 2 + 1 inputs.
PAIRED = SeparableConfig(pair_sizes=(4, 32, 32, 16, 8, 4),
                         combine_sizes=(7, 64, 64, 64, 32, 16, 8, 4, 2, 1))


class SeparableNetwork:
    """The row network and the combine network, with their fixed wiring."""

    def __init__(self, row_sizes: tuple[int, ...] = DEFAULT_ROW_SIZES,
                 combine_sizes: tuple[int, ...] = DEFAULT_COMBINE_SIZES,
                 scheme: str = "auto", seed: int = 0,
                 pair_sizes: tuple[int, ...] = ()) -> None:
        self.row = Network(row_sizes, scheme, seed=seed)
        self.combine = Network(combine_sizes, scheme, seed=seed + _COMBINE_STREAM)
        self.pair = (Network(pair_sizes, scheme, seed=seed + 2 * _COMBINE_STREAM)
                     if pair_sizes else None)
        self.seed = seed

    @property
    def k(self) -> int:
        return self.row.n_outputs

    def __repr__(self) -> str:
        return (f"SeparableNetwork(row={list(self.row.sizes)}, "
                f"combine={list(self.combine.sizes)})")

    def init(self, seed: int = 0, strength: float = 10.0, noise: float = 0.1,
             row_strength: float | None = None) -> Params:
        """Pass-through initial logits for both networks (their noise from separate streams);
        ``row_strength`` (default ``strength``) for the row network."""
        rs = strength if row_strength is None else row_strength
        row = self.row.init(seed, "passthrough", rs, noise)
        comb = self.combine.init(seed + _COMBINE_STREAM, "passthrough", strength, noise)
        out = [[jnp.asarray(p) for p in row], [jnp.asarray(p) for p in comb]]
        if self.pair is not None:
            pair = self.pair.init(seed + 2 * _COMBINE_STREAM, "passthrough", strength, noise)
            out.append([jnp.asarray(p) for p in pair])
        return tuple(out)

    def forward(self, params: Params, x: jax.Array, hard: bool) -> jax.Array:
        """Next state of every pattern: ``x`` is ``(9, patterns)``, the result ``(patterns,)``.

        The three rows are stacked along the pattern axis, so the row network runs once on
        ``3 × patterns`` columns with one set of weights.
        """
        row_params, comb_params = params[0], params[1]
        p = x.shape[1]
        rows = jnp.concatenate([x[0:3], x[3:6], x[6:9]], axis=1)
        f = forward_rows(row_params, self.row.wires, rows, hard)  # (k, 3p)
        top, mid, bot = f[:, :p], f[:, p:2 * p], f[:, 2 * p:]
        if self.pair is None:
            features = jnp.concatenate([top, mid, bot, x[4:5]], axis=0)
            return forward_rows(comb_params, self.combine.wires, features, hard)[0]
        # both readings side by side: the pair below the top row, then above the bottom row
        pairs_in = jnp.concatenate([jnp.concatenate([mid, bot], axis=0),
                                    jnp.concatenate([top, mid], axis=0)], axis=1)
        q = forward_rows(params[2], self.pair.wires, pairs_in, hard)  # (pbits, 2p)
        single = jnp.concatenate([top, bot], axis=1)
        centre = jnp.concatenate([x[4:5], x[4:5]], axis=1)
        features = jnp.concatenate([q, single, centre], axis=0)
        return forward_rows(comb_params, self.combine.wires, features, hard)[0]

    @cached_property
    def hard(self):
        """Jitted ``hard(params, x) -> y`` on ``(9, patterns)`` inputs."""
        return jax.jit(lambda params, x: self.forward(params, x, hard=True))


@dataclass
class SeparableResult:
    rule: rules.Rule
    config: SeparableConfig
    network: SeparableNetwork
    params: Params
    history: History
    converged: bool
    compile_seconds: float
    #: epochs at which the row network was re-drawn (its features had made the rule
    #: unreachable for ``config.restart_after`` epochs)
    restarts: list[int] = field(default_factory=list)

    @property
    def epochs(self) -> int:
        return self.history.epochs

    @property
    def seconds(self) -> float:
        return float(self.history.seconds[-1]) if self.history.epochs else 0.0

    @property
    def hard_errors(self) -> int:
        return int(self.history.hard_errors[-1]) if self.history.epochs else -1


def features_suffice(row_features: np.ndarray, table: np.ndarray) -> bool:
    """Whether *some* combine circuit can compute ``table`` from these row features.

    ``row_features`` is the hard row circuit's output on the 8 triples, shape ``(8, k)``
    (triple ``W·4 + C·2 + E``). Every neighbourhood becomes a key — the three rows' features
    and the centre — and the rule is reachable exactly when no two neighbourhoods with the
    same key need different next states. The bottleneck is tiny (8 triples), so this is an
    exact test, and it does not depend on the rule being Life or totalistic.
    """
    f = np.asarray(row_features)
    if f.ndim != 2 or f.shape[0] != 8 or not 1 <= f.shape[1] <= 16:
        raise ValueError(f"row_features must have shape (8, k) with 1 ≤ k ≤ 16, got {f.shape}")
    t = np.asarray(table)
    if t.shape != (512,):
        raise ValueError(f"table must have 512 entries, got shape {t.shape}")
    for name, a in (("row_features", f), ("table", t)):
        if not np.isin(a, (0, 1)).all():
            raise ValueError(f"{name} must hold only 0 and 1")
    f = f.astype(np.int64)
    k = f.shape[1]
    code = (f << np.arange(k)).sum(axis=1)  # each triple's features as one number
    p = np.arange(512)
    key = (((code[p >> 6] << k | code[(p >> 3) & 7]) << k | code[p & 7]) << 1) | ((p >> 4) & 1)
    seen: dict[int, int] = {}
    for kk, v in zip(key.tolist(), t.astype(np.int64).tolist(), strict=True):
        if seen.setdefault(kk, v) != v:
            return False
    return True


def row_code_classes(table: np.ndarray) -> int:
    """The fewest classes a row code needs for ``table``: the smallest number of feature
    values any row circuit must tell apart so that *some* combine circuit computes the rule.

    A row code merges triples; the merge is safe when, in every neighbourhood, exchanging
    one row's triple for another of its class (in the middle row: only one with the same
    centre, which the combine reads separately) never changes the next state. Two triples
    clash when that exchange is unsafe, so the fewest classes are the minimum colouring of
    an 8-node conflict graph, found exactly (:mod:`gatenet.colouring`). Outer-totalistic
    rules (Life and every B/S rule) need 4 — the row's count — so two feature bits; a rule
    that tells all triples apart needs 8. This sizes the
    architecture from a fact about the rule; nothing about the circuit comes from it.
    """
    t = np.asarray(table)
    if t.shape != (512,) or not np.isin(t, (0, 1)).all():
        raise ValueError(f"table must be 512 entries of 0 and 1, got shape {t.shape}")
    p = np.arange(512)
    shifts = (6, 3, 0)
    ok = np.ones((8, 8), dtype=bool)  # ok[a, b]: triples a and b may share a code
    for a in range(8):
        for b in range(8):
            for pos, sh in enumerate(shifts):
                if pos == 1 and (a ^ b) & 2:
                    continue  # different centres: the combine reads the centre itself
                here = ((p >> sh) & 7) == a
                swapped = (p[here] & ~(7 << sh)) | (b << sh)
                if (t[p[here]] != t[swapped]).any():
                    ok[a, b] = False
    return len(min_colouring(range(8), lambda a, b: not (ok[a, b] and ok[b, a])))


def row_code_bits(table: np.ndarray) -> int:
    """Feature bits per row the rule needs: ``ceil(log2(row_code_classes(table)))``."""
    return max(1, (row_code_classes(table) - 1).bit_length())


#: Names for the row encodings seen in training, keyed by the sorted feature truth tables
#: (triples W·4 + C·2 + E, most significant first, as bit strings). Complements count as
#: the same feature: a combine circuit reads either for free.
_COUNT = [bin(t).count("1") for t in range(8)]
_NAMED = {
    "parity": [c % 2 for c in _COUNT],
    "majority": [int(c >= 2) for c in _COUNT],
    "all equal": [int(c in (0, 3)) for c in _COUNT],
    "any alive": [int(c >= 1) for c in _COUNT],
    "all alive": [int(c == 3) for c in _COUNT],
}


def feature_name(column: np.ndarray) -> str:
    """A row feature's name if it is a symmetric function we know (up to complement), else
    its truth table as 8 bits."""
    bits = [int(v) for v in column]
    for name, t in _NAMED.items():
        if bits == t:
            return name
        if bits == [1 - v for v in t]:
            return f"not {name}" if name != "all equal" else "not all equal"
    return "".join(map(str, bits))


def encoding(row: np.ndarray) -> str:
    """How a row circuit's truth table ``(8, k)`` encodes a row: "binary count" (parity and
    majority: a full adder), "Gray count" (majority and all-equal: the count in Gray code),
    or its features' names."""
    names = sorted(feature_name(row[:, j]).removeprefix("not ") for j in range(row.shape[1]))
    if names == ["majority", "parity"]:
        return "binary count"
    if names == ["all equal", "majority"]:
        return "Gray count"
    return " + ".join(names)


def _optimizer(cfg: SeparableConfig) -> optax.GradientTransformation:
    return optax.chain(optax.clip(cfg.clip),
                       optax.adamw(cfg.learning_rate, b1=cfg.b1, b2=cfg.b2,
                                   weight_decay=cfg.weight_decay))


def train_separable(rule: str | rules.Rule = "B3/S23", config: SeparableConfig | None = None,
                    progress: bool | None = None, **overrides: Any) -> SeparableResult:
    """Train a separable network on ``rule`` until its hard circuit is exact.

    ``overrides`` replace fields of ``config``. ``progress`` shows a tqdm bar (by default
    when stderr is a terminal).
    """
    rule = rules.parse(rule)
    if config is not None and not isinstance(config, SeparableConfig):
        raise TypeError(f"config must be a SeparableConfig, got {type(config).__name__}")
    cfg = (config or SeparableConfig()).replace(**overrides)
    cfg.validate()
    enable_compilation_cache()
    net = SeparableNetwork(cfg.row_sizes, cfg.combine_sizes, cfg.scheme, cfg.seed,
                           tuple(cfg.pair_sizes))
    params = net.init(cfg.seed, cfg.strength, cfg.noise, cfg.row_strength)
    opt = _optimizer(cfg)
    state = opt.init(params)
    x = jnp.asarray(all_patterns(9).T)
    # with a pair network, every neighbourhood is read both ways (see the module notes)
    y = jnp.asarray(np.tile(rule.table, 2 if net.pair is not None else 1), jnp.float32)

    def loss(p):
        return jnp.sum((net.forward(p, x, hard=False) - y) ** 2)

    def chunk(carry):
        def epoch(carry, _):
            p, s, done, count = carry
            value, grads = jax.value_and_grad(loss)(p)
            updates, new_s = opt.update(grads, s, p)
            new_p = optax.apply_updates(p, updates)
            # frozen once exact (or out of epochs): what is read out is that epoch's state
            active = ~done & (count < cfg.max_epochs)
            p = jax.tree.map(lambda n, o: jnp.where(active, n, o), new_p, p)
            s = jax.tree.map(lambda n, o: jnp.where(active, n, o), new_s, s)
            errors = jnp.sum(jnp.round(net.forward(p, x, hard=True)) != y).astype(jnp.int32)
            done = done | (active & (errors == 0))
            count = count + active.astype(jnp.int32)
            return (p, s, done, count), (value, errors, active)

        return jax.lax.scan(epoch, carry, None, length=cfg.chunk)

    t0 = time.perf_counter()
    carry = (params, state, jnp.asarray(False), jnp.asarray(0, jnp.int32))
    compiled = jax.jit(chunk).lower(carry).compile()
    compile_seconds = time.perf_counter() - t0

    if progress is None:
        progress = sys.stderr.isatty()
    triples = jnp.asarray(all_patterns(3).T)
    row_hard = jax.jit(lambda p: forward_rows(p, net.row.wires, triples, True))
    losses, errors, seconds = [], [], []
    elapsed = 0.0
    stuck = 0  # consecutive epochs with row features that cannot give the rule
    restarts: list[int] = []  # epochs at which the row network was re-drawn
    with tqdm(total=cfg.max_epochs, disable=not progress, unit="epoch",
              desc=f"train {rule} (separable)") as bar:
        while True:
            t = time.perf_counter()
            carry, (lo, er, act) = compiled(carry)
            lo, er, act = np.asarray(lo), np.asarray(er), np.asarray(act)
            dt = time.perf_counter() - t
            take = int(act.sum())
            losses.append(lo[act])
            errors.append(er[act])
            seconds.append(elapsed + dt / cfg.chunk * np.arange(1, take + 1))
            elapsed += dt * take / cfg.chunk
            bar.update(take)
            if take:
                bar.set_postfix(loss=f"{lo[act][-1]:.3g}", wrong=int(er[act][-1]),
                                restarts=len(restarts))
            if bool(carry[2]) or int(carry[3]) >= cfg.max_epochs:
                break
            if not cfg.restart_after:
                continue
            feats = np.asarray(row_hard(carry[0][0])).T.round().astype(np.int64)
            stuck = 0 if features_suffice(feats, rule.table) else stuck + take
            if stuck >= cfg.restart_after:
                # A dead end: the combine network can never be exact on these features,
                # and a row network that has not found usable features by now rarely does.
                # Both networks are re-drawn (fresh noise and wiring-independent streams,
                # numbered by the restart) and the optimiser starts afresh.
                restarts.append(int(carry[3]))
                salt = len(restarts) << 33
                params = net.init(cfg.seed + salt, cfg.strength, cfg.noise, cfg.row_strength)
                carry = (params, opt.init(params), carry[2], carry[3])
                stuck = 0
    history = History(loss=np.concatenate(losses), hard_errors=np.concatenate(errors),
                      seconds=np.concatenate(seconds))
    converged = bool(carry[2]) and int(history.hard_errors[-1]) == 0
    return SeparableResult(rule, cfg, net, carry[0], history, converged, compile_seconds,
                           restarts)


def _argmax_circuit(net: Network, params: list[jax.Array], input_names: tuple[str, ...],
                    output_names: tuple[str, ...]) -> Circuit:
    gate_list: list[Gate] = []
    base, next_base = 0, net.n_inputs
    for (ia, ib), ops in zip(net.wires, net.choices(params), strict=True):
        for j in range(len(ops)):
            gate_list.append(Gate(int(ops[j]), base + int(ia[j]), base + int(ib[j])))
        base, next_base = next_base, next_base + len(ops)
    outputs = tuple(range(base, base + net.n_outputs))
    return Circuit(net.n_inputs, tuple(gate_list), outputs, input_names, output_names)


def extract_separable(net: SeparableNetwork, params: Params,
                      rule: str | rules.Rule | None = None, **meta: Any) -> SeparableCircuit:
    """The argmax circuits of both networks; checked exhaustively against ``rule`` if given."""
    k = net.k
    row = _argmax_circuit(net.row, params[0], ROW_INPUTS, tuple(f"f{i}" for i in range(k)))
    pair = None
    if net.pair is not None:
        pbits = net.pair.n_outputs
        pair = _argmax_circuit(net.pair, params[2], pair_input_names(k),
                               tuple(f"q{i}" for i in range(pbits)))
    comb = _argmax_circuit(net.combine, params[1],
                           combine_input_names(k, 0 if pair is None else len(pair.outputs)),
                           ("next",))
    info: dict[str, Any] = {"row_sizes": list(net.row.sizes),
                            "combine_sizes": list(net.combine.sizes), **meta}
    if pair is not None:
        info["pair_sizes"] = list(net.pair.sizes)
    sep = SeparableCircuit(row, comb, info, pair)
    if rule is not None:
        rule = rules.parse(rule)
        wrong = sep.wrong(rule.table)
        if wrong:
            from gatenet.ir.netlist import CircuitError

            raise CircuitError(f"separable circuit after extraction is wrong on {wrong} of "
                               f"512 patterns (with a pair, both readings counted)")
    return sep

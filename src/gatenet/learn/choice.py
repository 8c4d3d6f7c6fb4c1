"""Learned wiring: each gate input chooses its source among K candidate nodes.

In :mod:`gatenet.learn.network` the wires are fixed before training and only the gates are
learned, so a network whose wiring cannot reach the rule never becomes exact however long it
trains. Here each of a gate's two inputs has ``candidates`` = K possible sources in the
previous layer, drawn once per seed, and a learnable logit per candidate:

* candidate 0 is the library's own wiring (the ``auto`` scheme of
  :mod:`gatenet.learn.wiring`), candidates 1..K-1 other nodes of the layer, distinct;
* candidate 0's logit starts ``wire_bias`` above the others — the pass-through idea applied
  to wires: training starts from exactly the fixed-wiring network, and moves a wire only
  when the gradient insists;
* the forward pass is straight-through: its value is the argmax candidate's (the hard
  circuit's), its gradient the softmax mixture's (``p + stop_gradient(onehot - p)``);
* the wire logits learn ``wire_lr_scale`` times slower than the gates, with no weight decay
  (decay would pull them back towards a tie).

``candidates=1`` is fixed wiring, run by the same code — the control in every comparison.

Two settings decide whether this works at all (measured on Life, 8 seeds, networks of
128–64–…–1 and 64×4–32–…–1 gates): with all logits starting equal, Adam moves every logit
by about the learning rate each step, near-ties swap winners every few epochs and the hard
circuit never settles (0 of 8 exact, worse than fixed wiring); with the biased start and
the wires at a quarter of the gates' learning rate, K = 8 made 5 and 6 of 8 seeds exact
where fixed wiring made none. A soft mixture with an annealed temperature did not work:
averaging K candidates pulls signals towards ½, the blur pass-through initialisation exists
to avoid. Each epoch costs K times the gathers, so about 5–9× a fixed-wiring epoch.

Training is the flat network's recipe otherwise (full batch of the 512 patterns, sum of
squared errors, clip → AdamW, pass-through gates, jitted chunks of epochs), frozen the
epoch its hard circuit is exact. :func:`extract_choice` reads the circuit out and checks it
on every pattern.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field, replace
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np
import optax

from gatenet import gates, rules
from gatenet.ir.circuit import Circuit, Gate
from gatenet.ir.names import NEIGHBOURHOOD
from gatenet.ir.netlist import verify
from gatenet.learn import wiring
from gatenet.learn.network import all_patterns, coefficients

#: Limits that keep a bad configuration from exhausting memory: K candidates of a
#: layer of width W hold 2·W·K·512 floats per epoch.
MAX_CANDIDATES = 64
MAX_WIDTH = 4096
MAX_CHUNK = 10_000


@dataclass(frozen=True)
class ChoiceConfig:
    """A learned-wiring network and its training recipe (defaults: the measured one)."""

    layers: tuple[int, ...] = (64, 64, 64, 64, 32, 16, 8, 4, 2, 1)  # gate layers, inputs implied
    candidates: int = 8  # K sources per gate input (capped at the previous layer's width)
    wire_bias: float = 10.0  # candidate 0's head start
    wire_noise: float = 0.1  # σ of the noise on the wire logits at init
    wire_lr_scale: float = 0.25  # wire logits' learning rate = learning_rate × this
    strength: float = 10.0  # pass-through (gate A) logit at init
    noise: float = 0.1  # σ of the gate-logit noise at init
    learning_rate: float = 0.05
    weight_decay: float = 1e-2  # gates only
    clip: float = 100.0
    max_epochs: int = 6000
    chunk: int = 100
    seed: int = 0

    def validate(self) -> ChoiceConfig:
        """Raise ValueError naming the first bad field; return self."""
        def whole(name: str, v: Any, lo: int, hi: int) -> None:
            if isinstance(v, bool) or not isinstance(v, int | np.integer) or not lo <= v <= hi:
                raise ValueError(f"{name} must be an integer in {lo}..{hi}, got {v!r}")

        if not isinstance(self.layers, tuple) or not self.layers:
            raise ValueError(f"layers must be a non-empty tuple of widths, got {self.layers!r}")
        for w in self.layers:
            whole("every layer width", w, 1, MAX_WIDTH)
        if self.layers[-1] != 1:
            raise ValueError(f"the last layer must have 1 gate (the next state), got "
                             f"{self.layers[-1]}")
        whole("candidates", self.candidates, 1, MAX_CANDIDATES)
        whole("max_epochs", self.max_epochs, 1, 10**7)
        whole("chunk", self.chunk, 1, MAX_CHUNK)
        whole("seed", self.seed, 0, 2**32 - 1)
        for name in ("wire_bias", "wire_noise", "wire_lr_scale", "strength", "noise",
                     "learning_rate", "weight_decay", "clip"):
            v = getattr(self, name)
            if isinstance(v, bool) or not isinstance(v, int | float) or not math.isfinite(v):
                raise ValueError(f"{name} must be a finite number, got {v!r}")
            if name in ("learning_rate", "clip") and v <= 0:
                raise ValueError(f"{name} must be positive, got {v!r}")
            if v < 0:
                raise ValueError(f"{name} must be non-negative, got {v!r}")
        return self


def make_candidates(cfg: ChoiceConfig, n_inputs: int = 9) -> list[np.ndarray]:
    """Per layer an int32 array ``(2, width, K_l)``: the candidate sources of each gate's
    inputs a and b in the previous layer, ``K_l = min(K, previous width)``; candidate 0 is
    the ``auto`` wiring, the others distinct nodes drawn at random. Fixed by the seed."""
    rng = np.random.default_rng([cfg.seed, 7])
    out = []
    n_in = n_inputs
    for n_out in cfg.layers:
        k = min(cfg.candidates, n_in)
        first = wiring.make("auto", n_in, n_out, rng)
        c = np.empty((2, n_out, k), np.int32)
        for side in (0, 1):
            for j in range(n_out):
                rest = rng.permutation(np.delete(np.arange(n_in), first[side][j]))[: k - 1]
                c[side, j] = np.concatenate([[first[side][j]], rest])
        out.append(c)
        n_in = n_out
    return out


Params = dict[str, list[jax.Array]]


def init_params(cfg: ChoiceConfig, cands: list[np.ndarray]) -> Params:
    """Gate logits ``(width, 16)``: pass-through plus noise; wire logits ``(2, width, K_l)``:
    noise, plus ``wire_bias`` on candidate 0."""
    rng = np.random.default_rng([cfg.seed, 1])
    g, w = [], []
    for c in cands:
        n_out = c.shape[1]
        logits = (cfg.noise * rng.standard_normal((n_out, 16))).astype(np.float32)
        logits[:, gates.A] += cfg.strength
        g.append(jnp.asarray(logits))
        wl = (cfg.wire_noise * rng.standard_normal(c.shape)).astype(np.float32)
        wl[..., 0] += cfg.wire_bias
        w.append(jnp.asarray(wl))
    return {"gates": g, "wires": w}


def forward(params: Params, cands, x: jax.Array, hard: bool) -> jax.Array:
    """The network on ``x`` of shape ``(n_inputs, patterns)``; returns ``(1, patterns)``.

    ``hard``: argmax gate and argmax candidate — exactly the circuit :func:`extract_choice`
    reads out. Otherwise the gates are the softmax mixture of their relaxations and the wires
    straight-through.
    """
    for glog, wlog, c in zip(params["gates"], params["wires"], cands, strict=True):
        k = c.shape[-1]
        if k == 1:  # fixed wiring: a plain gather
            ab = x[c[..., 0]]
        else:
            onehot = jax.nn.one_hot(jnp.argmax(wlog, axis=-1), k, dtype=x.dtype)
            if hard:
                sel = onehot
            else:
                p = jax.nn.softmax(wlog, axis=-1)
                sel = p + jax.lax.stop_gradient(onehot - p)
            ab = jnp.einsum("snk,snkp->snp", sel, x[c])
        a, b = ab[0], ab[1]
        co = coefficients(glog, hard)[:, :, None]
        x = co[:, 0] + co[:, 1] * a + co[:, 2] * b + co[:, 3] * a * b
    return x


def _optimizer(cfg: ChoiceConfig) -> optax.GradientTransformation:
    def labels(p: Params) -> dict[str, list[str]]:
        return {"gates": ["gates"] * len(p["gates"]), "wires": ["wires"] * len(p["wires"])}

    return optax.chain(
        optax.clip(cfg.clip),
        optax.multi_transform({
            "gates": optax.adamw(cfg.learning_rate, b1=0.9, b2=0.99,
                                 weight_decay=cfg.weight_decay),
            "wires": optax.adamw(cfg.learning_rate * cfg.wire_lr_scale, b1=0.9, b2=0.99,
                                 weight_decay=0.0),
        }, labels))


@dataclass
class ChoiceResult:
    """A trained learned-wiring network: its parameters at the exact epoch (or the last)."""

    config: ChoiceConfig
    rule: rules.Rule
    params: Params
    candidates: list[np.ndarray]
    exact: bool
    epochs: int
    seconds: float  # training, compilation excluded
    compile_seconds: float
    errors: list[int] = field(default_factory=list)  # hard-circuit errors per epoch


def train_choice(rule: str | rules.Rule = "B3/S23",
                 config: ChoiceConfig | None = None) -> ChoiceResult:
    """Train until the hard circuit is exact on all 512 patterns or ``max_epochs``."""
    cfg = (config or ChoiceConfig()).validate()
    rule = rules.parse(rule)
    cands_np = make_candidates(cfg)
    cands = [jnp.asarray(c) for c in cands_np]
    params = init_params(cfg, cands_np)
    opt = _optimizer(cfg)
    carry = (params, opt.init(params), jnp.asarray(False), jnp.asarray(0, jnp.int32))
    y = jnp.asarray(rule.table, jnp.float32)
    step, compile_s = _compiled(replace(cfg, seed=0), carry, cands, y)
    elapsed, errs = 0.0, []
    while True:
        t = time.perf_counter()
        carry, (er, act) = step(carry, cands, y)
        er, act = np.asarray(er), np.asarray(act)
        elapsed += time.perf_counter() - t
        errs += er[act].tolist()
        if bool(carry[2]) or int(carry[3]) >= cfg.max_epochs:
            break
    return ChoiceResult(cfg, rule, jax.tree.map(np.asarray, carry[0]), cands_np,
                        bool(carry[2]), int(carry[3]), elapsed, compile_s, errs)


#: One compiled chunk per configuration (seed excluded): the candidates, the parameters
#: and the rule are arguments, so every seed and rule of a configuration shares it.
_COMPILED: dict[ChoiceConfig, Any] = {}


def _compiled(cfg: ChoiceConfig, carry, cands, y) -> tuple[Any, float]:
    if cfg in _COMPILED:
        return _COMPILED[cfg], 0.0
    opt = _optimizer(cfg)
    x = jnp.asarray(all_patterns(9).T, jnp.float32)

    def chunk(carry, cands, y):
        def epoch(carry, _):
            p, s, done, count = carry

            def loss(p):
                return jnp.sum((forward(p, cands, x, False)[0] - y) ** 2)

            grads = jax.grad(loss)(p)
            updates, new_s = opt.update(grads, s, p)
            new_p = optax.apply_updates(p, updates)
            active = ~done & (count < cfg.max_epochs)
            p = jax.tree.map(lambda n, o: jnp.where(active, n, o), new_p, p)
            s = jax.tree.map(lambda n, o: jnp.where(active, n, o), new_s, s)
            errors = jnp.sum(jnp.round(forward(p, cands, x, True)[0]) != y).astype(jnp.int32)
            done = done | (active & (errors == 0))
            return (p, s, done, count + active.astype(jnp.int32)), (errors, active)

        return jax.lax.scan(epoch, carry, None, length=cfg.chunk)

    t0 = time.perf_counter()
    step = jax.jit(chunk).lower(carry, cands, y).compile()
    _COMPILED[cfg] = step
    return step, time.perf_counter() - t0


def extract_choice(result: ChoiceResult) -> Circuit:
    """The hard circuit — argmax gate per node, argmax candidate per input — with its wrong
    patterns against the rule recorded in ``meta["wrong"]`` (0 for an exact run; checked on
    all 512, never assumed)."""
    gl: list[Gate] = []
    base, nxt = 0, 9
    for glog, wlog, c in zip(result.params["gates"], result.params["wires"],
                             result.candidates, strict=True):
        ops = np.argmax(glog, axis=-1)
        pick = np.take_along_axis(c, np.argmax(wlog, axis=-1)[..., None], -1)[..., 0]
        gl.extend(Gate(int(ops[j]), base + int(pick[0, j]), base + int(pick[1, j]))
                  for j in range(len(ops)))
        base, nxt = nxt, nxt + len(ops)
    circuit = Circuit(9, tuple(gl), (base,),
                      input_names=NEIGHBOURHOOD,
                      output_names=("next",))
    wrong = int(verify(circuit, result.rule.table))
    if result.exact and wrong:
        raise AssertionError(f"the trained network is exact but its circuit is wrong on "
                             f"{wrong} patterns: extraction does not match the forward pass")
    return circuit.with_meta(rule=result.rule.name, seed=result.config.seed,
                             candidates=result.config.candidates, wrong=wrong)


def moved_wires(result: ChoiceResult) -> int:
    """How many gate inputs read something other than candidate 0 (the fixed wiring)."""
    return int(sum((np.argmax(w, axis=-1) != 0).sum() for w in result.params["wires"]))

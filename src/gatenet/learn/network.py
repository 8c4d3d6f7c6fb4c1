"""A differentiable logic gate network: fixed wiring, learned gate choice per neuron.

Each layer holds ``n_out × 16`` logits. The *soft* forward pass mixes the sixteen gate
relaxations with softmax weights; the *hard* forward pass takes the argmax gate, which is
exactly the discrete circuit we will extract. Both use the bilinear form of every
relaxation, ``c0 + c1·a + c2·b + c3·a·b``: mixing sixteen gates is the same as mixing their
four coefficients, so a layer costs one ``(n, 16) @ (16, 4)`` product and a few
elementwise operations instead of sixteen gate evaluations.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import cached_property

import jax
import jax.numpy as jnp
import numpy as np

from gatenet import gates
from gatenet.learn import wiring

#: The write-up's architecture: 9 inputs, 17 layers of 128 gates, then halving to 1 output.
DEFAULT_SIZES: tuple[int, ...] = (9, *([128] * 17), 64, 32, 16, 8, 4, 2, 1)

INITS = ("passthrough", "uniform", "random")

_COEFFS = jnp.asarray(gates.COEFFS)

Params = list[jax.Array]


class Network:
    """Layer sizes plus the fixed wiring between them. Parameters live outside (JAX style).

    ``sizes[0]`` is the number of inputs; every later entry is a layer of gates.
    ``scheme`` is one wiring scheme for all layers, or one per layer.
    """

    def __init__(
        self,
        sizes: Sequence[int] = DEFAULT_SIZES,
        scheme: str | Sequence[str] = "auto",
        seed: int = 0,
    ) -> None:
        sizes = tuple(int(s) for s in sizes)
        if len(sizes) < 2:
            raise ValueError(f"a network needs inputs and at least one layer, got {sizes}")
        if any(s < 1 for s in sizes):
            raise ValueError(f"layer sizes must be positive, got {sizes}")
        n_layers = len(sizes) - 1
        schemes = [scheme] * n_layers if isinstance(scheme, str) else list(scheme)
        if len(schemes) != n_layers:
            raise ValueError(f"{len(schemes)} wiring schemes for {n_layers} layers")
        rng = np.random.default_rng(seed)
        self.sizes = sizes
        self.schemes = tuple(schemes)
        self.seed = seed
        self.wires: tuple[wiring.Wiring, ...] = tuple(
            wiring.make(s, n_in, n_out, rng)
            for s, n_in, n_out in zip(schemes, sizes[:-1], sizes[1:], strict=True)
        )

    @property
    def n_inputs(self) -> int:
        return self.sizes[0]

    @property
    def n_outputs(self) -> int:
        return self.sizes[-1]

    @property
    def n_gates(self) -> int:
        return sum(self.sizes[1:])

    def __repr__(self) -> str:
        return f"Network(sizes={list(self.sizes)}, schemes={sorted(set(self.schemes))})"

    # -- parameters ----------------------------------------------------------------------

    def init(
        self,
        seed: int = 0,
        init: str = "passthrough",
        strength: float = 10.0,
        noise: float = 0.1,
    ) -> Params:
        """Initial logits, one ``(n_out, 16)`` array per layer.

        ``passthrough`` adds ``strength`` to the logit of gate ``A`` (copy the first input)
        on top of Gaussian noise: at the start every gate is nearly a wire, so gradients
        reach the first layers. ``uniform`` sets all logits equal (each gate is the average
        of all sixteen relaxations, a constant ½ — a flat function that passes no gradient)
        and ``random`` uses only the noise.
        """
        if init not in INITS:
            raise ValueError(f"unknown init {init!r}; choose one of {', '.join(INITS)}")
        # numpy on the host: initialising is a few small arrays, and JAX would compile a
        # program for every distinct layer shape. The stream is separate from the wiring's.
        rng = np.random.default_rng([seed, 1])
        params = []
        for n in self.sizes[1:]:
            if init == "uniform":
                logits = np.zeros((n, gates.N_GATES), np.float32)
            else:
                logits = (noise * rng.standard_normal((n, gates.N_GATES))).astype(np.float32)
            if init == "passthrough":
                logits[:, gates.A] += np.float32(strength)
            params.append(logits)
        return params

    # -- forward passes ------------------------------------------------------------------

    def _forward(self, params: Params, x: jax.Array, hard: bool) -> jax.Array:
        return forward(params, self.wires, x, hard)

    @cached_property
    def soft(self):
        """Jitted ``soft(params, x) -> y``: the softmax-weighted (trainable) network."""
        return jax.jit(lambda params, x: self._forward(params, x, hard=False))

    @cached_property
    def hard(self):
        """Jitted ``hard(params, x) -> y``: each gate replaced by its argmax choice."""
        return jax.jit(lambda params, x: self._forward(params, x, hard=True))

    @cached_property
    def dense(self):
        """Jitted ``dense(params, x) -> y``: the soft network in the write-up's formulation,
        each layer's wires as two dense 0/1 matrices (``x @ A``, ``x @ B``) instead of a
        gather. Same function, far more arithmetic: what the write-up's JAX code computed."""
        return jax.jit(lambda params, x: forward_dense(params, self.wires, x))

    def dense_flops_per_cell(self) -> int:
        """Floating-point operations per cell of :attr:`dense` (a multiply and an add per
        matrix entry, two matrices per layer, plus the gate mix): the write-up's count."""
        pairs = zip(self.sizes[:-1], self.sizes[1:], strict=True)
        matmul = sum(2 * 2 * n_in * n_out for n_in, n_out in pairs)
        return matmul + GATHER_FLOPS_PER_GATE * self.n_gates

    def gather_flops_per_cell(self) -> int:
        """Floating-point operations per cell of :attr:`soft` (gathers cost nothing)."""
        return GATHER_FLOPS_PER_GATE * self.n_gates

    def choices(self, params: Params) -> list[np.ndarray]:
        """The argmax gate of every neuron, per layer."""
        return [np.asarray(jnp.argmax(p, axis=-1)) for p in params]

    @staticmethod
    def gate_probabilities(params: Params) -> np.ndarray:
        """Mean softmax weight of each of the 16 gates, per layer: shape ``(layers, 16)``."""
        return np.stack([np.asarray(jax.nn.softmax(p, axis=-1).mean(axis=0)) for p in params])


def forward(params: Params, wires, x: jax.Array, hard: bool) -> jax.Array:
    """Run the network on ``x`` of shape ``(patterns, n_in)``; returns ``(patterns, n_out)``.

    ``wires`` may be numpy constants or traced JAX arrays; passing them as arguments lets
    one compiled training step serve every wiring of the same shape. The work happens in
    :func:`forward_rows`, which keeps each neuron's values over all patterns in one
    contiguous row.
    """
    return forward_rows(params, wires, jnp.swapaxes(x, -1, -2), hard).swapaxes(-1, -2)


def coefficients(logits: jax.Array, hard: bool) -> jax.Array:
    """Each neuron's ``(c0, c1, c2, c3)``: of its argmax gate (``hard``), or the softmax
    mix of all sixteen — mixing gates is mixing their bilinear coefficients."""
    if hard:
        return _COEFFS[jnp.argmax(logits, axis=-1)]
    return jax.nn.softmax(logits, axis=-1) @ _COEFFS


def forward_rows(params: Params, wires, x: jax.Array, hard: bool,
                 every_layer: bool = False) -> jax.Array | list[jax.Array]:
    """:func:`forward` on ``x`` of shape ``(n_in, patterns)``: per layer, gather both input
    *rows*, mix the gates' coefficients, combine.

    Feature-major is the layout that suits the gathers: each one copies a contiguous row
    of 512 values (and its gradient adds one back), where the pattern-major layout reads
    one float from every 36-byte row. On this project's CPUs it trains about 2.5× faster,
    and gathering both inputs of a layer in one operation another fifth faster: XLA on a
    CPU pays a fixed cost per operation that matters at these sizes.

    ``every_layer`` returns each layer's output instead of the last one (for diagnostics).
    """
    outputs = []
    for (ia, ib), logits in zip(wires, params, strict=True):
        n = logits.shape[0]
        c = coefficients(logits, hard)[:, :, None]
        ab = x[jnp.concatenate([jnp.asarray(ia), jnp.asarray(ib)])]  # one gather, not two
        a, b = ab[:n], ab[n:]
        x = c[:, 0] + c[:, 1] * a + c[:, 2] * b + c[:, 3] * a * b
        outputs.append(x)
    return outputs if every_layer else x


#: Per gate and cell once the inputs are gathered: c0 + c1·a + c2·b + c3·a·b is three
#: multiplies and three adds (the softmax over 16 logits is per gate, not per cell).
GATHER_FLOPS_PER_GATE = 6


def forward_dense(params: Params, wires, x: jax.Array) -> jax.Array:
    """:func:`forward` (soft) with each layer's wiring as two dense one-hot matrices.

    This is how the write-up's network was written: ``x @ W`` per wire set, so every layer
    costs a full matrix product although each column holds a single 1. The result equals
    :func:`forward`'s; only the arithmetic differs.
    """
    for (ia, ib), logits in zip(wires, params, strict=True):
        n_in = x.shape[-1]
        wa = jax.nn.one_hot(jnp.asarray(ia), n_in, dtype=x.dtype).T  # (n_in, n_out)
        wb = jax.nn.one_hot(jnp.asarray(ib), n_in, dtype=x.dtype).T
        c = jax.nn.softmax(logits, axis=-1) @ _COEFFS
        a = x @ wa
        b = x @ wb
        x = c[:, 0] + c[:, 1] * a + c[:, 2] * b + c[:, 3] * a * b
    return x


def all_patterns(n_inputs: int = 9) -> np.ndarray:
    """Every input pattern as a row of 0.0/1.0, pattern ``p`` in row ``p`` (MSB = input 0)."""
    p = np.arange(1 << n_inputs)[:, None]
    bits = (p >> np.arange(n_inputs - 1, -1, -1)[None, :]) & 1
    return bits.astype(np.float32)

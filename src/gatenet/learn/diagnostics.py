"""Looking inside a network: gradient size per layer, and how much each layer's values
still depend on the input — in float32 and in float64, so precision can be ruled in or out.

Two measurements explain why a deep network started from random logits cannot learn:

- :func:`gradient_norms` — the size of the loss gradient with respect to each layer's
  logits. The norm is computed with a scale factor (``max|g| · ‖g / max|g|‖``): squaring
  entries of 1e-22 directly gives 1e-44, below float32's smallest normal number, and the
  norm would read 0 although every entry is a perfectly good float32.
- :func:`pattern_spread` — for each layer, the largest difference between two input
  patterns' values of any neuron. When it is 0, that layer computes the same number for
  all 512 neighbourhoods: the network has forgotten its input.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np

from gatenet import rules
from gatenet.learn.network import Network, Params, all_patterns, forward_rows


def _layers(params: Params, wires, x: jax.Array) -> list[jax.Array]:
    """Every layer's soft output, ``(n_l, patterns)``, inputs first."""
    return [x, *forward_rows(params, wires, x, hard=False, every_layer=True)]


def _safe_norm(g: jax.Array) -> float:
    top = jnp.max(jnp.abs(g))
    if float(top) == 0.0:
        return 0.0
    return float(top * jnp.linalg.norm(g / top))


def _run(dtype, fn):
    if dtype == np.float64:
        with jax.enable_x64(True):
            return fn(jnp.float64)
    return fn(jnp.float32)


#: Compiled programs, one per (kind, dtype): the network's wiring and sizes are arguments.
_COMPILED: dict[tuple[str, str], object] = {}


def _compiled(kind: str, dt):
    key = (kind, np.dtype(dt).name)
    fn = _COMPILED.get(key)
    if fn is None:
        if kind == "grad":
            def grads(q, wires, x, y):
                return jax.grad(lambda p: jnp.sum((_layers(p, wires, x)[-1][0] - y) ** 2))(q)
            fn = jax.jit(grads)
        else:
            def spreads(q, wires, x):
                return [jnp.max(jnp.max(h, axis=1) - jnp.min(h, axis=1))
                        for h in _layers(q, wires, x)[1:]]
            fn = jax.jit(spreads)
        _COMPILED[key] = fn
    return fn


def gradient_norms(net: Network, params: Params, rule: str | rules.Rule = "B3/S23",
                   dtype: type = np.float32, naive: bool = False) -> np.ndarray:
    """‖∂loss/∂logits‖ per layer (first layer first), computed in ``dtype``.

    ``naive`` uses ``jnp.linalg.norm`` directly, which underflows to 0 in float32 once the
    entries fall below about 1e-19 — shown in the book to tell measurement from mechanism.
    """
    table = rules.parse(rule).table

    def fn(dt):
        p = [jnp.asarray(v, dt) for v in params]
        x = jnp.asarray(all_patterns(9).T, dt)
        y = jnp.asarray(table, dt)
        wires = [(jnp.asarray(a), jnp.asarray(b)) for a, b in net.wires]
        grads = _compiled("grad", dt)(p, wires, x, y)
        if naive:
            return np.asarray([float(jnp.linalg.norm(g)) for g in grads])
        return np.asarray([_safe_norm(g) for g in grads])

    return _run(np.dtype(dtype), fn)


def pattern_spread(net: Network, params: Params, dtype: type = np.float32) -> np.ndarray:
    """Per layer (first layer first): the largest ``max − min`` over the 512 input patterns
    of any neuron's soft output. 0 means the layer no longer depends on the input."""

    def fn(dt):
        p = [jnp.asarray(v, dt) for v in params]
        x = jnp.asarray(all_patterns(9).T, dt)
        wires = [(jnp.asarray(a), jnp.asarray(b)) for a, b in net.wires]
        return np.asarray([float(v) for v in _compiled("spread", dt)(p, wires, x)])

    return _run(np.dtype(dtype), fn)


def neuron_states(params: Params) -> tuple[list[np.ndarray], list[np.ndarray]]:
    """Per layer, each neuron's argmax gate and the softmax weight it has: what a picture
    of a network settling into gates needs."""
    choice, weight = [], []
    for logits in params:
        p = np.asarray(jax.nn.softmax(jnp.asarray(logits, jnp.float32), axis=-1))
        choice.append(p.argmax(axis=-1))
        weight.append(p.max(axis=-1))
    return choice, weight

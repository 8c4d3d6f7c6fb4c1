"""Learning a circuit: a differentiable logic gate network trained until its argmax is exact.

- :mod:`~gatenet.learn.wiring` — fixed wiring schemes between layers;
- :mod:`~gatenet.learn.network` — the network: init, soft and hard forward passes;
- :mod:`~gatenet.learn.train` — the optax loop and its history;
- :mod:`~gatenet.learn.extract` — the argmax circuit, as a :class:`~gatenet.ir.circuit.Circuit`.
"""

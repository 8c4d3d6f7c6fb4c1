"""gatenet: learn a cellular-automaton rule as a logic-gate network, extract the circuit,
shrink it, and compile it to bit-parallel C.

The package is laid out as the pipeline; each subpackage imports only what stands to its
left (``tests/test_packaging.py`` checks it)::

    rules, gates ─► ir ─► learn ─► opt ─► synth ─► pipeline ─► sweep ─► emit ─► runtime ─► bench
    (foundation)  (IR)   (train)  (passes) (ABC)  (one call) (many)  (C…)   (boards)  (timing)

The IR comes first because it is the vocabulary every later stage speaks: training ends by
extracting a :class:`~gatenet.ir.circuit.Circuit`, and everything after reads and writes
circuits.

The names below are the public API, imported lazily (``import gatenet`` does not load JAX
or cppyy until a name that needs them is used)::

    import gatenet
    learned = gatenet.learn("B3/S23", seed=0)      # train, extract, optimise, synthesise
    board = gatenet.Board.random(256, 256, seed=1, circuit=learned.circuit)
    board.step(100)
"""

from __future__ import annotations

import importlib
from typing import Any

__version__ = "0.1.0"

#: Public name -> (module, attribute).
_API: dict[str, tuple[str, str]] = {
    "Rule": ("gatenet.rules", "Rule"),
    "parse_rule": ("gatenet.rules", "parse"),
    "reference_step": ("gatenet.rules", "step"),
    "Circuit": ("gatenet.ir.circuit", "Circuit"),
    "Lut3Circuit": ("gatenet.ir.lut", "Lut3Circuit"),
    "CircuitError": ("gatenet.ir.netlist", "CircuitError"),
    "verify": ("gatenet.ir.netlist", "verify"),
    "Network": ("gatenet.learn.network", "Network"),
    "TrainConfig": ("gatenet.learn.train", "TrainConfig"),
    "train": ("gatenet.learn.train", "train"),
    "extract": ("gatenet.learn.extract", "extract"),
    "optimize": ("gatenet.opt.optimize", "optimize"),
    "synthesize_gates": ("gatenet.synth.flow", "synthesize_gates"),
    "synthesize_lut3": ("gatenet.synth.flow", "synthesize_lut3"),
    "learn": ("gatenet.pipeline", "learn"),
    "Learned": ("gatenet.pipeline", "Learned"),
    "run_sweep": ("gatenet.sweep", "run_sweep"),
    "SweepOptions": ("gatenet.sweep.plan", "SweepOptions"),
    "emit_c": ("gatenet.emit.c", "emit_c"),
    "Board": ("gatenet.runtime.board", "Board"),
    "FastBoard": ("gatenet.runtime.fast", "FastBoard"),
}

__all__ = sorted(_API)


def __getattr__(name: str) -> Any:
    try:
        module, attr = _API[name]
    except KeyError:
        raise AttributeError(f"module 'gatenet' has no attribute {name!r}") from None
    value = getattr(importlib.import_module(module), attr)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted([*globals(), *_API])

"""Measurements, side by side, reported and never asserted: ``python -m gatenet.bench``.

- :mod:`~gatenet.bench.records` — the JSON-able records;
- :mod:`~gatenet.bench.timing` — medians of repeats, interleaved boards, the slow baselines;
- :mod:`~gatenet.bench.ladder` — the optimisation ladder, timed interleaved;
- :mod:`~gatenet.bench.model` — operations per word and the throughput bound;
- :mod:`~gatenet.bench.asm` — what the compiler made of the kernels' inner loops;
- :mod:`~gatenet.bench.steps`, :mod:`~gatenet.bench.training` — the two commands.
"""

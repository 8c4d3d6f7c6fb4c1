"""The intermediate representations: what training produces and every later stage consumes.

- :mod:`~gatenet.ir.names` — the neighbourhood order and the name grammar;
- :mod:`~gatenet.ir.netlist` — checks, packed evaluation, exhaustive verification, JSON;
- :mod:`~gatenet.ir.circuit` — two-input gates (:class:`Circuit`);
- :mod:`~gatenet.ir.lut` — three-input LUTs (:class:`Lut3Circuit`), one ``vpternlogq`` each;
- :mod:`~gatenet.ir.handmade` — a Life circuit built from adders, the yardstick.
"""

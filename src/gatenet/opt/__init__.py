"""Shrinking a circuit without changing its function: the passes and their driver.

- :mod:`~gatenet.opt.passes` — each pass a pure ``Circuit -> Circuit`` (dead code, copy
  propagation, constant folding, CSE, NOT absorption);
- :mod:`~gatenet.opt.optimize` — runs them to a fixed point, verifying after every pass, and
  lays out the stage table.
"""

"""Running a circuit on boards: compile it to C, load it through cppyy, step a torus.

- :mod:`~gatenet.runtime.native` — compiler, content-hashed cache, one loader for every library;
- :mod:`~gatenet.runtime.checks` — validation of everything a board accepts;
- :mod:`~gatenet.runtime.board` — :class:`Board` (the scalar runtime) and the write-up's runtime;
- :mod:`~gatenet.runtime.fast` — :class:`FastBoard`: SIMD widths, threads, the expert kernel.
"""

"""Logic synthesis through Yosys and ABC: shrink a learned circuit, never rebuild it from
its truth table.

- :mod:`~gatenet.synth.scripts` — the named ABC scripts and the structural check;
- :mod:`~gatenet.synth.yosys` — running Yosys in a subprocess;
- :mod:`~gatenet.synth.blif` — BLIF out to the tools and back in;
- :mod:`~gatenet.synth.flow` — :func:`synthesize_gates`, :func:`synthesize_lut3`, cached and
  verified (and :func:`~gatenet.synth.flow.synthesize_batch`, many circuits in one run);
- :mod:`~gatenet.synth.pairing` — a pair level for a separable circuit, by functional
  decomposition of its learned combine circuit: the one step that works from a function
  (the learned circuit's, never the rule's), said so where it is used.
"""

from gatenet.synth.flow import synthesize_gates, synthesize_lut3
from gatenet.synth.yosys import SynthesisError

__all__ = ["SynthesisError", "synthesize_gates", "synthesize_lut3"]

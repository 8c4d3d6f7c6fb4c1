"""One look for every figure: series colours and markers, and readable text sizes.

Figures are shown at the book's column width (about 700 px), so text below ~8 pt becomes
unreadable; series are told apart by colour *and* marker, so more than ten of them (and
readers with colour-blindness) still separate.
"""

from __future__ import annotations

#: Colour-blind-safe categorical colours (Okabe–Ito, then Tableau's extras).
COLOURS = ("#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#000000",
           "#F0E442", "#8C564B", "#7F7F7F", "#17BECF", "#BCBD22")
MARKERS = ("o", "s", "^", "D", "v", "P", "X", "*", "<", ">", "h", "p")
#: Smallest text any figure uses (tick labels, annotations), in points.
SMALL = 8.5
#: Axis labels and titles, in points.
LABEL = 10


def series(i: int) -> dict[str, str]:
    """Colour and marker of series ``i``: no two of the first 144 series look alike."""
    return {"color": COLOURS[i % len(COLOURS)],
            "marker": MARKERS[(i + i // len(COLOURS)) % len(MARKERS)]}

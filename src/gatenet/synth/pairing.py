"""A pair level for a separable circuit, found by decomposing its combine circuit.

Hand-written bit-sliced Life kernels share work at two levels: each row's count once for
the three output rows that read it, and the sum of two adjacent rows once for the two
output rows that both contain them (:mod:`gatenet.ir.separable` calls that the *pair*
circuit). Training finds the first level when the architecture has it; the second it does
not find (a learned pair network grows its own adders), and structural synthesis of two
output words as one circuit does not find it either. This module finds it as a compiler
would: by Ashenhurst–Curtis functional decomposition of the learned combine circuit.

The combine circuit reads three rows' features and the centre. Fix the two rows that form
a pair and tabulate what the combine circuit outputs for every third row and centre: a
column of the *decomposition chart*, one per pair of feature codes. Two pairs of rows
whose columns agree wherever both are defined can share a code, because the rest of the
circuit cannot tell them apart. Grouping the columns into as few such classes as
possible (colouring the graph of disagreeing columns) gives the pair level's bits:
``p = ceil(log2(classes))``. For Life's full-adder rows the 16 pairs of row codes fall
into six classes — the pair's count 0, 1, 2, 3, 4, and "5 or more", which can no longer
matter — so three bits carry everything the finish needs.

The chart is filled from both places a pair sits in the kernel (below the top row for
one output, above the bottom row for the next; see :meth:`SeparableCircuit.flatten`), by
evaluating the learned combine circuit in each, so the paired circuit computes exactly
what the unpaired one computes at every output. If the two placements disagree, as they
do for rules that tell rows apart, there is no pair level and :class:`PairingError` says so.

Which code each class gets is free, and decides the size of both new circuits; this
module tries every assignment up to renaming and complementing the bits (420 for six
classes in three bits), ranks them by a quick ABC run on the finishing circuit, and
gives the best few the strong flow (:func:`gatenet.synth.flow.synthesize_strong`). The
pair and finishing circuits enter synthesis as their tables — this is the one step of
the pipeline that works from a function rather than from learned structure, and the
function is the learned combine circuit's, not the rule's: the classes, and everything
after, follow from the row code that training chose.
"""

from __future__ import annotations

import functools
import itertools
import math
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from gatenet import gates
from gatenet.colouring import min_colouring
from gatenet.ir.circuit import Circuit, Gate
from gatenet.ir.lut import Lut3Circuit
from gatenet.ir.netlist import CircuitError
from gatenet.ir.separable import (
    SeparableCircuit,
    SeparableLut3,
    combine_input_names,
    pair_input_names,
)
from gatenet.synth.flow import synthesize_batch, synthesize_strong
from gatenet.synth.scripts import STRONG_LUT3

#: Ranking script, run on hundreds of candidate codes in one Yosys run: collapse the table
#: and factor it, map, resubstitute with don't-cares, map again. Deterministic, and about
#: a tenth of a second per circuit, where a bounded ``&deepsyn`` takes a second or more and
#: stops by the clock. (The circuits start as tables here, so collapsing them loses no
#: learned structure.)
RANK_SCRIPT = ("strash; collapse; sop; fx; strash; dch -f; map -a; mfs2 -a; strash; dch -f; "
               "map -a")
#: The most classes searched: eight fit in three bits, whose codes can all be enumerated
#: (nine would need four bits and billions of codes).
MAX_CLASSES = 8


class PairingError(ValueError):
    """The separable circuit has no pair level (its readings disagree), or cannot have one
    this module can search for (too many classes)."""


@dataclass(frozen=True)
class PairChart:
    """The decomposition chart of a combine circuit over a pair of rows.

    ``columns[v]`` maps ``(third row's feature code, centre)`` to the output for the pair
    of feature codes ``v = up | down << k``, over every row pattern that occurs; ``classes``
    groups the pairs' codes into classes whose columns agree wherever both are defined.
    """

    k: int
    codes: tuple[int, ...]  # feature codes the row circuit produces
    columns: dict[int, dict[tuple[int, int], int]]
    classes: tuple[tuple[int, ...], ...]

    @property
    def bits(self) -> int:
        """Bits of the pair code: enough for every class (at least one)."""
        return max(1, math.ceil(math.log2(len(self.classes))))

    def class_column(self, i: int) -> dict[tuple[int, int], int]:
        """Class ``i``'s merged column: every entry any of its members defines."""
        out: dict[tuple[int, int], int] = {}
        for v in self.classes[i]:
            out.update(self.columns[v])
        return out


def _code(bits: Sequence[int]) -> int:
    """Bits (first = least significant) as an integer code."""
    return sum(int(b) << i for i, b in enumerate(bits))


def _features(row: Circuit) -> list[tuple[int, ...]]:
    """The row circuit's features for each row pattern ``r`` (``w`` = bit 2, ``c`` = bit 1,
    ``e`` = bit 0)."""
    return [tuple(row.evaluate([(r >> 2) & 1, (r >> 1) & 1, r & 1], 1)) for r in range(8)]


def pair_chart(sep: SeparableCircuit) -> PairChart:
    """The chart of ``sep``'s combine circuit over the pair of rows both outputs share.

    Raises :class:`PairingError` if ``sep`` already has a pair level, or if some pair of
    rows needs different outputs in its two placements (no pair level exists).
    """
    if not isinstance(sep, SeparableCircuit):
        raise TypeError(f"expected a gatenet SeparableCircuit, got {type(sep).__name__}")
    if sep.pair is not None:
        raise PairingError("the separable circuit already has a pair level")
    k = sep.k
    feats = _features(sep.row)
    code = [_code(f) for f in feats]
    comb = sep.combine
    columns: dict[int, dict[tuple[int, int], int]] = {}
    for u, d, t in itertools.product(range(8), repeat=3):
        v = code[u] | code[d] << k
        col = columns.setdefault(v, {})
        cu, cd = (u >> 1) & 1, (d >> 1) & 1  # the centre cells of rows u and d
        # below the top row t (the output of row u), then above the bottom row t (of row d)
        for key, ins in (((code[t], cu), [*feats[t], *feats[u], *feats[d], cu]),
                         ((code[t], cd), [*feats[u], *feats[d], *feats[t], cd])):
            y = comb.evaluate(ins, 1)[0]
            if col.setdefault(key, y) != y:
                raise PairingError(
                    "no pair level: a pair of rows needs different outputs below the top row "
                    "and above the bottom row (the rule tells rows apart)")
    order = sorted(columns)
    classes = _colour(order, columns)
    if len(classes) > MAX_CLASSES:
        raise PairingError(f"the chart has {len(classes)} classes; at most {MAX_CLASSES} "
                           "(3 pair bits) are searched")
    return PairChart(k, tuple(sorted(set(code))), columns, tuple(classes))


def class_counts(sep: SeparableCircuit, chart: PairChart) -> list[list[int]]:
    """For each class of ``chart``, the numbers of live cells its pairs of rows can hold
    (what the classes mean, for a rule that counts)."""
    code = [_code(f) for f in _features(sep.row)]
    k = chart.k
    return [sorted({bin(u).count("1") + bin(d).count("1") for u in range(8) for d in range(8)
                    if code[u] | code[d] << k in members}) for members in chart.classes]


def _agree(a: dict, b: dict) -> bool:
    """Whether two columns agree wherever both are defined."""
    return all(b.get(key, y) == y for key, y in a.items())


def _colour(nodes: list[int], columns: dict[int, dict]) -> list[tuple[int, ...]]:
    """The fewest classes of pairwise-agreeing columns (exact by backtracking, which is
    instant for charts of this size), each class's members in ``nodes`` order."""
    clash = {a: {b for b in nodes if b != a and not _agree(columns[a], columns[b])}
             for a in nodes}
    order = sorted(nodes, key=lambda n: -len(clash[n]))
    best = min_colouring(order, lambda a, b: b in clash[a])
    return sorted(tuple(sorted(g)) for g in _settle(best, columns))


def _settle(groups: list[list[int]], columns: dict[int, dict]) -> list[list[int]]:
    """Move each column that fits several classes to the one it shares the most agreeing
    entries with (never emptying a class). A minimum colouring is rarely unique, and the
    choice shapes the functions: for Life, a pair of full rows (count 6, centre always
    live) fits both the class of empty pairs (centre always dead: no entry in common) and
    the class of count 5 (the same zeros), and beside count 5 it makes the simpler code."""

    def shared(v: int, g: list[int]) -> int:
        return sum(columns[u].get(key) == y for u in g if u != v
                   for key, y in columns[v].items())

    for v in sorted(n for g in groups for n in g):
        home = next(g for g in groups if v in g)
        fits = [g for g in groups if all(_agree(columns[v], columns[u]) for u in g if u != v)]
        best = max(fits, key=lambda g: (shared(v, g), g is home))
        if best is not home and len(home) > 1:
            home.remove(v)
            best.append(v)
    return groups


def encodings(n_classes: int, bits: int | None = None) -> list[tuple[int, ...]]:
    """Every assignment of distinct ``bits``-bit codes to ``n_classes`` classes, one per
    orbit under permuting and complementing the bits. Renaming bits changes no circuit;
    complementing one changes no LUT count (a LUT reads either polarity) and rarely a gate
    count (the gate library has AND-NOT and OR-NOT, though not XNOR), so one polarity per
    orbit is searched. Listed in a fixed order, the natural binary code's orbit first."""
    bits = bits or max(1, math.ceil(math.log2(n_classes)))
    if n_classes > 1 << bits:
        raise ValueError(f"{n_classes} classes do not fit in {bits} bits")
    if math.perm(1 << bits, n_classes) > 200_000:
        raise ValueError(f"{n_classes} classes in {bits} bits: too many codes to enumerate")
    return list(_encodings(n_classes, bits))


@functools.lru_cache(maxsize=16)
def _encodings(n_classes: int, bits: int) -> tuple[tuple[int, ...], ...]:
    # each renaming/complementing of the bits as a table: code -> code
    maps = [tuple(sum((((c >> perm[i]) & 1) ^ ((flip >> i) & 1)) << i for i in range(bits))
                  for c in range(1 << bits))
            for perm in itertools.permutations(range(bits)) for flip in range(1 << bits)]

    def canon(codes: tuple[int, ...]) -> tuple[int, ...]:
        return min(tuple(m[c] for c in codes) for m in maps)

    seen = {canon(c) for c in itertools.permutations(range(1 << bits), n_classes)}
    first = canon(tuple(range(n_classes)))
    return (first, *sorted(seen - {first}))


def circuit_from_tables(n_inputs: int, tables: Sequence[Sequence[int]],
                        input_names: Sequence[str], output_names: Sequence[str],
                        reverse: bool = False) -> Circuit:
    """A circuit computing each output table (entry ``p`` = the output when input ``i`` is
    bit ``n_inputs - 1 - i`` of ``p``, the order of :meth:`Circuit.truth_table`): a Shannon
    expansion on the inputs in order (``reverse``: last input first), identical
    sub-functions built once. Only a starting point for synthesis — but ABC's search is
    local, and where it starts shows in where it ends."""
    if reverse:
        flip = [_reverse_table(t, n_inputs) for t in tables]
        c = circuit_from_tables(n_inputs, flip, input_names, output_names)
        last = n_inputs - 1

        def node(x: int) -> int:
            return last - x if x < n_inputs else x

        return Circuit(n_inputs, tuple(Gate(g.op, node(g.a), node(g.b)) for g in c.gates),
                       tuple(node(o) for o in c.outputs), c.input_names, c.output_names)
    gl: list[Gate] = []
    made: dict[tuple[int, ...], int] = {}

    def add(op: int, a: int, b: int) -> int:
        gl.append(Gate(op, a, b))
        return n_inputs + len(gl) - 1

    def build(tt: tuple[int, ...], var: int) -> int | tuple[int]:
        """A node for ``tt`` (a function of inputs ``var…``), or ``(constant,)``."""
        if all(x == tt[0] for x in tt):
            return (tt[0],)
        if tt in made:
            return made[tt]
        half = len(tt) // 2
        lo, hi = build(tt[:half], var + 1), build(tt[half:], var + 1)  # input var = 0, 1
        if isinstance(lo, tuple) and isinstance(hi, tuple):  # the input itself, or its NOT
            node = var if hi[0] else add(gates.NOR, var, var)
        elif isinstance(lo, tuple):
            node = (add(gates.AND, var, hi) if lo[0] == 0 else add(gates.NOT_A_OR_B, var, hi))
        elif isinstance(hi, tuple):
            node = (add(gates.NOT_A_AND_B, var, lo) if hi[0] == 0 else add(gates.OR, var, lo))
        else:
            node = add(gates.OR, add(gates.AND, var, hi), add(gates.NOT_A_AND_B, var, lo))
        made[tt] = node
        return node

    outs = []
    for table in tables:
        tt = tuple(int(x) & 1 for x in table)
        if len(tt) != 1 << n_inputs:
            raise CircuitError(f"a table of {n_inputs} inputs has {1 << n_inputs} entries, "
                               f"got {len(tt)}")
        node = build(tt, 0)
        if isinstance(node, tuple):  # a constant output: x AND NOT x, or x OR NOT x
            node = add(gates.FALSE if node[0] == 0 else gates.TRUE, 0, 0)
        outs.append(node)
    return Circuit(n_inputs, tuple(gl), tuple(outs), tuple(input_names), tuple(output_names))


def _reverse_table(table: Sequence[int], n: int) -> list[int]:
    """``table`` over the inputs in reverse order."""
    return [table[int(f"{p:0{n}b}"[::-1], 2)] for p in range(1 << n)] if n else list(table)


def _bits_of(p: int, n: int) -> list[int]:
    """Input values of pattern ``p`` (input ``i`` = bit ``n - 1 - i``)."""
    return [(p >> (n - 1 - i)) & 1 for i in range(n)]


def split(sep: SeparableCircuit, chart: PairChart, codes: Sequence[int],
          reverse: bool = False) -> tuple[Circuit, Circuit]:
    """The pair circuit (``2k`` inputs → the class's code) and the finishing circuit (code,
    third row's features, centre → next state) for the class codes ``codes`` (one per
    class, distinct, below ``2**chart.bits``), as :func:`circuit_from_tables` builds them.
    Entries nothing reaches are don't-cares, filled: a centre that never occurs with this
    class and third row reads as the other centre value; unused codes finish as 0, and
    pairs of row codes that never occur get the first class's code."""
    k, p = chart.k, chart.bits
    codes = tuple(int(c) for c in codes)
    if (len(codes) != len(chart.classes) or len(set(codes)) != len(codes)
            or not all(0 <= c < 1 << p for c in codes)):
        raise ValueError(f"need {len(chart.classes)} distinct codes below {1 << p}, got {codes}")
    cls_of_pair = {v: i for i, members in enumerate(chart.classes) for v in members}
    pair_tables = [[0] * (1 << 2 * k) for _ in range(p)]
    for pat in range(1 << 2 * k):
        x = _bits_of(pat, 2 * k)
        v = _code(x[:k]) | _code(x[k:]) << k
        c = codes[cls_of_pair.get(v, 0)]
        for j in range(p):
            pair_tables[j][pat] = (c >> j) & 1
    class_of_code = {c: i for i, c in enumerate(codes)}
    columns = [chart.class_column(i) for i in range(len(chart.classes))]
    n_fin = p + k + 1
    fin = [0] * (1 << n_fin)
    for pat in range(1 << n_fin):
        x = _bits_of(pat, n_fin)
        i = class_of_code.get(_code(x[:p]))
        if i is not None:
            third, centre = _code(x[p:p + k]), x[-1]
            col = columns[i]
            # where the centre never takes this value, the output is the other value's:
            # the circuit need not read the centre there (a don't-care filled so that it
            # simplifies; zeros would add dependence that no input exercises)
            fin[pat] = col.get((third, centre), col.get((third, 1 - centre), 0))
    pair = circuit_from_tables(2 * k, pair_tables, pair_input_names(k),
                               tuple(f"q{j}" for j in range(p)), reverse)
    finish = circuit_from_tables(n_fin, [fin], combine_input_names(k, p), ("next",), reverse)
    return pair, finish


@dataclass
class PairLevel:
    """What :func:`find_pair_level` returns: the chart, the ranking, and two paired forms —
    the fewest two-input gates per output word, and the fewest LUTs per output word (each
    with its LUT3 parts; the two may use different codes)."""

    chart: PairChart
    tried: int  # encodings ranked
    ranked: list[tuple[float, float, tuple[int, ...]]]  # quick gates, LUTs per word; codes
    gates: SeparableCircuit
    gates_lut3: SeparableLut3
    luts: SeparableCircuit
    luts_lut3: SeparableLut3
    finalists: list[dict[str, Any]] = field(default_factory=list)


def find_pair_level(
    sep: SeparableCircuit,
    table: np.ndarray,
    *,
    row_lut3: Lut3Circuit,
    max_encodings: int | None = None,
    finalists: int = 3,
    budget: float | None = None,
    progress: Callable[[str], None] | None = None,
    workers: int = 2,
) -> PairLevel:
    """Decompose ``sep``'s combine circuit into a pair level and a finishing circuit.

    ``table`` is the rule (both readings of every result are checked against it);
    ``row_lut3`` is ``sep``'s row circuit as LUTs (kept as it is). ``max_encodings`` caps
    the codes ranked (None: all, see :func:`encodings`); the best ``finalists`` by quick
    gates per word get the strong flow (``budget`` seconds each, None for no bound).
    The best ``finalists`` by quick LUTs per word join them (the two targets favour
    different codes). ``workers`` Yosys runs go at once while ranking (each on
    a share of the codes, so the ranking is reproducible for a given ``workers``). Raises
    :class:`PairingError` when there is no pair level (or too many classes to search),
    :class:`~gatenet.synth.SynthesisError` if Yosys fails.
    """
    chart = pair_chart(sep)
    todo = encodings(len(chart.classes), chart.bits)
    if max_encodings is not None:
        todo = todo[:max(1, int(max_encodings))]

    if progress:
        progress(f"pair level: ranking {len(todo)} codes for {len(chart.classes)} classes")
    splits = [split(sep, chart, codes) for codes in todo]
    workers = max(1, min(int(workers), len(todo)))

    def batch(circuits: list[Circuit], target: str, script: str) -> list[Any]:
        """One Yosys run per worker, each on its share of ``circuits``, in order."""
        shares = [circuits[i::workers] for i in range(workers)]
        with ThreadPoolExecutor(workers) as pool:
            done = list(pool.map(lambda c: synthesize_batch(c, target, script), shares))
        out: list[Any] = [None] * len(circuits)
        for i, part in enumerate(done):
            out[i::workers] = part
        return out

    pair_g = batch([p for p, _ in splits], "gates", RANK_SCRIPT)
    fin_g = batch([f for _, f in splits], "gates", RANK_SCRIPT)
    pair_l = batch(pair_g, "lut3", STRONG_LUT3)
    fin_l = batch(fin_g, "lut3", STRONG_LUT3)
    scores = [(len(fg) + len(pg) / 2, len(fl) + len(pl) / 2, codes)
              for pg, fg, pl, fl, codes in zip(pair_g, fin_g, pair_l, fin_l, todo, strict=True)]
    ranked = sorted(scores, key=lambda r: (r[0], r[1]))
    # the finalists: the best by quick gates per word, then as many by quick LUTs per word
    n = max(1, finalists)
    chosen = ranked[:n]
    chosen += [r for r in sorted(scores, key=lambda r: (r[1], r[0])) if r not in chosen][:n]
    forms = []
    for i, (quick, _, codes) in enumerate(chosen):
        if progress:
            progress(f"pair level: strong synthesis of code {i + 1}/{len(chosen)}")
        # both Shannon orders as starting points (ABC's search is local); the tables are
        # the same, so the pair of one order and the finish of the other fit together
        done = [[synthesize_strong(part, budget=budget) for part in split(sep, chart, codes, rev)]
                for rev in (False, True)]
        (pg, fg), (pl, fl) = ([min((d[part][form] for d in done), key=len) for part in (0, 1)]
                              for form in (0, 1))
        form = SeparableCircuit(sep.row, fg, {**sep.meta, "pair_codes": list(codes)}, pg)
        wrong = form.wrong(table)
        if wrong:  # cannot happen for a chart of an exact circuit; never trusted blindly
            raise CircuitError(f"the paired circuit is wrong on {wrong} patterns")
        lut = SeparableLut3(row_lut3, fl, pl).check(form)
        forms.append((form, lut, quick, codes))
    by_gates = min(forms, key=lambda f: (f[0].ops_per_cell_word(), f[1].ops_per_cell_word()))
    by_luts = min(forms, key=lambda f: (f[1].ops_per_cell_word(), f[0].ops_per_cell_word()))
    return PairLevel(chart, len(todo), [(q, lq, tuple(c)) for q, lq, c in ranked],
                     by_gates[0], by_gates[1], by_luts[0], by_luts[1],
                     [{"codes": list(c), "quick": q, "gates": f.ops_per_cell_word(),
                       "luts": lu.ops_per_cell_word()} for f, lu, q, c in forms])


__all__ = ["PairChart", "PairLevel", "PairingError", "circuit_from_tables", "class_counts",
           "encodings",
           "find_pair_level", "pair_chart", "split"]

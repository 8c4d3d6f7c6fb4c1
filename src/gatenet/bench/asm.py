"""What the compiler made of the fast kernels: instructions per output word, from objdump.

The throughput bound in :func:`gatenet.bench.model.measure` counts two-input gates. That is the
right yardstick for the scalar and AVX2 kernels, but with AVX-512 GCC folds two or three
dependent gates into one ``vpternlogq`` (any 3-input function in one instruction), so a
kernel can run *faster* than the gate-count bound. Counting the instructions of the
compiled inner loop says by how much, and gives a tighter bound for every width.

The inner loops are found structurally: runs of instructions closed by a backward jump that
contain no other backward jump. A kernel has several (the circuit kernel one for the
interior words of a row and one for its first and last word, which need masks and
wrap-around carries; ``-fno-version-loops-for-strides`` in the build keeps it to those
two). An edge loop is told apart by its shifts: their counts come from a register (the
wrap-around carry's shift depends on the board width), where the interior loop shifts by
constants. Rows are cut into 64-bit words at every width (the vector lanes hold different
rows, not more of one row), so a 512-cell row is two edge words and six interior ones.
Without a board the profile is the interior loop's, the steady state of a wide board; given
the words per row it is the mix the board runs.
The source unrolls the loops (the circuit walk by three rows, the expert's by two), so
counts are divided by that.

Large circuits are not inlined: past a few hundred gates GCC keeps the circuit a function of
its own and the loop *calls* it, so the loop's own instructions are only the glue around the
call. A ``call`` to a function of the same library therefore counts as that function's whole
body (the circuit is straight-line code), and ``calls`` in the profile says how many such
calls one output word makes — 0 when the circuit was inlined.
"""

from __future__ import annotations

import functools
import operator
import re
import shutil
import subprocess
import warnings
from collections import Counter
from pathlib import Path

_LINE = re.compile(r"^\s*([0-9a-f]+):\s+([a-z][a-z0-9]*)\s*(.*)$")
_LOGIC = re.compile(r"^(v?p?(and|andn|or|xor|ternlog)[a-z0-9]*|not[a-z]?|andn[a-z]?)$")
_SHIFT = re.compile(r"^(v?ps[lr]l[a-z]*|vpsh[lr]d[a-z]*|sh[lr][a-z]?|sa[lr][a-z]?|sh[lr]x)$")


def _kernel_symbol(kernel: str, paired: bool = False) -> tuple[str, int]:
    """The C function of a kernel name and the output words one loop iteration makes: two
    for the expert kernel (unrolled by two) and a separable circuit with a pair, else three."""
    family, _, width = kernel.rpartition("-")
    suffix = {"scalar": "w64", "avx2": "w256", "avx512": "w512"}[width]
    flavour = family or "circuit"
    two = flavour == "expert" or (flavour == "separable" and paired)
    return f"fk_rows_{flavour}_{suffix}", 2 if two else 3


@functools.cache
def _disassemble(path: str, symbol: str) -> list[tuple[int, str, str]]:
    objdump = shutil.which("objdump")
    if objdump is None:
        raise FileNotFoundError("objdump (binutils) is needed to count kernel instructions")
    out = subprocess.run(
        [objdump, "-d", "--no-show-raw-insn", f"--disassemble={symbol}", path],
        capture_output=True, text=True, check=True, timeout=120,
    ).stdout
    insns = []
    for line in out.splitlines():
        m = _LINE.match(line)
        if m:
            insns.append((int(m[1], 16), m[2], m[3]))
    if not insns:
        raise ValueError(f"{symbol} not found in {path}")
    return insns


def _inner_loops(insns: list[tuple[int, str, str]]) -> list[list[tuple[int, str, str]]]:
    addrs = [a for a, _, _ in insns]
    loops = []
    for k, (addr, op, args) in enumerate(insns):
        if not op.startswith("j"):
            continue
        m = re.match(r"([0-9a-f]+)", args)
        if not m:
            continue
        target = int(m[1], 16)
        if target <= addr and target in addrs:
            loops.append((addrs.index(target), k))
    innermost = [
        (s, e) for s, e in loops
        if not any(s <= s2 and e2 < e and (s2, e2) != (s, e) for s2, e2 in loops)
    ]  # fmt: skip
    if not innermost:
        raise ValueError("no loop found in the kernel")
    return [insns[s : e + 1] for s, e in innermost]


def loop_profile(library: str | Path, kernel: str, paired: bool = False,
                 row_words: int | None = None) -> dict[str, float]:
    """Instructions per output word in ``kernel``'s inner loops, by class.

    ``library`` is the fast .so (``gatenet.runtime.fast.load(circuit).path``). Classes: ``logic``
    (and/or/xor/andn/not/ternlog), ``shift``, ``load`` and ``store`` (moves touching memory),
    ``other`` (register moves, address arithmetic, the loop branch), ``total``, and
    ``ternlog`` (how many of the logic instructions are vpternlog). ``paired``: the library's
    separable circuit has a pair level (its loop makes two output words per step).
    ``row_words``: the board's vector words per row; the profile is then the average over the
    words a step computes (two edge words, the rest interior), else the interior loop's.
    """
    if row_words is not None:
        if isinstance(row_words, bool) or not hasattr(row_words, "__index__"):
            raise ValueError(f"row_words must be a positive integer, got {row_words!r}")
        row_words = operator.index(row_words)
        if row_words < 1:
            raise ValueError(f"row_words must be a positive integer, got {row_words!r}")
    symbol, words = _kernel_symbol(kernel, paired)
    path = str(library)
    hot = [(_is_edge(loop), _profile(loop, words, path))
           for loop in _inner_loops(_disassemble(path, symbol))]
    hot = [(edge, p) for edge, p in hot if p["store"] > 0 and p["logic"] > 0]
    if not hot:
        raise ValueError(f"no loop of {kernel} computes output words")
    inner = [p for edge, p in hot if not edge]
    edges = [p for edge, p in hot if edge]
    if not inner or not edges:  # an unexpected shape: one profile stands for both paths
        warnings.warn(f"{kernel}: the edge and interior column loops could not be told apart; "
                      "the cheapest loop stands for both", stacklevel=2)
        interior = edge = min((p for _, p in hot), key=lambda p: p["logic"] + p["shift"])
    else:
        interior = min(inner, key=lambda p: p["logic"] + p["shift"])
        edge = {k: sum(p[k] for p in edges) / len(edges) for k in interior}
    if row_words is None:
        return interior
    n_edge = min(row_words, 2)
    return {k: (n_edge * edge[k] + (row_words - n_edge) * interior[k]) / row_words
            for k in interior}


def _is_edge(loop: list[tuple[int, str, str]]) -> bool:
    """Whether a loop is an edge column's: one of its shifts takes its count from a register
    or memory, not an immediate (AT&T syntax puts the count first; ``shr %rdx``, with one
    operand, shifts by one)."""
    return any(_SHIFT.match(op) and "," in args and not args.lstrip().startswith("$")
               for _, op, args in loop)


#: What a circuit kernel's interior loop must touch per output word: the new row's word and
#: the words beside it (three loads), and the output word (one store). More memory traffic
#: than that is the compiler spilling registers to the stack.
MIN_LOADS, MIN_STORES = 3, 1


def spills(profile: dict[str, float]) -> bool:
    """Whether a circuit kernel's loop profile moves more words than it must (see
    :data:`MIN_LOADS`, :data:`MIN_STORES`): the sign of register spills."""
    return profile["load"] > MIN_LOADS or profile["store"] > MIN_STORES


_CALL = re.compile(r"^[0-9a-f]+ <([A-Za-z_][A-Za-z0-9_.]*)>$")


def _classify(insns: list[tuple[int, str, str]], library: str, depth: int = 0) -> Counter[str]:
    """Instruction counts by class; calls into ``library`` count as the callee's body."""
    c: Counter[str] = Counter()
    for _, op, args in insns:
        m = _CALL.match(args.strip()) if op.startswith("call") else None
        if m and depth < 2 and "@" not in m[1]:
            try:
                body = _disassemble(library, m[1])
            except (ValueError, subprocess.SubprocessError):
                body = None
            if body is not None:
                c += _classify(body, library, depth + 1)
                c["calls"] += 1
                continue
        if _LOGIC.match(op) and not op.startswith("vpternlog"):
            c["logic"] += 1
        elif op.startswith("vpternlog"):
            c["logic"] += 1
            c["ternlog"] += 1
        elif _SHIFT.match(op):
            c["shift"] += 1
        elif op.startswith(("mov", "vmov")) and "(" in args:
            # AT&T syntax: the destination is last, so memory last means a store
            c["store" if args.rstrip().endswith(")") else "load"] += 1
        else:
            c["other"] += 1
    return c


def _profile(loop: list[tuple[int, str, str]], words: int, library: str) -> dict[str, float]:
    c = _classify(loop, library)
    total = sum(v for k, v in c.items() if k not in ("ternlog", "calls"))
    keys = ("logic", "shift", "load", "store", "other", "ternlog", "calls")
    out = {k: c[k] / words for k in keys}
    out["total"] = total / words
    return out

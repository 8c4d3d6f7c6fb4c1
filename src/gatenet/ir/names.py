"""Names in circuits: the neighbourhood order, and the one grammar every name must match.

A circuit's input and output names come from files, and emitters place them in generated C,
Verilog and BLIF (as port names and in comments). Escaping free text for every target is
fragile (a ``*/``, a backslash line splice or a trigraph ends a C comment), so instead a
name is *validated* where a circuit is built or loaded: a plain identifier of at most
:data:`MAX_NAME` ASCII letters, digits and underscores, not starting with a digit. Anything
else is rejected with a :class:`ValueError` naming the field. Generated identifiers (gate
wires, function names) are made by the project, never taken from a file.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

#: The order of a 3×3 neighbourhood's cells as circuit inputs: NW, N, NE, W, C, E, SW, S, SE.
#: Golly's MAP strings number the 512 patterns NW·2⁸ + N·2⁷ + … + SE in the same order.
NEIGHBOURHOOD = ("NW", "N", "NE", "W", "C", "E", "SW", "S", "SE")

#: Longest accepted name.
MAX_NAME = 64
_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")

#: Verilog-2005 (and SystemVerilog) reserved words a port name must avoid.
_KEYWORD_TEXT = """
    always and assign automatic begin buf bufif0 bufif1 case casex casez cell cmos config
    deassign default defparam design disable edge else end endcase endconfig endfunction
    endgenerate endmodule endprimitive endspecify endtable endtask event for force forever fork
    function generate genvar highz0 highz1 if ifnone incdir include initial inout input instance
    integer join large liblist library localparam macromodule medium module nand negedge nmos nor
    noshowcancelled not notif0 notif1 or output parameter pmos posedge primitive pull0 pull1
    pulldown pullup pulsestyle_onevent pulsestyle_ondetect rcmos real realtime reg release repeat
    rnmos rpmos rtran rtranif0 rtranif1 scalared showcancelled signed small specify specparam
    strong0 strong1 supply0 supply1 table task time tran tranif0 tranif1 tri tri0 tri1 triand
    trior trireg unsigned use uwire vectored wait wand weak0 weak1 while wire wor xnor xor
    bit byte int logic shortint longint string"""
VERILOG_KEYWORDS = frozenset(_KEYWORD_TEXT.split())

#: C11 keywords, and the names the generated headers themselves use (``cell``, the
#: includer's type; ``in``, the input array; ``zero``), none of which a function may take.
_C_RESERVED_TEXT = """
    auto break case char const continue default do double else enum extern float for goto if
    inline int long register restrict return short signed sizeof static struct switch typedef
    union unsigned void volatile while _Alignas _Alignof _Atomic _Bool _Complex _Generic
    _Imaginary _Noreturn _Static_assert _Thread_local cell in zero"""
C_RESERVED = frozenset(_C_RESERVED_TEXT.split())


def is_identifier(name: Any) -> bool:
    """True if ``name`` is a string matching the name grammar (see the module docstring)."""
    return (
        isinstance(name, str) and len(name) <= MAX_NAME and _IDENTIFIER.fullmatch(name) is not None
    )


def check_name(name: Any, what: str, reserved: frozenset[str] = frozenset()) -> str:
    """``name`` if it is a valid identifier not in ``reserved`` (a target language's
    keywords), else a :class:`ValueError` naming ``what``."""
    if not isinstance(name, str):
        raise ValueError(f"{what} must be a string, got {type(name).__name__} {name!r}")
    if not is_identifier(name):
        shown = name if len(name) <= 40 else name[:40] + "…"
        raise ValueError(
            f"{what} {shown!r} is not a valid name: use at most {MAX_NAME} ASCII letters, "
            "digits and underscores, not starting with a digit"
        )
    if name in reserved:
        raise ValueError(f"{what} {name!r} is a reserved word of the generated language")
    return name


def check_names(names: Sequence[Any], field: str) -> None:
    """Every entry of ``names`` valid (:func:`check_name`) and distinct."""
    for i, name in enumerate(names):
        check_name(name, f"{field}[{i}]")
    if len(set(names)) != len(names):
        dup = next(n for n in names if list(names).count(n) > 1)
        raise ValueError(f"{field} repeats the name {dup!r}")


def check_rule_shape(netlist: Any, what: str = "a rule circuit") -> None:
    """A :class:`ValueError` unless ``netlist`` has 9 inputs and 1 output (a 3×3 rule)."""
    n_in, n_out = netlist.n_inputs, len(netlist.outputs)
    if n_in != 9 or n_out != 1:
        raise ValueError(f"{what} has 9 inputs and 1 output, got {n_in} and {n_out}")


def port_names(netlist: Any) -> tuple[list[str], list[str]]:
    """Input and output port names for Verilog and BLIF: ``nw, n, …, se`` and ``out`` for a
    rule circuit, else the circuit's own (already valid) names.

    Names are made distinct from the generated wires ``g<k>`` and from Verilog keywords by a
    suffix, so a port can never shadow a gate.
    """
    if netlist.n_inputs == 9 and tuple(netlist.input_names) == NEIGHBOURHOOD:
        ins = [n.lower() for n in NEIGHBOURHOOD]
    else:
        ins = list(netlist.input_names)
    outs = ["out"] if len(netlist.outputs) == 1 else list(netlist.output_names)
    taken = {f"g{k}" for k in range(len(netlist.cells))} | VERILOG_KEYWORDS
    return _unique(ins, taken), _unique(outs, taken)


def _unique(names: list[str], taken: set[str]) -> list[str]:
    out = []
    for n in names:
        cand, i = n, 1
        while cand in taken:
            cand = f"{n}_{i}"
            i += 1
        taken.add(cand)
        out.append(cand)
    return out

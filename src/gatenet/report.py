"""Small helpers the book's chapters share: fast mode, and tables as text.

The chapters run at full size when the book is built and in *fast mode* when they run as
tests (``GATENET_FAST=1``, set by ``make test``): smaller boards, fewer repeats and seeds.
Fast mode changes how much is measured, never what is checked.
"""

from __future__ import annotations

import os
from typing import TypeVar

T = TypeVar("T")


def fast_mode() -> bool:
    """True when ``GATENET_FAST`` is set to anything but ``""``/``0``."""
    return os.environ.get("GATENET_FAST", "") not in ("", "0")


def pick(full: T, fast: T) -> T:
    """``full`` for the real build, ``fast`` when the chapters run as tests."""
    return fast if fast_mode() else full


def markdown_table(header: list[str], rows: list[list[object]]) -> str:
    """A Markdown table (rendered by myst-nb from ``IPython.display.Markdown``)."""
    def cell(v: object) -> str:
        return f"{v:,}" if isinstance(v, int) else str(v)

    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(cell(v) for v in r) + " |" for r in rows]
    return "\n".join(lines)

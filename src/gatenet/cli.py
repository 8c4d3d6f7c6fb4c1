"""What the package's command lines share: one-line errors, argument types, ``--out`` checks.

``python -m gatenet``, ``python -m gatenet.bench`` and ``python -m gatenet.synth`` all report
a bad argument, a bad file or a broken environment (no C compiler, an unwritable
``GATENET_CACHE``) as one ``gatenet: error: ...`` line on standard error and a non-zero exit
status, never a traceback. Numbers are checked against their ranges by the argparse
``type=`` functions here, and ``--out`` against the file system (:func:`check_out`), before
any work starts, so a typo never costs a training run. It imports nothing of the pipeline,
so every stage's command line can use it.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import re
import sys
import tempfile
import warnings
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any, NoReturn

#: What every error line starts with, whichever of the package's commands prints it.
PREFIX = "gatenet"


class CommandError(Exception):
    """A user-facing failure: printed as ``gatenet: error: ...`` with exit status 1 or 2."""

    def __init__(self, message: str, status: int = 1) -> None:
        super().__init__(message)
        self.status = status


# -- argument checking, shared by every command line of the package ------------------------


class ArgumentParser(argparse.ArgumentParser):
    """argparse, reporting a bad argument as one ``gatenet: error: ...`` line (status 2)
    instead of a usage block; ``--help`` still shows the usage."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{PREFIX}: error: {message} (see {self.prog} --help)\n")


_INT = re.compile(r"[+-]?[0-9]+")


def _bounds(lo: int | float | None, hi: int | float | None, hi_text: str | None) -> str:
    hi_s = hi_text or (str(hi) if hi is not None else "")
    if hi is None:
        return f"≥ {lo}"
    if lo is None:
        return f"≤ {hi_s}"
    return f"in {lo}..{hi_s}"


def int_range(
    lo: int | None = None, hi: int | None = None, hi_text: str | None = None
) -> Callable[[str], int]:
    """An argparse ``type=``: an integer of ASCII digits in ``lo..hi`` (either may be open).

    ``int()`` alone would accept other scripts' digits and silently read ``３`` as 3.
    ``hi_text`` spells the upper bound in messages (``"2**64-1"``).
    """

    def integer(text: str) -> int:
        want = f"an integer {_bounds(lo, hi, hi_text)}"
        shown = text if len(text) <= 40 else text[:40] + "…"
        if not _INT.fullmatch(text.strip()):
            raise argparse.ArgumentTypeError(f"expected {want}, got {shown!r}")
        digits = text.strip().lstrip("+-")
        if len(digits) > 100:
            raise argparse.ArgumentTypeError(f"expected {want}, got a {len(digits)}-digit number")
        v = int(text)
        if (lo is not None and v < lo) or (hi is not None and v > hi):
            raise argparse.ArgumentTypeError(f"expected {want}, got {v}")
        return v

    return integer


def float_range(lo: float, hi: float, lo_open: bool = False) -> Callable[[str], float]:
    """An argparse ``type=``: a finite decimal number in ``[lo, hi]`` (``(lo, hi]`` if
    ``lo_open``)."""
    want = f"a number in {'(' if lo_open else '['}{lo:g}, {hi:g}]"

    def number(text: str) -> float:
        try:
            if not text.isascii():
                raise ValueError
            v = float(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected {want}, got {text!r}") from None
        if not (lo < v <= hi if lo_open else lo <= v <= hi):  # also false for nan
            raise argparse.ArgumentTypeError(f"expected {want}, got {text}")
        return v

    return number


def int_list(lo: int, hi: int, multiple_of: int = 1, hi_text: str | None = None,
             ) -> Callable[[str], list[int]]:
    """An argparse ``type=``: comma-separated integers, each in ``lo..hi`` (and a multiple
    of ``multiple_of``), at least one."""
    one = int_range(lo, hi, hi_text)
    want = f"comma-separated integers {_bounds(lo, hi, hi_text)}" + (
        f", each a multiple of {multiple_of}" if multiple_of > 1 else "")

    def integers(text: str) -> list[int]:
        parts = [p.strip() for p in text.split(",")]
        if not all(parts):
            raise argparse.ArgumentTypeError(f"expected {want}, got {text!r}")
        values = []
        for part in parts:
            try:
                v = one(part)
            except argparse.ArgumentTypeError:
                shown = part if len(part) <= 40 else part[:40] + "…"
                raise argparse.ArgumentTypeError(f"expected {want}, got {shown!r}") from None
            if v % multiple_of:
                raise argparse.ArgumentTypeError(f"expected {want}, got {v}")
            values.append(v)
        return values

    return integers


def existing_file(text: str) -> str:
    """An argparse ``type=``: the path of an existing regular file (checked, not opened)."""
    p = Path(text)
    if p.is_dir():
        raise argparse.ArgumentTypeError(f"{text} is a directory, not a file")
    if not p.is_file():
        raise argparse.ArgumentTypeError(f"no such file: {text}")
    return text


def rule_text(text: str) -> str:
    """An argparse ``type=``: a rule string :func:`gatenet.rules.parse` accepts (returned
    as given, so messages show what the user typed)."""
    from gatenet import rules

    try:
        rules.parse(text)
    except rules.RuleError as e:
        raise argparse.ArgumentTypeError(str(e)) from None
    return text


def check_out(path: str, flag: str = "--out", suffixes: Sequence[str] = ()) -> Path:
    """The output path ``path`` if a file can be written there, else a :class:`CommandError`
    — checked before the work that produces the file, by creating and removing a file in
    the target directory (which also catches read-only file systems). A missing directory
    is an error, not created. A symbolic link at ``path`` will be replaced, not followed.
    """
    p = Path(path)
    if suffixes and p.suffix.lower() not in suffixes:
        raise CommandError(f"{flag} {path}: use a {' or '.join(suffixes)} suffix", 2)
    if p.is_dir() and not p.is_symlink():
        raise CommandError(f"{flag} {path} is a directory", 2)
    parent = p.parent
    if not parent.exists():
        raise CommandError(f"{flag} {path}: the directory {parent} does not exist", 2)
    if not parent.is_dir():
        raise CommandError(f"{flag} {path}: {parent} is not a directory", 2)
    try:
        fd, probe = tempfile.mkstemp(prefix=f".{p.name}.", suffix=".tmp", dir=parent)
    except OSError as e:
        raise CommandError(f"{flag} {path}: cannot write in {parent}: {e.strerror}", 2) from None
    os.close(fd)
    os.unlink(probe)
    return p


# -- errors as one line ---------------------------------------------------------------------


def _loaded_class(module: str, name: str) -> type | None:
    """``module.name`` if that module is already imported (an exception of a class from a
    module never imported cannot occur, so nothing is imported just to check)."""
    return getattr(sys.modules.get(module), name, None)


#: Failures of the environment or of a long computation, not of the input: status 1.
_RUNTIME_ERRORS = (
    ("gatenet.runtime.native", "NativeBuildError"),
    ("gatenet.synth.yosys", "SynthesisError"),
    ("gatenet.pipeline", "NotConvergedError"),
)


def _status(e: BaseException) -> int | None:
    """The exit status for an exception the command line reports as one line, or None
    for one it does not know (a bug: the traceback is then the useful output)."""
    if isinstance(e, CommandError):
        return e.status
    if isinstance(e, ValueError | TypeError | OSError):
        return 2
    if isinstance(e, MemoryError):
        return 1
    for module, name in _RUNTIME_ERRORS:
        cls = _loaded_class(module, name)
        if cls is not None and isinstance(e, cls):
            return 1
    return None


def error_line(e: BaseException) -> str:
    """An exception as one line of text: the message, plus the one line of a compiler's or
    Yosys' output that says what went wrong."""
    text = str(e)
    native = _loaded_class("gatenet.runtime.native", "NativeBuildError")
    synthesis = _loaded_class("gatenet.synth.yosys", "SynthesisError")
    if native is not None and isinstance(e, native):
        text = text.splitlines()[0] if text else "the C compiler failed"
        said = [ln.strip() for ln in getattr(e, "stderr", "").splitlines() if ln.strip()]
        detail = next((ln for ln in said if "error" in ln.lower()), said[0] if said else "")
        if detail:
            text += f": {detail}"
        if "CC" not in text:
            text += "; set CC to choose another C compiler"
    elif synthesis is not None and isinstance(e, synthesis):
        text = text.splitlines()[0] if text else "synthesis failed"
        log = getattr(e, "log_tail", "").splitlines()
        detail = next((ln.strip() for ln in reversed(log) if ln.startswith("ERROR")), "")
        if detail:
            text += f": {detail}"
    elif isinstance(e, OSError) and e.filename is not None and e.strerror:
        text = f"{e.filename}: {e.strerror}"
    lines = [ln.strip() for ln in text.splitlines() if ln.strip()]
    return "; ".join(lines) or type(e).__name__


@contextlib.contextmanager
def _one_line_warnings() -> Iterator[None]:
    """Show the package's own warnings as ``gatenet: warning: ...`` (others as usual)."""
    shown = warnings.showwarning

    def show(message: Any, category: type[Warning], filename: str, lineno: int,
             file: Any = None, line: str | None = None) -> None:
        if category.__module__.startswith("gatenet"):
            print(f"{PREFIX}: warning: {message}", file=sys.stderr)
        else:
            shown(message, category, filename, lineno, file, line)

    warnings.showwarning = show
    try:
        yield
    finally:
        warnings.showwarning = shown


def run_command(func: Callable[[argparse.Namespace], int | None],
                args: argparse.Namespace) -> int:
    """``func(args)``, with every known failure printed as one ``gatenet: error:`` line."""
    with _one_line_warnings():
        try:
            return int(func(args) or 0)
        except KeyboardInterrupt:
            print(f"{PREFIX}: interrupted", file=sys.stderr)
            return 130
        except Exception as e:
            status = _status(e)
            if status is None:
                raise
            print(f"{PREFIX}: error: {error_line(e)}", file=sys.stderr)
            return status


# -- the commands ---------------------------------------------------------------------------

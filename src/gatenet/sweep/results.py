"""The results file of a sweep: JSON lines, appended crash-safely, resumable.

Each finished task appends one line — one ``os.write`` of the whole line on a file opened
with ``O_APPEND``, then ``fsync`` — so a crash (or a kill, or a full disk) can leave at most
the *last* line half-written. Reading tolerates exactly that: a final line without its
newline is a torn write, cut off before new lines are appended, and its task runs again.
Any other line that is not a JSON object means the file was edited or is not a results
file, and is reported with its line number rather than guessed at.

The circuits of each task are written (atomically) into a folder beside the file,
``<name>.circuits/``, *before* the line that names them, so a line never points at a
missing file. One sweep at a time may write a results file (an advisory ``flock``).
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from gatenet.storage import atomic_write_text
from gatenet.sweep.plan import SweepOptions

#: A task's status. Every status but ``failed`` is final: a rerun skips the task.
EXACT, NOT_EXACT, BAD_RULE, FAILED = "exact", "not exact", "bad rule", "failed"
STATUSES = (EXACT, NOT_EXACT, BAD_RULE, FAILED)

_SAFE = re.compile(r"[A-Za-z0-9/-]{1,60}")


def circuit_stem(rule: str, seed: int) -> str:
    """A file name for a rule's circuit: ``B3_S23-seed0``, or a hash for a MAP rule."""
    slug = rule.replace("/", "_") if _SAFE.fullmatch(rule) else (
        "MAP-" + hashlib.sha256(rule.encode()).hexdigest()[:16])
    return f"{slug}-seed{seed}"


class ResultsFile:
    """A sweep's JSON-lines file and the circuit folder beside it."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self.circuits = self.path.with_name(self.path.stem + ".circuits")

    # -- reading -----------------------------------------------------------------------

    def check(self) -> None:
        """Refuse, before any work, what cannot be a results file: a symbolic link (which
        writing would follow), anything but a regular file (a FIFO would hang, a device
        never end), and a circuit folder that is not a folder."""
        if self.path.is_symlink():
            raise ValueError(f"{self.path} is a symbolic link; give the results file's "
                             "real path (a sweep appends to it, and would write through)")
        if self.path.exists() and not self.path.is_file():
            raise ValueError(f"{self.path} is not a regular file")
        if self.circuits.exists() and (self.circuits.is_symlink() or not self.circuits.is_dir()):
            raise ValueError(f"{self.circuits} (where the circuits go) is not a directory")

    def _parse(self, data: bytes) -> tuple[list[dict[str, Any]], int]:
        """The records of ``data`` and the length of its complete part. A last line
        without its newline is a torn write if it looks like the start of a record, and is
        left out; anything else that is not a record is an error naming its line, raised
        before anything is written."""
        lines = data.split(b"\n")
        out = []
        for n, line in enumerate(lines[:-1], 1):
            if line.strip():
                out.append(self._record(line, n))
        tail = lines[-1]
        complete = len(data) - len(tail)
        if tail.strip():
            try:  # a whole record whose newline is missing: keep it
                out.append(self._record(tail, len(lines)))
                complete = len(data)
            except ValueError:
                if not tail.lstrip().startswith(b'{"'):
                    raise ValueError(f"{self.path}, line {len(lines)}: not a sweep result; "
                                     "the file was edited or is not a results file (use "
                                     "another --out)") from None
        return out, complete

    def _record(self, line: bytes, n: int) -> dict[str, Any]:
        try:
            rec = json.loads(line)
        except (json.JSONDecodeError, UnicodeDecodeError):
            rec = None
        ok = (isinstance(rec, dict) and isinstance(rec.get("rule"), str)
              and (rec.get("seed") is None or (isinstance(rec.get("seed"), int)
                                                and not isinstance(rec.get("seed"), bool)))
              and rec.get("status") in STATUSES)
        if not ok:
            raise ValueError(f"{self.path}, line {n}: not a sweep result; the file was "
                             "edited or is not a results file (use another --out)")
        return rec

    def records(self) -> list[dict[str, Any]]:
        """Every complete record, in file order (a torn last line is left out)."""
        if not self.path.exists():
            return []
        self.check()
        return self._parse(self.path.read_bytes())[0]

    def latest(self) -> dict[tuple[str, int | None], dict[str, Any]]:
        """The last record of each (rule, seed): a task that failed and ran again counts
        by its newest line."""
        return {(r["rule"], r["seed"]): r for r in self.records()}

    def done(self, options: SweepOptions) -> dict[tuple[str, int | None], dict[str, Any]]:
        """The tasks a rerun skips: final records (any status but ``failed``). Raises
        ValueError if they were produced with other options than ``options``."""
        want = options.to_dict()
        final = {}
        for key, rec in self.latest().items():
            if rec.get("status") == FAILED:
                continue
            if rec.get("status") != BAD_RULE and rec.get("options") != want:
                raise ValueError(
                    f"{self.path} holds results made with other options "
                    f"({rec.get('options')} instead of {want}); rerun with those options "
                    "or write to another --out")
            final[key] = rec
        return final

    # -- writing -----------------------------------------------------------------------

    @contextlib.contextmanager
    def writing(self, wait: bool = False) -> Iterator[ResultsFile]:
        """Hold the file for appending: locked against a second sweep (which is refused,
        or with ``wait`` waited for), every line checked (nothing is changed in a file that
        is not a results file), then a torn last line cut off and a missing final newline
        restored."""
        self.check()
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW, 0o666)
        try:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | (0 if wait else fcntl.LOCK_NB))
            except BlockingIOError:
                raise ValueError(f"another sweep is writing {self.path}") from None
            size = os.fstat(fd).st_size
            data = os.pread(fd, size, 0) if size else b""
            _, complete = self._parse(data)  # raises, untouched, for a foreign file
            if complete < size:  # a torn write: cut it, its task runs again
                os.ftruncate(fd, complete)
                os.fsync(fd)
            elif data and not data.endswith(b"\n"):  # a whole last record, newline lost
                os.pwrite(fd, b"\n", size)
                os.fsync(fd)
            yield self
        finally:
            os.close(fd)  # releases the lock

    def append(self, record: dict[str, Any]) -> None:
        """Append one record as one line, durably, in a single write."""
        line = (json.dumps(record, sort_keys=True, allow_nan=False) + "\n").encode()
        fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o666)
        try:
            view = memoryview(line)
            while view:  # a regular file takes it in one write; loop only for safety
                view = view[os.write(fd, view):]
            os.fsync(fd)
        finally:
            os.close(fd)

    def save_circuits(self, record: dict[str, Any], circuit: dict | None,
                      lut3: dict | None) -> None:
        """Write a task's circuits into the circuit folder; name them in ``record``."""
        if circuit is None:
            return
        self.circuits.mkdir(exist_ok=True)  # checked before any work (check())
        stem = circuit_stem(record["rule"], record["seed"])
        atomic_write_text(self.circuits / f"{stem}.json", json.dumps(circuit, indent=1) + "\n")
        record["circuit"] = f"{self.circuits.name}/{stem}.json"
        if lut3 is not None:
            atomic_write_text(self.circuits / f"{stem}.lut3.json",
                              json.dumps(lut3, indent=1) + "\n")
            record["lut3_circuit"] = f"{self.circuits.name}/{stem}.lut3.json"

"""The widget in a real browser: drive headless Chromium, measure generations per second.

:class:`Chromium` drives a headless Chromium over the DevTools protocol through a pipe
(``--remote-debugging-pipe``): standard library only, no port, no websocket client. The
tests use it to check the page against the numpy reference, and :func:`browser_benchmark`
measures the page's speed beside the C runtime on the same board
(``python -m gatenet.bench.browser [CIRCUIT.json ...]``).
"""

from __future__ import annotations

import base64
import contextlib
import fcntl
import json
import os
import select
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from gatenet.emit.c import rule_name
from gatenet.emit.widget import widget_html
from gatenet.ir.circuit import Circuit

#: Flags for a quiet, offline, sandbox-free (root in a container) headless Chromium.
CHROMIUM_FLAGS = (
    "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
    "--disable-background-networking", "--disable-dev-shm-usage", "--mute-audio",
    "--disable-extensions", "--disable-sync", "--no-default-browser-check",
    "--window-size=900,900", "--remote-debugging-pipe",
)  # fmt: skip


def find_chromium() -> str | None:
    """The Chromium executable on ``PATH`` (Debian's ``chromium``, or another name)."""
    for name in ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable"):
        found = shutil.which(name)
        if found:
            return found
    return None


class BrowserError(RuntimeError):
    """Chromium failed to start, a command failed, or the page threw."""


class Chromium:
    """A headless Chromium with one page, driven over the DevTools protocol on a pipe.

    ``--remote-debugging-pipe`` makes Chromium read protocol messages from fd 3 and write
    them to fd 4, each a JSON text ended by a NUL byte: no port to pick, no websocket
    handshake, nothing beyond the standard library. Use as a context manager::

        with Chromium() as browser:
            browser.open(path)
            browser.evaluate("gatenet.state()")
    """

    def __init__(self, executable: str | None = None, timeout: float = 60.0) -> None:
        exe = executable or find_chromium()
        if exe is None:
            raise BrowserError("no chromium on PATH (Debian: apt-get install chromium)")
        self.timeout = timeout
        self._profile = tempfile.TemporaryDirectory(prefix="gatenet-chromium-")
        self._log = open(Path(self._profile.name) / "stderr.log", "w+b")  # noqa: SIM115
        to_chrome_r, self._to_chrome = os.pipe()
        self._from_chrome, from_chrome_w = os.pipe()
        # Chromium's ends go to fds 3 and 4 in a small exec wrapper, not in a preexec_fn:
        # that would make subprocess fork() a process running threads (JAX's), which can
        # deadlock. (A shell redirection would do, but dash takes single-digit fds only.)
        # Both ends are first moved to fds >= 10 so that dup2 onto 3 cannot overwrite the
        # other one before it is read.
        ends = []
        for fd in (to_chrome_r, from_chrome_w):
            ends.append(fcntl.fcntl(fd, fcntl.F_DUPFD_CLOEXEC, 10))
            os.close(fd)
        r, w = ends
        wrapper = (f"import os, sys; os.dup2({r}, 3); os.dup2({w}, 4); "
                   f"os.close({r}); os.close({w}); os.execv(sys.argv[1], sys.argv[1:])")
        try:
            self._proc = subprocess.Popen(
                [sys.executable, "-I", "-S", "-c", wrapper, exe, *CHROMIUM_FLAGS,
                 f"--user-data-dir={self._profile.name}", "about:blank"],
                stdin=subprocess.DEVNULL, stdout=self._log, stderr=self._log, pass_fds=ends,
            )
        finally:
            os.close(r)
            os.close(w)
        self._buffer = b""
        self._next_id = 0
        self._events: list[dict[str, Any]] = []
        self.session: str | None = None
        try:
            targets = self.send("Target.getTargets")["targetInfos"]
            page = next((t for t in targets if t["type"] == "page"), None)
            target = page["targetId"] if page else self.send(
                "Target.createTarget", url="about:blank")["targetId"]
            self.session = self.send("Target.attachToTarget", targetId=target,
                                     flatten=True)["sessionId"]
            self.send("Page.enable")
            self.send("Runtime.enable")
        except BaseException:
            self.close()
            raise

    # -- protocol --

    def _read_message(self, deadline: float) -> dict[str, Any]:
        while b"\0" not in self._buffer:
            left = deadline - time.monotonic()
            if left <= 0:
                raise BrowserError("timed out waiting for Chromium" + self._stderr_tail())
            ready, _, _ = select.select([self._from_chrome], [], [], left)
            if ready:
                chunk = os.read(self._from_chrome, 1 << 20)
                if not chunk:
                    raise BrowserError("Chromium closed the pipe" + self._stderr_tail())
                self._buffer += chunk
        raw, self._buffer = self._buffer.split(b"\0", 1)
        return json.loads(raw)

    def send(self, method: str, timeout: float | None = None, **params: Any) -> dict[str, Any]:
        """Send one command (to the page's session once attached) and return its result."""
        self._next_id += 1
        msg: dict[str, Any] = {"id": self._next_id, "method": method, "params": params}
        if self.session is not None and not method.startswith(("Target.", "Browser.")):
            msg["sessionId"] = self.session
        os.write(self._to_chrome, json.dumps(msg).encode() + b"\0")
        deadline = time.monotonic() + (self.timeout if timeout is None else timeout)
        while True:
            reply = self._read_message(deadline)
            if reply.get("id") == self._next_id:
                if "error" in reply:
                    raise BrowserError(f"{method}: {reply['error'].get('message')}")
                return reply.get("result", {})
            if "method" in reply:
                self._events.append(reply)

    def wait_event(self, method: str, timeout: float | None = None) -> dict[str, Any]:
        """The next event called ``method`` (already received ones first)."""
        deadline = time.monotonic() + (self.timeout if timeout is None else timeout)
        while True:
            for i, ev in enumerate(self._events):
                if ev["method"] == method:
                    return self._events.pop(i)
            reply = self._read_message(deadline)
            if "method" in reply:
                self._events.append(reply)

    def page_errors(self) -> list[str]:
        """Uncaught exceptions and console errors the page has reported so far."""
        out = []
        for ev in self._events:
            p = ev.get("params", {})
            if ev["method"] == "Runtime.exceptionThrown":
                d = p.get("exceptionDetails", {})
                out.append(d.get("exception", {}).get("description") or d.get("text", "?"))
            elif ev["method"] == "Runtime.consoleAPICalled" and p.get("type") == "error":
                out.append(" ".join(str(a.get("value", a.get("description")))
                                    for a in p.get("args", [])))
        return out

    def _stderr_tail(self) -> str:
        try:
            self._log.flush()
            self._log.seek(0)
            tail = self._log.read()[-1500:].decode("utf-8", "replace").strip()
        except (OSError, ValueError):
            return ""
        return f"\n--- chromium stderr ---\n{tail}" if tail else ""

    # -- conveniences --

    def open(self, path: str | os.PathLike[str]) -> None:
        """Load a local file in the page and wait for its load event."""
        self._events = [e for e in self._events if e["method"] != "Page.loadEventFired"]
        self.send("Page.navigate", url=Path(path).resolve().as_uri())
        self.wait_event("Page.loadEventFired")

    def evaluate(self, expression: str, timeout: float | None = None) -> Any:
        """The JSON value of a JavaScript expression (promises awaited); a page exception
        raises :class:`BrowserError` with its description."""
        r = self.send("Runtime.evaluate", timeout=timeout, expression=expression,
                      returnByValue=True, awaitPromise=True)
        if "exceptionDetails" in r:
            d = r["exceptionDetails"]
            raise BrowserError(d.get("exception", {}).get("description") or d.get("text"))
        return r["result"].get("value")

    def screenshot(self) -> bytes:
        """A PNG of the page's viewport."""
        return base64.b64decode(self.send("Page.captureScreenshot", format="png")["data"])

    def close(self) -> None:
        """Ask Chromium to quit, kill it if it does not, and remove its profile."""
        if getattr(self, "_proc", None) is not None and self._proc.poll() is None:
            with contextlib.suppress(OSError, BrowserError, ValueError):
                self.session = None
                self.send("Browser.close", timeout=5)
            try:
                self._proc.wait(5)
            except subprocess.TimeoutExpired:
                self._proc.kill()
                self._proc.wait(5)
        for fd in ("_to_chrome", "_from_chrome"):
            with contextlib.suppress(OSError, AttributeError):
                os.close(getattr(self, fd))
                setattr(self, fd, -1)
        with contextlib.suppress(OSError, AttributeError):
            self._log.close()
        with contextlib.suppress(OSError, AttributeError):
            self._profile.cleanup()

    def __enter__(self) -> Chromium:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


# -- benchmark ------------------------------------------------------------------------------


def browser_benchmark(
    circuit: Circuit,
    sizes: Sequence[tuple[int, int]] = ((256, 256), (1024, 1024)),
    seconds: float = 1.0,
    repeats: int = 3,
) -> list[dict[str, Any]]:
    """Generations per second of the widget in headless Chromium (``gatenet.benchmark``,
    nothing drawn) beside the scalar C runtime on the same board size and circuit.

    Each browser rate is the median of ``repeats`` runs of about ``seconds`` each after a
    warm-up that lets V8 optimise the step; the C rate is :func:`time_board`'s median.
    Returns one row per size: ``{width, height, browser_gps, c_gps, ratio}`` (ratio =
    C / browser). A measurement, not a check: the numbers depend on the machine and load.
    """

    from gatenet.bench.timing import time_board
    from gatenet.runtime.board import Board

    rows = []
    with tempfile.TemporaryDirectory(prefix="gatenet-bench-") as tmp:
        page = Path(tmp) / "widget.html"
        page.write_text(widget_html(circuit, width=64, height=64), encoding="utf-8")
        with Chromium() as browser:
            browser.open(page)
            for width, height in sizes:
                browser.evaluate(f"gatenet.resize({width}, {height}), gatenet.seed(1, 0.5), 0")
                rate = browser.evaluate("gatenet.benchmark(20)")  # warm up, first estimate
                n = max(10, int(rate * seconds / 2))
                rate = browser.evaluate(f"gatenet.benchmark({n})")
                n = max(10, int(rate * seconds))
                rates = [browser.evaluate(f"gatenet.benchmark({n})", timeout=60 + 10 * seconds)
                         for _ in range(repeats)]
                board = Board.random(width, height, seed=1, density=0.5, circuit=circuit)
                c_gps = 1.0 / time_board(board, width, height, repeats=repeats)
                board.close()
                js_gps = statistics.median(rates)
                rows.append({"width": width, "height": height, "browser_gps": js_gps,
                             "c_gps": c_gps, "ratio": c_gps / js_gps})
    return rows


def _main() -> None:
    """``python -m gatenet.bench.browser``: the browser benchmark on the hand-made Life
    circuit and, if given a circuit JSON path, on that circuit too."""
    import sys

    from gatenet.ir.handmade import handmade_life

    circuits = [("hand-made Life", handmade_life())]
    circuits += [(p, Circuit.load(p)) for p in sys.argv[1:]]
    for label, c in circuits:
        print(f"{label} ({len(c.gates)} gates, rule {rule_name(c)}):")
        for r in browser_benchmark(c):
            print(f"  {r['width']}×{r['height']}: browser {r['browser_gps']:,.0f} gen/s, "
                  f"C runtime {r['c_gps']:,.0f} gen/s (C/browser {r['ratio']:.1f}×)")


if __name__ == "__main__":
    _main()

"""The scalar C runtimes under AddressSanitizer and UndefinedBehaviorSanitizer.

tests/c/test_runtime.c compares runtime.c and writeup_baseline.c with a direct
neighbour-counting Life reference over many board shapes; here it is built with the
sanitizers and -Werror and must exit 0 printing nothing but "ok" (any sanitizer report goes
to stderr and fails).
"""

from __future__ import annotations

import os
import shutil
import subprocess

import pytest

from _circuits import HARNESS, build_harness
from gatenet.emit.c import emit_c
from gatenet.runtime import native

SANITIZE = ["-fsanitize=address,undefined", "-fno-omit-frame-pointer", "-g",
            "-Wall", "-Wextra", "-Werror", "-std=c11", "-O1"]


@pytest.mark.skipif(shutil.which("gcc") is None, reason="needs gcc")
def test_runtime_under_sanitizers(tmp_path, life_circuit) -> None:
    (tmp_path / "circuit.h").write_text(emit_c(life_circuit, name="gatenet_circuit"))
    exe = build_harness("test_runtime", SANITIZE, HARNESS / "test_runtime.c",
                        [tmp_path, native.c_dir()])
    env = {**os.environ, "ASAN_OPTIONS": "detect_leaks=1:abort_on_error=0",
           "UBSAN_OPTIONS": "print_stacktrace=1:halt_on_error=1"}
    run = subprocess.run([str(exe)], capture_output=True, text=True, env=env, timeout=600)
    assert run.returncode == 0, run.stdout + run.stderr
    assert run.stdout.strip() == "ok"
    assert run.stderr == ""

"""Verilog/BLIF export: the files are legal for Yosys and mean the same function."""

from __future__ import annotations

import re

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from _circuits import random_circuit
from gatenet.emit.verilog import to_verilog
from gatenet.ir.names import port_names
from gatenet.synth.blif import blif_to_circuit, blif_to_lut3, read_blif, to_blif
from gatenet.synth.yosys import run_yosys


@settings(max_examples=60, deadline=None)
@given(st.integers(0, 10**6), st.integers(1, 9), st.integers(0, 40))
def test_blif_roundtrip_without_yosys(seed: int, n_inputs: int, n_gates: int) -> None:
    c = random_circuit(seed, n_inputs, n_gates)
    back = blif_to_circuit(to_blif(c), c)
    assert np.array_equal(back.truth_table(), c.truth_table())


def test_rule_circuit_port_names() -> None:
    c = random_circuit(1)
    text = to_verilog(c)
    assert "input  wire nw," in text and "input  wire se," in text
    assert "output wire out" in text
    assert text.count("assign g") == len(c.gates)


def test_port_names_avoid_keywords_and_wires() -> None:
    c = random_circuit(2, n_inputs=3, n_gates=4, input_names=("module", "g1", "wire"))
    ins, _ = port_names(c)
    assert ins == ["module_1", "g1_1", "wire_1"]
    for name in ins:
        assert re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", name)


def test_port_names_stay_distinct() -> None:
    c = random_circuit(2, n_inputs=3, n_gates=4, input_names=("g0", "a_b", "out"))
    ins, outs = port_names(c)
    assert len(set(ins + outs + [f"g{k}" for k in range(4)])) == len(ins) + len(outs) + 4


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_yosys_reads_verilog_back(tmp_path, seed: int) -> None:
    names = {"input_names": ("module", "a_b", "_3", "x", "wire", "g1")} if seed == 2 else {}
    c = random_circuit(seed, n_inputs=6 if names else 9, n_gates=40, **names)
    (tmp_path / "c.v").write_text(to_verilog(c))
    run_yosys(
        "read_verilog c.v\nhierarchy -top gatenet_circuit\nproc\ntechmap\nopt_clean\n"
        "write_blif out.blif\n",
        tmp_path,
    )
    back = blif_to_circuit((tmp_path / "out.blif").read_text(), c)
    assert np.array_equal(back.truth_table(), c.truth_table())


@pytest.mark.parametrize("seed", [3, 4])
def test_yosys_reads_blif_back(tmp_path, seed: int) -> None:
    c = random_circuit(seed, n_gates=50)
    (tmp_path / "c.blif").write_text(to_blif(c))
    run_yosys("read_blif c.blif\ntechmap\nopt_clean\nwrite_blif out.blif\n", tmp_path)
    # Yosys turns each .names into a $lut and techmap into muxes: three-input covers.
    back = blif_to_lut3((tmp_path / "out.blif").read_text(), c)
    assert np.array_equal(back.truth_table(), c.truth_table())


def test_read_blif_covers() -> None:
    text = """
    # off-set cover, don't cares, constants, a continued line
    .model m
    .inputs a b \\
      c
    .outputs y z k
    .names a b t
    0- 0
    .names t c y
    11 1
    .names z
    1
    .names k
    .end
    """
    net = read_blif(text)
    assert net.inputs == ("a", "b", "c")
    assert net.covers["t"] == (("a", "b"), (0, 0, 1, 1))  # t = a
    assert net.covers["y"][1] == (0, 0, 0, 1)
    assert net.covers["z"] == ((), (1,))
    assert net.covers["k"] == ((), (0,))


@pytest.mark.parametrize(
    "text",
    [
        ".model m\n.inputs a\n.outputs y\n.latch a y\n.end\n",
        ".model m\n.inputs a\n.outputs y\n.names a y\n2 1\n.end\n",
        ".model m\n.inputs a\n.outputs y\n.names a y\n1 1\n0 0\n.end\n",
        ".model m\n.inputs a\n.outputs y\n1 1\n.end\n",
    ],
)
def test_read_blif_rejects_bad_input(text: str) -> None:
    from gatenet.synth.flow import SynthesisError

    with pytest.raises(SynthesisError):
        read_blif(text)


@pytest.mark.parametrize("target", ["verilog", "blif"])
def test_cli_emit_target(tmp_path, target: str) -> None:
    from gatenet.__main__ import main

    c = random_circuit(7)
    c.save(tmp_path / "c.json")
    out = tmp_path / f"c.{target}"
    assert main(["emit", str(tmp_path / "c.json"), "--target", target, "--out", str(out)]) == 0
    text = out.read_text()
    assert text == (to_verilog(c) if target == "verilog" else to_blif(c))

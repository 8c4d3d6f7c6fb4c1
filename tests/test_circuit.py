"""The Circuit IR: validation, evaluation and the JSON format."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from _circuits import random_circuits
from gatenet import gates, rules
from gatenet.ir.circuit import Circuit, Gate
from gatenet.ir.handmade import handmade_life
from gatenet.ir.netlist import CircuitError, assert_exact, verify


@settings(max_examples=60, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(random_circuits(), st.dictionaries(st.sampled_from(["rule", "seed"]), st.integers()))
def test_json_round_trip_is_exact(tmp_path: Path, c: Circuit, meta: dict) -> None:
    c = c.with_meta(**meta)
    path = c.save(tmp_path / "c.json")
    back = Circuit.load(path)
    assert back == c
    assert back.meta == c.meta
    assert back.content_hash() == c.content_hash()
    assert np.array_equal(back.truth_table(), c.truth_table())


def test_round_trip_keeps_names(tmp_path: Path) -> None:
    c = handmade_life()
    back = Circuit.load(c.save(tmp_path / "life.json"))
    assert back.input_names == c.input_names and back.output_names == ("next",)


def _write(tmp_path: Path, d) -> Path:
    p = tmp_path / "c.json"
    p.write_text(json.dumps(d) if not isinstance(d, str) else d)
    return p


def test_unknown_version_is_a_clear_error(tmp_path: Path) -> None:
    d = handmade_life().to_dict()
    d["version"] = 99
    with pytest.raises(CircuitError, match="unsupported circuit format version 99"):
        Circuit.load(_write(tmp_path, d))


@pytest.mark.parametrize(("text", "message"), [
    ("{not json", "invalid JSON at line 1"),
    ("[1, 2]", "must be an object"),
    ('{"format": "other"}', "not a gatenet circuit"),
])
def test_malformed_json(tmp_path: Path, text: str, message: str) -> None:
    with pytest.raises(CircuitError, match=message):
        Circuit.load(_write(tmp_path, text))


@pytest.mark.parametrize(("field", "value", "message"), [
    ("gates", [[1, 0]], r"a gate is \[op, a, b\]"),
    ("gates", [[1.5, 0, 1]], "must be an integer"),
    ("gates", [[True, 0, 1]], "must be an integer"),
    ("gates", "AND", "must be a list"),
    ("gates", [[1, 0, 99]], "not an earlier node"),
    ("gates", [[16, 0, 1]], "op 16"),
    ("outputs", [1000], "is not a node"),
    ("n_inputs", "nine", "must be an integer"),
    ("n_inputs", "9", "must be an integer"),
    ("n_inputs", 10**9, "n_inputs must be in"),
    ("version", True, "unsupported circuit format version"),
    ("output_names", [5], "must be a string"),
    ("output_names", [None], "must be a string"),
    ("input_names", ["NW", "N", "NE", "W", "C", "E", "SW", "S", "S*/"], "not a valid name"),
    ("meta", [], "meta must be an object"),
])
def test_bad_fields(tmp_path: Path, field: str, value, message: str) -> None:
    d = handmade_life().to_dict()
    d[field] = value
    with pytest.raises(CircuitError, match=message):
        Circuit.load(_write(tmp_path, d))


def test_missing_field_and_missing_file(tmp_path: Path) -> None:
    d = handmade_life().to_dict()
    del d["gates"]
    with pytest.raises(CircuitError, match="missing the field 'gates'"):
        Circuit.load(_write(tmp_path, d))
    with pytest.raises(CircuitError, match="cannot read circuit file"):
        Circuit.load(tmp_path / "absent.json")


@pytest.mark.parametrize(("gate_list", "outputs", "message"), [
    ([Gate(gates.AND, 0, 2)], (2,), "not an earlier node"),  # refers to itself
    ([Gate(gates.AND, 0, 3), Gate(gates.OR, 0, 1)], (3,), "not an earlier node"),  # forward
    ([Gate(gates.AND, -1, 0)], (2,), "not an earlier node"),
    ([Gate(16, 0, 1)], (2,), "op 16"),
    ([Gate(-1, 0, 1)], (2,), "op -1"),
    ([Gate(1.0, 0, 1)], (2,), "op 1.0"),
    ([(1, 0, 1)], (2,), "is not a Gate"),
    ([Gate(gates.AND, 0, 1)], (3,), "is not a node"),
])
def test_validate_rejects(gate_list, outputs, message: str) -> None:
    with pytest.raises(CircuitError, match=message):
        Circuit(2, tuple(gate_list), outputs)


def test_validate_rejects_name_mismatches() -> None:
    with pytest.raises(CircuitError, match="input names"):
        Circuit(2, (), (0,), input_names=("a",))
    with pytest.raises(CircuitError, match="output names"):
        Circuit(2, (), (0,), output_names=("x", "y"))


def test_truth_table_pattern_order() -> None:
    # Output = input 0: pattern p has input 0 as its top bit.
    c = Circuit(3, (), (0, 2))
    t = c.truth_table()
    assert t.shape == (8, 2)
    assert list(t[:, 0]) == [0, 0, 0, 0, 1, 1, 1, 1]
    assert list(t[:, 1]) == [0, 1, 0, 1, 0, 1, 0, 1]


def test_verify_and_assert_exact() -> None:
    c = handmade_life()
    assert assert_exact(c, rules.LIFE.table) is c
    wrong = rules.LIFE.table.copy()
    wrong[:3] ^= 1
    assert verify(c, wrong) == 3
    with pytest.raises(CircuitError, match="after test is wrong on 3 of 512"):
        assert_exact(c, wrong, "test")
    with pytest.raises(CircuitError, match="table has 8 entries"):
        verify(c, np.zeros(8))

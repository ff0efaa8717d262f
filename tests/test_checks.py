"""course.checks (the API), course.verdicts (comparisons that explain), course.records (the format)."""

import json

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from course.checks import CheckFailure, check, check_accuracy, check_bound
from course.records import Recorder, decode, encode
from course.verdicts import compare, verdict


def test_check_passes_on_equal_values():
    check("same", np.arange(6.0).reshape(2, 3), np.arange(6.0).reshape(2, 3))


def test_check_fails_on_wrong_shape_and_says_so():
    with pytest.raises(CheckFailure, match=r"shape mismatch: expected \(2, 3\), got \(3, 2\).*transpose"):
        check("dw", np.arange(6.0).reshape(2, 3).T, np.arange(6.0).reshape(2, 3))


def test_check_fails_on_wrong_value_with_location():
    e = np.zeros((3, 4))
    a = e.copy()
    a[1, 2] = 0.5
    with pytest.raises(CheckFailure) as exc:
        check("out", a, e)
    msg = str(exc.value)
    assert "1 of 12 entries differ" in msg and "[1, 2]" in msg and "expected 0, got 0.5" in msg


def test_check_fails_on_nan():
    with pytest.raises(CheckFailure, match="NaN"):
        check("loss", np.array([1.0, np.nan]), np.array([1.0, 2.0]))


def test_hint_missing_division_and_sign():
    e = np.linspace(1, 2, 8)
    with pytest.raises(CheckFailure, match="exactly 8x"):
        check("db", e * 8, e)
    with pytest.raises(CheckFailure, match="opposite sign"):
        check("dx", -e, e)


def test_square_transpose_hint():
    e = np.arange(9.0).reshape(3, 3)
    ok, msg = compare(e.T, e)
    assert not ok and "transpose" in msg


def test_tolerances_are_respected():
    check("close", np.array([1.0 + 1e-9]), np.array([1.0]))
    with pytest.raises(CheckFailure):
        check("far", np.array([1.001]), np.array([1.0]), rtol=1e-6, atol=0)


def test_torch_tensors_and_tuples_compare():
    t = torch.arange(4.0, requires_grad=True) * 2
    check("tensor", t, np.arange(4.0) * 2)
    check("tuple", (np.ones(2), torch.zeros(3)), (np.ones(2), np.zeros(3)))
    with pytest.raises(CheckFailure, match=r"expected 2 values, got 3"):
        check("tuple", (1.0, 2.0, 3.0), (1.0, 2.0))


def test_bounds_and_accuracy():
    check_bound("loss", 0.3, upper=0.5)
    with pytest.raises(CheckFailure, match="above the upper bound"):
        check_bound("loss", 0.7, upper=0.5)
    with pytest.raises(CheckFailure, match="NaN"):
        check_bound("loss", float("nan"), upper=0.5)
    check_accuracy("acc", np.array([0, 1, 2, 2]), np.array([0, 1, 2, 1]), lower=0.75)
    with pytest.raises(CheckFailure, match="below the required"):
        check_accuracy("acc", np.array([0, 0, 0, 0]), np.array([0, 1, 2, 1]), lower=0.5)
    with pytest.raises(CheckFailure, match="integers"):
        check_accuracy("acc", np.array([0.2, 1.0]), np.array([0, 1]), lower=0.5)


def test_hidden_check_without_records_explains(monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("COURSE_REFERENCE_DIR", raising=False)
    with pytest.raises(CheckFailure, match="hidden check"):
        check("hidden_thing", np.ones(2))


def test_hidden_check_uses_reference_records(monkeypatch, tmp_path):
    ref = tmp_path / "ref"
    ref.mkdir()
    rec = {
        "cell": "t",
        "kind": "check",
        "name": "h1",
        "value": encode(np.arange(3.0)),
        "declared": {"rtol": encode(1e-7), "atol": encode(0.0)},
    }
    (ref / "nb.json").write_text(json.dumps({"records": [rec]}))
    monkeypatch.setenv("COURSE_REFERENCE_DIR", str(ref))
    check("h1", np.arange(3.0))
    with pytest.raises(CheckFailure):
        check("h1", np.arange(3.0) + 1)


def test_recorder_writes_only_actual_unless_declaring(tmp_path):
    path = tmp_path / "r.jsonl"
    Recorder(path).record("cell1", "check", "n1", np.eye(2), rtol=0.1)
    Recorder(path, declare=True).record("cell1", "bound", "n2", 0.5, lower=0.0, upper=1.0)
    lines = [json.loads(x) for x in path.read_text().splitlines()]
    assert "declared" not in lines[0]
    assert decode(lines[1]["declared"]["upper"]) == 1.0
    assert np.array_equal(decode(lines[0]["value"]), np.eye(2))


def test_decode_rejects_malformed():
    with pytest.raises(ValueError):
        decode({"t": "array", "dtype": "object", "shape": [1], "b64": ""})
    with pytest.raises(ValueError):
        decode({"t": "array", "dtype": "float64", "shape": [5], "b64": "AAAAAAAA8D8="})
    ok, msg = verdict("check", decode({"t": "unsupported", "type": "generator"}), {"expected": np.ones(1)})
    assert not ok and "could not be recorded" in msg


@settings(max_examples=60, deadline=None)
@given(
    arrays(
        np.float64,
        st.tuples(st.integers(0, 4), st.integers(0, 4)),
        elements=st.floats(allow_nan=True, allow_infinity=False),
    )
)
def test_encode_roundtrip_and_self_comparison(a):
    b = decode(json.loads(json.dumps(encode(a))))
    assert b.shape == a.shape and np.array_equal(a, b, equal_nan=True)
    if not np.isnan(a).any():
        assert compare(b, a)[0]


def test_none_and_string_expectations():
    assert compare(None, None)[0]
    ok, msg = compare(np.ones(3), None)
    assert not ok and "expected None" in msg
    ok, msg = verdict("check", None, {"expected": np.ones(2)})
    assert not ok

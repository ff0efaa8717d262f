"""The checking API every test cell uses: ``check``, ``check_bound`` and ``check_accuracy``.

Three ways these calls are used (see ``shared/design/grading.md``):

* **Self-check** (a student's JupyterLab, papermill, ``nbgrader validate``): the call compares
  on the spot and raises :class:`CheckFailure` with a message that says what differs (shape,
  how many entries, the largest absolute and relative error and where, and a hint when the
  difference looks like a typical mistake such as a transposed matrix or a missing 1/N).
  A call without an expected value is a *hidden* check: its expected value is looked up in the
  trusted reference records on the instructor's machine.
* **Record** (the autograder): the grader rewrites test cells so that each call becomes
  ``__ag_record__(cell, kind, name, actual)``; nothing but ``actual`` is evaluated in the
  student's kernel. :class:`Recorder` appends one JSON line per call to a file that the grader
  reads after the kernel is dead.
* **Reference** (the grader's trusted run of the source notebook): the same rewrite keeps the
  declared tolerances and bounds, so the records carry them.

Values travel as JSON (never pickle): arrays as dtype, shape and base64 bytes.
"""

from __future__ import annotations

import base64
import json
import math
import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

__all__ = [
    "CheckFailure",
    "Recorder",
    "check",
    "check_accuracy",
    "check_bound",
    "check_model",
    "compare",
    "decode",
    "encode",
    "verdict",
]

DEFAULT_RTOL = 1e-6
DEFAULT_ATOL = 1e-8
MAX_RECORD_BYTES = 16 * 1024 * 1024  # one recorded value, encoded
MAX_DEPTH = 8


class CheckFailure(AssertionError):
    """A check did not hold; the message explains the difference to a student."""


class _Hidden:
    """The expected value of a hidden check: kept by the trusted reference run, never in the notebook."""

    _instance = None

    def __new__(cls):
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "HIDDEN"


HIDDEN = _Hidden()


# --------------------------------------------------------------------------- encoding


def _to_numpy(value: Any) -> Any:
    """Torch tensors (any device) and array-likes become NumPy arrays; others pass through."""
    mod = type(value).__module__
    if mod.startswith("torch") and hasattr(value, "detach"):
        return value.detach().cpu().numpy()
    return value


def encode(value: Any, _depth: int = 0) -> dict:
    """Turn a check's ``actual`` into a JSON-safe dict.

    Supports NumPy arrays and scalars, torch tensors, Python numbers and bools, ``None``,
    strings, and (nested) tuples, lists and dicts of those. Anything else is recorded as
    unsupported (and will not match a reference value).
    """
    if _depth > MAX_DEPTH:
        return {"t": "unsupported", "type": "nesting too deep"}
    value = _to_numpy(value)
    if value is None:
        return {"t": "none"}
    if isinstance(value, bool | np.bool_):
        return {"t": "bool", "v": bool(value)}
    if isinstance(value, int | np.integer) and not isinstance(value, bool):
        return {"t": "array", "dtype": "int64", "shape": [], "b64": _b64(np.asarray(value, np.int64))}
    if isinstance(value, float | np.floating):
        return {"t": "array", "dtype": "float64", "shape": [], "b64": _b64(np.asarray(value, np.float64))}
    if isinstance(value, str):
        return {"t": "str", "v": value[:10000]}
    if isinstance(value, np.ndarray):
        arr = value
        if arr.dtype == object:
            return {"t": "unsupported", "type": "object array"}
        if arr.dtype.kind == "b":
            arr = arr.astype(np.bool_)
        elif arr.dtype.kind in "iu":
            arr = arr.astype(np.int64)
        elif arr.dtype.kind == "f":
            arr = arr.astype(np.float64)
        elif arr.dtype.kind == "c":
            arr = arr.astype(np.complex128)
        else:
            return {"t": "unsupported", "type": f"array of {arr.dtype}"}
        if arr.nbytes > MAX_RECORD_BYTES:
            return {"t": "unsupported", "type": f"array too large ({arr.nbytes} bytes)"}
        return {"t": "array", "dtype": str(arr.dtype), "shape": list(arr.shape), "b64": _b64(arr)}
    if isinstance(value, Mapping):
        return {"t": "dict", "items": {str(k): encode(v, _depth + 1) for k, v in list(value.items())[:256]}}
    if isinstance(value, Sequence):
        return {"t": "list", "items": [encode(v, _depth + 1) for v in list(value)[:256]]}
    return {"t": "unsupported", "type": type(value).__name__}


def _b64(arr: np.ndarray) -> str:
    return base64.b64encode(np.ascontiguousarray(arr).tobytes()).decode("ascii")


_ALLOWED_DTYPES = {"int64", "float64", "bool", "complex128"}


def decode(d: Any) -> Any:
    """Inverse of :func:`encode`. Rejects anything malformed with ``ValueError``."""
    if not isinstance(d, dict) or "t" not in d:
        raise ValueError("malformed record value")
    t = d["t"]
    if t == "none":
        return None
    if t == "bool":
        return bool(d["v"])
    if t == "str":
        return str(d["v"])
    if t == "array":
        dtype = d["dtype"]
        if dtype not in _ALLOWED_DTYPES:
            raise ValueError(f"unexpected dtype {dtype!r}")
        shape = tuple(int(s) for s in d["shape"])
        raw = base64.b64decode(d["b64"], validate=True)
        arr = np.frombuffer(raw, dtype=np.dtype(dtype)).copy()
        if arr.size != math.prod(shape):
            raise ValueError("array size does not match its shape")
        return arr.reshape(shape)
    if t == "list":
        return [decode(v) for v in d["items"]]
    if t == "dict":
        return {str(k): decode(v) for k, v in d["items"].items()}
    if t == "unsupported":
        return Unsupported(str(d.get("type", "?")))
    raise ValueError(f"unknown record type {t!r}")


class Unsupported:
    """Stands for a value that could not be recorded (an unknown type, a huge array)."""

    def __init__(self, what: str):
        self.what = what

    def __repr__(self) -> str:
        return f"<unsupported: {self.what}>"


# --------------------------------------------------------------------------- comparison


def _fmt_index(idx: tuple) -> str:
    return "[" + ", ".join(str(int(i)) for i in idx) + "]"


def _hint(actual: np.ndarray, expected: np.ndarray, rtol: float, atol: float) -> str | None:
    """Recognise the shape of a typical mistake. Returns a sentence or None."""

    def close(a, e):
        return a.shape == e.shape and np.allclose(a, e, rtol=max(rtol, 1e-6), atol=max(atol, 1e-8))

    if expected.ndim == 2 and actual.shape == expected.T.shape and close(actual.T, expected):
        return "it equals the transpose of the expected value: check the order of a matrix product (x.T @ dout vs dout.T @ x)."
    if actual.shape == expected.shape and expected.size:
        if close(-actual, expected):
            return "it has the opposite sign everywhere: check the sign of the gradient."
        nz = np.abs(expected) > 1e-12
        if nz.any():
            ratio = actual[nz] / expected[nz]
            r = float(np.median(ratio))
            if (
                np.isfinite(r)
                and abs(r) > 1e-12
                and np.allclose(ratio, r, rtol=1e-5, atol=1e-9)
                and not math.isclose(r, 1.0, rel_tol=1e-6)
            ):
                nearest = round(r) if abs(r) >= 1 else 1 / round(1 / r) if abs(1 / r) < 1e9 else r
                if abs(r - nearest) < 1e-6 * max(1.0, abs(r)) and abs(r) > 1:
                    return f"it is exactly {round(r)}x the expected value: a missing division (averaging over the batch?)."
                if abs(r) < 1 and abs(1 / r - round(1 / r)) < 1e-6 * abs(1 / r):
                    return f"it is exactly 1/{round(1 / r)} of the expected value: an extra division (averaging twice?)."
                return f"it is the expected value times {r:.4g} everywhere: a constant factor is off."
    if expected.ndim >= 1 and actual.ndim == expected.ndim - 1:
        return "it has one dimension fewer than expected: a sum or mean over an axis that should be kept?"
    if expected.ndim >= 1 and actual.ndim >= 1 and actual.size != expected.size:
        return "its size differs: a sum over the wrong axis, or a missing bias term?"
    return None


def compare(
    actual: Any, expected: Any, rtol: float = DEFAULT_RTOL, atol: float = DEFAULT_ATOL, path: str = ""
) -> tuple[bool, str]:
    """Compare two (decoded or live) values. Returns ``(ok, message)``; the message explains a failure."""
    actual = _to_numpy(actual)
    expected = _to_numpy(expected)
    where = f" in {path}" if path else ""
    if isinstance(actual, Unsupported):
        return False, f"the value{where} could not be recorded ({actual.what})."
    if isinstance(expected, list | tuple) and not isinstance(expected, str):
        if not isinstance(actual, list | tuple) or isinstance(actual, str):
            return (
                False,
                f"expected a sequence of {len(expected)} values{where}, got {type(actual).__name__}.",
            )
        if len(actual) != len(expected):
            return False, f"expected {len(expected)} values{where}, got {len(actual)}."
        for i, (a, e) in enumerate(zip(actual, expected)):
            ok, msg = compare(a, e, rtol, atol, f"{path}[{i}]")
            if not ok:
                return ok, msg
        return True, "ok"
    if isinstance(expected, dict):
        if not isinstance(actual, dict):
            return False, f"expected a dict{where}, got {type(actual).__name__}."
        missing = sorted(set(expected) - set(actual))
        if missing:
            return False, f"missing key(s){where}: {', '.join(map(repr, missing))}."
        for k in expected:
            ok, msg = compare(actual[k], expected[k], rtol, atol, f"{path}[{k!r}]")
            if not ok:
                return ok, msg
        return True, "ok"
    if expected is None:
        ok = actual is None
        return ok, "ok" if ok else f"expected None{where}, got {type(actual).__name__}."
    if isinstance(expected, str):
        ok = isinstance(actual, str) and actual == expected
        return ok, "ok" if ok else f"expected {expected!r}{where}, got {str(actual)[:80]!r}."
    if isinstance(expected, bool | np.bool_):
        if isinstance(actual, bool | np.bool_) or (
            isinstance(actual, np.ndarray) and actual.shape == () and actual.dtype == bool
        ):
            ok = bool(actual) == bool(expected)
            return ok, "ok" if ok else f"expected {bool(expected)}{where}, got {bool(actual)}."
        return False, f"expected a boolean{where}, got {type(actual).__name__}."
    try:
        e = np.asarray(expected)
        a = np.asarray(actual)
    except Exception as exc:  # noqa: BLE001 - anything odd is a failure with a message
        return False, f"could not read the value{where} as an array ({exc})."
    if a.dtype == object or e.dtype == object:
        return False, f"expected a numeric array{where}, got {type(actual).__name__}."
    if a.dtype.kind not in "biufc":
        return False, f"expected numbers{where}, got {a.dtype}."
    if a.shape != e.shape:
        msg = f"shape mismatch{where}: expected {e.shape}, got {a.shape}."
        hint = _hint(a.astype(np.float64), e.astype(np.float64), rtol, atol)
        return False, msg + (f" Hint: {hint}" if hint else "")
    a64 = a.astype(np.complex128 if a.dtype.kind == "c" else np.float64)
    e64 = e.astype(np.complex128 if e.dtype.kind == "c" else np.float64)
    a_nan, e_nan = np.isnan(a64), np.isnan(e64)
    if (a_nan & ~e_nan).any():
        idx = np.argwhere(a_nan & ~e_nan)[0]
        n = int((a_nan & ~e_nan).sum())
        return False, f"{n} NaN value(s){where} where numbers were expected, first at {_fmt_index(idx)}."
    a_inf, e_inf = np.isinf(a64), np.isinf(e64)
    if (a_inf != e_inf).any():
        idx = np.argwhere(a_inf != e_inf)[0]
        return (
            False,
            f"infinite value mismatch{where} at {_fmt_index(idx)}: expected {e64[tuple(idx)]}, got {a64[tuple(idx)]}.",
        )
    finite = ~(a_nan | e_nan | a_inf | e_inf)
    diff = np.where(finite, np.abs(a64 - e64), 0.0)
    tol = atol + rtol * np.abs(np.where(finite, e64, 0.0))
    bad = diff > tol
    if not bad.any():
        return True, "ok"
    n_bad = int(bad.sum())
    flat = int(np.argmax(np.where(bad, diff, -1.0)))
    idx = np.unravel_index(flat, a64.shape) if a64.shape else ()
    worst_abs = float(diff.reshape(-1)[flat]) if a64.shape else float(diff)
    denom = np.maximum(np.abs(a64) + np.abs(e64), 1e-300)
    rel = float(np.max(np.where(finite, 2 * np.abs(a64 - e64) / denom, 0.0)))
    if a64.shape:
        at = f" at {_fmt_index(idx)} (expected {_num(e64[idx])}, got {_num(a64[idx])})"
        lines = f"{n_bad} of {a64.size} entries differ{where}; largest absolute error {worst_abs:.3g}{at}; largest relative error {rel:.3g} (rtol={rtol:g}, atol={atol:g})."
    else:
        lines = f"expected {_num(e64)}{where}, got {_num(a64)}; absolute error {worst_abs:.3g}, relative error {rel:.3g} (rtol={rtol:g}, atol={atol:g})."
    hint = _hint(a64, e64, rtol, atol) if a64.dtype.kind == "f" else None
    return False, lines + (f" Hint: {hint}" if hint else "")


def _num(x) -> str:
    x = complex(x) if isinstance(x, complex | np.complexfloating) else float(x)
    return f"{x:.6g}"


def verdict(kind: str, actual: Any, declared: Mapping[str, Any]) -> tuple[bool, str]:
    """Judge one recorded value against what the trusted reference run declared for it.

    ``kind`` is ``check`` (``declared`` has ``expected``, ``rtol``, ``atol``), ``bound``
    (``lower`` and/or ``upper``) or ``accuracy`` (``labels`` and ``lower``).
    """
    if kind == "check":
        return compare(
            actual,
            declared["expected"],
            declared.get("rtol", DEFAULT_RTOL),
            declared.get("atol", DEFAULT_ATOL),
        )
    if kind == "bound":
        return _bound(actual, declared.get("lower"), declared.get("upper"))
    if kind == "accuracy":
        labels = np.asarray(declared["labels"])
        pred = _to_numpy(actual)
        if isinstance(pred, Unsupported):
            return False, f"the predictions could not be recorded ({pred.what})."
        try:
            pred = np.asarray(pred)
        except Exception:  # noqa: BLE001
            return False, "the predictions are not an array."
        if pred.dtype.kind not in "iuf" or pred.shape != labels.shape:
            return (
                False,
                f"expected {labels.shape[0]} integer class predictions of shape {labels.shape}, got shape {pred.shape} ({pred.dtype}).",
            )
        if pred.dtype.kind == "f" and not np.all(np.equal(np.mod(pred, 1), 0)):
            return False, "predictions must be class indices (integers), not scores."
        acc = float(np.mean(pred.astype(np.int64) == labels.astype(np.int64)))
        ok, msg = _bound(acc, declared.get("lower"), None)
        return ok, f"accuracy {acc:.3f}" + (
            "" if ok else f", below the required {declared.get('lower'):.3f}."
        )
    return False, f"unknown check kind {kind!r}"


def _bound(actual: Any, lower: Any, upper: Any) -> tuple[bool, str]:
    a = _to_numpy(actual)
    try:
        x = float(np.asarray(a).reshape(()))
    except Exception:  # noqa: BLE001
        return False, f"expected a single number, got {type(actual).__name__}."
    if math.isnan(x):
        return False, "got NaN."
    if lower is not None and x < float(lower):
        return False, f"{x:.6g} is below the lower bound {float(lower):.6g}."
    if upper is not None and x > float(upper):
        return False, f"{x:.6g} is above the upper bound {float(upper):.6g}."
    return True, f"{x:.6g} within bounds"


# --------------------------------------------------------------------------- self-check mode


def _reference_value(name: str) -> dict:
    """Find the reference record of a hidden check (instructor side only)."""
    from course.reference import lookup  # local import: only hidden checks need it

    rec = lookup(name)
    if rec is None:
        raise CheckFailure(
            f"check {name!r} is a hidden check and no reference records were found. "
            "On the instructor's machine, run `python -m autograder reference ASSIGNMENT` first "
            "(or `make records`)."
        )
    return rec


def check(
    name: str, actual: Any, expected: Any = HIDDEN, rtol: float = DEFAULT_RTOL, atol: float = DEFAULT_ATOL
) -> None:
    """Compare ``actual`` with ``expected`` elementwise: ``|actual - expected| <= atol + rtol * |expected|``.

    Raises :class:`CheckFailure` with an explanation when they differ. Without ``expected`` the
    check is hidden: the expected value is the trusted reference run's record of ``name``
    (``expected=None`` is an ordinary check that the value is ``None``).
    """
    if expected is HIDDEN:
        rec = _reference_value(name)
        ok, msg = verdict(rec["kind"], actual, rec["declared"])
    else:
        ok, msg = compare(actual, expected, rtol, atol)
    if not ok:
        raise CheckFailure(f"{name}: {msg}")


def check_bound(name: str, actual: Any, lower: float | None = None, upper: float | None = None) -> None:
    """Check that a single number lies in ``[lower, upper]`` (either may be omitted)."""
    if lower is None and upper is None:
        rec = _reference_value(name)
        ok, msg = verdict(rec["kind"], actual, rec["declared"])
    else:
        ok, msg = _bound(actual, lower, upper)
    if not ok:
        raise CheckFailure(f"{name}: {msg}")


def check_accuracy(name: str, predictions: Any, labels: Any, lower: float) -> None:
    """Check that integer class ``predictions`` match ``labels`` at least a ``lower`` fraction of the time.

    The grader computes the accuracy itself from the recorded predictions (and the labels of
    the trusted reference run), so patching NumPy in the kernel cannot inflate it.
    """
    ok, msg = verdict("accuracy", predictions, {"labels": _to_numpy(labels), "lower": lower})
    if not ok:
        raise CheckFailure(f"{name}: {msg}")


def check_model(
    name: str,
    params: Any,
    lower: float,
    evaluator: str,
    predict: Any = None,
    X: Any = None,
    y: Any = None,
) -> None:
    """Check that a trained model classifies well enough, judged from its parameters.

    ``params`` is the model's parameters (a dict of arrays or tensors, e.g. ``net.params`` or a
    ``state_dict()``); ``evaluator`` names the chapter's trusted evaluation of that kind of model.

    * In JupyterLab (self-check) the accuracy of ``predict(X)`` against ``y`` must be at least
      ``lower``: a quick look with your own model and your own validation data.
    * Under the autograder only ``params`` leave your kernel. The grader rebuilds the model's
      predictions from them in its own process, with its trusted forward pass, on evaluation data
      your kernel never sees, and requires the same ``lower`` bound there.
    """
    if predict is None or X is None or y is None:
        raise CheckFailure(f"{name}: check_model needs predict, X and y to check the model here.")
    labels = _to_numpy(y)
    ok, msg = verdict("accuracy", predict(X), {"labels": labels, "lower": lower})
    if not ok:
        raise CheckFailure(f"{name}: {msg}")


# --------------------------------------------------------------------------- record mode


class Recorder:
    """Appends one JSON line per recorded check to ``path`` (the grader reads it afterwards).

    ``declare=True`` (the trusted reference run) also records the declared tolerances, bounds
    and labels; the student's run records only the actual value.
    """

    _DECLARED = {
        "check": ("rtol", "atol"),
        "bound": ("lower", "upper"),
        "accuracy": ("labels", "lower"),
        "model": ("lower", "evaluator"),
    }

    def __init__(self, path: str | os.PathLike, declare: bool = False):
        self.path = Path(path)
        self.declare = declare
        self.seq = 0

    def record(self, cell: str, kind: str, name: Any, actual: Any, **declared: Any) -> None:
        self.seq += 1
        try:
            value = encode(actual)
        except Exception as exc:  # noqa: BLE001 - a broken value is still evidence (of failure)
            value = {"t": "unsupported", "type": f"error while recording: {type(exc).__name__}"}
        rec: dict[str, Any] = {
            "seq": self.seq,
            "cell": str(cell),
            "kind": str(kind),
            "name": str(name),
            "value": value,
        }
        if self.declare:
            rec["declared"] = {
                k: encode(declared[k])
                for k in (*self._DECLARED.get(kind, ()), "hidden")
                if declared.get(k) is not None
            }
        line = json.dumps(rec, separators=(",", ":"))
        with open(self.path, "a", encoding="utf-8") as fh:
            fh.write(line + "\n")

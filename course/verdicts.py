"""Comparing a value with what was expected, and explaining the difference to a student.

:func:`compare` (elementwise, with a message that gives the shape, how many entries differ,
the largest absolute and relative error and where, and a hint when the difference has the
shape of a typical mistake) and :func:`verdict` (one recorded value against a declaration:
``check``, ``bound`` or ``accuracy``). The same functions judge in a student's JupyterLab and in
the grader's own process, so both say the same thing.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import numpy as np

from course.records import Unsupported, _to_numpy

DEFAULT_RTOL = 1e-6
DEFAULT_ATOL = 1e-8


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
            same = np.isfinite(r) and abs(r) > 1e-12 and np.allclose(ratio, r, rtol=1e-7, atol=1e-12)
            if same and abs(r - 1.0) > 1e-3:
                n = int(nz.sum())
                if abs(r) >= 2 and abs(r - round(r)) < 1e-9 * abs(r):
                    return f"it is exactly {round(r)}x the expected value: a missing division (averaging over the batch?)."
                if 0 < abs(r) <= 0.5 and abs(1 / r - round(1 / r)) < 1e-9 / abs(r):
                    return f"it is exactly 1/{round(1 / r)} of the expected value: an extra division (averaging twice?)."
                if n >= 3:  # one number alone says nothing about a constant factor
                    return f"each of its {n} entries is the expected value times {r:.6g}: a constant factor is off."
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
    with np.errstate(invalid="ignore", over="ignore"):  # inf - inf where not finite: masked out
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

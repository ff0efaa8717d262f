"""Trained models judged in the grader's process, from their recorded parameters.

``course.checks.check_model(name, params, lower, evaluator, ...)`` sends only the parameters out
of the student's kernel. Here the chapter's trusted :class:`instructor.Evaluator` rebuilds the
predictions with its own forward pass, on evaluation data the kernel never sees: the chapter's
data with a perturbation drawn from a seed the grader chooses per class run. Labels, predictions
and accuracies computed in the kernel are never trusted.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

MAX_PARAMS = 64  # arrays in one model
MAX_PARAM_ENTRIES = 4_000_000  # entries in all of them together


def _params(value: Any) -> dict[str, np.ndarray]:
    """Validate the recorded parameters: a dict of finite numeric arrays of bounded size."""
    if not isinstance(value, dict):
        raise ValueError(f"the model's parameters must be a dict of arrays, got {type(value).__name__}")
    if len(value) > MAX_PARAMS:
        raise ValueError(f"too many parameter arrays ({len(value)})")
    out, total = {}, 0
    for k, v in value.items():
        if not isinstance(v, np.ndarray) or v.dtype.kind not in "biuf":
            raise ValueError(f"parameter {str(k)[:40]!r} is not a numeric array")
        total += v.size
        if total > MAX_PARAM_ENTRIES:
            raise ValueError("the parameters are larger than any model of this course")
        if not np.all(np.isfinite(v)):
            raise ValueError(f"parameter {str(k)[:40]!r} holds NaN or infinite values")
        out[str(k)] = v.astype(np.float64)
    return out


def evaluate(assignment: str, evaluator: str, params: Any, seed: int) -> float:
    """Accuracy of the model given by ``params`` on the evaluator's data (perturbed by ``seed``).

    Raises ``ValueError`` with a student-readable message when the parameters cannot be judged.
    """
    import instructor

    ev = instructor.evaluator(assignment, str(evaluator))
    if ev is None:
        raise ValueError(f"no trusted evaluator {str(evaluator)[:60]!r} for {assignment}")
    p = _params(params)
    for k, shape in ev.param_shapes.items():
        if k not in p:
            raise ValueError(f"the parameters have no {k!r}")
        if len(shape) != p[k].ndim or any(s is not None and s != d for s, d in zip(shape, p[k].shape)):
            raise ValueError(f"parameter {k!r} has shape {p[k].shape}, expected {tuple(shape)}")
    X, y = ev.data(int(seed))
    try:
        with np.errstate(all="ignore"):
            pred = np.asarray(ev.predict(p, X))
    except Exception as exc:  # noqa: BLE001 - parameters that do not fit the model are the student's failure
        raise ValueError(
            f"the model could not be evaluated with these parameters ({type(exc).__name__})"
        ) from None
    if pred.shape != y.shape:
        raise ValueError(f"the model gave predictions of shape {pred.shape}, expected {y.shape}")
    return float(np.mean(pred.astype(np.int64) == y.astype(np.int64)))


def model_verdict(assignment: str, params: Any, declared: dict, seed: int) -> tuple[bool, str]:
    """``(ok, message)`` for one ``check_model`` record against what the reference declared."""
    lower = declared.get("lower")
    try:
        acc = evaluate(assignment, declared.get("evaluator", ""), params, seed)
    except ValueError as exc:
        return False, str(exc)
    if lower is None or not math.isfinite(float(lower)):
        return False, "the reference declared no accuracy bound"
    if acc < float(lower):
        return (
            False,
            f"accuracy {acc:.3f} on the grader's evaluation data, below the required {float(lower):.3f}.",
        )
    return True, f"accuracy {acc:.3f} on the grader's evaluation data"

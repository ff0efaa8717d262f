"""The checking API every test cell uses: ``check``, ``check_bound``, ``check_model`` (and
``check_accuracy``).

Three ways these calls are used (see ``docs/grading.md``):

* **Self-check** (a student's JupyterLab, papermill, ``nbgrader validate``): the call compares
  on the spot (``course.verdicts``) and raises :class:`CheckFailure` with a message that says
  what differs. A call without an expected value is a *hidden* check: its expected value is
  looked up in the trusted reference records on the instructor's machine (``course.records``).
* **Record** (the autograder): the grader rewrites test cells so that each call becomes
  ``__ag_record__(cell, kind, name, actual)``; nothing but ``actual`` is evaluated in the
  student's kernel, and ``course.records.Recorder`` writes it out as JSON.
* **Reference** (the grader's trusted run of the source notebook): the same rewrite keeps the
  declared tolerances and bounds, so the records carry them.
"""

from __future__ import annotations

from typing import Any

from course.records import _to_numpy
from course.verdicts import DEFAULT_ATOL, DEFAULT_RTOL, _bound, compare, verdict

__all__ = ["HIDDEN", "CheckFailure", "check", "check_accuracy", "check_bound", "check_model"]


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


def _reference_value(name: str):
    """Find the reference record of a hidden check (instructor side only)."""
    from course.records import lookup  # only hidden checks need the reference records

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
        ok, msg = verdict(rec.kind, actual, rec.declared)
    else:
        ok, msg = compare(actual, expected, rtol, atol)
    if not ok:
        raise CheckFailure(f"{name}: {msg}")


def check_bound(name: str, actual: Any, lower: float | None = None, upper: float | None = None) -> None:
    """Check that a single number lies in ``[lower, upper]`` (either may be omitted)."""
    if lower is None and upper is None:
        rec = _reference_value(name)
        ok, msg = verdict(rec.kind, actual, rec.declared)
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

"""Grader-side material of each chapter: its catalogue of typical mistakes and its trusted evaluators.

Everything here holds solution text (a mistake is an edit of the reference answer; an evaluator
is a trusted forward pass), so this package lives outside ``course/`` and outside the release,
and the grader's sandbox never shows it to a submission (``autograder.sandbox`` masks it).

One module per chapter, found by the chapter's folder name: ``instructor/ch<NN_topic>.py``
(``instructor/ch01_backprop.py`` for ``01_backprop``) defines

* ``NOTEBOOK``: the source notebook the mutants edit, relative to the repository root;
* ``MUTANTS``: a list of :class:`Mutant`, at least three per graded answer cell;
* ``EVALUATORS`` (optional): name -> :class:`Evaluator`, the trusted models that
  ``course.checks.check_model`` names, so the grader judges a trained model from its parameters
  on data the student's kernel never sees.
"""

from __future__ import annotations

import importlib
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from types import ModuleType

_CHAPTER = re.compile(r"\d\d_[a-z][a-z0-9_]*")


@dataclass(frozen=True)
class Mutant:
    """A typical mistake: ``old`` replaced by ``new`` exactly once in the answer cell ``cell``."""

    cell: str  # grade_id of the solution cell to edit
    old: str  # text that occurs exactly once in that cell's source
    new: str  # its replacement
    why: str  # the mistake, in a student's words

    def apply(self, source: str) -> str:
        n = source.count(self.old)
        if n != 1:
            raise ValueError(
                f"mutant {self.why!r}: {self.old!r} occurs {n} times in cell {self.cell!r} (need 1)"
            )
        return source.replace(self.old, self.new)


@dataclass(frozen=True)
class Evaluator:
    """A trusted model evaluation, run in the grader's process (never in a student's kernel).

    ``predict(params, X) -> class indices`` is the model's forward pass written from the
    recorded parameters (a dict of arrays); ``data(seed) -> (X, y)`` returns the evaluation data,
    which the grader perturbs or subsamples with a seed of its own so that labels cannot be
    looked up in the kernel. ``describe`` says in a sentence what is evaluated.
    """

    predict: Callable
    data: Callable
    describe: str = ""
    param_shapes: dict = field(default_factory=dict)  # name -> shape with None for free sizes


@dataclass(frozen=True)
class Kit:
    """What the registry knows about one chapter."""

    assignment: str
    notebook: str
    mutants: list[Mutant]
    evaluators: dict[str, Evaluator]


def module_name(assignment: str) -> str:
    if not _CHAPTER.fullmatch(assignment):
        raise ValueError(f"not a chapter folder name: {assignment!r} (expected NN_topic)")
    return f"instructor.ch{assignment}"


def _module(assignment: str) -> ModuleType | None:
    try:
        return importlib.import_module(module_name(assignment))
    except ModuleNotFoundError as exc:
        if exc.name == module_name(assignment):
            return None
        raise


def kit(assignment: str) -> Kit | None:
    """The chapter's catalogue and evaluators, or None when the chapter has no module here."""
    mod = _module(assignment)
    if mod is None:
        return None
    return Kit(
        assignment=assignment,
        notebook=mod.NOTEBOOK,
        mutants=list(getattr(mod, "MUTANTS", [])),
        evaluators=dict(getattr(mod, "EVALUATORS", {})),
    )


def mutants(assignment: str) -> list[Mutant]:
    k = kit(assignment)
    return k.mutants if k else []


def evaluator(assignment: str, name: str) -> Evaluator | None:
    k = kit(assignment)
    return k.evaluators.get(name) if k else None


def perturbed_digits(seed: int, flatten: bool = True, noise: float = 0.05, split_seed: int = 0):
    """Evaluation data for digit classifiers: the validation split of ``course.data.load_digits``
    (its default ``seed=0``) with Gaussian pixel noise of standard deviation ``noise`` drawn from
    ``seed``, clipped to [0, 1]. Returns ``(X, y)``; ``X`` is (N, 64) or (N, 1, 8, 8)."""
    import numpy as np

    from course.data import load_digits

    _, val = load_digits(seed=split_seed, flatten=flatten)
    rng = np.random.default_rng(seed)
    X = np.clip(val.X + noise * rng.standard_normal(val.X.shape), 0.0, 1.0)
    return X, val.y


def relu_mlp_predict(params: dict, X):
    """The trusted forward pass of a ReLU MLP: affine - ReLU - ... - affine from W1, b1, W2, b2, ...
    (weights (D, M), multiplying on the right); returns the argmax class of each row."""
    import numpy as np

    n_layers = sum(1 for k in params if k.startswith("W") and k[1:].isdigit())
    h = X
    for i in range(1, n_layers + 1):
        h = h @ params[f"W{i}"] + params[f"b{i}"]
        if i < n_layers:
            h = np.maximum(h, 0.0)
    return np.argmax(h, axis=1)

"""One small training loop for every chapter, NumPy or PyTorch alike.

    history = fit(step, n_train=len(train.y), epochs=20, batch_size=32, seed=1,
                  evaluate=lambda: {"val accuracy": accuracy(net.predict, val.X, val.y)})

``step(idx)`` gets an index array (a mini-batch of the training set, a fresh random order every
epoch), does one update and returns the batch's loss: a float, a NumPy scalar or a 0-d tensor
(tensors are collected and read once per epoch, so a GPU is not synchronised every batch).
``evaluate()`` (optional) returns a dict of metrics, recorded once per epoch. The loop knows
nothing of models or optimisers: the notebook's ``step`` holds the method being taught.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import numpy as np

from course.progress import progress


def minibatches(n: int, batch_size: int, rng: np.random.Generator) -> Iterator[np.ndarray]:
    """Index arrays that cover ``range(n)`` once in a random order, ``batch_size`` at a time."""
    if n < 1:
        raise ValueError(f"need at least one example, got n={n}")
    if batch_size < 1:
        raise ValueError(f"batch_size must be positive, got {batch_size}")
    perm = rng.permutation(n)
    for start in range(0, n, batch_size):
        yield perm[start : start + batch_size]


def _mean_loss(losses: list[Any]) -> float:
    if not losses:
        return float("nan")
    if hasattr(losses[0], "detach"):  # torch tensors: one stack, one transfer
        import torch

        return float(torch.stack([loss.detach().reshape(()) for loss in losses]).double().mean().item())
    return float(np.mean([float(loss) for loss in losses]))


def fit(
    step: Callable[[np.ndarray], Any],
    n_train: int,
    epochs: int,
    batch_size: int,
    seed: int = 0,
    evaluate: Callable[[], dict[str, float]] | None = None,
    desc: str = "training",
) -> dict[str, list[float]]:
    """Run ``epochs`` passes of mini-batch training; returns the history.

    The history maps ``"train loss"`` (the mean batch loss of each epoch) and every key that
    ``evaluate`` returns to one value per epoch. The batch order comes from
    ``np.random.default_rng(seed)``, so two models trained with the same ``seed`` see the same
    batches in the same order (how the NumPy and PyTorch versions of a chapter are compared).
    A loss that becomes NaN or infinite stops training with a clear error.
    """
    if epochs < 0:
        raise ValueError(f"epochs must be >= 0, got {epochs}")
    rng = np.random.default_rng(seed)
    history: dict[str, list[float]] = {"train loss": []}
    for epoch in progress(range(epochs), desc=desc):
        losses = [step(idx) for idx in minibatches(n_train, batch_size, rng)]
        mean = _mean_loss(losses)
        if not np.isfinite(mean):
            raise FloatingPointError(
                f"{desc}: the training loss became {mean} in epoch {epoch + 1}; "
                "lower the learning rate or check the gradients."
            )
        history["train loss"].append(mean)
        if evaluate is not None:
            for key, value in evaluate().items():
                history.setdefault(key, []).append(float(value))
    return history


def accuracy(predict: Callable[[Any], Any], X: Any, y: Any) -> float:
    """Fraction of rows of ``X`` whose predicted class equals ``y`` (arrays or tensors)."""
    pred = predict(X)
    if hasattr(pred, "detach"):
        pred = pred.detach().cpu().numpy()
    if hasattr(y, "detach"):
        y = y.detach().cpu().numpy()
    pred, y = np.asarray(pred), np.asarray(y)
    if pred.shape != y.shape:
        raise ValueError(f"predictions of shape {pred.shape} for labels of shape {y.shape}")
    return float(np.mean(pred == y))

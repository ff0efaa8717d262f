"""Data the course uses. Nothing is downloaded: digits ship with scikit-learn, text with gensim,
everything else is generated here from a fixed seed."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Split:
    """Arrays of one data split: ``X`` (N, D) float64 in [0, 1], ``y`` (N,) int64 labels."""

    X: np.ndarray
    y: np.ndarray


def _digits_arrays() -> tuple[np.ndarray, np.ndarray]:
    """scikit-learn's bundled digits, read from the file it ships (``sklearn/datasets/data/
    digits.csv.gz``, 64 pixel columns and the label) without importing scikit-learn itself,
    which costs about a second per kernel. ``tests/test_course_helpers.py`` checks that the
    arrays equal ``sklearn.datasets.load_digits()``'s. Pixels scaled from 0..16 to 0..1."""
    import importlib.util
    import os

    spec = importlib.util.find_spec("sklearn")
    if spec is None or not spec.submodule_search_locations:
        raise ModuleNotFoundError("scikit-learn is not installed; it ships the digits data (make setup)")
    path = os.path.join(list(spec.submodule_search_locations)[0], "datasets", "data", "digits.csv.gz")
    data = np.loadtxt(path, delimiter=",")
    return data[:, :-1].astype(np.float64) / 16.0, data[:, -1].astype(np.int64)


def load_digits(val_fraction: float = 0.2, seed: int = 0, flatten: bool = True) -> tuple[Split, Split]:
    """scikit-learn's bundled 8x8 digits (1797 images, 10 classes), split with a seeded shuffle.

    Returns ``(train, val)``. Pixels are scaled from 0..16 to 0..1. With ``flatten=True`` ``X``
    is (N, 64); otherwise (N, 1, 8, 8) for convolutions.
    """
    if not 0.0 < val_fraction < 1.0:
        raise ValueError(f"val_fraction must lie in (0, 1), got {val_fraction}")
    X, y = _digits_arrays()
    perm = np.random.default_rng(seed).permutation(len(y))
    X, y = X[perm], y[perm]
    if not flatten:
        X = X.reshape(-1, 1, 8, 8)
    n_val = int(round(len(y) * val_fraction))
    return Split(X[n_val:], y[n_val:]), Split(X[:n_val], y[:n_val])


def load_corpus(name: str = "lee_background.cor", max_sentences: int | None = None) -> list[list[str]]:
    """A text corpus that ships inside gensim, tokenised into lower-case word lists, one per line."""
    from gensim.test.utils import datapath
    from gensim.utils import simple_preprocess

    sentences = []
    with open(datapath(name), encoding="utf-8", errors="replace") as fh:
        for line in fh:
            toks = simple_preprocess(line)
            if toks:
                sentences.append(toks)
            if max_sentences is not None and len(sentences) >= max_sentences:
                break
    return sentences


def make_spirals(n_per_class: int = 100, n_classes: int = 3, noise: float = 0.2, seed: int = 0) -> Split:
    """A seeded 2-D spiral data set that no linear model can separate: ``X`` (N, 2), ``y`` (N,)."""
    if n_per_class < 1 or n_classes < 2:
        raise ValueError("need n_per_class >= 1 and n_classes >= 2")
    rng = np.random.default_rng(seed)
    xs, ys = [], []
    for c in range(n_classes):
        r = np.linspace(0.05, 1.0, n_per_class)
        t = np.linspace(c * 4.0, (c + 1) * 4.0, n_per_class) + rng.normal(0, noise, n_per_class)
        xs.append(np.stack([r * np.sin(t), r * np.cos(t)], axis=1))
        ys.append(np.full(n_per_class, c, dtype=np.int64))
    return Split(np.concatenate(xs), np.concatenate(ys))


def minibatches(n: int, batch_size: int, rng: np.random.Generator):
    """Yield index arrays that cover ``range(n)`` once in a random order, ``batch_size`` at a time."""
    if batch_size < 1:
        raise ValueError("batch_size must be positive")
    perm = rng.permutation(n)
    for start in range(0, n, batch_size):
        yield perm[start : start + batch_size]

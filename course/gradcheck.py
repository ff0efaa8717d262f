"""Numeric gradient checking: central differences and the relative error."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np


def numerical_gradient(f: Callable[[np.ndarray], float], x: np.ndarray, h: float = 1e-5) -> np.ndarray:
    """Gradient of the scalar function ``f`` at ``x`` by central differences.

    ``x`` has any shape; the result has the same shape. Each entry of ``x`` is nudged in place by
    ``+h`` and ``-h`` and restored afterwards: ``(f(x + h e_i) - f(x - h e_i)) / (2h)``.
    """
    x = np.asarray(x)
    if x.dtype.kind != "f":
        raise TypeError(f"numerical_gradient needs a float array, got {x.dtype}")
    grad = np.zeros_like(x, dtype=np.float64)
    it = np.nditer(x, flags=["multi_index"], op_flags=[["readwrite"]])
    while not it.finished:
        i = it.multi_index
        old = x[i]
        x[i] = old + h
        fp = float(f(x))
        x[i] = old - h
        fm = float(f(x))
        x[i] = old
        grad[i] = (fp - fm) / (2 * h)
        it.iternext()
    return grad


def numerical_gradient_array(
    f: Callable[[np.ndarray], np.ndarray], x: np.ndarray, dout: np.ndarray, h: float = 1e-5
) -> np.ndarray:
    """Gradient of ``sum(f(x) * dout)`` with respect to ``x``: checks a layer's backward for an upstream ``dout``."""
    return numerical_gradient(lambda z: float(np.sum(f(z) * dout)), x, h)


def rel_error(a, b) -> float:
    """Largest elementwise relative error ``|a - b| / max(1e-8, |a| + |b|)``: about 1e-7 or less means agreement in float64."""
    a = np.asarray(a, dtype=np.float64)
    b = np.asarray(b, dtype=np.float64)
    if a.shape != b.shape:
        raise ValueError(f"rel_error needs equal shapes, got {a.shape} and {b.shape}")
    if a.size == 0:
        return 0.0
    return float(np.max(np.abs(a - b) / np.maximum(1e-8, np.abs(a) + np.abs(b))))

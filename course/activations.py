"""Activation functions, initialisation scales and the signal flow through a random deep MLP.

Numeric helpers for the lecture figures of chapter 01 (activations, initialisation, vanishing
gradients). Everything is NumPy, float64 and seeded. The layer functions that students write in
the assignment (``affine_forward``, ``relu_backward``, ``TwoLayerNet`` ...) are deliberately not
here: this module only measures how a whole random network behaves.

The random MLP used throughout has ``depth`` hidden layers of ``width`` units, no biases, and
weights that multiply on the right (``a = h @ W`` with ``W`` of shape (width, width)):

    h_0 = x                      (N, width), standard normal
    a_l = h_{l-1} @ W_l          (N, width),  W_l (width, width),  l = 1..depth
    h_l = f(a_l)                 (N, width)
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

ACTIVATION_NAMES = ("sigmoid", "tanh", "relu", "leaky_relu")
INIT_SCHEMES = ("small", "unit", "xavier", "he")
LEAKY_SLOPE = 0.01


def _logistic(z: np.ndarray) -> np.ndarray:
    """Numerically safe 1 / (1 + exp(-z)), elementwise; any shape."""
    out = np.empty_like(z, dtype=np.float64)
    pos = z >= 0
    out[pos] = 1.0 / (1.0 + np.exp(-z[pos]))
    ez = np.exp(z[~pos])
    out[~pos] = ez / (1.0 + ez)
    return out


def _check_name(name: str) -> None:
    if name not in ACTIVATION_NAMES:
        raise ValueError(f"unknown activation {name!r}; choose one of {ACTIVATION_NAMES}")


def activation_value(name: str, z, alpha: float = LEAKY_SLOPE) -> np.ndarray:
    """The activation ``name`` applied elementwise to ``z`` (any shape; the result has the same shape).

    ``alpha`` is the slope of leaky ReLU for negative inputs and is ignored by the others.
    """
    _check_name(name)
    z = np.asarray(z, dtype=np.float64)
    if name == "sigmoid":
        return _logistic(z)
    if name == "tanh":
        return np.tanh(z)
    if name == "relu":
        return np.maximum(z, 0.0)
    return np.where(z > 0, z, alpha * z)


def activation_derivative(name: str, z, alpha: float = LEAKY_SLOPE) -> np.ndarray:
    """The derivative f'(z) of activation ``name``, elementwise; ``z`` any shape, result the same shape.

    At z = 0, where ReLU and leaky ReLU have a kink, the value of the left side (0, resp. ``alpha``)
    is used, which is also what PyTorch does.
    """
    _check_name(name)
    z = np.asarray(z, dtype=np.float64)
    if name == "sigmoid":
        s = _logistic(z)
        return s * (1.0 - s)
    if name == "tanh":
        return 1.0 - np.tanh(z) ** 2
    if name == "relu":
        return (z > 0).astype(np.float64)
    return np.where(z > 0, 1.0, alpha)


def default_init(activation: str) -> str:
    """The initialisation that suits ``activation``: ``"he"`` for the ReLU family, ``"xavier"`` otherwise."""
    _check_name(activation)
    return "he" if activation in ("relu", "leaky_relu") else "xavier"


def init_std(scheme: str, fan_in: int, fan_out: int) -> float:
    """Standard deviation of the zero-mean Gaussian weights of a (fan_in, fan_out) layer.

    ``"small"``: 0.01 (a popular but depth-blind choice); ``"unit"``: 1.0;
    ``"xavier"`` (Glorot): sqrt(2 / (fan_in + fan_out)); ``"he"`` (Kaiming): sqrt(2 / fan_in).
    """
    if scheme == "small":
        return 0.01
    if scheme == "unit":
        return 1.0
    if scheme == "xavier":
        return float(np.sqrt(2.0 / (fan_in + fan_out)))
    if scheme == "he":
        return float(np.sqrt(2.0 / fan_in))
    raise ValueError(f"unknown init scheme {scheme!r}; choose one of {INIT_SCHEMES}")


def _forward(depth: int, width: int, activation: str, init: str, n_samples: int, seed: int):
    """Run the random MLP forward.

    Returns ``(weights, hs, as_)``: ``weights`` a list of ``depth`` arrays (width, width);
    ``hs`` a list of ``depth + 1`` arrays (N, width), ``hs[0]`` the input; ``as_`` a list of
    ``depth`` pre-activations (N, width).
    """
    if depth < 1 or width < 1 or n_samples < 1:
        raise ValueError(f"depth, width and n_samples must be positive, got {depth}, {width}, {n_samples}")
    _check_name(activation)
    if init == "auto":
        init = default_init(activation)
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((n_samples, width))
    std = init_std(init, width, width)
    weights = [std * rng.standard_normal((width, width)) for _ in range(depth)]
    hs, as_ = [x], []
    for w in weights:
        a = hs[-1] @ w
        as_.append(a)
        hs.append(activation_value(activation, a))
    return weights, hs, as_


def preactivation_rms(
    depth: int = 10,
    width: int = 64,
    activation: str = "relu",
    init: str = "he",
    n_samples: int = 256,
    seed: int = 0,
) -> np.ndarray:
    """Root mean square of the pre-activations a_l of each layer, shape (depth,).

    Entry ``l - 1`` is sqrt(mean(a_l ** 2)) over the (N, width) array a_l. A good initialisation
    keeps these numbers of the same order from the first layer to the last.
    ``init`` is one of ``INIT_SCHEMES`` or ``"auto"`` (see ``default_init``).
    """
    _, _, as_ = _forward(depth, width, activation, init, n_samples, seed)
    return np.array([np.sqrt(np.mean(a**2)) for a in as_])


def layer_gradient_norms(
    depth: int = 10,
    width: int = 64,
    activation: str = "sigmoid",
    init: str = "auto",
    n_samples: int = 256,
    seed: int = 0,
) -> np.ndarray:
    """Frobenius norm of dL/dW_l for every layer of the random MLP, shape (depth,), entry 0 = first layer.

    The loss is a fixed random linear read-out averaged over the batch,
    L = (1/N) sum_n <h_depth[n], g[n]> with g (N, width) standard normal, so the upstream gradient
    dL/dh_depth = g / N (N, width) is the same for every activation and only the Jacobians of
    the layers differ. Backward, for l = depth..1:

        da_l      = dh_l * f'(a_l)          (N, width)
        dW_l      = h_{l-1}^T @ da_l        (width, width)
        dh_{l-1}  = da_l @ W_l^T            (N, width)

    ``init`` is one of ``INIT_SCHEMES`` or ``"auto"`` (He for the ReLU family, Xavier otherwise).
    """
    weights, hs, as_ = _forward(depth, width, activation, init, n_samples, seed)
    g = np.random.default_rng(seed + 1).standard_normal((n_samples, width))
    dh = g / n_samples
    norms = np.empty(depth)
    for l in range(depth - 1, -1, -1):
        da = dh * activation_derivative(activation, as_[l])
        norms[l] = np.linalg.norm(hs[l].T @ da)
        dh = da @ weights[l].T
    return norms


def gradient_ratio_by_depth(
    depths: Sequence[int],
    width: int = 64,
    activation: str = "sigmoid",
    init: str = "auto",
    n_samples: int = 256,
    seed: int = 0,
) -> np.ndarray:
    """For each depth L in ``depths`` (length K): ||dL/dW_1|| / ||dL/dW_L||, shape (K,).

    Below 1 the first layer learns more slowly than the last one; far below 1 is a vanishing gradient.
    """
    ratios = []
    for depth in depths:
        norms = layer_gradient_norms(depth, width, activation, init, n_samples, seed)
        ratios.append(norms[0] / norms[-1])
    return np.array(ratios)

"""Chapter 01 (backprop): the lecture's numeric helpers, its figures and explorers, seeded data.

Everything here serves ``lectures/01_backprop.ipynb`` and the figures of the assignment; none of
it is a graded function. The layers a student writes (``affine_forward``, ``relu_backward``,
``FullyConnectedNet`` ...) are deliberately absent, and the assignment's answer cells may not
import this module.

Sections:

* **activations and initialisation**: ``activation_value``, ``activation_derivative``,
  ``init_std`` (the four weight scales ``small``, ``xavier``, ``he``, ``unit``);
* **a random deep MLP** for the initialisation and vanishing-gradient experiments:
  ``preactivation_rms``, ``layer_gradient_norms``, ``gradient_ratio_by_depth``;
* **data**: ``make_xor`` (four noisy corners), ``digits_splits`` (train / validation / test);
* **figures** (pure functions returning a ``matplotlib.figure.Figure``): ``plot_activations``,
  ``plot_perceptron``, ``plot_gradient_descent``, ``plot_activation_scale``,
  ``plot_gradient_norms``, ``plot_gradient_norm_profiles``, ``plot_gradient_ratio_vs_depth``,
  ``plot_step_size_errors``, ``plot_decision_boundaries``, ``plot_first_layer_weights``;
* **explorers** (``course.widgets.interactive`` around the figures): ``activation_explorer``,
  ``gradient_descent_explorer``, ``init_explorer``, ``gradient_norm_explorer``.

The random MLP has ``depth`` layers of ``width`` units, no biases, weights on the right:

    H_0 = X                      (N, width), standard normal
    Z_l = H_{l-1} @ W_l          (N, width),  W_l (width, width),  l = 1..depth
    H_l = f(Z_l)                 (N, width)

and, for the gradient experiments, a fixed random linear read-out
``L = (1/N) sum_n <H_depth[n], G[n]>`` with ``G`` (N, width) standard normal, so that the
gradient arriving at the top, ``dH_depth = G / N``, is the same for every activation and scale.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

import ipywidgets as w
import matplotlib.pyplot as plt
import numpy as np
from matplotlib.ticker import MaxNLocator

from course.data import Split, load_digits
from course.widgets import interactive

ACTIVATION_NAMES = ("sigmoid", "tanh", "relu", "leaky_relu")
INIT_SCHEMES = ("small", "xavier", "he", "unit")
LEAKY_SLOPE = 0.01

_ACT_LABELS = {"sigmoid": "sigmoid", "tanh": "tanh", "relu": "ReLU", "leaky_relu": "leaky ReLU"}
_ACT_COLORS = {"sigmoid": "tab:blue", "tanh": "tab:orange", "relu": "tab:green", "leaky_relu": "tab:red"}
_INIT_LABELS = {
    "small": "N(0, 0.01²)",
    "xavier": "Xavier: var 2/(fan_in+fan_out)",
    "he": "He: var 2/fan_in",
    "unit": "N(0, 1)",
}
_INIT_SHORT = {"small": "0.01", "xavier": "Xavier", "he": "He", "unit": "unit"}
_INIT_STYLES = {"small": ":", "xavier": "--", "he": "-", "unit": "-."}
_INIT_MARKERS = {"small": "v", "xavier": "s", "he": "o", "unit": "^"}
_STYLE = {"description_width": "initial"}


# ============================================================================ activations, init


def _check_name(name: str) -> None:
    if name not in ACTIVATION_NAMES:
        raise ValueError(f"unknown activation {name!r}; choose one of {ACTIVATION_NAMES}")


def _logistic(z: np.ndarray) -> np.ndarray:
    """1 / (1 + exp(-z)) elementwise without overflow (only exp of non-positive numbers)."""
    e = np.exp(-np.abs(z))
    return np.where(z >= 0, 1.0 / (1.0 + e), e / (1.0 + e))


def activation_value(name: str, z, alpha: float = LEAKY_SLOPE) -> np.ndarray:
    """The activation ``name`` applied elementwise to ``z`` (any shape; the result has that shape).

    ``alpha`` is the slope of leaky ReLU for negative inputs; the other activations ignore it.
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
    """The derivative f'(z) of activation ``name``, elementwise; ``z`` any shape, result that shape.

    At the kink z = 0 of ReLU and leaky ReLU the left value (0, resp. ``alpha``) is used, as in PyTorch.
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
    """The scheme that suits ``activation``: ``"he"`` for the ReLU family, ``"xavier"`` otherwise."""
    _check_name(activation)
    return "he" if activation in ("relu", "leaky_relu") else "xavier"


def init_std(scheme: str, fan_in: int, fan_out: int) -> float:
    """Standard deviation of the zero-mean Gaussian weights of a (fan_in, fan_out) layer.

    ``"small"``: 0.01 (blind to the width); ``"unit"``: 1.0; ``"xavier"`` (Glorot):
    sqrt(2 / (fan_in + fan_out)); ``"he"`` (Kaiming): sqrt(2 / fan_in).
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


# ============================================================================ a random deep MLP


def random_mlp(depth: int, width: int, activation: str, init: str, n_samples: int, seed: int):
    """The random MLP of the module docstring, run forward: ``(weights, hs, zs)``.

    ``weights``: ``depth`` arrays (width, width); ``hs``: ``depth + 1`` arrays (N, width) with
    ``hs[0]`` the input; ``zs``: ``depth`` pre-activations (N, width).
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
    hs, zs = [x], []
    for wl in weights:
        z = hs[-1] @ wl
        zs.append(z)
        hs.append(activation_value(activation, z))
    return weights, hs, zs


def preactivation_rms(
    depth: int = 10,
    width: int = 64,
    activation: str = "relu",
    init: str = "he",
    n_samples: int = 256,
    seed: int = 0,
) -> np.ndarray:
    """Root mean square of the pre-activations Z_l of each layer, shape (depth,).

    Entry ``l - 1`` is sqrt(mean(Z_l ** 2)) over the (N, width) array Z_l. ``init`` is one of
    ``INIT_SCHEMES`` or ``"auto"`` (see ``default_init``).
    """
    _, _, zs = random_mlp(depth, width, activation, init, n_samples, seed)
    return np.array([np.sqrt(np.mean(z**2)) for z in zs])


def layer_gradient_norms(
    depth: int = 10,
    width: int = 64,
    activation: str = "sigmoid",
    init: str = "auto",
    n_samples: int = 256,
    seed: int = 0,
) -> np.ndarray:
    """Frobenius norm of dL/dW_l for every layer of the random MLP, shape (depth,), entry 0 = layer 1.

    The loss is the fixed random linear read-out of the module docstring, so dL/dH_depth = G / N
    (N, width) for every activation and scale. Backward, for l = depth..1:

        dZ_l      = dH_l * f'(Z_l)          (N, width)
        dW_l      = H_{l-1}^T @ dZ_l        (width, width)
        dH_{l-1}  = dZ_l @ W_l^T            (N, width)
    """
    weights, hs, zs = random_mlp(depth, width, activation, init, n_samples, seed)
    g = np.random.default_rng(seed + 1).standard_normal((n_samples, width))
    dh = g / n_samples
    norms = np.empty(depth)
    for layer in range(depth - 1, -1, -1):
        dz = dh * activation_derivative(activation, zs[layer])
        norms[layer] = np.linalg.norm(hs[layer].T @ dz)
        dh = dz @ weights[layer].T
    return norms


def gradient_ratio_by_depth(
    depths: Sequence[int],
    width: int = 64,
    activation: str = "sigmoid",
    init: str = "auto",
    n_samples: int = 256,
    seed: int = 0,
) -> np.ndarray:
    """For each depth L in ``depths`` (K of them): ||dL/dW_1|| / ||dL/dW_L||, shape (K,).

    Near 1: the first layer gets a gradient as large as the last one. Far below 1: it vanishes.
    """
    ratios = []
    for depth in depths:
        norms = layer_gradient_norms(depth, width, activation, init, n_samples, seed)
        ratios.append(norms[0] / norms[-1])
    return np.array(ratios)


# ============================================================================ data


def make_xor(n_per_corner: int = 50, noise: float = 0.25, seed: int = 0) -> Split:
    """Exclusive or on noisy corners: ``X`` (4 n, 2) around (±1, ±1), ``y`` (4 n,) int64.

    The label is 1 where the two coordinates of the corner have opposite signs ((-1, 1) and
    (1, -1)), 0 at (-1, -1) and (1, 1): no line separates the classes. Gaussian noise of
    standard deviation ``noise`` from ``np.random.default_rng(seed)``.
    """
    if n_per_corner < 1 or noise < 0:
        raise ValueError("need n_per_corner >= 1 and noise >= 0")
    rng = np.random.default_rng(seed)
    corners = np.array([[-1.0, -1.0], [-1.0, 1.0], [1.0, -1.0], [1.0, 1.0]])
    labels = np.array([0, 1, 1, 0], dtype=np.int64)
    X = np.repeat(corners, n_per_corner, axis=0) + noise * rng.standard_normal((4 * n_per_corner, 2))
    return Split(X, np.repeat(labels, n_per_corner))


def digits_splits(val_fraction: float = 0.25, seed: int = 0) -> tuple[Split, Split, Split]:
    """The 8x8 digits as ``(train, val, test)``, each a ``Split`` with ``X`` (N, 64) in [0, 1].

    ``test`` is the validation split of ``course.data.load_digits(seed=seed)`` (20 %, 359 images),
    untouched by training and model choice; the rest is shuffled again with ``seed`` and
    ``val_fraction`` of it becomes ``val``, the remainder ``train`` (1078 and 360 images with the
    defaults).
    """
    if not 0.0 < val_fraction < 1.0:
        raise ValueError(f"val_fraction must lie in (0, 1), got {val_fraction}")
    rest, test = load_digits(seed=seed)
    perm = np.random.default_rng(seed + 1).permutation(len(rest.y))
    n_val = int(round(len(perm) * val_fraction))
    val_idx, train_idx = perm[:n_val], perm[n_val:]
    return Split(rest.X[train_idx], rest.y[train_idx]), Split(rest.X[val_idx], rest.y[val_idx]), test


# ============================================================================ figures


def _as_tuple(names, what: str = "activation name") -> tuple[str, ...]:
    """One name or a sequence of names, as a non-empty tuple."""
    names = (names,) if isinstance(names, str) else tuple(names)
    if not names:
        raise ValueError(f"need at least one {what}")
    return names


def _legend_right(ax, **kwargs) -> None:
    """A legend outside the axes, on the right, so that it never hides a curve."""
    ax.legend(loc="center left", bbox_to_anchor=(1.02, 0.5), fontsize=9, frameon=False, **kwargs)


def plot_activations(names=ACTIVATION_NAMES, z_max: float = 5.0, alpha: float = 0.1):
    """Each activation f and its derivative f' on [-z_max, z_max]: one axes per name, two lines each.

    ``names``: one name or a sequence from ``ACTIVATION_NAMES``; ``alpha``: the negative-side slope
    of leaky ReLU (0.1 by default so that it is visible). Axes are laid out two per row, with the
    same y range, so that the heights of the derivatives can be compared.
    """
    names = _as_tuple(names)
    for name in names:
        _check_name(name)
    if z_max <= 0:
        raise ValueError(f"z_max must be positive, got {z_max}")
    ncols = 1 if len(names) == 1 else 2
    nrows = int(np.ceil(len(names) / ncols))
    fig, axes = plt.subplots(nrows, ncols, figsize=(4.8 * ncols, 3.0 * nrows), squeeze=False)
    z = np.linspace(-z_max, z_max, 401)
    for ax, name in zip(axes.flat, names):
        color = _ACT_COLORS[name]
        label = _ACT_LABELS[name] + (f" (α = {alpha:g})" if name == "leaky_relu" else "")
        ax.plot(z, activation_value(name, z, alpha), color=color, lw=2, label="f(z)")
        d = activation_derivative(name, z, alpha)
        jumps = np.flatnonzero(np.abs(np.diff(d)) > 0.25) + 1  # break the line at a kink (ReLU at 0)
        ax.plot(
            np.insert(z, jumps, np.nan),
            np.insert(d, jumps, np.nan),
            color=color,
            lw=1.5,
            ls="--",
            label="f'(z)",
        )
        ax.axhline(0, color="grey", lw=0.6)
        ax.set_title(label)
        ax.set_xlabel("z")
        ax.set_ylim(-1.15, 1.6 if z_max <= 1.6 else min(z_max, 3.0) + 0.1)
        ax.grid(alpha=0.3)
        ax.legend(loc="upper left", fontsize=9)
    for ax in list(axes.flat)[len(names) :]:
        fig.delaxes(ax)
    fig.tight_layout()
    return fig


def plot_perceptron(X, y, w, b, title: str = "Perceptron"):
    """Two-dimensional points coloured by label and the perceptron's decision line x·w + b = 0.

    ``X`` (N, 2) inputs, ``y`` (N,) labels in {0, 1}, ``w`` (2,) weights, ``b`` a scalar bias.
    One axes with one line (the boundary; absent when w is zero) and one scatter per class.
    """
    X = np.asarray(X, dtype=float)
    y = np.asarray(y)
    w = np.asarray(w, dtype=float)
    fig, ax = plt.subplots(figsize=(5.6, 4.0))
    for label, marker, color in ((0, "o", "tab:blue"), (1, "s", "tab:orange")):
        pts = X[y == label]
        ax.scatter(
            pts[:, 0], pts[:, 1], marker=marker, s=80, color=color, edgecolor="black", label=f"y = {label}"
        )
    lo, hi = X.min() - 0.5, X.max() + 0.5
    grid = np.linspace(lo, hi, 2)
    if abs(w[1]) > 1e-12:
        ax.plot(grid, -(w[0] * grid + b) / w[1], color="black", label="x·w + b = 0")
    elif abs(w[0]) > 1e-12:
        ax.plot([-b / w[0]] * 2, [lo, hi], color="black", label="x·w + b = 0")
    ax.set_xlim(lo, hi)
    ax.set_ylim(lo, hi)
    ax.set_xlabel("$x_1$")
    ax.set_ylabel("$x_2$")
    ax.set_title(title)
    ax.set_aspect("equal")
    ax.grid(alpha=0.3)
    _legend_right(ax)
    fig.tight_layout()
    return fig


def gradient_descent_path(learning_rate: float, curvatures=(1.0, 10.0), start=(1.0, 1.0), steps: int = 30):
    """Gradient descent on the quadratic bowl f(w) = 1/2 sum_i c_i w_i^2 (c = ``curvatures``).

    Returns the iterates, shape (steps + 1, 2): w_{t+1} = w_t - learning_rate * c * w_t, so each
    coordinate is multiplied by (1 - learning_rate * c_i) per step and converges exactly when
    |1 - learning_rate * c_i| < 1, i.e. 0 < learning_rate < 2 / c_i.
    """
    c = np.asarray(curvatures, dtype=float)
    path = [np.asarray(start, dtype=float)]
    for _ in range(steps):
        path.append(path[-1] - learning_rate * c * path[-1])
    return np.array(path)


def plot_gradient_descent(
    learning_rate: float = 0.15, curvatures=(1.0, 10.0), start=(1.0, 1.0), steps: int = 30
):
    """Left: the path of gradient descent over the contours of f(w) = 1/2 (c_1 w_1^2 + c_2 w_2^2).
    Right: f(w_t) against the step t (log scale). Two axes."""
    c = np.asarray(curvatures, dtype=float)
    path = gradient_descent_path(learning_rate, c, start, steps)
    f = 0.5 * np.sum(c * path**2, axis=1)
    fig, (ax, ax2) = plt.subplots(1, 2, figsize=(10.0, 3.9), gridspec_kw={"width_ratios": [1.1, 1]})
    r = 1.3 * max(np.abs(start).max(), 1e-3)
    g = np.linspace(-r, r, 201)
    G1, G2 = np.meshgrid(g, g)
    ax.contour(G1, G2, 0.5 * (c[0] * G1**2 + c[1] * G2**2), levels=12, cmap="Greys", linewidths=0.8)
    shown = np.clip(path, -r, r)
    ax.plot(shown[:, 0], shown[:, 1], "o-", color="tab:red", ms=3, lw=1.2, label="iterates $w_t$")
    ax.plot(*start, "k*", ms=12, label="start")
    ax.set_xlim(-r, r)
    ax.set_ylim(-r, r)
    ax.set_aspect("equal")
    ax.set_xlabel(f"$w_1$ (curvature {c[0]:g})")
    ax.set_ylabel(f"$w_2$ (curvature {c[1]:g})")
    ax.set_title(f"η = {learning_rate:g}; converges iff η < 2/{c.max():g} = {2 / c.max():g}")
    ax.legend(loc="lower left", fontsize=8)
    ax2.semilogy(np.arange(steps + 1), np.maximum(f, 1e-300), "o-", ms=3, color="tab:red")
    ax2.set_xlabel("step t")
    ax2.set_ylabel("$f(w_t)$")
    ax2.set_title("loss per step")
    ax2.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax2.grid(alpha=0.3, which="both")
    fig.tight_layout()
    return fig


def plot_activation_scale(
    depth: int = 10,
    activation: str = "relu",
    inits=INIT_SCHEMES,
    width: int = 64,
    n_samples: int = 256,
    seed: int = 0,
):
    """RMS of the pre-activations per layer of the random MLP, one line per weight scale (log y).

    Uses ``preactivation_rms`` on N = ``n_samples`` standard-normal inputs of dimension ``width``.
    One axes, ``len(inits)`` lines, the legend outside on the right.
    """
    inits = _as_tuple(inits, "init scheme")
    fig, ax = plt.subplots(figsize=(8.6, 3.8))
    layers = np.arange(1, depth + 1)
    for init in inits:
        rms = preactivation_rms(depth, width, activation, init, n_samples, seed)
        ax.plot(
            layers,
            rms,
            marker=_INIT_MARKERS.get(init, "o"),
            ls=_INIT_STYLES.get(init, "-"),
            label=_INIT_LABELS.get(init, init),
        )
    ax.set_yscale("log")
    ax.set_xlabel("layer l")
    ax.set_ylabel("RMS of pre-activation $Z_l$")
    ax.set_title(
        f"Forward signal through {depth} {_ACT_LABELS.get(activation, activation)} layers of width {width}"
    )
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.grid(alpha=0.3, which="both")
    _legend_right(ax, title="weight scale")
    fig.tight_layout()
    return fig


def _config_label(activation: str, init: str) -> str:
    return f"{_ACT_LABELS.get(activation, activation)}, {_INIT_SHORT.get(init, init)}"


def plot_gradient_norm_profiles(
    norms: Mapping[str, Sequence[float]], title: str = "Gradient norm per layer", styles=None
):
    """Per-layer gradient norms ||dL/dW_l||, one line per entry of ``norms`` (label -> (depth,) array).

    Left axes: the norms themselves (log scale): the height of a line is the overall scale of
    the gradients. Right axes: each line divided by its last layer's norm (log scale): the tilt,
    how much smaller the gradient of layer l is than that of the top layer. ``styles`` (optional)
    maps a label to keyword arguments of ``Axes.plot`` (color, ls, marker).
    """
    if not norms:
        raise ValueError("plot_gradient_norm_profiles needs at least one curve")
    styles = styles or {}
    fig, (ax, ax2) = plt.subplots(1, 2, figsize=(11.0, 3.9))
    depth = 1
    for label, values in norms.items():
        v = np.asarray(values, dtype=float)
        layers = np.arange(1, len(v) + 1)
        depth = max(depth, len(v))
        kw = {"marker": "o", "ms": 4, **styles.get(label, {})}
        ax.plot(layers, v, label=label, **kw)
        ax2.plot(layers, v / v[-1], **kw)
    for a in (ax, ax2):
        a.set_yscale("log")
        a.set_xlabel("layer l (1 = next to the input)")
        a.xaxis.set_major_locator(MaxNLocator(integer=True))
        a.grid(alpha=0.3, which="both")
    ax.set_ylabel(r"$\|\partial L / \partial W_l\|_F$")
    ax.set_title("size: the overall scale")
    ax2.set_ylabel(r"$\|\partial L/\partial W_l\| \,/\, \|\partial L/\partial W_{L}\|$")
    ax2.set_title("shape: relative to the last layer")
    ax2.axhline(1.0, color="grey", lw=0.8)
    fig.suptitle(title)
    handles, labels = ax.get_legend_handles_labels()
    fig.legend(handles, labels, loc="center left", bbox_to_anchor=(1.0, 0.5), fontsize=9, frameon=False)
    fig.tight_layout()
    return fig


def plot_gradient_norms(
    depth: int = 10,
    activations=("sigmoid", "relu"),
    inits=("xavier", "he"),
    width: int = 64,
    n_samples: int = 256,
    seed: int = 0,
):
    """``layer_gradient_norms`` of the random MLP for every (activation, init) pair, drawn by
    ``plot_gradient_norm_profiles``: colour = activation, line style = weight scale."""
    activations = _as_tuple(activations)
    inits = _as_tuple(inits, "init scheme")
    norms, styles = {}, {}
    for act in activations:
        for init in inits:
            label = _config_label(act, init)
            norms[label] = layer_gradient_norms(depth, width, act, init, n_samples, seed)
            styles[label] = {
                "color": _ACT_COLORS.get(act),
                "ls": _INIT_STYLES.get(init, "-"),
                "marker": _INIT_MARKERS.get(init, "o"),
            }
    return plot_gradient_norm_profiles(
        norms,
        title=f"Gradients of a random MLP: depth {depth}, width {width}, linear read-out",
        styles=styles,
    )


def plot_gradient_ratio_vs_depth(
    max_depth: int = 10,
    activations=("sigmoid", "tanh", "relu"),
    inits=("auto",),
    width: int = 64,
    n_samples: int = 256,
    seed: int = 0,
):
    """||dL/dW_1|| / ||dL/dW_L|| for random MLPs of depth L = 2..max_depth (log y), one line per
    (activation, init) pair; ``"auto"`` is He for the ReLU family and Xavier otherwise."""
    activations = _as_tuple(activations)
    inits = _as_tuple(inits, "init scheme")
    if max_depth < 2:
        raise ValueError(f"max_depth must be at least 2, got {max_depth}")
    depths = np.arange(2, max_depth + 1)
    fig, ax = plt.subplots(figsize=(7.6, 3.8))
    for act in activations:
        for init in inits:
            scheme = default_init(act) if init == "auto" else init
            ratios = gradient_ratio_by_depth(depths, width, act, scheme, n_samples, seed)
            ax.plot(
                depths,
                ratios,
                marker=_INIT_MARKERS.get(scheme, "o"),
                ls=_INIT_STYLES.get(scheme, "-"),
                color=_ACT_COLORS.get(act),
                label=_config_label(act, scheme),
            )
    ax.set_yscale("log")
    ax.set_xlabel("depth L (number of layers)")
    ax.set_ylabel(r"$\|\partial L/\partial W_1\| \;/\; \|\partial L/\partial W_L\|$")
    ax.set_title("First-layer gradient relative to last-layer gradient")
    ax.set_xticks(depths)
    ax.grid(alpha=0.3, which="both")
    _legend_right(ax)
    fig.tight_layout()
    return fig


def plot_step_size_errors(
    steps, errors: Mapping[str, Sequence[float]], title: str = "Finite-difference error"
):
    """Relative error of numeric gradients against the step size h, log-log, one line per method.

    ``steps`` (K,) positive step sizes; ``errors`` maps a method name to K relative errors.
    """
    steps = np.asarray(steps, dtype=float)
    if not errors:
        raise ValueError("plot_step_size_errors needs at least one curve")
    fig, ax = plt.subplots(figsize=(7.6, 3.8))
    for name, errs in errors.items():
        errs = np.asarray(errs, dtype=float)
        if errs.shape != steps.shape:
            raise ValueError(f"{name}: {errs.shape[0] if errs.ndim else 0} errors for {steps.shape[0]} steps")
        ax.loglog(steps, errs, marker="o", label=name)
    ax.set_xlabel("step size h")
    ax.set_ylabel("relative error vs analytic gradient")
    ax.set_title(title)
    ax.grid(alpha=0.3, which="both")
    _legend_right(ax)
    fig.tight_layout()
    return fig


def plot_decision_boundaries(
    predictors: Mapping[str, Callable], X, y, title: str = "Decision boundaries", resolution: int = 200
):
    """One axes per model: the class each model predicts over the plane (filled), and the points.

    ``predictors`` maps a name to ``predict(X (M, 2)) -> (M,) class indices``; ``X`` (N, 2),
    ``y`` (N,). Each axes' title gives the model's accuracy on (X, y).
    """
    if not predictors:
        raise ValueError("plot_decision_boundaries needs at least one model")
    X = np.asarray(X, dtype=float)
    y = np.asarray(y)
    n_classes = int(max(y.max() + 1, 2))
    pad = 0.25 * (X.max(axis=0) - X.min(axis=0))
    lo, hi = X.min(axis=0) - pad, X.max(axis=0) + pad
    g1, g2 = np.meshgrid(np.linspace(lo[0], hi[0], resolution), np.linspace(lo[1], hi[1], resolution))
    grid = np.column_stack([g1.ravel(), g2.ravel()])
    cmap = plt.get_cmap("tab10")
    colors = [cmap(i) for i in range(n_classes)]
    from matplotlib.colors import ListedColormap

    size = float(np.clip(3000.0 / len(y), 10.0, 90.0))  # big markers for a few points, small for many
    fig, axes = plt.subplots(1, len(predictors), figsize=(4.3 * len(predictors), 4.0), squeeze=False)
    for ax, (name, predict) in zip(axes.flat, predictors.items()):
        zz = np.asarray(predict(grid)).reshape(g1.shape)
        ax.contourf(g1, g2, zz, levels=np.arange(n_classes + 1) - 0.5, cmap=ListedColormap(colors), alpha=0.3)
        for c in range(n_classes):
            pts = X[y == c]
            ax.scatter(
                pts[:, 0],
                pts[:, 1],
                s=size,
                color=colors[c],
                edgecolor="black",
                linewidth=0.4,
                label=f"class {c}",
            )
        acc = float(np.mean(np.asarray(predict(X)) == y))
        ax.set_title(f"{name}: accuracy {acc:.2f}")
        ax.set_xlabel("$x_1$")
        ax.set_ylabel("$x_2$")
        ax.set_aspect("equal")
    handles, labels = axes.flat[0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="center left", bbox_to_anchor=(1.0, 0.5), fontsize=9, frameon=False)
    fig.suptitle(title)
    fig.tight_layout()
    return fig


def plot_first_layer_weights(W1, image_shape=(8, 8), n_show: int = 16, title: str = "First-layer weights"):
    """The first ``n_show`` columns of ``W1`` (D, H), each reshaped to ``image_shape`` (D pixels).

    Each image shows which pixels excite (red) or inhibit (blue) one hidden unit, on a colour
    scale symmetric around 0 shared by all images.
    """
    W1 = np.asarray(W1, dtype=float)
    if W1.ndim != 2 or W1.shape[0] != int(np.prod(image_shape)):
        raise ValueError(f"W1 must be (D, H) with D = {int(np.prod(image_shape))}, got {W1.shape}")
    n = min(n_show, W1.shape[1])
    ncols = min(n, 8)
    nrows = int(np.ceil(n / ncols))
    vmax = float(np.abs(W1[:, :n]).max()) or 1.0
    fig, axes = plt.subplots(nrows, ncols, figsize=(1.3 * ncols + 1.0, 1.4 * nrows + 0.5), squeeze=False)
    im = None
    for j, ax in enumerate(axes.flat):
        ax.set_xticks([])
        ax.set_yticks([])
        if j < n:
            im = ax.imshow(W1[:, j].reshape(image_shape), cmap="RdBu_r", vmin=-vmax, vmax=vmax)
            ax.set_title(f"unit {j + 1}", fontsize=8)
        else:
            ax.axis("off")
    fig.suptitle(title)
    fig.colorbar(im, ax=axes.ravel().tolist(), shrink=0.8, label="weight")
    return fig


# ============================================================================ explorers


def activation_explorer(z_max: float = 5.0, alpha: float = 0.1) -> w.VBox:
    """Controls around ``plot_activations``: which activation (or all four, the default, as in
    the static figure), the range [-z_max, z_max] and the leaky-ReLU slope."""
    options = [("all four", ACTIVATION_NAMES)] + [(_ACT_LABELS[n], n) for n in ACTIVATION_NAMES]
    return interactive(
        lambda **kw: plot_activations(**kw),
        z_max=w.FloatSlider(
            value=z_max,
            min=1.0,
            max=10.0,
            step=0.5,
            description="range ± z",
            continuous_update=False,
            style=_STYLE,
        ),
        names=w.Dropdown(options=options, value=ACTIVATION_NAMES, description="activation", style=_STYLE),
        alpha=w.FloatSlider(
            value=alpha,
            min=0.0,
            max=0.5,
            step=0.01,
            description="leaky slope α",
            continuous_update=False,
            style=_STYLE,
        ),
    )


def gradient_descent_explorer(learning_rate: float = 0.15, steps: int = 30) -> w.VBox:
    """A learning-rate slider (and a step count) around ``plot_gradient_descent``."""
    return interactive(
        lambda **kw: plot_gradient_descent(**kw),
        learning_rate=w.FloatSlider(
            value=learning_rate,
            min=0.01,
            max=0.25,
            step=0.01,
            description="learning rate η",
            continuous_update=False,
            style=_STYLE,
        ),
        steps=w.IntSlider(
            value=steps, min=5, max=100, description="steps", continuous_update=False, style=_STYLE
        ),
    )


def _depth_slider(value: int, max_depth: int, min_depth: int = 2) -> w.IntSlider:
    return w.IntSlider(
        value=min(value, max_depth),
        min=min_depth,
        max=max(max_depth, min_depth),
        description="depth (layers)",
        continuous_update=False,
        style=_STYLE,
    )


def init_explorer(max_depth: int = 10, width: int = 64, n_samples: int = 256, seed: int = 0) -> w.VBox:
    """Depth and activation controls around ``plot_activation_scale`` (all four weight scales)."""
    return interactive(
        lambda **kw: plot_activation_scale(**kw),
        depth=_depth_slider(max_depth, max(max_depth, 20)),
        activation=w.Dropdown(
            options=[(_ACT_LABELS[n], n) for n in ACTIVATION_NAMES],
            value="relu",
            description="activation",
            style=_STYLE,
        ),
        width=width,
        n_samples=n_samples,
        seed=seed,
    )


def gradient_norm_explorer(
    max_depth: int = 10, width: int = 64, n_samples: int = 256, seed: int = 0
) -> w.VBox:
    """Depth, activations and weight scales around ``plot_gradient_norms``; the defaults are the
    static figure's (sigmoid and ReLU, Xavier and He). ``width``, ``n_samples``, ``seed`` are fixed."""
    return interactive(
        lambda **kw: plot_gradient_norms(**kw),
        depth=_depth_slider(max_depth, max(max_depth, 20)),
        activations=w.SelectMultiple(
            options=[(_ACT_LABELS[n], n) for n in ACTIVATION_NAMES],
            value=("sigmoid", "relu"),
            rows=4,
            description="activations (ctrl-click)",
            style=_STYLE,
        ),
        inits=w.SelectMultiple(
            options=[(_INIT_LABELS[s], s) for s in INIT_SCHEMES],
            value=("xavier", "he"),
            rows=4,
            description="weight scales (ctrl-click)",
            style=_STYLE,
        ),
        width=width,
        n_samples=n_samples,
        seed=seed,
    )

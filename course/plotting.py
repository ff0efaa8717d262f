"""Figures as pure functions: each takes data and returns a ``matplotlib.figure.Figure``.

Notebooks show the returned figure with the defaults (what papermill and nbconvert keep) and
``course.widgets`` wraps the same functions in controls.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import matplotlib.pyplot as plt
import numpy as np


def plot_history(history: Mapping[str, Sequence[float]], title: str = "Training", xlabel: str = "epoch"):
    """Curves of a training history such as ``{"train loss": [...], "val accuracy": [...]}``.

    Keys containing ``loss`` go on the left axis, the others (accuracies) on a right axis.
    """
    if not history:
        raise ValueError("plot_history needs at least one curve")
    fig, ax = plt.subplots(figsize=(6.4, 3.6))
    ax2 = None
    for key, values in history.items():
        values = np.asarray(values, dtype=float)
        steps = np.arange(1, len(values) + 1)
        if "loss" in key.lower():
            ax.plot(steps, values, label=key)
        else:
            ax2 = ax2 or ax.twinx()
            ax2.plot(steps, values, "--", label=key, color="tab:green")
            ax2.set_ylabel("accuracy")
            ax2.set_ylim(0, 1.02)
    ax.set_xlabel(xlabel)
    ax.set_ylabel("loss")
    ax.set_title(title)
    handles, labels = ax.get_legend_handles_labels()
    if ax2 is not None:
        h2, l2 = ax2.get_legend_handles_labels()
        handles, labels = handles + h2, labels + l2
    ax.legend(handles, labels, loc="center right")
    ax.grid(alpha=0.3)
    fig.tight_layout()
    return fig


# --- chapter 01: activations, initialisation, vanishing gradients, gradient checking -------------

_ACTIVATION_COLORS = {
    "sigmoid": "tab:blue",
    "tanh": "tab:orange",
    "relu": "tab:green",
    "leaky_relu": "tab:red",
}
_ACTIVATION_LABELS = {"sigmoid": "sigmoid", "tanh": "tanh", "relu": "ReLU", "leaky_relu": "leaky ReLU"}
_INIT_LABELS = {
    "small": "N(0, 0.01²)",
    "unit": "N(0, 1)",
    "xavier": "Xavier: var 2/(fan_in+fan_out)",
    "he": "He: var 2/fan_in",
}


def _as_names(names) -> tuple[str, ...]:
    """A single name or a sequence of names, as a non-empty tuple."""
    names = (names,) if isinstance(names, str) else tuple(names)
    if not names:
        raise ValueError("need at least one activation name")
    return names


def plot_activations(names=("sigmoid", "tanh", "relu", "leaky_relu"), z_max: float = 5.0, alpha: float = 0.1):
    """Each activation f and its derivative f' on [-z_max, z_max]: one axes per name, two lines each.

    ``names`` is one name or a sequence of names from ``course.activations.ACTIVATION_NAMES``;
    ``alpha`` is the negative-side slope of leaky ReLU (0.1 here so that it is visible).
    Axes are laid out two per row.
    """
    from course.activations import activation_derivative, activation_value

    names = _as_names(names)
    if z_max <= 0:
        raise ValueError(f"z_max must be positive, got {z_max}")
    ncols = 1 if len(names) == 1 else 2
    nrows = int(np.ceil(len(names) / ncols))
    fig, axes = plt.subplots(nrows, ncols, figsize=(4.6 * ncols, 3.2 * nrows), squeeze=False)
    z = np.linspace(-z_max, z_max, 401)
    for ax, name in zip(axes.flat, names):
        color = _ACTIVATION_COLORS.get(name, "black")
        label = _ACTIVATION_LABELS.get(name, name) + (f" (α = {alpha:g})" if name == "leaky_relu" else "")
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
        ax.set_title(label)
        ax.set_xlabel("z")
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
    ax.legend(loc="center left", bbox_to_anchor=(1.02, 0.5), fontsize=9)
    fig.tight_layout()
    return fig


def plot_activation_scale(
    depth: int = 10,
    activation: str = "relu",
    inits=("small", "unit", "xavier", "he"),
    width: int = 64,
    n_samples: int = 256,
    seed: int = 0,
):
    """Root mean square of the pre-activations per layer of a random MLP, one line per init scheme (log y).

    Uses ``course.activations.preactivation_rms`` (a (depth,) array per scheme) on N = ``n_samples``
    standard-normal inputs of dimension ``width``. One axes, ``len(inits)`` lines.
    """
    from course.activations import preactivation_rms

    inits = _as_names(inits)
    fig, ax = plt.subplots(figsize=(8.6, 3.8))
    layers = np.arange(1, depth + 1)
    for init in inits:
        rms = preactivation_rms(depth, width, activation, init, n_samples, seed)
        ax.plot(layers, rms, marker="o", label=_INIT_LABELS.get(init, init))
    ax.set_yscale("log")
    ax.set_xlabel("layer l")
    ax.set_ylabel("RMS of pre-activation $a_l$")
    ax.set_title(
        f"Forward signal through {depth} {_ACTIVATION_LABELS.get(activation, activation)} layers of width {width}"
    )
    ax.set_xticks(layers if depth <= 20 else layers[:: max(1, depth // 10)])
    ax.grid(alpha=0.3, which="both")
    ax.legend(fontsize=9, title="weight init", loc="center left", bbox_to_anchor=(1.01, 0.5))
    fig.tight_layout()
    return fig


def plot_gradient_norms(
    depth: int = 10,
    activations=("sigmoid", "tanh", "relu"),
    init: str = "auto",
    width: int = 64,
    n_samples: int = 256,
    seed: int = 0,
):
    """||dL/dW_l|| against the layer index l for a random MLP, one line per activation (log y).

    Uses ``course.activations.layer_gradient_norms`` (a (depth,) array per activation).
    ``init="auto"`` picks He for the ReLU family and Xavier for sigmoid and tanh.
    One axes, ``len(activations)`` lines.
    """
    from course.activations import default_init, layer_gradient_norms

    activations = _as_names(activations)
    fig, ax = plt.subplots(figsize=(6.4, 3.8))
    layers = np.arange(1, depth + 1)
    for act in activations:
        norms = layer_gradient_norms(depth, width, act, init, n_samples, seed)
        scheme = default_init(act) if init == "auto" else init
        label = f"{_ACTIVATION_LABELS.get(act, act)} ({'He' if scheme == 'he' else scheme.capitalize()} init)"
        ax.plot(layers, norms, marker="o", color=_ACTIVATION_COLORS.get(act), label=label)
    ax.set_yscale("log")
    ax.set_xlabel("layer l (1 = next to the input)")
    ax.set_ylabel(r"$\|\partial L / \partial W_l\|_F$")
    ax.set_title(f"Gradient norm per layer, depth {depth}, width {width}")
    ax.set_xticks(layers if depth <= 20 else layers[:: max(1, depth // 10)])
    ax.grid(alpha=0.3, which="both")
    ax.legend(fontsize=9)
    fig.tight_layout()
    return fig


def plot_gradient_ratio_vs_depth(
    max_depth: int = 10,
    activations=("sigmoid", "tanh", "relu"),
    init: str = "auto",
    width: int = 64,
    n_samples: int = 256,
    seed: int = 0,
):
    """||dL/dW_1|| / ||dL/dW_L|| for networks of depth L = 2..max_depth, one line per activation (log y).

    Uses ``course.activations.gradient_ratio_by_depth``. One axes, ``len(activations)`` lines.
    """
    from course.activations import gradient_ratio_by_depth

    activations = _as_names(activations)
    if max_depth < 2:
        raise ValueError(f"max_depth must be at least 2, got {max_depth}")
    depths = np.arange(2, max_depth + 1)
    fig, ax = plt.subplots(figsize=(6.4, 3.8))
    for act in activations:
        ratios = gradient_ratio_by_depth(depths, width, act, init, n_samples, seed)
        ax.plot(
            depths,
            ratios,
            marker="o",
            color=_ACTIVATION_COLORS.get(act),
            label=_ACTIVATION_LABELS.get(act, act),
        )
    ax.set_yscale("log")
    ax.set_xlabel("depth L (number of layers)")
    ax.set_ylabel(r"$\|\partial L/\partial W_1\| \;/\; \|\partial L/\partial W_L\|$")
    ax.set_title("First-layer gradient relative to last-layer gradient")
    ax.set_xticks(depths)
    ax.grid(alpha=0.3, which="both")
    ax.legend(fontsize=9)
    fig.tight_layout()
    return fig


def plot_step_size_errors(
    steps, errors: Mapping[str, Sequence[float]], title: str = "Finite-difference error"
):
    """Relative error of numeric gradients against the step size h, log-log, one line per method.

    ``steps`` (K,) positive step sizes; ``errors`` maps a method name to K relative errors.
    One axes, ``len(errors)`` lines.
    """
    steps = np.asarray(steps, dtype=float)
    if not errors:
        raise ValueError("plot_step_size_errors needs at least one curve")
    fig, ax = plt.subplots(figsize=(6.4, 3.8))
    for name, errs in errors.items():
        errs = np.asarray(errs, dtype=float)
        if errs.shape != steps.shape:
            raise ValueError(f"{name}: {errs.shape[0] if errs.ndim else 0} errors for {steps.shape[0]} steps")
        ax.loglog(steps, errs, marker="o", label=name)
    ax.set_xlabel("step size h")
    ax.set_ylabel("relative error vs analytic gradient")
    ax.set_title(title)
    ax.grid(alpha=0.3, which="both")
    ax.legend(fontsize=9)
    fig.tight_layout()
    return fig

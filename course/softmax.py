"""Chapter 02 (softmax): figure functions, the widget explorer and calibration helpers.

Every figure function is pure: it takes numbers and returns a ``matplotlib.figure.Figure``
(the lecture shows it with its defaults, then wraps the same function in controls with
:func:`softmax_explorer`). Probabilities here come from ``scipy.special``: this module holds
no solution of the chapter's graded functions (and the assignment forbids importing it).

Shapes: logits ``z`` (C,) for one example or (N, C) for a batch, labels ``y`` (N,) integers
in ``0..C-1``, probabilities ``probs`` (N, C) with rows summing to 1.
"""

from __future__ import annotations

from collections.abc import Sequence

import matplotlib.pyplot as plt
import numpy as np
from scipy.special import log_softmax as _log_softmax
from scipy.special import softmax as _softmax

__all__ = [
    "calibration_bins",
    "ce_and_mse_gradients",
    "plot_ce_vs_mse",
    "plot_confusion_matrix",
    "plot_misclassified",
    "plot_reliability",
    "plot_softmax_logit",
    "plot_temperature",
    "plot_weight_templates",
    "softmax_explorer",
]

_CLASS_COLORS = plt.get_cmap("tab10").colors


def _logits(logits: Sequence[float]) -> np.ndarray:
    z = np.asarray(logits, dtype=np.float64)
    if z.ndim != 1 or z.size < 2:
        raise ValueError(f"need a vector of at least two logits, got shape {z.shape}")
    return z


# --------------------------------------------------------------------------- the explorer


def plot_softmax_logit(
    logits: Sequence[float] = (2.0, 1.0, 0.1),
    moved: int = 0,
    value: float | None = None,
    temperature: float = 1.0,
    label: int = 0,
    z_range: float = 6.0,
):
    """One example's softmax, cross-entropy and gradient while one logit moves.

    ``logits`` (C,) are the scores; logit ``moved`` is set to ``value`` (default: unchanged);
    the probabilities are ``softmax(z / temperature)`` and the loss is
    ``L = -log p[label]``, whose gradient is ``dL/dz = (p - onehot(label)) / temperature``.
    Three axes: the probabilities (bars, the label's bar outlined), the loss as logit ``moved``
    sweeps ``[-z_range, z_range]`` (the current value marked), and the gradient (bars).
    """
    z = _logits(logits).copy()
    C = z.size
    if not 0 <= moved < C or not 0 <= label < C:
        raise ValueError(f"moved and label must lie in 0..{C - 1}")
    if temperature <= 0:
        raise ValueError(f"the temperature must be positive, got {temperature}")
    if value is not None:
        z[moved] = float(value)
    p = _softmax(z / temperature)
    loss = -_log_softmax(z / temperature)[label]
    onehot = np.eye(C)[label]
    grad = (p - onehot) / temperature

    sweep = np.linspace(-z_range, z_range, 241)
    zs = np.repeat(z[None, :], sweep.size, axis=0)
    zs[:, moved] = sweep
    losses = -_log_softmax(zs / temperature, axis=1)[:, label]

    fig, axes = plt.subplots(1, 3, figsize=(12.0, 3.4))
    classes = np.arange(C)
    names = [f"class {k}" for k in classes]
    ax = axes[0]
    bars = ax.bar(classes, p, color=[_CLASS_COLORS[k % 10] for k in classes], alpha=0.8)
    bars[label].set_edgecolor("black")
    bars[label].set_linewidth(2.0)
    for k, pk in enumerate(p):
        ax.text(k, pk + 0.02, f"{pk:.3f}", ha="center", fontsize=9)
    ax.set_xticks(classes, names)
    ax.set_ylim(0, 1.12)
    ax.set_ylabel("probability $p_k$")
    ax.set_title(f"softmax(z / T), T = {temperature:g}")

    ax = axes[1]
    ax.plot(sweep, losses, color="tab:purple", label=f"$L = -\\log p_{{{label}}}$")
    ax.plot([z[moved]], [loss], "o", color="black", label=f"now: L = {loss:.3f}")
    ax.set_xlabel(f"logit $z_{{{moved}}}$")
    ax.set_ylabel("cross-entropy loss")
    ax.set_title(f"loss as $z_{{{moved}}}$ moves (label = {label})")
    ax.grid(alpha=0.3)
    ax.legend(loc="upper center", fontsize=9)

    ax = axes[2]
    ax.bar(classes, grad, color=[_CLASS_COLORS[k % 10] for k in classes], alpha=0.8)
    ax.axhline(0, color="black", lw=0.8)
    for k, gk in enumerate(grad):
        ax.text(
            k,
            gk + (0.03 if gk >= 0 else -0.03),
            f"{gk:+.3f}",
            ha="center",
            va="bottom" if gk >= 0 else "top",
            fontsize=9,
        )
    lim = max(1.0, np.abs(grad).max()) * 1.25
    ax.set_ylim(-lim, lim)
    ax.set_xticks(classes, names)
    ax.set_ylabel(r"$\partial L / \partial z_k$")
    ax.set_title("gradient (p - onehot(y)) / T")
    fig.tight_layout()
    return fig


def softmax_explorer(logits: Sequence[float] = (2.0, 1.0, 0.1), label: int = 0, z_range: float = 6.0):
    """Controls around :func:`plot_softmax_logit`: which logit moves, its value, the temperature, the label."""
    import ipywidgets as w

    from course.widgets import interactive

    z = _logits(logits)
    style = {"description_width": "initial"}
    classes = [(f"class {k}", k) for k in range(z.size)]
    return interactive(
        plot_softmax_logit,
        moved=w.Dropdown(options=classes, value=0, description="logit to move", style=style),
        value=w.FloatSlider(
            value=float(z[0]),
            min=-z_range,
            max=z_range,
            step=0.1,
            description="its value z_k",
            continuous_update=False,
            style=style,
        ),
        temperature=w.FloatLogSlider(
            value=1.0,
            base=10,
            min=-1,
            max=1,
            step=0.05,
            description="temperature T",
            continuous_update=False,
            style=style,
        ),
        label=w.Dropdown(options=classes, value=label, description="true label y", style=style),
        logits=tuple(float(v) for v in z),
        z_range=z_range,
    )


def plot_temperature(logits: Sequence[float] = (2.0, 1.0, 0.1), t_min: float = 0.05, t_max: float = 20.0):
    """``softmax(z / T)`` of one example against the temperature T (log axis): one line per class.

    Small T approaches a one-hot vector at the largest logit (argmax), large T the uniform 1/C.
    """
    z = _logits(logits)
    if not 0 < t_min < t_max:
        raise ValueError("need 0 < t_min < t_max")
    ts = np.logspace(np.log10(t_min), np.log10(t_max), 200)
    p = _softmax(z[None, :] / ts[:, None], axis=1)
    fig, ax = plt.subplots(figsize=(6.4, 3.6))
    for k in range(z.size):
        ax.plot(ts, p[:, k], color=_CLASS_COLORS[k % 10], label=f"class {k} (z = {z[k]:g})")
    ax.axhline(1 / z.size, color="gray", ls=":", label=f"uniform 1/C = {1 / z.size:.3f}")
    ax.axvline(1.0, color="black", lw=0.8, ls="--")
    ax.set_xscale("log")
    ax.set_xlabel("temperature T")
    ax.set_ylabel("probability")
    ax.set_ylim(0, 1.02)
    ax.set_title("softmax(z / T): sharper below T = 1, flatter above")
    ax.grid(alpha=0.3, which="both")
    ax.legend(fontsize=9, loc="center left", bbox_to_anchor=(1.01, 0.5))
    fig.tight_layout()
    return fig


# --------------------------------------------------------------------------- CE vs MSE


def ce_and_mse_gradients(z_true: np.ndarray, n_classes: int = 10) -> dict[str, np.ndarray]:
    """Losses and gradients w.r.t. the true class's logit, for logits ``[z_true, 0, ..., 0]``.

    ``z_true`` (K,) values of the true class's logit (the other ``n_classes - 1`` logits are 0).
    Returns a dict of (K,) arrays: ``p_true`` (its probability), ``ce_loss`` (``-log p_true``),
    ``mse_loss`` (``0.5 * ||p - onehot||^2``), ``ce_grad`` and ``mse_grad`` (the derivatives of
    each loss with respect to ``z_true``; the MSE one goes through the softmax Jacobian
    ``diag(p) - p p^T``).
    """
    zt = np.asarray(z_true, dtype=np.float64).reshape(-1)
    z = np.zeros((zt.size, n_classes))
    z[:, 0] = zt
    p = _softmax(z, axis=1)
    t = np.zeros(n_classes)
    t[0] = 1.0
    r = p - t  # dL/dp of the MSE
    mse_grad_all = p * r - p * np.sum(p * r, axis=1, keepdims=True)  # (diag(p) - p p^T) r
    return {
        "p_true": p[:, 0],
        "ce_loss": -_log_softmax(z, axis=1)[:, 0],
        "mse_loss": 0.5 * np.sum(r**2, axis=1),
        "ce_grad": p[:, 0] - 1.0,
        "mse_grad": mse_grad_all[:, 0],
    }


def plot_ce_vs_mse(n_classes: int = 10, z_range: float = 10.0):
    """Cross-entropy against MSE on the probabilities, as the true class's logit moves.

    Logits ``[z_true, 0, ..., 0]`` with ``z_true`` in ``[-z_range, z_range]``. Two axes: both
    losses, and the size of their gradients with respect to ``z_true`` (log scale): the MSE
    gradient vanishes where the model is confidently wrong, the cross-entropy one tends to 1.
    """
    zt = np.linspace(-z_range, z_range, 401)
    d = ce_and_mse_gradients(zt, n_classes)
    fig, axes = plt.subplots(1, 2, figsize=(11.0, 3.6))
    ax = axes[0]
    ax.plot(zt, d["ce_loss"], label="cross-entropy $-\\log p_y$", color="tab:blue")
    ax.plot(zt, d["mse_loss"], label="MSE $\\frac{1}{2}\\|p - e_y\\|^2$", color="tab:red")
    ax.set_xlabel("logit of the true class $z_y$ (others 0)")
    ax.set_ylabel("loss")
    ax.set_title(f"Losses, C = {n_classes}")
    ax.grid(alpha=0.3)
    ax.legend(fontsize=9)
    ax = axes[1]
    ax.plot(zt, np.abs(d["ce_grad"]), label="cross-entropy: $|p_y - 1|$", color="tab:blue")
    ax.plot(zt, np.abs(d["mse_grad"]), label="MSE through the softmax", color="tab:red")
    ax.set_yscale("log")
    ax.set_xlabel("logit of the true class $z_y$ (others 0)")
    ax.set_ylabel(r"$|\partial L / \partial z_y|$")
    ax.set_title("Gradient size: MSE saturates when confidently wrong")
    ax.grid(alpha=0.3, which="both")
    ax.legend(fontsize=9, loc="lower left")
    fig.tight_layout()
    return fig


# --------------------------------------------------------------------------- evaluation figures


def _check_probs(probs, y) -> tuple[np.ndarray, np.ndarray]:
    probs = np.asarray(probs, dtype=np.float64)
    y = np.asarray(y).astype(np.int64)
    if probs.ndim != 2 or y.shape != (probs.shape[0],):
        raise ValueError(f"need probs (N, C) and labels (N,), got {probs.shape} and {y.shape}")
    return probs, y


def calibration_bins(probs, y, n_bins: int = 10) -> dict[str, np.ndarray | float]:
    """Reliability statistics of a classifier's predicted probabilities.

    ``probs`` (N, C), ``y`` (N,). Each example falls in one of ``n_bins`` equal-width bins of
    its confidence (the largest probability). Returns ``edges`` (n_bins + 1,), and per bin
    ``count``, ``confidence`` (mean confidence) and ``accuracy`` (fraction of correct argmax
    predictions), NaN for empty bins; plus ``ece``, the expected calibration error
    ``sum_b count_b / N * |accuracy_b - confidence_b|``.
    """
    probs, y = _check_probs(probs, y)
    if n_bins < 1:
        raise ValueError("n_bins must be positive")
    conf = probs.max(axis=1)
    correct = probs.argmax(axis=1) == y
    edges = np.linspace(0.0, 1.0, n_bins + 1)
    idx = np.clip(np.digitize(conf, edges[1:-1], right=True), 0, n_bins - 1)
    count = np.bincount(idx, minlength=n_bins).astype(np.float64)
    with np.errstate(invalid="ignore", divide="ignore"):
        confidence = np.bincount(idx, weights=conf, minlength=n_bins) / count
        accuracy = np.bincount(idx, weights=correct.astype(np.float64), minlength=n_bins) / count
    filled = count > 0
    ece = float(np.sum(count[filled] / len(y) * np.abs(accuracy[filled] - confidence[filled])))
    return {"edges": edges, "count": count, "confidence": confidence, "accuracy": accuracy, "ece": ece}


def plot_reliability(probs, y, n_bins: int = 10, title: str = "Reliability diagram"):
    """Reliability diagram: accuracy against confidence per bin, with the diagonal and a histogram.

    ``probs`` (N, C), ``y`` (N,). Two axes: bars of each bin's accuracy (their gap to the
    diagonal is the miscalibration; bars below it mean over-confidence), and the number of
    examples per bin (log scale). The title reports the expected calibration error.
    """
    stats = calibration_bins(probs, y, n_bins)
    edges = stats["edges"]
    centers = 0.5 * (edges[:-1] + edges[1:])
    width = edges[1] - edges[0]
    filled = stats["count"] > 0
    fig, (ax, axh) = plt.subplots(
        2, 1, figsize=(5.2, 5.6), sharex=True, gridspec_kw={"height_ratios": [3, 1]}
    )
    ax.plot([0, 1], [0, 1], ls="--", color="gray", label="perfect calibration")
    ax.bar(
        centers[filled],
        stats["accuracy"][filled],
        width=width * 0.95,
        color="tab:blue",
        alpha=0.75,
        edgecolor="black",
        label="accuracy in bin",
    )
    ax.plot(
        stats["confidence"][filled],
        stats["accuracy"][filled],
        "o",
        color="tab:red",
        ms=4,
        label="(mean confidence, accuracy)",
    )
    ax.set_ylabel("accuracy")
    ax.set_ylim(0, 1.02)
    ax.set_xlim(0, 1)
    ax.set_title(f"{title}\nECE = {stats['ece']:.4f} ({int(stats['count'].sum())} examples)")
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8, loc="upper left")
    axh.bar(centers, np.maximum(stats["count"], 0), width=width * 0.95, color="tab:gray")
    axh.set_yscale("symlog", linthresh=1)
    axh.set_xlabel("confidence (largest predicted probability)")
    axh.set_ylabel("examples")
    axh.set_title("examples per confidence bin", fontsize=9)
    axh.grid(alpha=0.3)
    fig.tight_layout()
    return fig


def plot_confusion_matrix(y_true, y_pred, n_classes: int = 10, title: str = "Confusion matrix"):
    """Counts of (true class, predicted class) pairs as an annotated image.

    ``y_true``, ``y_pred`` (N,) integers in ``0..n_classes-1``. Rows are true classes,
    columns predicted ones; the diagonal holds the correct predictions.
    """
    y_true = np.asarray(y_true).astype(np.int64).reshape(-1)
    y_pred = np.asarray(y_pred).astype(np.int64).reshape(-1)
    if y_true.shape != y_pred.shape:
        raise ValueError(f"{y_true.shape[0]} labels for {y_pred.shape[0]} predictions")
    cm = np.zeros((n_classes, n_classes), dtype=np.int64)
    np.add.at(cm, (y_true, y_pred), 1)
    fig, ax = plt.subplots(figsize=(5.6, 4.8))
    im = ax.imshow(cm, cmap="Blues")
    fig.colorbar(im, ax=ax, fraction=0.046, pad=0.04, label="examples")
    thresh = cm.max() / 2 if cm.max() else 1
    for i in range(n_classes):
        for j in range(n_classes):
            if cm[i, j]:
                ax.text(
                    j,
                    i,
                    str(cm[i, j]),
                    ha="center",
                    va="center",
                    fontsize=8,
                    color="white" if cm[i, j] > thresh else "black",
                )
    ax.set_xticks(range(n_classes))
    ax.set_yticks(range(n_classes))
    ax.set_xlabel("predicted class")
    ax.set_ylabel("true class")
    acc = float(np.trace(cm)) / max(1, cm.sum())
    ax.set_title(f"{title} (accuracy {acc:.3f})")
    fig.tight_layout()
    return fig


def plot_misclassified(X, y_true, y_pred, probs=None, n: int = 10, title: str = "Misclassified digits"):
    """Up to ``n`` misclassified 8x8 digits with their true and predicted class.

    ``X`` (N, 64) or (N, 1, 8, 8) pixels, ``y_true``, ``y_pred`` (N,); ``probs`` (N, C)
    optional, to show the probability given to the wrong prediction. The most confident
    mistakes come first when ``probs`` is given.
    """
    X = np.asarray(X, dtype=np.float64).reshape(len(y_true), 8, 8)
    y_true = np.asarray(y_true).astype(np.int64)
    y_pred = np.asarray(y_pred).astype(np.int64)
    wrong = np.flatnonzero(y_true != y_pred)
    if probs is not None:
        probs = np.asarray(probs, dtype=np.float64)
        wrong = wrong[np.argsort(-probs[wrong, y_pred[wrong]], kind="stable")]
    wrong = wrong[:n]
    cols = max(1, min(5, len(wrong)))
    rows = max(1, int(np.ceil(len(wrong) / cols)))
    fig, axes = plt.subplots(rows, cols, figsize=(2.0 * cols, 2.3 * rows + 0.4), squeeze=False)
    for ax in axes.flat:
        ax.axis("off")
    if len(wrong) == 0:
        axes[0, 0].text(0.5, 0.5, "no mistakes", ha="center", va="center")
    for ax, i in zip(axes.flat, wrong):
        ax.imshow(X[i], cmap="gray_r", vmin=0, vmax=1)
        extra = f"\np = {probs[i, y_pred[i]]:.2f}" if probs is not None else ""
        ax.set_title(f"true {y_true[i]}, pred {y_pred[i]}{extra}", fontsize=9)
    fig.suptitle(f"{title}: {len(np.flatnonzero(y_true != y_pred))} of {len(y_true)}")
    fig.tight_layout()
    return fig


def plot_weight_templates(W, title: str = "Weights of the linear classifier, one 8x8 template per class"):
    """The columns of a linear classifier's ``W`` (64, C) as 8x8 images, one per class.

    Red pixels raise the class's score, blue ones lower it (a shared symmetric colour scale).
    """
    W = np.asarray(W, dtype=np.float64)
    if W.ndim != 2 or W.shape[0] != 64:
        raise ValueError(f"need W of shape (64, C), got {W.shape}")
    C = W.shape[1]
    cols = min(C, 5)
    rows = int(np.ceil(C / cols))
    lim = float(np.abs(W).max()) or 1.0
    fig, axes = plt.subplots(rows, cols, figsize=(1.9 * cols + 0.8, 2.0 * rows + 0.5), squeeze=False)
    im = None
    for k, ax in enumerate(axes.flat):
        ax.axis("off")
        if k < C:
            im = ax.imshow(W[:, k].reshape(8, 8), cmap="RdBu_r", vmin=-lim, vmax=lim)
            ax.set_title(f"class {k}", fontsize=9)
    fig.suptitle(title)
    fig.colorbar(im, ax=axes.ravel().tolist(), fraction=0.025, pad=0.02, label="weight")
    return fig

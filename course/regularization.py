"""Chapter 04 (regularisation): data, small experiments and figures for the lecture.

Nothing here is a reference solution of the chapter's graded functions (dropout, batch norm and
layer norm in NumPy, ``BatchNormFunction``/``LayerNormFunction``): the models that the lecture
trains are PyTorch's own layers (``torch.nn.functional.dropout``, autograd), and the batch
statistics figures only take means and standard deviations of mini-batches.

* Over- and underfitting: :func:`polynomial_errors` and :func:`plot_polynomial_capacity` (the
  textbook U-curve), :func:`train_mlp` (a seeded ReLU MLP on the digits, with dropout, L2 weight
  decay, label noise and augmentation as options), :func:`error_curves` and
  :func:`plot_error_curves` (error against model size and against training-set size).
* Regularisers against the train/validation gap: :func:`plot_regularization_gap` and its
  explorer :func:`regularization_explorer`; :func:`plot_early_stopping`.
* Batch statistics: :func:`digit_feature`, :func:`batch_noise` and :func:`plot_batch_noise`
  (how noisy a mini-batch's mean and standard deviation are), :func:`batch_noise_explorer`.
* Normalisation axes: :func:`plot_norm_axes` (batch, layer and instance norm on an (N, C, H, W)
  block).
* Augmentation (NumPy only): :func:`shift_digits`, :func:`rotate_digits`,
  :func:`augment_digits`, :func:`plot_augmented_digits`, :func:`augmentation_experiment`.

Digit images are (N, 64) rows as ``course.data.load_digits`` returns them, or (N, 8, 8), or
(N, 1, 8, 8); the augmentation functions return the shape they were given.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping, Sequence
from contextlib import contextmanager

import matplotlib.pyplot as plt
import numpy as np

from course.data import Split, load_digits

__all__ = [
    "augment_digits",
    "augmentation_experiment",
    "batch_noise",
    "batch_noise_explorer",
    "digit_feature",
    "error_curves",
    "make_curve_data",
    "noisy_labels",
    "plot_augmented_digits",
    "plot_batch_noise",
    "plot_early_stopping",
    "plot_error_curves",
    "plot_norm_axes",
    "plot_polynomial_capacity",
    "plot_regularization_gap",
    "plot_training_comparison",
    "polynomial_errors",
    "regularization_explorer",
    "rotate_digits",
    "shift_digits",
    "train_deep_mlp",
    "train_mlp",
]

_STYLE = {"description_width": "initial"}
WEIGHT_DECAYS = (0.0, 1e-4, 3e-4, 1e-3, 3e-3, 1e-2, 3e-2, 1e-1)
BATCH_SIZES = (2, 4, 8, 16, 32, 64, 128, 256, 512)


# --------------------------------------------------------------------------- polynomial capacity


def make_curve_data(n: int, noise: float = 0.25, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """``n`` noisy samples of y = sin(pi x) on x ~ U[-1, 1]: ``(x (n,), y (n,))``, seeded."""
    rng = np.random.default_rng(seed)
    x = rng.uniform(-1.0, 1.0, n)
    return x, np.sin(np.pi * x) + noise * rng.standard_normal(n)


def _poly_fit(x: np.ndarray, y: np.ndarray, degree: int) -> np.ndarray:
    """Least-squares coefficients of a Legendre series (well conditioned on [-1, 1])."""
    V = np.polynomial.legendre.legvander(x, degree)
    return np.linalg.lstsq(V, y, rcond=None)[0]


def polynomial_errors(
    degrees: Sequence[int], n_train: int = 15, n_val: int = 500, noise: float = 0.25, seed: int = 0
) -> dict[str, np.ndarray]:
    """Train and validation mean squared error of least-squares polynomials of each degree.

    Returns ``{"degree", "train", "val"}``, arrays of ``len(degrees)``; the training set has
    ``n_train`` points (seed ``seed``), the validation set ``n_val`` (seed ``seed + 1``).
    """
    xt, yt = make_curve_data(n_train, noise, seed)
    xv, yv = make_curve_data(n_val, noise, seed + 1)
    train, val = [], []
    for d in degrees:
        c = _poly_fit(xt, yt, int(d))
        train.append(np.mean((np.polynomial.legendre.legval(xt, c) - yt) ** 2))
        val.append(np.mean((np.polynomial.legendre.legval(xv, c) - yv) ** 2))
    return {"degree": np.asarray(degrees), "train": np.asarray(train), "val": np.asarray(val)}


def plot_polynomial_capacity(
    shown: Sequence[int] = (1, 3, 12),
    max_degree: int = 12,
    n_train: int = 15,
    noise: float = 0.25,
    seed: int = 0,
):
    """Left: the fits of three degrees to ``n_train`` noisy points of sin(pi x). Right: train and
    validation MSE against the degree (log y), the textbook picture of under- and overfitting."""
    xt, yt = make_curve_data(n_train, noise, seed)
    grid = np.linspace(-1, 1, 400)
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(11, 3.8))
    ax1.plot(grid, np.sin(np.pi * grid), color="black", lw=1, ls=":", label="truth sin(πx)")
    for d, color in zip(shown, ("tab:blue", "tab:green", "tab:red", "tab:purple")):
        c = _poly_fit(xt, yt, int(d))
        ax1.plot(grid, np.polynomial.legendre.legval(grid, c), color=color, label=f"degree {d}")
    ax1.scatter(xt, yt, color="black", s=18, zorder=3, label=f"{n_train} training points")
    ax1.set_ylim(-2.0, 2.0)
    ax1.set_xlabel("x")
    ax1.set_ylabel("y")
    ax1.set_title("Least-squares polynomials")
    ax1.legend(loc="lower right", fontsize=8)
    ax1.grid(alpha=0.3)
    res = polynomial_errors(range(max_degree + 1), n_train=n_train, noise=noise, seed=seed)
    ax2.semilogy(res["degree"], res["train"], "o-", label="training MSE")
    ax2.semilogy(res["degree"], res["val"], "s--", label="validation MSE")
    ax2.axhline(noise**2, color="gray", lw=1, ls=":", label=f"noise variance {noise**2:g}")
    best = int(res["degree"][np.argmin(res["val"])])
    ax2.axvline(best, color="tab:green", lw=1, alpha=0.6)
    ax2.set_xlabel("polynomial degree (model capacity)")
    ax2.set_ylabel("mean squared error")
    ax2.set_title(f"Under- and overfitting (best validation: degree {best})")
    ax2.legend(loc="upper center", fontsize=8)
    ax2.grid(alpha=0.3)
    fig.tight_layout()
    return fig


# --------------------------------------------------------------------------- small MLPs on the digits


@contextmanager
def _one_thread():
    """Run tiny PyTorch models on one thread (faster than several on a shared machine), then restore."""
    import torch

    n = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        yield torch
    finally:
        torch.set_num_threads(n)


def noisy_labels(y: np.ndarray, fraction: float, seed: int = 0) -> np.ndarray:
    """A copy of ``y`` with a ``fraction`` of the entries replaced by uniformly random classes (0..9)."""
    rng = np.random.default_rng(seed)
    y = np.array(y, copy=True)
    flip = rng.random(len(y)) < fraction
    y[flip] = rng.integers(0, 10, int(flip.sum()))
    return y


@functools.lru_cache(maxsize=1)
def _digits(seed: int = 0) -> tuple[Split, Split]:
    return load_digits(seed=seed)


def train_mlp(
    n_train: int = 300,
    hidden: Sequence[int] = (256, 256),
    dropout: float = 0.0,
    weight_decay: float = 0.0,
    epochs: int = 100,
    label_noise: float = 0.0,
    augment: Callable[[np.ndarray, np.random.Generator], np.ndarray] | None = None,
    lr: float = 0.05,
    batch_size: int = 50,
    seed: int = 0,
    eval_sets: Mapping[str, tuple[np.ndarray, np.ndarray]] | None = None,
    mc_samples: Sequence[int] = (),
) -> dict[str, list[float]]:
    """Train a ReLU MLP (PyTorch, CPU, float32) on the first ``n_train`` digits of the training split.

    Architecture: 64 - ``hidden`` - 10, He-initialised, ``torch.nn.functional.dropout`` with
    drop probability ``dropout`` after every hidden ReLU. Loss: softmax cross-entropy plus
    ``weight_decay / 2`` times the sum of squared weights (biases excluded), minimised by SGD with
    momentum 0.9, learning rate ``lr``, mini-batches of ``batch_size``. ``label_noise`` replaces
    that fraction of the training labels by random classes (validation labels stay clean).
    ``augment(X, rng)`` (optional) transforms the training inputs afresh every epoch.

    Returns the history, one value per epoch: ``"train loss"``, ``"val loss"`` (cross-entropy,
    without the penalty, in evaluation mode), ``"train error"``, ``"val error"`` (1 - accuracy;
    train against the labels it was trained on), plus ``"<name> error"`` for each of ``eval_sets``
    (name -> (X, y)). Everything is seeded by ``seed``; the global RNGs are left as they were.
    Results are cached for the session: the same arguments train once (widgets redraw often).

    ``mc_samples`` (dropout as an ensemble): after training, for each K in it, the validation
    error of the average of the softmax outputs of K thinned networks (K dropout masks, training
    mode), under ``"mc val error"`` (one value per K), and under ``"mc agreement"`` the fraction
    of validation examples where that average predicts the class of the deterministic test-time
    network.
    """
    key = (
        int(n_train),
        tuple(int(h) for h in hidden),
        float(dropout),
        float(weight_decay),
        int(epochs),
        float(label_noise),
        augment,
        float(lr),
        int(batch_size),
        int(seed),
        _Frozen(eval_sets or {}),
        tuple(int(k) for k in mc_samples),
    )
    return {k: list(v) for k, v in _train_cached(*key)}


@functools.lru_cache(maxsize=64)
def _train_cached(*key) -> tuple[tuple[str, tuple[float, ...]], ...]:
    return tuple((k, tuple(v)) for k, v in _train_mlp(*key).items())


def _train_mlp(
    n_train: int = 300,
    hidden: Sequence[int] = (256, 256),
    dropout: float = 0.0,
    weight_decay: float = 0.0,
    epochs: int = 100,
    label_noise: float = 0.0,
    augment: Callable[[np.ndarray, np.random.Generator], np.ndarray] | None = None,
    lr: float = 0.05,
    batch_size: int = 50,
    seed: int = 0,
    eval_sets: Mapping[str, tuple[np.ndarray, np.ndarray]] | None = None,
    mc_samples: Sequence[int] = (),
) -> dict[str, list[float]]:
    """The training behind :func:`train_mlp` (uncached)."""
    import torch.nn.functional as F

    train, val = _digits()
    X_np, y_np = train.X[:n_train], train.y[:n_train]
    if label_noise > 0:
        y_np = noisy_labels(y_np, label_noise, seed + 100)
    history: dict[str, list[float]] = {"train loss": [], "val loss": [], "train error": [], "val error": []}
    extra = dict(eval_sets or {})
    for name in extra:
        history[f"{name} error"] = []
    with _one_thread() as torch, torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        g = torch.Generator().manual_seed(seed)
        dims = [X_np.shape[1], *hidden, 10]
        Ws = [
            (torch.randn(a, b, generator=g) * np.sqrt(2.0 / a)).requires_grad_()
            for a, b in zip(dims, dims[1:])
        ]
        bs = [torch.zeros(b, requires_grad=True) for b in dims[1:]]
        opt = torch.optim.SGD(Ws + bs, lr=lr, momentum=0.9)

        def forward(X, train_mode):
            h = X
            for W, b in zip(Ws[:-1], bs[:-1]):
                h = torch.relu(h @ W + b)
                if dropout > 0:
                    h = F.dropout(h, dropout, train_mode)
            return h @ Ws[-1] + bs[-1]

        X, y = torch.tensor(X_np, dtype=torch.float32), torch.tensor(y_np)
        Xv, yv = torch.tensor(val.X, dtype=torch.float32), torch.tensor(val.y)
        extra_t = {k: (torch.tensor(a, dtype=torch.float32), torch.tensor(b)) for k, (a, b) in extra.items()}
        rng = np.random.default_rng(seed)
        for _ in range(epochs):
            X_epoch = X if augment is None else torch.tensor(augment(X_np, rng), dtype=torch.float32)
            perm = rng.permutation(len(y_np))
            for start in range(0, len(perm), batch_size):
                idx = torch.as_tensor(perm[start : start + batch_size])
                loss = F.cross_entropy(forward(X_epoch[idx], True), y[idx])
                if weight_decay > 0:
                    loss = loss + 0.5 * weight_decay * sum((W * W).sum() for W in Ws)
                opt.zero_grad()
                loss.backward()
                opt.step()
            with torch.no_grad():
                for split, (A, b) in (("train", (X, y)), ("val", (Xv, yv))):
                    s = forward(A, False)
                    history[f"{split} loss"].append(F.cross_entropy(s, b).item())
                    history[f"{split} error"].append(1.0 - (s.argmax(1) == b).float().mean().item())
                for k, (A, b) in extra_t.items():
                    history[f"{k} error"].append(
                        1.0 - (forward(A, False).argmax(1) == b).float().mean().item()
                    )
        if mc_samples:
            history["mc val error"], history["mc agreement"] = [], []
            with torch.no_grad():
                deterministic = forward(Xv, False).argmax(1)
                for k in mc_samples:
                    probs = sum(torch.softmax(forward(Xv, True), dim=1) for _ in range(int(k))) / int(k)
                    history["mc val error"].append(1.0 - (probs.argmax(1) == yv).float().mean().item())
                    history["mc agreement"].append((probs.argmax(1) == deterministic).float().mean().item())
    return history


def error_curves(
    widths: Sequence[int] = (2, 4, 8, 16, 64, 256),
    sizes: Sequence[int] = (50, 100, 200, 400, 800, 1400),
    n_train: int = 100,
    width: int = 64,
    epochs: int = 60,
    seed: int = 0,
) -> dict[str, dict[str, np.ndarray]]:
    """Final train and validation error of one-hidden-layer MLPs (:func:`train_mlp`).

    ``"width"``: against the hidden width, trained on ``n_train`` examples; ``"size"``: against the
    number of training examples, at hidden width ``width``. Each maps ``"x"``, ``"train"``, ``"val"``
    to arrays.
    """
    out = {}
    for key, xs, make in (
        ("width", widths, lambda v: {"n_train": n_train, "hidden": (int(v),)}),
        ("size", sizes, lambda v: {"n_train": int(v), "hidden": (width,)}),
    ):
        tr, va = [], []
        for v in xs:
            h = train_mlp(epochs=epochs, seed=seed, **make(v))
            tr.append(h["train error"][-1])
            va.append(h["val error"][-1])
        out[key] = {"x": np.asarray(xs), "train": np.asarray(tr), "val": np.asarray(va)}
    return out


def plot_error_curves(curves: Mapping[str, Mapping[str, np.ndarray]], n_train: int = 100, width: int = 64):
    """Two panels from :func:`error_curves`: error against hidden width and against training-set size (log x)."""
    fig, axes = plt.subplots(1, 2, figsize=(11, 3.8))
    titles = {
        "width": (f"Model size ({n_train} training examples)", "hidden units (log scale)"),
        "size": (f"Training-set size (width {width})", "training examples (log scale)"),
    }
    for ax, key in zip(axes, ("width", "size")):
        c = curves[key]
        ax.semilogx(c["x"], c["train"], "o-", label="training error")
        ax.semilogx(c["x"], c["val"], "s--", label="validation error")
        ax.fill_between(c["x"], c["train"], c["val"], color="tab:orange", alpha=0.12, label="gap")
        ax.set_title(titles[key][0])
        ax.set_xlabel(titles[key][1])
        ax.set_ylabel("error (1 - accuracy)")
        ax.set_ylim(-0.02, max(0.8, float(np.max(c["val"])) + 0.05))
        ax.grid(alpha=0.3)
        ax.legend(loc="upper right", fontsize=8)
    fig.tight_layout()
    return fig


def plot_regularization_gap(
    dropout: float = 0.5,
    weight_decay: float = 0.0,
    n_train: int = 300,
    label_noise: float = 0.25,
    epochs: int = 100,
    seed: int = 0,
):
    """An unregularised MLP (two hidden layers of 256) against the same one with ``dropout`` and
    L2 ``weight_decay``, trained on ``n_train`` digits with ``label_noise`` of the labels randomised.

    Left: training and validation error per epoch of both. Right: validation loss of both, with
    the epoch of its minimum (where early stopping would stop). The title gives the final gap
    (validation error - training error) of each.
    """
    common = {"n_train": n_train, "label_noise": label_noise, "epochs": epochs, "seed": seed}
    base = train_mlp(**common)
    reg = train_mlp(dropout=float(dropout), weight_decay=float(weight_decay), **common)
    ep = np.arange(1, epochs + 1)
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(11.5, 4.0))
    label = f"dropout p={dropout:g}, weight decay {weight_decay:g}"
    for h, name, color in ((base, "no regularisation", "tab:red"), (reg, label, "tab:blue")):
        ax1.plot(ep, h["train error"], color=color, lw=1.2, label=f"train, {name}")
        ax1.plot(ep, h["val error"], color=color, lw=1.8, ls="--", label=f"validation, {name}")
        best = int(np.argmin(h["val loss"]))
        ax2.plot(ep, h["val loss"], color=color, lw=1.8, ls="--", label=f"validation, {name}")
        ax2.plot(ep, h["train loss"], color=color, lw=1.0, alpha=0.6, label=f"train, {name}")
        ax2.axvline(best + 1, color=color, lw=1, ls=":")
        ax2.plot([best + 1], [h["val loss"][best]], "o", color=color)
    gaps = [h["val error"][-1] - h["train error"][-1] for h in (base, reg)]
    ax1.set_title(f"Gap at the end: {gaps[0]:.3f} (none) vs {gaps[1]:.3f} (regularised)")
    ax1.set_xlabel("epoch")
    ax1.set_ylabel("error (1 - accuracy)")
    ax1.set_ylim(-0.02, 0.9)
    ax1.legend(loc="upper right", fontsize=7)
    ax1.grid(alpha=0.3)
    ax2.set_title("Cross-entropy; dots: where early stopping would stop")
    ax2.set_xlabel("epoch")
    ax2.set_ylabel("loss")
    ax2.set_ylim(0, 2.5)
    ax2.legend(loc="upper right", fontsize=7)
    ax2.grid(alpha=0.3)
    fig.suptitle(f"{n_train} training digits, {label_noise:.0%} of their labels randomised", fontsize=10)
    fig.tight_layout()
    return fig


def regularization_explorer(n_train: int = 300, label_noise: float = 0.25, epochs: int = 100, seed: int = 0):
    """Dropout rate and weight decay controls around :func:`plot_regularization_gap` (each setting
    trains once, a second or two; repeated settings come from a cache)."""
    import ipywidgets as w

    from course.widgets import interactive

    return interactive(
        plot_regularization_gap,
        dropout=w.FloatSlider(
            value=0.5,
            min=0.0,
            max=0.8,
            step=0.1,
            description="dropout p (drop)",
            continuous_update=False,
            style=_STYLE,
        ),
        weight_decay=w.SelectionSlider(
            options=list(WEIGHT_DECAYS),
            value=0.0,
            description="weight decay λ",
            continuous_update=False,
            style=_STYLE,
        ),
        n_train=n_train,
        label_noise=label_noise,
        epochs=epochs,
        seed=seed,
    )


def plot_early_stopping(
    history: Mapping[str, Sequence[float]], patience: int = 10, title: str = "Early stopping"
):
    """Training and validation loss of one run, the epoch of the lowest validation loss (the weights
    early stopping keeps) and the epoch at which a rule with ``patience`` epochs would stop."""
    val = np.asarray(history["val loss"], dtype=float)
    train = np.asarray(history["train loss"], dtype=float)
    ep = np.arange(1, len(val) + 1)
    best = int(np.argmin(val))
    stop = _patience_stop(val, patience)
    fig, ax = plt.subplots(figsize=(7.5, 3.8))
    ax.plot(ep, train, label="training loss")
    ax.plot(ep, val, "--", label="validation loss")
    ax.axvline(best + 1, color="tab:green", lw=1.2, label=f"lowest validation loss (epoch {best + 1})")
    ax.axvline(
        stop + 1, color="tab:gray", lw=1.2, ls=":", label=f"stop with patience {patience} (epoch {stop + 1})"
    )
    ax.set_xlabel("epoch")
    ax.set_ylabel("cross-entropy")
    ax.set_title(title)
    ax.set_ylim(0, max(2.5, float(np.nanmax(val[: max(3, len(val) // 10)]))))
    ax.legend(loc="upper right", fontsize=8)
    ax.grid(alpha=0.3)
    fig.tight_layout()
    return fig


def _patience_stop(val: np.ndarray, patience: int) -> int:
    """The epoch index at which 'stop after ``patience`` epochs without a new best' stops."""
    best, since = np.inf, 0
    for i, v in enumerate(val):
        if v < best:
            best, since = v, 0
        else:
            since += 1
            if since >= patience:
                return i
    return len(val) - 1


def train_deep_mlp(
    batchnorm: bool = False,
    lr: float = 0.1,
    noise: float = 0.0,
    epochs: int = 4,
    depth: int = 5,
    width: int = 100,
    weight_scale: float = 0.05,
    batch_size: int = 32,
    seed: int = 0,
) -> dict[str, list[float]]:
    """A deeper ReLU MLP on the whole digits training split (PyTorch's own ``F.batch_norm``).

    ``depth`` hidden layers of ``width`` units, weights ``weight_scale`` * N(0, 1), plain SGD with
    learning rate ``lr``. With ``batchnorm``, each hidden pre-activation goes through batch norm
    (running statistics for evaluation, PyTorch's momentum 0.1). ``noise > 0`` repeats the
    experiment of Santurkar et al. (2018): after every batch norm, at every step, each unit is
    scaled by 1 + ``noise`` * N(0, 1) and shifted by ``noise`` * N(0, 1), fresh each step, so the
    next layer's input distribution keeps moving ("internal covariate shift" put back on purpose);
    evaluation runs without the noise. Returns ``{"train loss", "val accuracy"}`` per epoch
    (NaN losses stop the run early, the rest filled with NaN). Seeded; global RNGs untouched.
    """
    import torch.nn.functional as F

    train, val = _digits()
    history: dict[str, list[float]] = {"train loss": [], "val accuracy": []}
    with _one_thread() as torch, torch.random.fork_rng(devices=[]):
        g = torch.Generator().manual_seed(seed)
        dims = [train.X.shape[1]] + [width] * depth + [10]
        Ws = [
            (weight_scale * torch.randn(a, b, generator=g)).requires_grad_() for a, b in zip(dims, dims[1:])
        ]
        bs = [torch.zeros(b, requires_grad=True) for b in dims[1:]]
        gammas = [torch.ones(width, requires_grad=True) for _ in range(depth)]
        betas = [torch.zeros(width, requires_grad=True) for _ in range(depth)]
        stats = [(torch.zeros(width), torch.ones(width)) for _ in range(depth)]
        params = Ws + bs + (gammas + betas if batchnorm else [])
        opt = torch.optim.SGD(params, lr=lr)

        def forward(X, train_mode):
            h = X
            for l in range(depth):
                z = h @ Ws[l] + bs[l]
                if batchnorm:
                    rm, rv = stats[l]
                    z = F.batch_norm(z, rm, rv, gammas[l], betas[l], training=train_mode, momentum=0.1)
                    if noise > 0 and train_mode:
                        scale = 1 + noise * torch.randn(width, generator=g)
                        z = z * scale + noise * torch.randn(width, generator=g)
                h = torch.relu(z)
            return h @ Ws[-1] + bs[-1]

        X, y = torch.tensor(train.X, dtype=torch.float32), torch.tensor(train.y)
        Xv, yv = torch.tensor(val.X, dtype=torch.float32), torch.tensor(val.y)
        rng = np.random.default_rng(seed)
        for _ in range(epochs):
            losses = []
            perm = rng.permutation(len(y))
            for start in range(0, len(perm), batch_size):
                idx = torch.as_tensor(perm[start : start + batch_size])
                loss = F.cross_entropy(forward(X[idx], True), y[idx])
                opt.zero_grad()
                loss.backward()
                opt.step()
                losses.append(loss.item())
            mean = float(np.mean(losses))
            if not np.isfinite(mean):
                break
            history["train loss"].append(mean)
            with torch.no_grad():
                history["val accuracy"].append((forward(Xv, False).argmax(1) == yv).float().mean().item())
    missing = epochs - len(history["train loss"])
    for v in history.values():
        v.extend([float("nan")] * missing)
    return history


def plot_training_comparison(
    histories: Mapping[str, Mapping[str, Sequence[float]]],
    title: str = "Training with and without regularisation",
    metrics: Sequence[str] = ("train loss", "val accuracy"),
):
    """One panel per metric (default: training loss and validation accuracy), one line per model.

    ``histories`` maps a model's name to its history (``course.train.fit``'s dict: metric ->
    one value per epoch). Losses are drawn on a log scale.
    """
    if not histories:
        raise ValueError("plot_training_comparison needs at least one history")
    fig, axes = plt.subplots(1, len(metrics), figsize=(5.6 * len(metrics), 3.8), squeeze=False)
    for ax, metric in zip(axes[0], metrics):
        for (name, h), ls in zip(histories.items(), ("-", "--", "-.", ":", "-", "--")):
            values = np.asarray(h[metric], dtype=float)
            ax.plot(np.arange(1, len(values) + 1), values, ls, lw=1.8, label=name)
        if "loss" in metric:
            ax.set_yscale("log")
        ax.set_xlabel("epoch")
        ax.set_ylabel(metric)
        ax.set_title(metric)
        ax.grid(alpha=0.3, which="both")
        ax.legend(loc="best", fontsize=8)
    fig.suptitle(title, fontsize=11)
    fig.tight_layout()
    return fig


# --------------------------------------------------------------------------- batch statistics


def digit_feature(seed: int = 0) -> np.ndarray:
    """One hidden pre-activation over the whole digits training split: ``X @ w`` for a seeded random
    ``w`` (64,) with He scale. Returns (N,), a skewed, realistic distribution to normalise."""
    train, _ = _digits()
    w = np.random.default_rng(seed).standard_normal(train.X.shape[1]) * np.sqrt(2.0 / train.X.shape[1])
    return train.X @ w


def batch_noise(
    values: np.ndarray, batch_size: int, n_batches: int = 2000, index: int = 0, seed: int = 0
) -> dict:
    """Mini-batch statistics of a 1-D array ``values`` (the "population").

    Draws ``n_batches`` batches of ``batch_size`` that all contain ``values[index]`` (the other
    members without replacement). Returns ``{"mean", "std"}`` (n_batches,) batch means and biased
    standard deviations, ``"xhat"`` (n_batches,) the normalised value of ``values[index]`` in
    each batch, and the population's ``"pop_mean"``, ``"pop_std"``, ``"pop_xhat"``.
    """
    if batch_size < 2:
        raise ValueError(f"batch_size must be at least 2, got {batch_size}")
    values = np.asarray(values, dtype=float)
    rng = np.random.default_rng(seed)
    others = np.delete(np.arange(len(values)), index)
    idx = np.stack([rng.choice(others, batch_size - 1, replace=False) for _ in range(n_batches)])
    batch = np.concatenate([np.full((n_batches, 1), values[index]), values[idx]], axis=1)
    mean, std = batch.mean(axis=1), batch.std(axis=1)
    mu, sd = values.mean(), values.std()
    return {
        "mean": mean,
        "std": std,
        "xhat": (values[index] - mean) / np.sqrt(std**2 + 1e-5),
        "pop_mean": mu,
        "pop_std": sd,
        "pop_xhat": (values[index] - mu) / np.sqrt(sd**2 + 1e-5),
    }


def plot_batch_noise(batch_size: int = 16, n_batches: int = 2000, seed: int = 0):
    """How much batch norm's statistics move from batch to batch, for one hidden unit on the digits.

    Left: histogram of the normalised value x̂ of one fixed example over ``n_batches`` random
    batches of ``batch_size`` that contain it, with its value under the population statistics.
    Right: the spread (standard deviation over batches) of the batch mean, the batch standard
    deviation and that x̂, against the batch size (log-log), with the 1/sqrt(B) slope for reference.
    """
    values = digit_feature(seed)
    index = int(np.argmax(values))  # an example far from the mean: its x̂ moves the most
    res = batch_noise(values, batch_size, n_batches, index, seed)
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(11, 3.8))
    ax1.hist(
        res["xhat"], bins=40, color="tab:blue", alpha=0.7, label=f"x̂ in {n_batches} batches of {batch_size}"
    )
    ax1.axvline(res["pop_xhat"], color="black", lw=1.5, label=f"population x̂ = {res['pop_xhat']:.2f}")
    ax1.set_title(f"One example normalised by its batch (B = {batch_size})")
    ax1.set_xlabel("x̂ = (x - batch mean) / batch std")
    ax1.set_ylabel("batches")
    ax1.legend(loc="upper left", fontsize=8)
    ax1.grid(alpha=0.3)
    sizes = [b for b in BATCH_SIZES if 4 <= b <= len(values) // 2]  # (B = 2 gives x̂ = ±1 always)
    spread = {"batch mean": [], "batch std": [], "x̂ of the example": []}
    for b in sizes:
        r = batch_noise(values, b, 400, index, seed)
        spread["batch mean"].append(r["mean"].std() / r["pop_std"])
        spread["batch std"].append(r["std"].std() / r["pop_std"])
        spread["x̂ of the example"].append(r["xhat"].std())
    for (name, s), marker in zip(spread.items(), "osd"):
        ax2.loglog(sizes, s, marker + "-", label=name)
    ref = np.asarray(sizes, dtype=float)
    ax2.loglog(ref, 1.0 / np.sqrt(ref), color="gray", ls=":", label="1/sqrt(B)")
    ax2.axvline(batch_size, color="black", lw=1, alpha=0.5)
    ax2.set_title("Spread over batches against batch size")
    ax2.set_xlabel("batch size B")
    ax2.set_ylabel("std over batches (mean, std: / population std)")
    ax2.legend(loc="lower left", fontsize=8)
    ax2.grid(alpha=0.3, which="both")
    fig.tight_layout()
    return fig


def batch_noise_explorer(n_batches: int = 2000, seed: int = 0):
    """A batch-size control around :func:`plot_batch_noise`."""
    import ipywidgets as w

    from course.widgets import interactive

    return interactive(
        plot_batch_noise,
        batch_size=w.SelectionSlider(
            options=list(BATCH_SIZES[:-1]),
            value=16,
            description="batch size B",
            continuous_update=False,
            style=_STYLE,
        ),
        n_batches=n_batches,
        seed=seed,
    )


# --------------------------------------------------------------------------- normalisation axes

NORM_AXES = {
    "batch norm": "one channel:\nall examples, all positions",
    "layer norm": "one example:\nall channels, all positions",
    "instance norm": "one example, one channel:\nall positions",
}


def plot_norm_axes(n: int = 4, c: int = 5, hw: int = 6):
    """Three (N, C, H·W) blocks; the shaded cells share one mean and variance in batch norm,
    layer norm and instance norm (one group of each is shaded)."""
    fig = plt.figure(figsize=(12, 4.2))
    for k, (name, what) in enumerate(NORM_AXES.items()):
        ax = fig.add_subplot(1, 3, k + 1, projection="3d")
        filled = np.ones((n, c, hw), dtype=bool)
        shade = np.zeros_like(filled)
        if name == "batch norm":
            shade[:, 1, :] = True
        elif name == "layer norm":
            shade[1, :, :] = True
        else:
            shade[1, 1, :] = True
        colors = np.where(
            shade[..., None], np.array([0.12, 0.47, 0.71, 0.95]), np.array([0.85, 0.85, 0.85, 0.12])
        )
        ax.voxels(filled, facecolors=colors, edgecolor=(0.3, 0.3, 0.3, 0.4), linewidth=0.4)
        ax.set_xlabel("N (examples)", labelpad=-6)
        ax.set_ylabel("C (channels)", labelpad=-6)
        ax.set_zlabel("H·W (positions)", labelpad=-6)
        ax.set_xticks([])
        ax.set_yticks([])
        ax.set_zticks([])
        ax.view_init(elev=22, azim=-58)
        ax.set_box_aspect((n, c, hw))
        ax.set_title(f"{name}: {what}", fontsize=9)
    fig.suptitle("Which entries share one mean and variance (shaded: one group)", fontsize=11)
    return fig


# --------------------------------------------------------------------------- augmentation (NumPy only)


def _as_images(X: np.ndarray) -> tuple[np.ndarray, tuple[int, ...]]:
    X = np.asarray(X, dtype=float)
    shape = X.shape
    if X.ndim == 2 and X.shape[1] == 64:
        return X.reshape(-1, 8, 8), shape
    if X.ndim == 3:
        return X, shape
    if X.ndim == 4 and X.shape[1] == 1:
        return X[:, 0], shape
    raise ValueError(f"expected digits as (N, 64), (N, H, W) or (N, 1, H, W), got shape {shape}")


def _per_image(v, n: int, dtype=float) -> np.ndarray:
    v = np.asarray(v, dtype=dtype)
    return np.broadcast_to(v, (n,)) if v.ndim == 0 else v.reshape(n)


def shift_digits(X: np.ndarray, dx, dy) -> np.ndarray:
    """Shift images by whole pixels, filling with zeros: ``dx > 0`` moves right, ``dy > 0`` down.

    ``X`` is (N, 64), (N, H, W) or (N, 1, H, W); ``dx``, ``dy`` are ints or (N,) int arrays.
    Returns an array shaped like ``X``.
    """
    imgs, shape = _as_images(X)
    n, H, W = imgs.shape
    dx, dy = _per_image(dx, n, int), _per_image(dy, n, int)
    yy, xx = np.meshgrid(np.arange(H), np.arange(W), indexing="ij")
    sy = yy[None] - dy[:, None, None]
    sx = xx[None] - dx[:, None, None]
    valid = (sy >= 0) & (sy < H) & (sx >= 0) & (sx < W)
    out = imgs[np.arange(n)[:, None, None], np.clip(sy, 0, H - 1), np.clip(sx, 0, W - 1)]
    return np.where(valid, out, 0.0).reshape(shape)


def rotate_digits(X: np.ndarray, degrees) -> np.ndarray:
    """Rotate images about their centre by ``degrees`` (counter-clockwise as displayed, with row 0
    at the top), with bilinear interpolation and zeros outside. Shapes as :func:`shift_digits`;
    ``degrees`` a number or an (N,) array."""
    imgs, shape = _as_images(X)
    n, H, W = imgs.shape
    t = np.deg2rad(_per_image(degrees, n))[:, None, None]
    cy, cx = (H - 1) / 2.0, (W - 1) / 2.0
    yy, xx = np.meshgrid(np.arange(H, dtype=float), np.arange(W, dtype=float), indexing="ij")
    u, v = xx[None] - cx, cy - yy[None]  # x to the right, v upwards
    # each output pixel reads the input at the inverse rotation of its position
    src_u = np.cos(t) * u + np.sin(t) * v
    src_v = -np.sin(t) * u + np.cos(t) * v
    sx, sy = src_u + cx, cy - src_v
    x0, y0 = np.floor(sx).astype(int), np.floor(sy).astype(int)
    fx, fy = sx - x0, sy - y0
    out = np.zeros_like(sx)
    rows = np.arange(n)[:, None, None]
    for oy, ox, wgt in (
        (0, 0, (1 - fy) * (1 - fx)),
        (0, 1, (1 - fy) * fx),
        (1, 0, fy * (1 - fx)),
        (1, 1, fy * fx),
    ):
        py, px = y0 + oy, x0 + ox
        ok = (py >= 0) & (py < H) & (px >= 0) & (px < W)
        out += np.where(ok, wgt * imgs[rows, np.clip(py, 0, H - 1), np.clip(px, 0, W - 1)], 0.0)
    return out.reshape(shape)


def augment_digits(X: np.ndarray, rng: np.random.Generator, max_shift: int = 1, max_degrees: float = 15.0):
    """Random copies of the images: each rotated by an angle uniform in [-max_degrees, max_degrees],
    then shifted by whole pixels uniform in [-max_shift, max_shift] in each direction. Shapes as
    :func:`shift_digits`; the randomness comes from ``rng`` only."""
    imgs, shape = _as_images(X)
    n = len(imgs)
    angles = rng.uniform(-max_degrees, max_degrees, n)
    dx = rng.integers(-max_shift, max_shift + 1, n)
    dy = rng.integers(-max_shift, max_shift + 1, n)
    return shift_digits(rotate_digits(imgs, angles), dx, dy).reshape(shape)


def plot_augmented_digits(X: np.ndarray, n_images: int = 6, seed: int = 0):
    """Rows: the first ``n_images`` digits, shifted one pixel right, rotated 15 degrees, and three
    random augmentations (:func:`augment_digits`)."""
    imgs, _ = _as_images(X[:n_images])
    rng = np.random.default_rng(seed)
    rows = [
        ("original", imgs),
        ("shift 1 px right", shift_digits(imgs, 1, 0)),
        ("rotate +15°", rotate_digits(imgs, 15.0)),
    ] + [(f"random #{i + 1}", augment_digits(imgs, rng)) for i in range(3)]
    fig, axes = plt.subplots(len(rows), n_images, figsize=(1.25 * n_images + 1.2, 1.25 * len(rows)))
    for r, (name, batch) in enumerate(rows):
        for j in range(n_images):
            ax = axes[r, j]
            ax.imshow(batch[j], cmap="gray_r", vmin=0, vmax=1)
            ax.set_xticks([])
            ax.set_yticks([])
            if j == 0:
                ax.set_ylabel(name, rotation=0, ha="right", va="center", fontsize=8)
    fig.suptitle("Digit augmentations (8x8 pixels)", fontsize=10)
    fig.tight_layout()
    return fig


def augmentation_experiment(
    n_train: int = 300, epochs: int = 60, seed: int = 0
) -> dict[str, dict[str, list[float]]]:
    """Train the same MLP (:func:`train_mlp`, two hidden layers of 256) with and without
    :func:`augment_digits` on ``n_train`` digits; both are also evaluated on a copy of the
    validation split in which every image is shifted by one pixel in a random direction.
    Returns ``{"plain": history, "augmented": history}`` (with a ``"shifted val error"`` curve)."""
    _, val = _digits()
    rng = np.random.default_rng(seed + 7)
    d = rng.integers(0, 4, len(val.y))
    dx, dy = np.array([1, -1, 0, 0])[d], np.array([0, 0, 1, -1])[d]
    shifted = {"shifted val": (shift_digits(val.X, dx, dy), val.y)}
    return {
        "plain": train_mlp(n_train=n_train, epochs=epochs, seed=seed, eval_sets=shifted),
        "augmented": train_mlp(
            n_train=n_train, epochs=epochs, seed=seed, eval_sets=shifted, augment=augment_digits
        ),
    }


class _Frozen(dict):
    """A dict of arrays that can key a cache (by identity of content)."""

    def __hash__(self):
        return hash(tuple((k, a.tobytes(), b.tobytes()) for k, (a, b) in sorted(self.items())))

    def __eq__(self, other):
        return isinstance(other, _Frozen) and hash(self) == hash(other)

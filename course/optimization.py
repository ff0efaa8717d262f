"""Chapter 03 (optimisation): loss surfaces, optimiser trajectories, gradient noise, figures.

Everything that moves a point downhill here is PyTorch's own ``torch.optim`` (SGD, SGD with
momentum and Nesterov, Adagrad, RMSprop, Adam), never the update rules the assignment asks for.
The course's rules and PyTorch's produce the same iterates (the assignment checks it), so the
lecture can race PyTorch's optimisers on its surfaces.

* Surfaces: :data:`SURFACES` (an ill-conditioned quadratic, Rosenbrock's valley, a saddle),
  each a :class:`Surface` whose function works on NumPy arrays and torch tensors alike.
* Trajectories: :func:`race` runs several optimisers from the same start; :func:`plot_race`
  draws them on the contour plot with their loss curves; :func:`race_explorer` adds controls.
* The lecture's other figures: :func:`plot_lr_regimes` (too small, right, too large),
  :func:`plot_gradient_noise`, :func:`plot_momentum_filter`, :func:`plot_bias_correction`,
  :func:`plot_schedules`, :func:`plot_optimizer_curves` (training curves side by side).
* Data and harnesses: :func:`make_regression` (seeded least squares),
  :func:`minibatch_gradient_noise`, :func:`toy_problem` and :func:`run_steps` (several
  parameter tensors and a smooth loss, to compare two optimisers step by step).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

import matplotlib.pyplot as plt
import numpy as np

from course.widgets import batch_run

__all__ = [
    "OPTIMISERS",
    "QUADRATIC_EIGENVALUES",
    "SURFACES",
    "Surface",
    "make_regression",
    "minibatch_gradient_noise",
    "plot_bias_correction",
    "plot_gradient_noise",
    "plot_lr_regimes",
    "plot_momentum_filter",
    "plot_optimizer_curves",
    "plot_race",
    "plot_schedules",
    "race",
    "race_explorer",
    "run_steps",
    "toy_problem",
]

# --------------------------------------------------------------------------- surfaces

QUADRATIC_EIGENVALUES = (1.0, 10.0)  # the Hessian of the quadratic is diag(1, 10): condition number 10


def _quadratic(x, y):
    lam1, lam2 = QUADRATIC_EIGENVALUES
    return 0.5 * (lam1 * x**2 + lam2 * y**2)


def _rosenbrock(x, y):
    return (1 - x) ** 2 + 100 * (y - x**2) ** 2


def _saddle(x, y):
    # Hessian diag(1, -1) at the saddle (0, 0); two minima at (0, +-1) with value -1/4.
    return 0.5 * x**2 - 0.5 * y**2 + 0.25 * y**4


@dataclass(frozen=True)
class Surface:
    """A 2-D loss surface ``f(x, y)`` (NumPy arrays or torch tensors) with what the plots need.

    ``start`` is where every optimiser starts, ``minimum`` a global minimiser and ``f_min`` its
    value; ``lr`` and ``adaptive_lr`` are learning rates that work for the SGD family and for
    the adaptive methods (AdaGrad, RMSProp, Adam) on this surface.
    """

    key: str
    title: str
    f: Callable
    start: tuple[float, float]
    minimum: tuple[float, float]
    f_min: float
    xlim: tuple[float, float]
    ylim: tuple[float, float]
    lr: float
    adaptive_lr: float
    steps: int

    def __call__(self, x, y):
        return self.f(x, y)


SURFACES: dict[str, Surface] = {
    "quadratic": Surface(
        "quadratic",
        "ill-conditioned quadratic ½(x² + 10y²)",
        _quadratic,
        start=(-4.0, 2.0),
        minimum=(0.0, 0.0),
        f_min=0.0,
        xlim=(-5.0, 5.0),
        ylim=(-3.0, 3.0),
        lr=0.05,
        adaptive_lr=0.3,
        steps=60,
    ),
    "rosenbrock": Surface(
        "rosenbrock",
        "Rosenbrock (1 - x)² + 100(y - x²)²",
        _rosenbrock,
        start=(-1.2, 1.0),
        minimum=(1.0, 1.0),
        f_min=0.0,
        xlim=(-2.0, 2.0),
        ylim=(-1.0, 3.0),
        lr=1e-3,
        adaptive_lr=0.1,
        steps=500,
    ),
    "saddle": Surface(
        "saddle",
        "saddle ½x² - ½y² + ¼y⁴",
        _saddle,
        start=(-2.5, 1e-3),
        minimum=(0.0, 1.0),
        f_min=-0.25,
        xlim=(-3.0, 3.0),
        ylim=(-1.8, 1.8),
        lr=0.1,
        adaptive_lr=0.1,
        steps=60,
    ),
}

# The optimisers of the race, in the lecture's order, and how each maps to torch.optim.
OPTIMISERS = ("SGD", "momentum", "Nesterov", "AdaGrad", "RMSProp", "Adam")
_COLORS = dict(zip(OPTIMISERS, ("black", "tab:blue", "tab:cyan", "tab:green", "tab:orange", "tab:red")))


def _torch_optimizer(name: str, params, lr: float, adaptive_lr: float, momentum: float):
    """The torch.optim optimiser behind a race entry (the course's hyper-parameters passed explicitly)."""
    import torch

    if name == "SGD" or (name in ("momentum", "Nesterov") and momentum == 0):
        return torch.optim.SGD(params, lr=lr)
    if name == "momentum":
        return torch.optim.SGD(params, lr=lr, momentum=momentum)
    if name == "Nesterov":
        return torch.optim.SGD(params, lr=lr, momentum=momentum, nesterov=True)
    if name == "AdaGrad":
        return torch.optim.Adagrad(params, lr=adaptive_lr, eps=1e-8)
    if name == "RMSProp":
        return torch.optim.RMSprop(params, lr=adaptive_lr, alpha=0.99, eps=1e-8)
    if name == "Adam":
        return torch.optim.Adam(params, lr=adaptive_lr, betas=(momentum, 0.999), eps=1e-8)
    raise ValueError(f"unknown optimiser {name!r}; choose from {', '.join(OPTIMISERS)}")


def _surface(surface: str | Surface) -> Surface:
    if isinstance(surface, Surface):
        return surface
    if surface not in SURFACES:
        raise ValueError(f"unknown surface {surface!r}; choose from {', '.join(SURFACES)}")
    return SURFACES[surface]


def race(
    surface: str | Surface = "quadratic",
    optimisers: Sequence[str] = OPTIMISERS,
    lr: float | None = None,
    adaptive_lr: float | None = None,
    momentum: float = 0.9,
    steps: int | None = None,
    start: tuple[float, float] | None = None,
) -> dict[str, np.ndarray]:
    """Run each optimiser from the same start on a surface; returns name -> (steps + 1, 2) iterates.

    ``lr`` drives SGD, momentum and Nesterov, ``adaptive_lr`` AdaGrad, RMSProp and Adam (both
    default to the surface's values); ``momentum`` is the momentum of the SGD family and
    Adam's beta1. Each run uses ``torch.optim`` in float64. A run that leaves the plotted region
    by a factor of 1e3 (or overflows) is stopped and the rest of its rows are NaN.
    """
    import torch

    s = _surface(surface)
    lr = s.lr if lr is None else float(lr)
    adaptive_lr = s.adaptive_lr if adaptive_lr is None else float(adaptive_lr)
    steps = s.steps if steps is None else int(steps)
    if steps < 0:
        raise ValueError(f"steps must be >= 0, got {steps}")
    if not 0.0 <= momentum < 1.0:
        raise ValueError(f"momentum must lie in [0, 1), got {momentum}")
    start = s.start if start is None else start
    limit = 1e3 * max(abs(v) for v in (*s.xlim, *s.ylim))
    out = {}
    for name in optimisers:
        p = torch.tensor(start, dtype=torch.float64, requires_grad=True)
        opt = _torch_optimizer(name, [p], lr, adaptive_lr, momentum)
        path = np.full((steps + 1, 2), np.nan)
        path[0] = start
        for k in range(1, steps + 1):
            opt.zero_grad()
            s.f(p[0], p[1]).backward()
            opt.step()
            q = p.detach().numpy()
            if not np.all(np.isfinite(q)) or np.abs(q).max() > limit:
                break
            path[k] = q
        out[name] = path
    return out


def _contours(ax, s: Surface, n: int = 200):
    xs = np.linspace(*s.xlim, n)
    ys = np.linspace(*s.ylim, n)
    X, Y = np.meshgrid(xs, ys)
    Z = s.f(X, Y) - s.f_min
    levels = np.quantile(Z, np.linspace(0.0, 0.9, 14) ** 2)
    levels = np.unique(np.concatenate([levels[levels > 0], [np.quantile(Z, 0.97)]]))
    if s.key == "rosenbrock":
        levels = np.logspace(-1, 3.3, 14)
    ax.contour(X, Y, Z, levels=levels, colors="0.6", linewidths=0.8)
    ax.plot(*s.minimum, marker="*", ms=14, color="gold", mec="black", ls="none", label="minimum")
    ax.plot(*s.start, marker="o", ms=6, color="black", ls="none", label="start")
    ax.set_xlim(*s.xlim)
    ax.set_ylim(*s.ylim)
    ax.set_xlabel("x")
    ax.set_ylabel("y")


def plot_race(
    surface: str = "quadratic",
    optimisers: Sequence[str] = OPTIMISERS,
    lr: float | None = None,
    adaptive_lr: float | None = None,
    momentum: float = 0.9,
    steps: int | None = None,
):
    """The optimisers side by side: trajectories on the contour plot, and f - f_min per step (log y).

    Arguments as in :func:`race`. Two axes: the contour plot with one line per optimiser (plus
    the start and the minimum), and the loss curves; a run that diverged says so in the legend.
    """
    s = _surface(surface)
    optimisers = (optimisers,) if isinstance(optimisers, str) else tuple(optimisers)
    if not optimisers:
        raise ValueError("choose at least one optimiser")
    lr = s.lr if lr is None else lr
    adaptive_lr = s.adaptive_lr if adaptive_lr is None else adaptive_lr
    paths = race(s, optimisers, lr, adaptive_lr, momentum, steps)
    fig, (ax, ax2) = plt.subplots(1, 2, figsize=(11.5, 4.3), gridspec_kw={"width_ratios": [1.25, 1]})
    _contours(ax, s)
    for name, path in paths.items():
        ok = np.isfinite(path[:, 0])
        diverged = not ok.all()
        label = name + (" (diverged)" if diverged else "")
        color = _COLORS.get(name)
        ax.plot(path[ok, 0], path[ok, 1], "-", color=color, lw=1.6, marker=".", ms=3, label=label)
        gap = np.maximum(s.f(path[ok, 0], path[ok, 1]) - s.f_min, 1e-16)
        ax2.plot(np.flatnonzero(ok), gap, color=color, lw=1.6, label=label)
    ax.set_title(s.title)
    ax2.set_yscale("log")
    ax2.set_xlabel("step")
    ax2.set_ylabel("f - f_min")
    ax2.set_title("loss above the minimum")
    ax2.grid(alpha=0.3, which="both")
    fig.suptitle(
        f"lr = {lr:.3g} (SGD, momentum, Nesterov), {adaptive_lr:.3g} (AdaGrad, RMSProp, Adam); "
        f"momentum β = Adam's β₁ = {momentum:.2f}",
        fontsize=10,
    )
    handles, labels = ax.get_legend_handles_labels()
    fig.legend(handles, labels, loc="upper center", bbox_to_anchor=(0.5, 0.0), ncol=4, fontsize=9)
    fig.tight_layout()
    return fig


def _draw_race(**kwargs):
    if batch_run():
        # A batch run keeps the static figure of the cell before; the explorer's own (large)
        # image would only travel through the executor's Output-widget mimic, which can stall
        # nbclient on images of some 100 kB (measured: about 1 run in 4 never returned).
        raise ValueError("the explorer draws in a live notebook; the figure above shows its defaults")
    return plot_race(**kwargs)


def race_explorer(surface: str = "quadratic"):
    """Controls around :func:`plot_race`: the surface, which optimisers, both learning rates
    (log sliders), the momentum and the number of steps. Choosing a surface resets the learning
    rates and the steps to values that work there. In a batch run (no viewer) the controls are
    built but nothing is drawn: the static cell before the explorer holds the figure."""
    import ipywidgets as w

    from course.widgets import interactive

    s = _surface(surface)
    style = {"description_width": "initial"}
    surface_dd = w.Dropdown(
        options=[(v.title, k) for k, v in SURFACES.items()], value=s.key, description="surface", style=style
    )
    lr = w.FloatLogSlider(
        value=s.lr,
        base=10,
        min=-4,
        max=0,
        step=0.05,
        description="lr: SGD, momentum, Nesterov",
        continuous_update=False,
        style=style,
        readout_format=".2g",
    )
    alr = w.FloatLogSlider(
        value=s.adaptive_lr,
        base=10,
        min=-4,
        max=0,
        step=0.05,
        description="lr: AdaGrad, RMSProp, Adam",
        continuous_update=False,
        style=style,
        readout_format=".2g",
    )
    mom = w.FloatSlider(
        value=0.9,
        min=0.0,
        max=0.99,
        step=0.01,
        description="momentum β (Adam's β₁)",
        continuous_update=False,
        style=style,
    )
    steps = w.IntSlider(
        value=s.steps, min=5, max=1000, step=5, description="steps", continuous_update=False, style=style
    )
    names = w.SelectMultiple(
        options=list(OPTIMISERS), value=list(OPTIMISERS), rows=6, description="optimisers", style=style
    )

    def reset(change):
        new = SURFACES[change["new"]]
        lr.value, alr.value, steps.value = new.lr, new.adaptive_lr, new.steps

    surface_dd.observe(reset, names="value")
    return interactive(
        _draw_race, surface=surface_dd, optimisers=names, lr=lr, adaptive_lr=alr, momentum=mom, steps=steps
    )


def plot_lr_regimes(lrs: Sequence[float] = (0.02, 0.18, 0.205), steps: int = 40):
    """Gradient descent (``torch.optim.SGD``) on the quadratic with three learning rates, one axes each.

    Each title compares the learning rate with the stability bound 2 / lambda_max.
    """
    s = SURFACES["quadratic"]
    bound = 2.0 / max(QUADRATIC_EIGENVALUES)
    fig, axes = plt.subplots(1, len(lrs), figsize=(4.3 * len(lrs), 3.6), squeeze=False)
    for ax, lr in zip(axes[0], lrs):
        path = race(s, ["SGD"], lr=lr, steps=steps)["SGD"]
        _contours(ax, s)
        ok = np.isfinite(path[:, 0])
        ax.plot(path[ok, 0], path[ok, 1], "-", marker=".", color="tab:blue", lw=1.2, label="iterates")
        verdict = "too small" if lr < 0.25 * bound else ("converges" if lr < bound else "diverges")
        rel = "<" if lr < bound else ">"
        ax.set_title(f"lr = {lr:g} {rel} 2/λ_max = {bound:g}: {verdict}")
    axes[0][0].legend(loc="lower left", fontsize=8)
    fig.suptitle(f"Gradient descent, {steps} steps, on {s.title}")
    fig.tight_layout()
    return fig


# --------------------------------------------------------------------------- gradient noise


def make_regression(n: int = 1000, d: int = 10, noise: float = 0.5, seed: int = 0):
    """A seeded least-squares problem: ``X`` (n, d) standard normal, ``y = X @ w_true + noise * e``.

    Returns ``(X, y, w_true)`` with ``y`` (n,) and ``w_true`` (d,).
    """
    if n < 1 or d < 1:
        raise ValueError("need n >= 1 and d >= 1")
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, d))
    w_true = rng.standard_normal(d)
    y = X @ w_true + noise * rng.standard_normal(n)
    return X, y, w_true


def minibatch_gradient_noise(
    G: np.ndarray, batch_sizes: Sequence[int], n_draws: int = 200, seed: int = 0
) -> np.ndarray:
    """Mean squared distance between a mini-batch gradient and the full gradient, per batch size.

    ``G`` (N, P) holds one example's gradient per row; the full gradient is ``G.mean(0)``. For
    each batch size B, ``n_draws`` batches are drawn without replacement and
    ``mean ||G[idx].mean(0) - G.mean(0)||^2`` is returned: an array shaped like ``batch_sizes``.
    """
    G = np.asarray(G, dtype=np.float64)
    if G.ndim != 2:
        raise ValueError(f"G must be (N, P), got shape {G.shape}")
    rng = np.random.default_rng(seed)
    full = G.mean(axis=0)
    out = []
    for B in batch_sizes:
        if not 1 <= B <= len(G):
            raise ValueError(f"batch size {B} outside 1..{len(G)}")
        sq = [
            np.sum((G[rng.choice(len(G), size=B, replace=False)].mean(axis=0) - full) ** 2)
            for _ in range(n_draws)
        ]
        out.append(np.mean(sq))
    return np.array(out)


def plot_gradient_noise(
    batch_sizes, measured, predicted=None, title: str = "Gradient noise against batch size"
):
    """Measured mean squared gradient error against batch size (log-log), with the prediction as a line."""
    fig, ax = plt.subplots(figsize=(6.0, 3.8))
    ax.loglog(batch_sizes, measured, "o", color="tab:blue", label="measured")
    if predicted is not None:
        ax.loglog(batch_sizes, predicted, "-", color="tab:orange", label="σ²/B · (N-B)/(N-1)")
    ax.set_xlabel("batch size B")
    ax.set_ylabel("E ||g_B - g||²")
    ax.set_title(title)
    ax.grid(alpha=0.3, which="both")
    ax.legend()
    fig.tight_layout()
    return fig


# --------------------------------------------------------------------------- momentum and Adam


def plot_momentum_filter(beta: float = 0.9, steps: int = 60):
    """The momentum buffer ``b = beta b + g`` (PyTorch's form) as a filter, two axes:
    a constant gradient g = 1 (b tends to 1 / (1 - beta)) and an alternating one g = (-1)^t
    (b swings with amplitude 1 / (1 + beta))."""
    if not 0.0 <= beta < 1.0:
        raise ValueError(f"beta must lie in [0, 1), got {beta}")
    t = np.arange(1, steps + 1)
    fig, axes = plt.subplots(1, 2, figsize=(10.5, 3.6))
    for ax, g, name, limit in (
        (axes[0], np.ones(steps), "constant gradient g = 1", 1 / (1 - beta)),
        (axes[1], (-1.0) ** (t - 1), "alternating gradient g = (-1)^t", 1 / (1 + beta)),
    ):
        b, bs = 0.0, []
        for gt in g:
            b = beta * b + gt
            bs.append(b)
        ax.plot(t, g, ".", color="0.5", label="gradient g_t")
        ax.plot(t, bs, "-", color="tab:blue", lw=1.8, label="buffer b_t")
        ax.axhline(limit, color="tab:red", ls="--", lw=1, label=f"{limit:.3g}")
        if name.startswith("alternating"):
            ax.axhline(-limit, color="tab:red", ls="--", lw=1)
        ax.set_title(f"{name}, β = {beta:g}")
        ax.set_xlabel("step t")
        ax.set_ylabel("gradient and buffer")
        ax.grid(alpha=0.3)
        ax.legend(fontsize=8, loc="upper center", bbox_to_anchor=(0.5, -0.18), ncol=3)
    fig.tight_layout()
    return fig


def plot_bias_correction(beta1: float = 0.9, beta2: float = 0.999, steps: int = 3000):
    """Why Adam corrects its moments, for a constant gradient g = 1, two axes (log x):
    the first moment with and without the correction 1 / (1 - beta1^t), and the ratio of the
    uncorrected step to the corrected one, (1 - beta1^t) / sqrt(1 - beta2^t)."""
    t = np.arange(1, steps + 1)
    m = 1 - beta1**t  # the moving average of g = 1 started at 0
    ratio = (1 - beta1**t) / np.sqrt(1 - beta2**t)
    fig, axes = plt.subplots(1, 2, figsize=(10.5, 3.6))
    axes[0].semilogx(t, m, color="tab:blue", label="m_t (no correction)")
    axes[0].semilogx(t, m / (1 - beta1**t), color="tab:red", ls="--", label="m_t / (1 - β₁ᵗ)")
    axes[0].set_title(f"first moment of g = 1, β₁ = {beta1:g}")
    axes[0].set_ylabel("estimate of E[g]")
    axes[1].semilogx(t, ratio, color="tab:purple", label="uncorrected / corrected step")
    axes[1].axhline(1.0, color="0.4", ls="--", lw=1)
    axes[1].set_title(f"step without correction, β₁ = {beta1:g}, β₂ = {beta2:g}")
    axes[1].set_ylabel("ratio")
    for ax in axes:
        ax.set_xlabel("step t")
        ax.grid(alpha=0.3, which="both")
        ax.legend(fontsize=9)
    fig.tight_layout()
    return fig


# --------------------------------------------------------------------------- schedules


def plot_schedules(
    total_steps: int = 1000,
    base_lr: float = 0.1,
    step_size: int = 300,
    gamma: float = 0.1,
    warmup_steps: int = 100,
    min_lr: float = 0.0,
):
    """Learning rate against step for three ``torch.optim.lr_scheduler`` schedules, one axes:
    step decay (``StepLR``), cosine (``CosineAnnealingLR`` over ``total_steps``) and linear
    warm-up followed by cosine (``LinearLR`` then ``CosineAnnealingLR``, via ``SequentialLR``)."""
    import torch
    from torch.optim import lr_scheduler as S

    def curve(make):
        p = torch.zeros(1, requires_grad=True)
        opt = torch.optim.SGD([p], lr=base_lr)
        sched = make(opt)
        lrs = []
        for _ in range(total_steps):
            lrs.append(opt.param_groups[0]["lr"])
            opt.step()
            sched.step()
        return np.array(lrs)

    curves = {
        f"step: ×{gamma:g} every {step_size} steps": curve(lambda o: S.StepLR(o, step_size, gamma)),
        "cosine": curve(lambda o: S.CosineAnnealingLR(o, T_max=total_steps, eta_min=min_lr)),
    }
    if 0 < warmup_steps < total_steps:
        curves[f"{warmup_steps} warm-up steps, then cosine"] = curve(
            lambda o: S.SequentialLR(
                o,
                [
                    S.LinearLR(o, start_factor=1.0 / warmup_steps, total_iters=warmup_steps),
                    S.CosineAnnealingLR(o, T_max=total_steps - warmup_steps, eta_min=min_lr),
                ],
                milestones=[warmup_steps],
            )
        )
    fig, ax = plt.subplots(figsize=(6.8, 3.6))
    for (label, lrs), style in zip(curves.items(), ("-", "--", "-.")):
        ax.plot(np.arange(total_steps), lrs, style, lw=1.8, label=label)
    ax.set_xlabel("step")
    ax.set_ylabel("learning rate")
    ax.set_title(f"Learning-rate schedules (base lr {base_lr:g}, {total_steps} steps)")
    ax.grid(alpha=0.3)
    ax.legend(fontsize=9)
    fig.tight_layout()
    return fig


# --------------------------------------------------------------------------- training curves


def plot_optimizer_curves(
    histories: Mapping[str, Mapping[str, Sequence[float]]], title: str = "Optimisers compared"
):
    """Training histories side by side, two axes: "train loss" (log y) and "val accuracy" per epoch.

    ``histories`` maps a label (an optimiser) to a history of ``course.train.fit``; a history
    without "val accuracy" only appears on the left.
    """
    if not histories:
        raise ValueError("plot_optimizer_curves needs at least one history")
    fig, (ax, ax2) = plt.subplots(1, 2, figsize=(11.0, 3.8))
    colors = plt.rcParams["axes.prop_cycle"].by_key()["color"]
    for i, (label, h) in enumerate(histories.items()):
        color = _COLORS.get(label, colors[i % len(colors)])
        ls = "-" if i < 6 else "--"
        loss = np.asarray(h["train loss"], dtype=float)
        ax.plot(np.arange(1, len(loss) + 1), loss, ls, color=color, lw=1.6, label=label)
        if "val accuracy" in h:
            acc = np.asarray(h["val accuracy"], dtype=float)
            ax2.plot(np.arange(1, len(acc) + 1), acc, ls, color=color, lw=1.6, label=label)
    ax.set_yscale("log")
    ax.set_ylabel("training loss (mean over the epoch)")
    ax2.set_ylabel("validation accuracy")
    for a in (ax, ax2):
        a.set_xlabel("epoch")
        a.grid(alpha=0.3, which="both")
    ax.set_title(title)
    ax2.set_title("validation accuracy")
    ax2.legend(fontsize=8, loc="lower right")
    fig.tight_layout()
    return fig


# --------------------------------------------------------------------------- optimiser harness


def toy_problem(seed: int = 0, dtype=None, device="cpu"):
    """Several parameter tensors of different shapes and a smooth non-convex loss of them.

    Returns ``(params, loss_fn)``: ``params`` is a list of fresh leaf tensors that require grad,
    W (5, 3), b (3,) and S (2, 2), drawn from ``torch.Generator().manual_seed(seed)`` in float64
    and cast to ``dtype`` (default float64) on ``device``; ``loss_fn(params)`` returns a 0-d
    tensor, ``mean((tanh(X W + b) - Y)^2) + 0.1 ||S S^T - I||^2`` for fixed seeded X (16, 5) and
    Y (16, 3). Two calls with the same seed give equal, independent tensors.
    """
    import torch

    dtype = torch.float64 if dtype is None else dtype
    g = torch.Generator().manual_seed(seed)
    f64 = torch.float64
    X = torch.randn(16, 5, generator=g, dtype=f64).to(device, dtype)
    Y = torch.randn(16, 3, generator=g, dtype=f64).to(device, dtype)
    eye = torch.eye(2, dtype=dtype, device=device)
    shapes = ((5, 3), (3,), (2, 2))
    params = [torch.randn(*s, generator=g, dtype=f64).to(device, dtype).requires_grad_(True) for s in shapes]

    def loss_fn(ps):
        W, b, S = ps[0], ps[1], ps[2]
        return ((X @ W + b).tanh() - Y).pow(2).mean() + 0.1 * (S @ S.T - eye).pow(2).sum()

    return params, loss_fn


def run_steps(
    optimizer, params, loss_fn: Callable, steps: int = 50, lr_at: Callable | None = None
) -> list[float]:
    """``steps`` optimisation steps: zero the gradients, ``loss_fn(params).backward()``, ``optimizer.step()``.

    ``lr_at(k)`` (optional) sets the learning rate of every parameter group before step k
    (k = 0, 1, ...). Returns the loss before each step (floats).
    """
    losses = []
    for k in range(steps):
        if lr_at is not None:
            for group in optimizer.param_groups:
                group["lr"] = lr_at(k)
        optimizer.zero_grad()
        loss = loss_fn(params)
        loss.backward()
        optimizer.step()
        losses.append(float(loss.detach()))
    return losses

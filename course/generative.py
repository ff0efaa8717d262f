"""Chapter 09 (generative models): the seeded 8-Gaussian mixture, mode counting, and the figures.

Everything here is NumPy, float64 and seeded. The graded functions of the assignment
(``bce_with_logits``, the GAN losses, ``gaussian_kl``, the reparameterisation,
``BCEWithLogitsFunction``, the VAE and the GAN training step) are deliberately not here; the
answer cells of the assignment may not import this module.

Conventions, as in the assignment: a batch of points is an (N, 2) array, one point per row; a
batch of digits is (N, 64) with pixels in [0, 1]; a discriminator's output is a *logit* ``l``
with ``D = sigmoid(l)`` the probability that its input is real; a VAE's latent codes are (N, 2).
Figures that need a trained model take a ``decode`` callable, (n, 2) codes -> (n, 64) pixel
probabilities, so that no model lives here.

Contents:

* ``mixture_centers``, ``sample_mixture``: the ring of 8 Gaussians the GAN learns;
* ``mode_counts``, ``modes_covered``, ``quality_fraction``: how many modes a generator covers;
* ``plot_mixture``, ``plot_gan_progress``, ``gan_explorer``: generated points against the
  mixture, over training steps;
* ``generator_loss_curves``, ``plot_generator_losses``: the saturating and the non-saturating
  generator loss and their gradients as functions of the discriminator's logit;
* ``optimal_discriminator``, ``plot_optimal_discriminator``: D* = p_data / (p_data + p_g) in 1-D
  (the lecture wraps the figure in ``course.widgets.interactive`` itself);
* ``plot_digits``, ``plot_reconstructions``, ``plot_latent_map``, ``plot_latent_grid``,
  ``plot_latent_walk``, ``latent_walk_explorer``: a VAE's digits and its 2-D latent space.

The explorers draw only where someone can look (``viewer_only``): in a batch run
(``COURSE_PLAIN_PROGRESS`` or ``CI`` set: papermill, the test suite, the grader) their controls
are built but nothing is drawn, and the static figure of the cell before each explorer holds the
picture (drawings sent through the executor's Output-widget stand-in were seen to stall batch
runs).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

import matplotlib.pyplot as plt
import numpy as np

from course.widgets import batch_run

N_MODES = 8
RADIUS = 2.0
MODE_STD = 0.1

_DIGIT_COLORS = plt.get_cmap("tab10").colors

__all__ = [
    "MODE_STD",
    "N_MODES",
    "RADIUS",
    "gan_explorer",
    "generator_loss_curves",
    "latent_walk_explorer",
    "mixture_centers",
    "mode_counts",
    "modes_covered",
    "optimal_discriminator",
    "plot_digits",
    "plot_gan_progress",
    "plot_generator_losses",
    "plot_latent_grid",
    "plot_latent_map",
    "plot_latent_walk",
    "plot_mixture",
    "plot_optimal_discriminator",
    "plot_reconstructions",
    "quality_fraction",
    "sample_mixture",
    "viewer_only",
]


def viewer_only(fig_fn: Callable) -> Callable:
    """``fig_fn`` for an explorer (``course.widgets.interactive(viewer_only(fig_fn), ...)``): it
    draws with a viewer; in a batch run it raises ``ValueError``, which ``interactive`` prints as
    one line instead of drawing."""

    def draw(**kwargs):
        if batch_run():
            raise ValueError("the explorer draws in a live notebook; the figure above shows its defaults")
        return fig_fn(**kwargs)

    return draw


# --------------------------------------------------------------------------- the mixture


def mixture_centers(n_modes: int = N_MODES, radius: float = RADIUS) -> np.ndarray:
    """The (n_modes, 2) centres of the mixture: evenly spaced on a circle, the first at (radius, 0)."""
    if n_modes < 1 or radius <= 0:
        raise ValueError(f"need n_modes >= 1 and radius > 0, got {n_modes} and {radius}")
    angles = 2 * np.pi * np.arange(n_modes) / n_modes
    return radius * np.stack([np.cos(angles), np.sin(angles)], axis=1)


def sample_mixture(
    n: int, seed: int = 0, n_modes: int = N_MODES, radius: float = RADIUS, std: float = MODE_STD
) -> tuple[np.ndarray, np.ndarray]:
    """``n`` points of the seeded mixture: ``(X, mode)``, X (n, 2) float64 and mode (n,) int64.

    Each point picks one of the ``n_modes`` equally likely modes and adds isotropic Gaussian
    noise of standard deviation ``std`` to its centre; ``seed`` may be an int or a NumPy Generator.
    """
    if n < 0 or std < 0:
        raise ValueError(f"need n >= 0 and std >= 0, got {n} and {std}")
    rng = seed if isinstance(seed, np.random.Generator) else np.random.default_rng(seed)
    mode = rng.integers(0, n_modes, size=n).astype(np.int64)
    X = mixture_centers(n_modes, radius)[mode] + std * rng.standard_normal((n, 2))
    return X, mode


def _nearest(samples: np.ndarray, n_modes: int, radius: float) -> tuple[np.ndarray, np.ndarray]:
    x = np.asarray(samples, dtype=np.float64)
    if x.ndim != 2 or x.shape[1] != 2:
        raise ValueError(f"samples must be (N, 2), got shape {x.shape}")
    d = np.linalg.norm(x[:, None, :] - mixture_centers(n_modes, radius)[None], axis=2)
    return d.argmin(axis=1), d.min(axis=1)


def mode_counts(
    samples, n_modes: int = N_MODES, radius: float = RADIUS, std: float = MODE_STD, n_std: float = 3.0
) -> np.ndarray:
    """How many of the (N, 2) ``samples`` lie within ``n_std * std`` of each centre: (n_modes,) int64.

    Points farther than that from every centre (between the modes, or far away) count nowhere;
    non-finite points count nowhere either.
    """
    x = np.asarray(samples, dtype=np.float64)
    ok = np.all(np.isfinite(x), axis=1) if x.ndim == 2 else np.ones(0, bool)
    which, dist = _nearest(np.where(ok[:, None], x, 1e9), n_modes, radius)
    near = ok & (dist <= n_std * std)
    return np.bincount(which[near], minlength=n_modes).astype(np.int64)


def modes_covered(
    samples,
    min_fraction: float = 0.02,
    n_modes: int = N_MODES,
    radius: float = RADIUS,
    std: float = MODE_STD,
    n_std: float = 3.0,
) -> np.ndarray:
    """Which modes the samples cover: (n_modes,) int64, 1 where at least ``min_fraction`` of all
    samples lie within ``n_std * std`` of that centre (a fair share is ``1 / n_modes``), else 0."""
    x = np.asarray(samples, dtype=np.float64)
    counts = mode_counts(x, n_modes, radius, std, n_std)
    return (counts >= min_fraction * max(len(x), 1)).astype(np.int64)


def quality_fraction(
    samples, n_modes: int = N_MODES, radius: float = RADIUS, std: float = MODE_STD, n_std: float = 3.0
) -> float:
    """The fraction of samples within ``n_std * std`` of some centre (the rest look like no real point)."""
    x = np.asarray(samples, dtype=np.float64)
    return float(mode_counts(x, n_modes, radius, std, n_std).sum() / max(len(x), 1))


# --------------------------------------------------------------------------- GAN figures


def plot_mixture(
    samples=None,
    title: str = "The 8-Gaussian mixture",
    n_real: int = 1000,
    seed: int = 0,
    ax=None,
    color: str = "tab:red",
    label: str = "generated",
):
    """Real points of the mixture (grey), its centres (circles of radius 3 std, green when the
    ``samples`` cover that mode) and optionally generated ``samples`` (N, 2). Returns the figure."""
    own = ax is None
    if own:
        fig, ax = plt.subplots(figsize=(4.6, 4.6))
    else:
        fig = ax.figure
    real, _ = sample_mixture(n_real, seed=seed)
    ax.scatter(real[:, 0], real[:, 1], s=4, color="0.6", alpha=0.5, label="real data")
    covered = None
    if samples is not None:
        x = np.asarray(samples, dtype=np.float64)
        covered = modes_covered(x)
        shown = np.clip(x, -4.4, 4.4)  # far-away points stay visible on the frame
        ax.scatter(shown[:, 0], shown[:, 1], s=5, color=color, alpha=0.45, label=label)
    for k, (cx, cy) in enumerate(mixture_centers()):
        hit = covered is not None and covered[k]
        ax.add_patch(
            plt.Circle(
                (cx, cy),
                3 * MODE_STD,
                fill=False,
                lw=2.0 if hit else 1.0,
                ls="-" if hit else "--",
                color="tab:green" if hit else "black",
            )
        )
    ax.set_xlim(-4.5, 4.5)
    ax.set_ylim(-4.5, 4.5)
    ax.set_aspect("equal")
    ax.set_xlabel("$x_1$")
    ax.set_ylabel("$x_2$")
    if covered is not None:
        title = f"{title}\n{int(covered.sum())} of {N_MODES} modes covered"
    ax.set_title(title)
    ax.legend(loc="upper right", fontsize=8, markerscale=3)
    if own:
        fig.tight_layout()
    return fig


def _check_snapshots(snapshots: Mapping[str, Sequence]) -> list[str]:
    if not snapshots:
        raise ValueError("need at least one run of snapshots")
    names = list(snapshots)
    steps0 = [int(s) for s, _ in snapshots[names[0]]]
    if not steps0:
        raise ValueError("a run has no snapshots")
    for name in names[1:]:
        if [int(s) for s, _ in snapshots[name]] != steps0:
            raise ValueError("every run must have snapshots at the same steps")
    return names


def plot_gan_progress(snapshots: Mapping[str, Sequence], step: int | None = None):
    """Generated points against the mixture at one training step, for several runs side by side,
    and the modes each run covers over all steps.

    ``snapshots`` maps a run's name (e.g. ``"non-saturating"``) to a list of ``(step, samples)``
    with samples (N, 2), the same steps for every run. ``step`` picks the snapshot at or just
    before it (default: the last). Returns the figure: one scatter per run, then the curves.
    """
    names = _check_snapshots(snapshots)
    steps = np.array([int(s) for s, _ in snapshots[names[0]]])
    i = len(steps) - 1 if step is None else int(np.searchsorted(steps, int(step), side="right")) - 1
    i = min(max(i, 0), len(steps) - 1)
    fig, axes = plt.subplots(1, len(names) + 1, figsize=(4.4 * (len(names) + 1), 4.6))
    colors = ("tab:red", "tab:blue", "tab:purple", "tab:orange")
    for k, name in enumerate(names):
        plot_mixture(
            snapshots[name][i][1],
            title=f"{name}, step {steps[i]}",
            ax=axes[k],
            color=colors[k % len(colors)],
            label=f"generated ({name})",
        )
    ax = axes[-1]
    for k, name in enumerate(names):
        covered = [int(modes_covered(x).sum()) for _, x in snapshots[name]]
        ax.plot(steps, covered, marker="o", ms=3, color=colors[k % len(colors)], label=name)
    ax.axvline(steps[i], color="black", lw=0.8, ls=":")
    ax.set_ylim(-0.3, N_MODES + 0.3)
    ax.set_xlabel("generator step")
    ax.set_ylabel("modes covered")
    ax.set_title("modes covered during training")
    ax.grid(alpha=0.3)
    ax.legend(loc="lower right", fontsize=9)
    fig.tight_layout()
    return fig


def gan_explorer(snapshots: Mapping[str, Sequence]):
    """A slider over the training steps of :func:`plot_gan_progress`."""
    import ipywidgets as w

    from course.widgets import interactive

    names = _check_snapshots(snapshots)
    steps = [int(s) for s, _ in snapshots[names[0]]]
    delta = steps[1] - steps[0] if len(steps) > 1 else 1
    return interactive(
        viewer_only(plot_gan_progress),
        snapshots=snapshots,
        step=w.IntSlider(
            value=steps[-1],
            min=steps[0],
            max=steps[-1],
            step=max(delta, 1),
            description="training step",
            continuous_update=False,
            style={"description_width": "initial"},
        ),
    )


def _softplus(x):
    return np.maximum(x, 0.0) + np.log1p(np.exp(-np.abs(x)))


def _sigmoid(x):
    return 0.5 * (1.0 + np.tanh(0.5 * np.asarray(x, dtype=np.float64)))


def generator_loss_curves(logits) -> dict[str, np.ndarray]:
    """The two generator losses of one fake sample as functions of the discriminator's logit ``l``.

    Returns ``D = sigmoid(l)``, the saturating loss ``log(1 - D)`` and its derivative
    ``-sigmoid(l)``, the non-saturating loss ``-log D`` and its derivative ``sigmoid(l) - 1``
    (all with the shape of ``logits``, computed stably).
    """
    z = np.asarray(logits, dtype=np.float64)
    return {
        "logit": z,
        "D": _sigmoid(z),
        "saturating": -_softplus(z),
        "saturating_grad": -_sigmoid(z),
        "non_saturating": _softplus(-z),
        "non_saturating_grad": _sigmoid(z) - 1.0,
    }


def plot_generator_losses(l_min: float = -10.0, l_max: float = 6.0):
    """The saturating and the non-saturating generator loss against D(G(z)), and the size of
    their gradients with respect to the logit (log scale) against the logit."""
    if not l_min < l_max:
        raise ValueError(f"need l_min < l_max, got {l_min} and {l_max}")
    c = generator_loss_curves(np.linspace(l_min, l_max, 401))
    fig, (ax, axg) = plt.subplots(1, 2, figsize=(11.0, 3.9))
    ax.plot(c["D"], c["saturating"], color="tab:blue", lw=2, label=r"saturating: $\log(1 - D)$")
    ax.plot(c["D"], c["non_saturating"], color="tab:red", lw=2, label=r"non-saturating: $-\log D$")
    ax.set_xlabel(r"$D(G(z))$, the discriminator's belief that the fake is real")
    ax.set_ylabel("generator loss (minimised)")
    ax.set_title("two losses with the same goal")
    ax.set_ylim(-6, 6)
    ax.grid(alpha=0.3)
    ax.legend(loc="upper right", fontsize=9)
    axg.semilogy(c["logit"], np.abs(c["saturating_grad"]), color="tab:blue", lw=2, label="saturating")
    axg.semilogy(c["logit"], np.abs(c["non_saturating_grad"]), color="tab:red", lw=2, label="non-saturating")
    axg.set_xlabel(r"discriminator logit $l$ of a fake sample ($D = \sigma(l)$)")
    axg.set_ylabel(r"$|\partial \mathrm{loss} / \partial l|$")
    axg.set_title("gradient reaching the generator")
    axg.axvspan(l_min, -3.0, color="0.9", zorder=0)
    axg.text(l_min + 0.3, 2e-4, "D confidently\nrejects the fake", fontsize=9)
    axg.grid(alpha=0.3, which="both")
    axg.legend(loc="lower right", fontsize=9)
    fig.tight_layout()
    return fig


def _gauss(x, mean, std):
    return np.exp(-0.5 * ((x - mean) / std) ** 2) / (std * np.sqrt(2 * np.pi))


def optimal_discriminator(x, data=(0.0, 1.0), gen=(2.0, 1.0)) -> dict[str, np.ndarray]:
    """The optimal discriminator of a GAN for two 1-D Gaussians ``data = (mean, std)`` (p_data)
    and ``gen = (mean, std)`` (p_g): ``{"p_data", "p_g", "D_star"}`` at the points ``x``, with
    ``D_star = p_data / (p_data + p_g)``."""
    x = np.asarray(x, dtype=np.float64)
    p_data, p_g = _gauss(x, *data), _gauss(x, *gen)
    return {"p_data": p_data, "p_g": p_g, "D_star": p_data / (p_data + p_g)}


def plot_optimal_discriminator(gen_mean: float = 2.0, gen_std: float = 1.0, data=(0.0, 1.0)):
    """p_data, p_g and the optimal discriminator D* = p_data / (p_data + p_g) on one axis."""
    if gen_std <= 0:
        raise ValueError(f"gen_std must be positive, got {gen_std}")
    x = np.linspace(-5.0, 7.0, 601)
    d = optimal_discriminator(x, data=data, gen=(gen_mean, gen_std))
    fig, ax = plt.subplots(figsize=(7.0, 3.6))
    ax.plot(x, d["p_data"], color="0.3", lw=2, label=r"$p_\mathrm{data}$")
    ax.plot(x, d["p_g"], color="tab:red", lw=2, label=r"$p_g$")
    ax.set_xlabel("$x$")
    ax.set_ylabel("density")
    ax2 = ax.twinx()
    ax2.plot(x, d["D_star"], color="tab:blue", lw=2, ls="--", label=r"$D^*(x)$")
    ax2.axhline(0.5, color="tab:blue", lw=0.8, ls=":")
    ax2.set_ylim(-0.02, 1.02)
    ax2.set_ylabel(r"$D^*(x) = p_\mathrm{data} / (p_\mathrm{data} + p_g)$", color="tab:blue")
    lines = ax.get_lines() + ax2.get_lines()[:1]
    # outside the axes, to the right: wherever the sliders put p_g, no curve is hidden
    ax.legend(
        lines, [ln.get_label() for ln in lines], loc="upper left", bbox_to_anchor=(1.14, 1.0), fontsize=9
    )
    ax.set_title(f"The optimal discriminator for $p_g = N({gen_mean:g}, {gen_std:g}^2)$")
    fig.tight_layout()
    return fig


# --------------------------------------------------------------------------- VAE figures


def _digits(X) -> np.ndarray:
    X = np.asarray(X, dtype=np.float64)
    if X.ndim != 2 or X.shape[1] != 64:
        raise ValueError(f"digits must be (N, 64), got shape {X.shape}")
    return X


def plot_digits(X, title: str = "Digits", n_cols: int = 10, labels: Sequence | None = None):
    """The rows of ``X`` (N, 64) as 8x8 images, ``n_cols`` per row (optional titles from ``labels``)."""
    X = _digits(X)
    n = len(X)
    if n == 0:
        raise ValueError("no digits to show")
    rows = int(np.ceil(n / n_cols))
    fig, axes = plt.subplots(rows, n_cols, figsize=(1.05 * n_cols, 1.15 * rows + 0.4), squeeze=False)
    for k, ax in enumerate(axes.flat):
        ax.axis("off")
        if k < n:
            ax.imshow(X[k].reshape(8, 8), cmap="gray_r", vmin=0.0, vmax=1.0)
            if labels is not None:
                ax.set_title(str(labels[k]), fontsize=8)
    fig.suptitle(title)
    fig.tight_layout()
    return fig


def plot_reconstructions(X, X_rec, n: int = 10, title: str = "Held-out digits and their reconstructions"):
    """Two rows: ``n`` digits of ``X`` (N, 64) above their reconstructions ``X_rec`` (N, 64)."""
    X, X_rec = _digits(X)[:n], _digits(X_rec)[:n]
    if X.shape != X_rec.shape:
        raise ValueError(f"X and X_rec differ in shape: {X.shape} and {X_rec.shape}")
    fig, axes = plt.subplots(2, len(X), figsize=(1.05 * len(X), 2.6), squeeze=False)
    for k in range(len(X)):
        for r, (img, name) in enumerate(((X[k], "input"), (X_rec[k], "reconstruction"))):
            ax = axes[r, k]
            ax.imshow(img.reshape(8, 8), cmap="gray_r", vmin=0.0, vmax=1.0)
            ax.set_xticks([])
            ax.set_yticks([])
            if k == 0:
                ax.set_ylabel(name, fontsize=8)
        err = float(np.mean((X[k] - X_rec[k]) ** 2))
        axes[1, k].set_title(f"mse {err:.3f}", fontsize=7)
    fig.suptitle(title)
    fig.tight_layout()
    return fig


def plot_latent_map(codes, labels, title: str = "Latent means of the held-out digits", ax=None, marker=None):
    """The (N, 2) latent ``codes`` coloured by digit ``labels`` (N,); optionally a ``marker``
    point (2,) drawn on top. Returns the figure."""
    codes = np.asarray(codes, dtype=np.float64)
    labels = np.asarray(labels)
    if codes.ndim != 2 or codes.shape[1] != 2 or len(labels) != len(codes):
        raise ValueError(f"need (N, 2) codes and N labels, got {codes.shape} and {labels.shape}")
    own = ax is None
    if own:
        fig, ax = plt.subplots(figsize=(5.2, 4.6))
    else:
        fig = ax.figure
    for d in range(10):
        sel = labels == d
        if sel.any():
            ax.scatter(codes[sel, 0], codes[sel, 1], s=8, color=_DIGIT_COLORS[d], alpha=0.7, label=str(d))
    if marker is not None:
        ax.plot([marker[0]], [marker[1]], marker="X", ms=14, color="black", mec="white", ls="none")
    ax.set_xlabel("$z_1$")
    ax.set_ylabel("$z_2$")
    ax.set_title(title)
    ax.grid(alpha=0.3)
    ax.legend(title="digit", loc="center left", bbox_to_anchor=(1.0, 0.5), fontsize=8, markerscale=2)
    if own:
        fig.tight_layout()
    return fig


def plot_latent_grid(decode: Callable, n: int = 12, extent: float = 2.5, title: str | None = None):
    """Decoded digits on an ``n`` x ``n`` grid of latent points in ``[-extent, extent]^2``.

    ``decode`` maps (m, 2) latent codes to (m, 64) pixel probabilities. Rows go from high ``z_2``
    (top) to low, columns from low ``z_1`` (left) to high, as in :func:`plot_latent_map`.
    """
    if n < 2 or extent <= 0:
        raise ValueError(f"need n >= 2 and extent > 0, got {n} and {extent}")
    ticks = np.linspace(-extent, extent, n)
    z1, z2 = np.meshgrid(ticks, ticks[::-1])
    codes = np.stack([z1.ravel(), z2.ravel()], axis=1)
    imgs = np.asarray(decode(codes), dtype=np.float64).reshape(n, n, 8, 8)
    # one 8x8 tile per grid point, a blank pixel between tiles: canvas[r * 9 + i, c * 9 + j] = imgs[r, c, i, j]
    canvas = np.full((9 * n - 1, 9 * n - 1), np.nan)
    for r in range(n):
        for c in range(n):
            canvas[9 * r : 9 * r + 8, 9 * c : 9 * c + 8] = imgs[r, c]
    cmap = plt.get_cmap("gray_r").with_extremes(bad="white")
    u = (2 * extent / (n - 1)) / 9  # one canvas pixel in latent units: tile centres land on the grid points
    lo, hi = -extent - 4 * u, -extent - 4 * u + (9 * n - 1) * u
    fig, ax = plt.subplots(figsize=(5.4, 5.4))
    ax.imshow(canvas, cmap=cmap, vmin=0.0, vmax=1.0, extent=(lo, hi, lo, hi))
    ax.set_xlabel("$z_1$")
    ax.set_ylabel("$z_2$")
    ax.set_title(title or f"Decoded digits on a {n}x{n} grid of latent points")
    fig.tight_layout()
    return fig


def plot_latent_walk(decode: Callable, z1: float = 0.0, z2: float = 0.0, codes=None, labels=None, extent=3.0):
    """Where the latent point (z1, z2) sits among the codes of real digits, and what it decodes to.

    Left: the (N, 2) ``codes`` coloured by ``labels`` (when given) with the point marked. Right:
    ``decode`` ((m, 2) -> (m, 64) probabilities) applied to the point, as an 8x8 image.
    """
    z = np.array([[float(z1), float(z2)]])
    img = np.asarray(decode(z), dtype=np.float64).reshape(8, 8)
    fig, (ax, axi) = plt.subplots(1, 2, figsize=(9.0, 4.2), gridspec_kw={"width_ratios": [1.4, 1.0]})
    if codes is not None and labels is not None:
        plot_latent_map(codes, labels, title="latent space (codes of held-out digits)", ax=ax, marker=z[0])
    else:
        ax.plot([z[0, 0]], [z[0, 1]], marker="X", ms=14, color="black", ls="none")
        ax.set_xlabel("$z_1$")
        ax.set_ylabel("$z_2$")
        ax.set_title("latent space")
        ax.grid(alpha=0.3)
    ax.set_xlim(-extent, extent)
    ax.set_ylim(-extent, extent)
    axi.imshow(img, cmap="gray_r", vmin=0.0, vmax=1.0)
    axi.set_xticks([])
    axi.set_yticks([])
    axi.set_title(f"decoded at z = ({z1:.2f}, {z2:.2f})")
    fig.tight_layout()
    return fig


def latent_walk_explorer(decode: Callable, codes=None, labels=None, extent: float = 3.0):
    """Two sliders (z1, z2) around :func:`plot_latent_walk`."""
    import ipywidgets as w

    from course.widgets import interactive

    style = {"description_width": "initial"}

    def slider(name):
        return w.FloatSlider(
            value=0.0,
            min=-extent,
            max=extent,
            step=0.1,
            description=f"latent {name}",
            continuous_update=False,
            style=style,
        )

    return interactive(
        viewer_only(plot_latent_walk),
        decode=decode,
        z1=slider("z1"),
        z2=slider("z2"),
        codes=codes,
        labels=labels,
        extent=extent,
    )

"""Chapter 05 (convolution): figures, explorers and seeded data of the lecture and the assignment.

Everything here is a picture or a data generator: no function below is a reference solution of a
graded function (the kernel explorer filters with ``scipy.signal.correlate2d``; pooling,
convolution layers, IoU and non-maximum suppression are computed by the notebooks and handed in).

Figures are pure functions returning a ``matplotlib.figure.Figure``; the ``*_explorer`` functions
wrap them in labelled controls (``course.widgets.interactive``), static first.

Shapes follow the chapter: images (H, W), batches (N, C, H, W), weights (F, C, KH, KW), boxes
(M, 4) as corners ``(x1, y1, x2, y2)`` with x to the right and y downwards (image coordinates).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.patches import Rectangle

__all__ = [
    "KERNELS",
    "kernel_explorer",
    "make_anchors",
    "make_detection_scene",
    "plot_anchors",
    "plot_boxes",
    "plot_curves",
    "plot_dosing",
    "plot_feature_maps",
    "plot_filters",
    "plot_gradient_norms",
    "plot_grids",
    "plot_kernel_on_image",
    "plot_stride_padding",
    "receptive_field",
    "stride_padding_explorer",
]

# 3x3 kernels for the kernel explorer (cross-correlation: the kernel is laid on the image as printed).
KERNELS: dict[str, np.ndarray] = {
    "identity": np.array([[0.0, 0.0, 0.0], [0.0, 1.0, 0.0], [0.0, 0.0, 0.0]]),
    "vertical edge (Sobel x)": np.array([[-1.0, 0.0, 1.0], [-2.0, 0.0, 2.0], [-1.0, 0.0, 1.0]]),
    "horizontal edge (Sobel y)": np.array([[-1.0, -2.0, -1.0], [0.0, 0.0, 0.0], [1.0, 2.0, 1.0]]),
    "outline (Laplacian)": np.array([[0.0, -1.0, 0.0], [-1.0, 4.0, -1.0], [0.0, -1.0, 0.0]]),
    "box blur": np.full((3, 3), 1.0 / 9.0),
    "Gaussian blur": np.array([[1.0, 2.0, 1.0], [2.0, 4.0, 2.0], [1.0, 2.0, 1.0]]) / 16.0,
    "sharpen": np.array([[0.0, -1.0, 0.0], [-1.0, 5.0, -1.0], [0.0, -1.0, 0.0]]),
}

_STYLE = {"description_width": "initial"}


def _np(a) -> np.ndarray:
    """A NumPy float array from an array or a (CPU or GPU) tensor."""
    if hasattr(a, "detach"):
        a = a.detach().cpu().numpy()
    return np.asarray(a, dtype=np.float64)


def _out_size(n: int, k: int, stride: int, pad: int) -> int:
    return (n + 2 * pad - k) // stride + 1


def receptive_field(kernels: Sequence[int], strides: Sequence[int] | None = None) -> list[int]:
    """Receptive field (in input pixels, along one axis) after each layer of a stack.

    ``kernels[l]`` and ``strides[l]`` (default 1) are the kernel size and stride of layer l
    (pooling layers count as layers). With ``j`` the product of the strides before layer l,
    ``r_l = r_{l-1} + (k_l - 1) * j`` and ``r_0 = 1``. Returns one size per layer.
    """
    strides = [1] * len(kernels) if strides is None else list(strides)
    if len(strides) != len(kernels):
        raise ValueError(f"{len(kernels)} kernels but {len(strides)} strides")
    r, jump, out = 1, 1, []
    for k, s in zip(kernels, strides):
        if k < 1 or s < 1:
            raise ValueError("kernel sizes and strides must be positive")
        r += (k - 1) * jump
        jump *= s
        out.append(r)
    return out


# ----------------------------------------------------------------------------- worked examples


def plot_grids(grids: Mapping[str, np.ndarray], title: str = "", fmt: str = "{:g}", cmap: str = "Blues"):
    """Small 2-D arrays side by side as annotated heat maps (worked examples: pooling, im2col).

    ``grids`` maps a panel title to a 2-D array; every entry is printed in its cell with ``fmt``.
    One axes per grid, in order.
    """
    if not grids:
        raise ValueError("plot_grids needs at least one grid")
    arrays = {k: _np(v) for k, v in grids.items()}
    for k, a in arrays.items():
        if a.ndim != 2:
            raise ValueError(f"grid {k!r} has shape {a.shape}; expected a 2-D array")
    widths = [max(a.shape[1], 1) for a in arrays.values()]
    height = max(a.shape[0] for a in arrays.values())
    fig, axes = plt.subplots(
        1,
        len(arrays),
        figsize=(min(16.0, 0.55 * sum(widths) + 1.3 * len(arrays)), 0.55 * height + 1.3),
        gridspec_kw={"width_ratios": widths},
        squeeze=False,
    )
    for ax, (name, a) in zip(axes[0], arrays.items()):
        ax.imshow(a, cmap=cmap, aspect="equal")
        lo, hi = (float(a.min()), float(a.max())) if a.size else (0.0, 1.0)
        for (i, j), v in np.ndenumerate(a):
            dark = hi > lo and (v - lo) / (hi - lo) > 0.6
            ax.text(
                j, i, fmt.format(v), ha="center", va="center", fontsize=9, color="white" if dark else "black"
            )
        ax.set_title(name, fontsize=10)
        ax.set_xticks(range(a.shape[1]))
        ax.set_yticks(range(a.shape[0]))
        ax.set_xlabel("column")
        ax.set_ylabel("row")
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    return fig


def plot_dosing(patients: Sequence[float], plan: Sequence[float], title: str = "Doses per day"):
    """The 1-D convolution of the dosing example as stacked bars.

    ``patients[t]`` patients start treatment on day t + 1 and each gets ``plan[d]`` doses on day
    d + 1 of their treatment, so the doses needed on day t + 1 are ``sum_d patients[t - d] * plan[d]``
    (``np.convolve(patients, plan)``). One bar segment per starting group, stacked per day.
    """
    p = np.asarray(patients, dtype=float)
    k = np.asarray(plan, dtype=float)
    if p.ndim != 1 or k.ndim != 1 or not p.size or not k.size:
        raise ValueError("patients and plan must be non-empty 1-D sequences")
    days = np.arange(1, p.size + k.size)
    fig, ax = plt.subplots(figsize=(7.0, 3.6))
    bottom = np.zeros(days.size)
    colors = plt.get_cmap("viridis")(np.linspace(0.1, 0.9, p.size))
    for t, (n, color) in enumerate(zip(p, colors)):
        contrib = np.zeros(days.size)
        contrib[t : t + k.size] = n * k
        ax.bar(
            days, contrib, bottom=bottom, color=color, edgecolor="white", label=f"{n:g} starting day {t + 1}"
        )
        bottom += contrib
    for d, total in zip(days, bottom):
        ax.text(d, total + 0.3, f"{total:g}", ha="center", va="bottom", fontsize=9)
    ax.set_xticks(days)
    ax.set_xlabel("day")
    ax.set_ylabel("doses given")
    ax.set_ylim(0, bottom.max() * 1.15 + 1)
    ax.set_title(title)
    ax.legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.01, 1.0), title="patients")
    fig.tight_layout()
    return fig


# ----------------------------------------------------------------------------- kernel explorer


def plot_kernel_on_image(image, kernel, kernel_name: str = "", title: str | None = None):
    """An image, a 2-D kernel and their cross-correlation (zero padding, "same" size).

    ``image`` (H, W), ``kernel`` (KH, KW). Three axes: the image, the kernel with its numbers
    printed, and the response map on a symmetric red-blue scale (red positive, blue negative).
    """
    from scipy.signal import correlate2d

    img = _np(image)
    k = _np(kernel)
    if img.ndim != 2 or k.ndim != 2:
        raise ValueError(f"need a 2-D image and a 2-D kernel, got {img.shape} and {k.shape}")
    resp = correlate2d(img, k, mode="same", boundary="fill", fillvalue=0.0)
    fig, axes = plt.subplots(1, 3, figsize=(10.0, 3.4))
    axes[0].imshow(img, cmap="gray_r")
    axes[0].set_title(f"input {img.shape[0]}x{img.shape[1]}")
    m = float(np.abs(k).max()) or 1.0
    axes[1].imshow(k, cmap="RdBu_r", vmin=-m, vmax=m)
    for (i, j), v in np.ndenumerate(k):
        axes[1].text(j, i, f"{v:.3g}", ha="center", va="center", fontsize=10)
    axes[1].set_title(f"kernel{': ' + kernel_name if kernel_name else ''}")
    r = float(np.abs(resp).max()) or 1.0
    im = axes[2].imshow(resp, cmap="RdBu_r", vmin=-r, vmax=r)
    axes[2].set_title("response (cross-correlation)")
    fig.colorbar(im, ax=axes[2], fraction=0.046, pad=0.04)
    for ax in axes:
        ax.set_xlabel("column j")
        ax.set_ylabel("row i")
        ax.set_xticks([])
        ax.set_yticks([])
    fig.suptitle(title or "A 3x3 kernel slid over an image")
    fig.tight_layout()
    return fig


def _kernel_from_controls(name: str, entries: Sequence[float]) -> np.ndarray:
    if name == "custom":
        return np.asarray(entries, dtype=float).reshape(3, 3)
    return KERNELS[name]


def kernel_explorer(image, kernel: str = "vertical edge (Sobel x)"):
    """Pick a kernel (or type the nine entries of a custom one) and see its response on ``image``.

    Controls: a dropdown of :data:`KERNELS` plus ``custom``, and nine entries k[i, j] (used when
    ``custom`` is chosen; they start as the chosen kernel's values).
    """
    import ipywidgets as w

    from course.widgets import interactive

    if kernel not in KERNELS:
        raise ValueError(f"unknown kernel {kernel!r}; choose from {sorted(KERNELS)}")
    img = _np(image)
    start = KERNELS[kernel]
    entries = {
        f"k{i}{j}": w.FloatText(
            value=float(start[i, j]),
            step=0.5,
            description=f"k[{i},{j}]",
            layout=w.Layout(width="120px"),
            style=_STYLE,
        )
        for i in range(3)
        for j in range(3)
    }

    def draw(name, **ks):
        vals = [ks[f"k{i}{j}"] for i in range(3) for j in range(3)]
        label = name if name != "custom" else "custom"
        return plot_kernel_on_image(img, _kernel_from_controls(name, vals), label)

    return interactive(
        draw,
        name=w.Dropdown(options=[*KERNELS, "custom"], value=kernel, description="kernel", style=_STYLE),
        **entries,
    )


# ----------------------------------------------------------------------------- stride and padding


def plot_stride_padding(size: int = 7, kernel: int = 3, stride: int = 1, pad: int = 0, depth: int = 4):
    """Where a kernel lands for a given input size, kernel size, stride and zero padding.

    Three axes: (1) the padded input along one row of windows: padding cells grey, the first
    window outlined in red and the top-left corner of every window marked; (2) the output grid,
    whose size is ``floor((size + 2 pad - kernel) / stride) + 1``; (3) the receptive field of one
    output pixel after 1..``depth`` stacked layers with the same kernel and stride.
    """
    if size < 1 or kernel < 1 or stride < 1 or pad < 0 or depth < 1:
        raise ValueError("need size, kernel, stride, depth >= 1 and pad >= 0")
    n_out = _out_size(size, kernel, stride, pad)
    padded = size + 2 * pad
    fig, axes = plt.subplots(1, 3, figsize=(12.5, 4.0), gridspec_kw={"width_ratios": [1.1, 1.0, 1.1]})
    ax = axes[0]
    for i in range(padded):
        for j in range(padded):
            inside = pad <= i < pad + size and pad <= j < pad + size
            ax.add_patch(
                Rectangle((j, i), 1, 1, facecolor="white" if inside else "0.8", edgecolor="0.6", lw=0.6)
            )
    if n_out >= 1:
        ax.add_patch(
            Rectangle((0, 0), kernel, kernel, fill=False, edgecolor="tab:red", lw=2.5, label="first window")
        )
        for q in range(n_out):
            ax.plot(q * stride + 0.5, 0.5, "o", color="tab:red", ms=5)
        last = (n_out - 1) * stride
        ax.add_patch(
            Rectangle(
                (last, 0),
                kernel,
                kernel,
                fill=False,
                edgecolor="tab:blue",
                lw=1.8,
                ls="--",
                label="last window in row 0",
            )
        )
        ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.08), fontsize=8, ncol=2)
    ax.set_xlim(0, padded)
    ax.set_ylim(padded, 0)
    ax.set_aspect("equal")
    ax.set_xticks([])
    ax.set_yticks([])
    ax.set_title(f"input {size}x{size}, zero padding {pad} (grey)", fontsize=10)
    ax.set_xlabel("dots: top-left corners of the windows in row 0")

    ax = axes[1]
    m = max(n_out, 0)
    for i in range(m):
        for j in range(m):
            ax.add_patch(
                Rectangle(
                    (j, i), 1, 1, facecolor="tab:red" if (i, j) == (0, 0) else "mistyrose", edgecolor="0.5"
                )
            )
    ax.set_xlim(0, max(m, 1))
    ax.set_ylim(max(m, 1), 0)
    ax.set_aspect("equal")
    ax.set_xticks([])
    ax.set_yticks([])
    ax.set_title(
        f"output {m}x{m} = ⌊({size} + 2·{pad} − {kernel}) / {stride}⌋ + 1"
        if m
        else "no output: the kernel does not fit",
        fontsize=10,
    )
    ax.set_xlabel("red: the output of the first window")

    ax = axes[2]
    layers = np.arange(1, depth + 1)
    rf = receptive_field([kernel] * depth, [stride] * depth)
    ax.plot(layers, rf, marker="o", label=f"{kernel}x{kernel} kernels, stride {stride}")
    ax.plot(
        layers, receptive_field([kernel] * depth), ls="--", color="0.5", label="stride 1 (grows linearly)"
    )
    ax.set_xlabel("number of stacked layers")
    ax.set_ylabel("receptive field (input pixels per side)")
    ax.set_title("receptive field of one output pixel", fontsize=10)
    ax.set_xticks(layers)
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8, loc="upper left")
    fig.suptitle("Padding and stride decide the output size; depth and stride the receptive field")
    fig.tight_layout()
    return fig


def stride_padding_explorer(size: int = 7, kernel: int = 3, stride: int = 1, pad: int = 0, depth: int = 4):
    """Sliders for input size, kernel size, stride, padding and depth around :func:`plot_stride_padding`."""
    import ipywidgets as w

    from course.widgets import interactive

    def slider(value, lo, hi, label):
        return w.IntSlider(
            value=value, min=lo, max=hi, description=label, continuous_update=False, style=_STYLE
        )

    return interactive(
        lambda **kw: plot_stride_padding(**kw),  # looked up at draw time (a test can replace it)
        size=slider(size, 3, 16, "input size n"),
        kernel=slider(kernel, 1, 7, "kernel size k"),
        stride=slider(stride, 1, 4, "stride s"),
        pad=slider(pad, 0, 3, "padding p"),
        depth=slider(depth, 1, 10, "layers (receptive field)"),
    )


# ----------------------------------------------------------------------------- learned filters


def plot_filters(w, title: str = "First-layer filters", channel: int = 0, ncols: int = 8):
    """The kernels ``w[:, channel]`` of a convolution weight (F, C, KH, KW), one small image each.

    Each kernel has its own symmetric red-blue scale (red positive, blue negative). One axes per filter.
    """
    arr = _np(w)
    if arr.ndim != 4:
        raise ValueError(f"expected weights of shape (F, C, KH, KW), got {arr.shape}")
    n = arr.shape[0]
    ncols = min(ncols, n)
    nrows = int(np.ceil(n / ncols))
    fig, axes = plt.subplots(nrows, ncols, figsize=(1.25 * ncols, 1.35 * nrows + 0.6), squeeze=False)
    for f, ax in enumerate(axes.flat):
        if f >= n:
            ax.axis("off")
            continue
        k = arr[f, channel]
        m = float(np.abs(k).max()) or 1.0
        ax.imshow(k, cmap="RdBu_r", vmin=-m, vmax=m)
        ax.set_title(f"filter {f}", fontsize=8)
        ax.set_xticks([])
        ax.set_yticks([])
    fig.suptitle(title)
    fig.tight_layout()
    return fig


def plot_feature_maps(image, maps, title: str = "Feature maps", ncols: int = 8, max_maps: int = 16):
    """An input image and the feature maps a layer computes from it.

    ``image`` (H, W); ``maps`` (F, H', W'), at most ``max_maps`` shown, each on its own grey
    scale. One axes for the image, then one per map.
    """
    img = _np(image)
    fm = _np(maps)
    if img.ndim != 2 or fm.ndim != 3:
        raise ValueError(f"expected an image (H, W) and maps (F, H, W), got {img.shape} and {fm.shape}")
    fm = fm[:max_maps]
    n = fm.shape[0] + 1
    ncols = min(ncols, n)
    nrows = int(np.ceil(n / ncols))
    fig, axes = plt.subplots(nrows, ncols, figsize=(1.3 * ncols, 1.4 * nrows + 0.6), squeeze=False)
    for i, ax in enumerate(axes.flat):
        ax.set_xticks([])
        ax.set_yticks([])
        if i == 0:
            ax.imshow(img, cmap="gray_r")
            ax.set_title("input", fontsize=8)
        elif i < n:
            ax.imshow(fm[i - 1], cmap="magma")
            ax.set_title(f"map {i - 1}", fontsize=8)
        else:
            ax.axis("off")
    fig.suptitle(title)
    fig.tight_layout()
    return fig


def plot_gradient_norms(
    norms: Mapping[str, Sequence[float]],
    title: str = "Gradient norm through a stack",
    xlabel: str = "block l (0 = the input)",
    ylabel: str = r"$\|\partial L / \partial h_l\|$",
):
    """Norm of the loss gradient at each depth of one or more stacks, log scale.

    ``norms`` maps a stack's name to one value per depth, starting at depth 0 (the input). One
    axes, one line per stack.
    """
    if not norms:
        raise ValueError("plot_gradient_norms needs at least one stack")
    fig, ax = plt.subplots(figsize=(7.2, 3.9))
    for name, vals in norms.items():
        v = np.asarray(vals, dtype=float)
        ax.plot(np.arange(v.size), v, marker="o", ms=3, label=name)
    ax.set_yscale("log")
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.set_title(title)
    ax.grid(alpha=0.3, which="both")
    ax.legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.01, 1.0))
    fig.tight_layout()
    return fig


def plot_curves(
    curves: Mapping[str, Sequence[float]],
    title: str = "Training",
    ylabel: str = "validation accuracy",
    xlabel: str = "epoch",
):
    """One line per named curve against the epoch (1, 2, ...), each in its own colour. One axes."""
    if not curves:
        raise ValueError("plot_curves needs at least one curve")
    fig, ax = plt.subplots(figsize=(6.8, 3.8))
    for name, vals in curves.items():
        v = np.asarray(vals, dtype=float)
        ax.plot(np.arange(1, v.size + 1), v, marker="o", ms=3, label=name)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.set_title(title)
    ax.grid(alpha=0.3)
    ax.legend(fontsize=9, loc="lower right")
    fig.tight_layout()
    return fig


# ----------------------------------------------------------------------------- detection


def make_detection_scene(
    n_objects: int = 3, per_object: int = 5, n_false: int = 3, image_size: float = 100.0, seed: int = 0
):
    """A seeded toy detector output: ground-truth boxes and scored, overlapping predictions.

    Returns ``(gt, boxes, scores, owner)``: ``gt`` (n_objects, 4) true boxes; ``boxes``
    (n_objects * per_object + n_false, 4) predictions (jittered copies of each true box, then
    ``n_false`` random low-score boxes); ``scores`` (M,) in (0, 1), higher for better-placed copies;
    ``owner`` (M,) the index of the true box each prediction copies (-1 for the random ones).
    Boxes are ``(x1, y1, x2, y2)`` with x1 < x2 and y1 < y2, inside [0, image_size].
    """
    if n_objects < 0 or per_object < 0 or n_false < 0:
        raise ValueError("counts must be non-negative")
    rng = np.random.default_rng(seed)
    size = float(image_size)
    gt = np.empty((n_objects, 4))
    for k in range(n_objects):
        w, h = rng.uniform(0.18, 0.35, 2) * size
        x1, y1 = (
            rng.uniform(0.02 * size, size - w - 0.02 * size),
            rng.uniform(0.02 * size, size - h - 0.02 * size),
        )
        gt[k] = (x1, y1, x1 + w, y1 + h)
    boxes, scores, owner = [], [], []
    for k in range(n_objects):
        w, h = gt[k, 2] - gt[k, 0], gt[k, 3] - gt[k, 1]
        for _ in range(per_object):
            shift = rng.normal(0.0, 0.08, 4) * np.array([w, h, w, h])
            b = gt[k] + shift
            boxes.append(b)
            scores.append(
                float(
                    np.clip(
                        0.95 - 2.5 * np.abs(shift / np.array([w, h, w, h])).mean() + rng.normal(0, 0.03),
                        0.3,
                        0.99,
                    )
                )
            )
            owner.append(k)
    for _ in range(n_false):
        w, h = rng.uniform(0.1, 0.3, 2) * size
        x1, y1 = rng.uniform(0, size - w), rng.uniform(0, size - h)
        boxes.append(np.array([x1, y1, x1 + w, y1 + h]))
        scores.append(float(rng.uniform(0.05, 0.35)))
        owner.append(-1)
    boxes_arr = np.clip(np.array(boxes).reshape(-1, 4), 0.0, size)
    boxes_arr[:, 2:] = np.maximum(boxes_arr[:, 2:], boxes_arr[:, :2] + 1e-3 * size)
    return gt, boxes_arr, np.array(scores), np.array(owner, dtype=np.int64)


def make_anchors(
    feature_size: int, image_size: float, sizes: Sequence[float], ratios: Sequence[float]
) -> np.ndarray:
    """Anchor boxes centred on the cells of a ``feature_size`` x ``feature_size`` grid over the image.

    For every cell (row-major) and every (size s, aspect ratio r = width / height) pair, a box of
    width ``s * sqrt(r)`` and height ``s / sqrt(r)`` (area ``s**2``) centred on the cell centre.
    Returns (feature_size**2 * len(sizes) * len(ratios), 4) corners ``(x1, y1, x2, y2)``.
    """
    if feature_size < 1 or not sizes or not ratios:
        raise ValueError("need feature_size >= 1 and at least one size and one ratio")
    step = float(image_size) / feature_size
    centres = (np.arange(feature_size) + 0.5) * step
    cy, cx = np.meshgrid(centres, centres, indexing="ij")
    wh = np.array([(s * np.sqrt(r), s / np.sqrt(r)) for s in sizes for r in ratios])  # (A, 2)
    c = np.stack([cx.ravel(), cy.ravel()], axis=1)  # (cells, 2)
    half = wh[None, :, :] / 2.0
    boxes = np.concatenate([c[:, None, :] - half, c[:, None, :] + half], axis=2)  # (cells, A, 4)
    return boxes.reshape(-1, 4)


def _draw_box(ax, b, **kw):
    ax.add_patch(Rectangle((b[0], b[1]), b[2] - b[0], b[3] - b[1], fill=False, **kw))


def plot_boxes(
    boxes,
    scores=None,
    keep=None,
    gt=None,
    image_size: float = 100.0,
    title: str = "Boxes",
):
    """Predicted boxes (and optionally the true ones) on an image-sized canvas.

    ``boxes`` (M, 4) corners; ``scores`` (M,) printed at each box's corner; ``keep`` indices of
    the boxes that survive (solid; the others dashed and faint); ``gt`` (K, 4) true boxes in
    thick green. y grows downwards, as in image coordinates. One axes.
    """
    b = _np(boxes).reshape(-1, 4)
    fig, ax = plt.subplots(figsize=(5.2, 5.2))
    kept = set(range(len(b))) if keep is None else {int(i) for i in np.asarray(keep).ravel()}
    colors = plt.get_cmap("tab10")
    if gt is not None:
        for g in _np(gt).reshape(-1, 4):
            _draw_box(ax, g, edgecolor="tab:green", lw=3.5, alpha=0.6)
        ax.plot([], [], color="tab:green", lw=3.5, alpha=0.6, label="true box")
    for i, bi in enumerate(b):
        on = i in kept
        _draw_box(
            ax,
            bi,
            edgecolor=colors(i % 10),
            lw=2.0 if on else 1.0,
            ls="-" if on else "--",
            alpha=1.0 if on else 0.45,
        )
        if scores is not None:
            ax.text(
                bi[0] + 0.5,
                bi[1] + 0.5,
                f"{i}: {float(_np(scores).ravel()[i]):.2f}",
                fontsize=7,
                va="top",
                color=colors(i % 10),
                alpha=1.0 if on else 0.5,
            )
    if keep is not None:
        ax.plot([], [], color="0.3", lw=2.0, label=f"kept ({len(kept)})")
        ax.plot([], [], color="0.3", lw=1.0, ls="--", alpha=0.5, label=f"suppressed ({len(b) - len(kept)})")
    ax.set_xlim(0, image_size)
    ax.set_ylim(image_size, 0)
    ax.set_aspect("equal")
    ax.set_xlabel("x (pixels)")
    ax.set_ylabel("y (pixels, downwards)")
    ax.set_title(title)
    if gt is not None or keep is not None:
        ax.legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.01, 1.0))
    fig.tight_layout()
    return fig


def plot_anchors(
    anchors,
    image_size: float,
    feature_size: int,
    cell: tuple[int, int] = (1, 1),
    per_cell: int | None = None,
    title: str = "Anchor boxes",
):
    """The anchor grid: every cell centre as a dot and the anchors of one ``cell`` (row, column) drawn.

    ``anchors`` as made by :func:`make_anchors` (cells in row-major order, ``per_cell`` anchors
    each; by default ``len(anchors) // feature_size**2``). One axes.
    """
    a = _np(anchors).reshape(-1, 4)
    cells = feature_size * feature_size
    per_cell = per_cell or len(a) // cells
    if per_cell * cells != len(a):
        raise ValueError(f"{len(a)} anchors do not split into {cells} cells")
    fig, ax = plt.subplots(figsize=(5.2, 5.2))
    centres = (a[:, :2] + a[:, 2:]) / 2
    ax.plot(centres[::per_cell, 0], centres[::per_cell, 1], ".", color="0.4", label="cell centres")
    step = image_size / feature_size
    for t in range(1, feature_size):
        ax.axhline(t * step, color="0.85", lw=0.8)
        ax.axvline(t * step, color="0.85", lw=0.8)
    r, c = cell
    start = (r * feature_size + c) * per_cell
    colors = plt.get_cmap("tab10")
    for i in range(per_cell):
        _draw_box(ax, a[start + i], edgecolor=colors(i % 10), lw=1.8)
    ax.plot([], [], color="0.3", lw=1.8, label=f"the {per_cell} anchors of cell {cell}")
    ax.set_xlim(-0.1 * image_size, 1.1 * image_size)
    ax.set_ylim(1.1 * image_size, -0.1 * image_size)
    ax.add_patch(Rectangle((0, 0), image_size, image_size, fill=False, edgecolor="black", lw=1.0))
    ax.set_aspect("equal")
    ax.set_xlabel("x (pixels)")
    ax.set_ylabel("y (pixels, downwards)")
    ax.set_title(title)
    ax.legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.01, 1.0))
    fig.tight_layout()
    return fig

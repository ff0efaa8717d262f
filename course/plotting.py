"""Plotting style shared by every chapter: ``plot_history`` for training curves.

Figures are pure functions that take data and return a ``matplotlib.figure.Figure``; a notebook
shows one with ``course.widgets.show``. A chapter's own figures live in its module
(``course/<topic>.py``).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.ticker import MaxNLocator

_SPLITS = {"train": "-", "training": "-", "val": "--", "valid": "--", "validation": "--", "test": ":"}
_MARKERS = (None, "o", "s", "^", "D", "v")


def _split_of(key: str) -> str | None:
    for word in re.findall(r"[a-z]+", key.lower()):
        if word in _SPLITS:
            return word
    return None


def _run_of(key: str) -> str:
    """The part of a curve's name that names the run: 'NumPy train loss' -> 'NumPy'."""
    drop = set(_SPLITS) | {"loss", "accuracy", "acc"}
    words = [w for w in key.split() if w.lower() not in drop]
    return " ".join(words)


def plot_history(history: Mapping[str, Sequence[float]], title: str = "Training", xlabel: str = "epoch"):
    """Training curves, one value per epoch: losses on the left axes, everything else on the right.

    ``history`` maps a curve's name to its values, e.g. ``{"train loss": [...], "train accuracy":
    [...], "val accuracy": [...]}`` (what ``course.train.fit`` returns). Several runs go in one
    mapping with a prefix each (``"NumPy train loss"``, ``"PyTorch train loss"``): a run keeps
    one colour, the split sets the line style (train solid, validation dashed, test dotted), and
    later runs are drawn thinner with markers on top of earlier ones, so that curves which
    coincide stay visible. Epochs are integers; the accuracy axis is zoomed to where its curves
    are (never beyond [0, 1]); legends sit below the axes, off the curves. Returns the figure
    (one axes, or two when there are curves other than losses).
    """
    if not history:
        raise ValueError("plot_history needs at least one curve")
    losses = {k: v for k, v in history.items() if "loss" in k.lower()}
    others = {k: v for k, v in history.items() if k not in losses}
    panels = [p for p in (losses, others) if p]
    fig, axes = plt.subplots(1, len(panels), figsize=(5.4 * len(panels), 3.9), squeeze=False)
    runs: list[str] = []
    for key in history:
        if _run_of(key) not in runs:
            runs.append(_run_of(key))
    colors = plt.rcParams["axes.prop_cycle"].by_key()["color"]
    for ax, panel in zip(axes.flat, panels):
        all_values = []
        for key, values in panel.items():
            values = np.asarray(values, dtype=float)
            all_values.append(values[np.isfinite(values)])
            epochs = np.arange(1, len(values) + 1)
            r = runs.index(_run_of(key))
            split = _split_of(key)
            ax.plot(
                epochs,
                values,
                color=colors[r % len(colors)],
                ls=_SPLITS.get(split, "-") if split else "-",
                lw=max(3.0 - 1.0 * r, 1.2),
                alpha=0.9,
                marker=_MARKERS[r % len(_MARKERS)],
                ms=4,
                markevery=max(1, len(values) // 15),
                label=key,
            )
        ax.set_xlabel(xlabel)
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        ax.grid(alpha=0.3)
        finite = np.concatenate(all_values) if all_values else np.array([])
        if panel is losses:
            ax.set_ylabel("loss")
            ax.set_title("loss")
        else:
            is_acc = all("acc" in k.lower() for k in panel)
            ax.set_ylabel("accuracy" if is_acc else "value")
            ax.set_title("accuracy" if is_acc else "metrics")
            if is_acc and finite.size:
                lo, hi = float(finite.min()), float(finite.max())
                margin = max(0.01, 0.1 * (hi - lo))
                ax.set_ylim(max(0.0, lo - margin), min(1.0, hi + margin) + 0.005)
        ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.18), ncol=2, fontsize=9, frameon=False)
    fig.suptitle(title)
    fig.tight_layout()
    return fig

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

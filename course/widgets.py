"""Controls around the pure figure functions of ``course.plotting`` ("static first").

A lecture shows a figure function with its defaults in one cell (what papermill keeps) and wraps
the same function here in the next cell. ``interactive`` is the generic wrapper; the
``*_explorer`` functions build the labelled controls of the chapter 01 lecture.

Figures are shown as PNG images and closed right after, so that neither the inline backend nor
repeated redraws leave figures piling up in pyplot.
"""

from __future__ import annotations

import io
from collections.abc import Callable

import ipywidgets as w
import matplotlib.pyplot as plt
from IPython.display import Image, display

from course import plotting
from course.activations import ACTIVATION_NAMES

_STYLE = {"description_width": "initial"}
# The explorers look the figure functions up in ``course.plotting`` at draw time (through a
# lambda), so that a test can replace them with a recording stand-in.
_ACT_LABELS = {"sigmoid": "sigmoid", "tanh": "tanh", "relu": "ReLU", "leaky_relu": "leaky ReLU"}


def show(fig, dpi: int = 100) -> None:
    """Display ``fig`` as a PNG image and close it. Works with any matplotlib backend (Agg included)."""
    buf = io.BytesIO()
    try:
        fig.savefig(buf, format="png", dpi=dpi, bbox_inches="tight")
    finally:
        plt.close(fig)
    display(Image(data=buf.getvalue(), format="png"))


def interactive(fig_fn: Callable[..., object], /, **controls) -> w.VBox:
    """Wrap ``fig_fn`` (keyword arguments -> Figure) in controls; returns ``VBox([controls, Output])``.

    Each keyword is an argument of ``fig_fn``: a widget with a ``value`` becomes a control, anything
    else is passed unchanged on every call. The figure is drawn once now and again whenever a
    control's value changes (``ipywidgets.interactive_output``); each figure is closed after it is
    displayed. The returned box also carries ``.controls`` (name -> widget) and ``.output``.
    """
    live = {k: v for k, v in controls.items() if isinstance(v, w.ValueWidget)}
    fixed = {k: v for k, v in controls.items() if k not in live}
    if not live:
        raise ValueError("interactive needs at least one widget among the keyword arguments")

    def render(**values):
        try:
            fig = fig_fn(**values, **fixed)
        except ValueError as err:  # e.g. no activation selected: say so instead of a traceback
            print(f"nothing to draw: {err}")
            return
        show(fig)

    out = w.interactive_output(render, live)
    box = w.VBox([w.HBox(list(live.values()), layout=w.Layout(flex_flow="row wrap")), out])
    box.controls = live
    box.output = out
    return box


def activation_explorer(z_max: float = 5.0, alpha: float = 0.1) -> w.VBox:
    """Choose an activation and see f and f' (``course.plotting.plot_activations``).

    Controls: the activation (or all four), the plotted range [-z_max, z_max] and the leaky-ReLU slope.
    """
    options = [("all four", ACTIVATION_NAMES)] + [(_ACT_LABELS[n], n) for n in ACTIVATION_NAMES]
    return interactive(
        lambda **kw: plotting.plot_activations(**kw),
        names=w.Dropdown(options=options, value="sigmoid", description="activation", style=_STYLE),
        z_max=w.FloatSlider(
            value=z_max,
            min=1.0,
            max=10.0,
            step=0.5,
            description="range ± z",
            continuous_update=False,
            style=_STYLE,
        ),
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


def _activation_picker(value=("sigmoid", "tanh", "relu")) -> w.SelectMultiple:
    return w.SelectMultiple(
        options=[(_ACT_LABELS[n], n) for n in ACTIVATION_NAMES],
        value=tuple(value),
        rows=4,
        description="activations (ctrl-click)",
        style=_STYLE,
    )


def _init_picker(value: str = "auto", auto: bool = True) -> w.Dropdown:
    options = [
        ("small: N(0, 0.01²)", "small"),
        ("unit: N(0, 1)", "unit"),
        ("Xavier", "xavier"),
        ("He", "he"),
    ]
    if auto:
        options.insert(0, ("matched (He for ReLU, Xavier otherwise)", "auto"))
    return w.Dropdown(options=options, value=value, description="weight init", style=_STYLE)


def _depth_slider(value: int, max_depth: int, min_depth: int = 2) -> w.IntSlider:
    return w.IntSlider(
        value=min(value, max_depth),
        min=min_depth,
        max=max(max_depth, min_depth),
        description="depth (layers)",
        continuous_update=False,
        style=_STYLE,
    )


def gradient_norm_explorer(
    max_depth: int = 10, width: int = 64, n_samples: int = 256, seed: int = 0
) -> w.VBox:
    """Depth, activations and init controls around ``course.plotting.plot_gradient_norms`` (log scale).

    The depth slider runs from 2 to ``max(max_depth, 20)``; ``width``, ``n_samples`` and ``seed`` are fixed.
    """
    return interactive(
        lambda **kw: plotting.plot_gradient_norms(**kw),
        depth=_depth_slider(max_depth, max(max_depth, 20)),
        activations=_activation_picker(),
        init=_init_picker(),
        width=width,
        n_samples=n_samples,
        seed=seed,
    )


def init_explorer(max_depth: int = 10, width: int = 64, n_samples: int = 256, seed: int = 0) -> w.VBox:
    """Depth and activation controls around ``course.plotting.plot_activation_scale`` (all four init schemes)."""
    return interactive(
        lambda **kw: plotting.plot_activation_scale(**kw),
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

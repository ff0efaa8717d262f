"""Controls around pure figure functions ("static first").

A lecture shows a figure function with its defaults in one cell (what papermill keeps) and wraps
the same function with :func:`interactive` in the next cell. A chapter's own explorers (labelled
controls for its figures) live in its module, ``course/<topic>.py``.

Figures are shown as PNG images and closed right after, so that neither the inline backend nor
repeated redraws leave figures piling up in pyplot.
"""

from __future__ import annotations

import io
import os
from collections.abc import Callable

import ipywidgets as w
import matplotlib.pyplot as plt
from IPython.display import Image, display

GRADING_ENV = "COURSE_GRADING"  # set by the grader in its kernels' environment (autograder.worker)


def grading_run() -> bool:
    """True in the grader's kernels, where a figure is never seen: the grade comes from the
    checks, and the student's feedback shows their answers and verdicts, not the outputs."""
    return bool(os.environ.get(GRADING_ENV))


def show(fig, dpi: int = 100) -> None:
    """Display ``fig`` as a PNG image and close it. Works with any matplotlib backend (Agg included).

    In a grading run (:func:`grading_run`) the figure is closed without being drawn: rendering
    and encoding it (0.1 to 0.6 s a figure in chapter 01) would be paid once per student for an image that
    nobody sees. Everything that builds the figure has run by then, student code included.
    """
    if grading_run():
        plt.close(fig)
        return
    buf = io.BytesIO()
    try:
        fig.savefig(buf, format="png", dpi=dpi, bbox_inches="tight")
    finally:
        plt.close(fig)
    display(Image(data=buf.getvalue(), format="png"))


def batch_run() -> bool:
    """True in batch runs, where nobody looks at an explorer (papermill, the test suite, the
    grader: ``COURSE_PLAIN_PROGRESS`` or ``CI`` set)."""
    return bool(os.environ.get("COURSE_PLAIN_PROGRESS") or os.environ.get("CI"))


BATCH_NOTE = "(an explorer: its figure is drawn when you run this cell in JupyterLab)"


def interactive(fig_fn: Callable[..., object], /, **controls) -> w.VBox:
    """Wrap ``fig_fn`` (keyword arguments -> Figure) in controls; returns ``VBox([controls, Output])``.

    Each keyword is an argument of ``fig_fn``: a widget with a ``value`` becomes a control, anything
    else is passed unchanged on every call. The figure is drawn once now and again whenever a
    control's value changes (``ipywidgets.interactive_output``); each figure is closed after it is
    displayed. The returned box also carries ``.controls`` (name -> widget) and ``.output``.

    In a batch run (:func:`batch_run`) nothing is drawn: the box holds the controls and a line
    saying so, and ``.output`` is None. The static figure of the cell above is what a batch run
    keeps; drawings sent through an executor's Output-widget stand-in were seen to stall
    papermill in about one explorer cell in 40 until the cell timeout.
    """
    live = {k: v for k, v in controls.items() if isinstance(v, w.ValueWidget)}
    fixed = {k: v for k, v in controls.items() if k not in live}
    if not live:
        raise ValueError("interactive needs at least one widget among the keyword arguments")
    row = w.HBox(list(live.values()), layout=w.Layout(flex_flow="row wrap"))
    if batch_run():
        box = w.VBox([row, w.Label(BATCH_NOTE)])
        box.controls, box.output = live, None
        return box

    def render(**values):
        try:
            fig = fig_fn(**values, **fixed)
        except ValueError as err:  # e.g. nothing selected in a multiple choice: say so instead of a traceback
            print(f"nothing to draw: {err}")
            return
        show(fig)

    out = w.interactive_output(render, live)
    box = w.VBox([row, out])
    box.controls = live
    box.output = out
    return box

"""Chapter 10 (feedback alignment): the update-locking schedule, the figures and the explorers.

Everything here serves ``lectures/10_feedback_alignment.ipynb`` and the figures of the
assignment; none of it is a graded function. The learning rules a student writes
(``fa_backward``, ``dfa_deltas``, ``DFANet``, ``alignment_angle``, ``synthetic_gradient_step``,
``DFALinearFunction`` ...) are deliberately absent, and the assignment's answer cells may not
import this module. Figures that show training take the recorded numbers (accuracies, angles)
as arguments, so that no model and no learning rule lives here.

Conventions, as in the assignment: a network has ``depth`` hidden layers and ``depth + 1``
weight matrices, layer ``l = 1 .. depth + 1``; a run is recorded once before training (epoch 0)
and after every epoch.

Contents:

* ``RULES``, ``RULE_LABELS``: the learning rules' short names and their labels;
* ``locking_schedule``, ``plot_locking``, ``locking_explorer``: when each layer can update its
  weights under backprop, feedback alignment, direct feedback alignment and synthetic
  gradients, in a model where each layer's matrix product takes one time step;
* ``plot_rule_runs``, ``rule_depth_explorer``: a learning rule at a depth, its accuracy curve
  against the other rules' and the alignment angle of each hidden layer over training;
* ``plot_curves``: several named curves over the epochs (angles, cosines, accuracies);
* ``plot_angle_histogram``: the distribution of angles between random vectors;
* ``format_table``: a plain-text table (for the lecture's comparison of the rules).

The explorers draw only where someone can look: in a batch run (``COURSE_PLAIN_PROGRESS`` or
``CI`` set: papermill, the test suite, the grader) their controls are built, without the Output
widget a live explorer draws into, and the static figure of the cell before each explorer holds
the picture.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.patches import Patch
from matplotlib.ticker import MaxNLocator

from course.widgets import batch_run

RULES = ("bp", "fa", "dfa")
SCHEDULE_RULES = ("bp", "fa", "dfa", "sg")
RULE_LABELS = {
    "bp": "backprop (BP)",
    "fa": "feedback alignment (FA)",
    "dfa": "direct feedback alignment (DFA)",
    "sg": "synthetic gradients (DNI)",
}
_RULE_COLORS = {"bp": "tab:blue", "fa": "tab:orange", "dfa": "tab:green", "sg": "tab:purple"}
_STYLE = {"description_width": "initial"}

__all__ = [
    "RULES",
    "RULE_LABELS",
    "SCHEDULE_RULES",
    "format_table",
    "locking_explorer",
    "locking_schedule",
    "plot_angle_histogram",
    "plot_curves",
    "plot_locking",
    "plot_rule_runs",
    "rule_depth_explorer",
]


def _explorer(fig_fn: Callable, **controls):
    """``course.widgets.interactive(fig_fn, **controls)`` where someone can look.

    In a batch run it returns the same labelled controls (``.controls``) and a line saying why
    nothing is drawn, without the Output widget that ``interactive`` draws into: under papermill
    such a cell was seen to stall the executor until its cell timeout, about one explorer cell in
    40, while the same controls without an Output widget never did (0 in 400).
    """
    import ipywidgets as w

    from course.widgets import interactive

    if not batch_run():
        return interactive(fig_fn, **controls)
    live = {k: v for k, v in controls.items() if isinstance(v, w.ValueWidget)}
    note = w.Label("The explorer draws in a live notebook; the figure above shows its defaults.")
    box = w.VBox([w.HBox(list(live.values()), layout=w.Layout(flex_flow="row wrap")), note])
    box.controls = live
    return box


# --------------------------------------------------------------------------- update locking


def locking_schedule(rule: str, n_layers: int) -> dict[str, np.ndarray]:
    """When each of ``n_layers`` weight layers of a chain can update, in a unit-time model.

    The model: the forward matrix product of layer ``l`` (``l = 1 .. n_layers``) runs in time step
    ``l``, and the output error ``e`` is known at the end of step ``n_layers``. Every later matrix
    product also takes one step. A layer updates one step after its delta (its error signal)
    is known. The deltas are ready at the end of step

    * ``bp`` and ``fa``: ``n_layers`` for the top layer (its delta is ``e``), then one step more
      per layer going down (``delta_l`` needs ``delta_{l+1}``, times ``W^T`` or ``B``);
    * ``dfa``: ``n_layers`` for the top layer, ``n_layers + 1`` for every other layer (one
      product ``e B_l``, all layers at once);
    * ``sg``: ``l + 1`` for every layer but the top one (its synthetic-gradient module predicts
      the delta from the layer's own output in the step after its forward product), ``n_layers``
      for the top layer.

    Returns arrays indexed by ``l - 1``: ``"forward"`` (the step of the forward product),
    ``"delta"`` (the step at whose end the delta is known) and ``"update"`` (the step of the
    weight update, ``delta + 1``).
    """
    if rule not in SCHEDULE_RULES:
        raise ValueError(f"unknown rule {rule!r}; expected one of {SCHEDULE_RULES}")
    if n_layers < 1:
        raise ValueError(f"need at least one layer, got {n_layers}")
    L = int(n_layers)
    layers = np.arange(1, L + 1)
    if rule in ("bp", "fa"):
        delta = 2 * L - layers
    elif rule == "dfa":
        delta = np.where(layers == L, L, L + 1)
    else:
        delta = np.where(layers == L, L, layers + 1)
    return {"forward": layers.copy(), "delta": delta.astype(int), "update": delta.astype(int) + 1}


def plot_locking(n_layers: int = 4, rules: Sequence[str] = ("bp", "dfa", "sg")):
    """One timeline per rule: for each layer its forward step, the steps it waits for its error
    signal (locked), the step its delta is computed and the step of its update."""
    rules = list(rules)
    if not rules:
        raise ValueError("choose at least one rule")
    fig, axes = plt.subplots(1, len(rules), figsize=(4.6 * len(rules), 0.55 * n_layers + 2.3), squeeze=False)
    last = max(int(locking_schedule(r, n_layers)["update"].max()) for r in rules)
    colors = {"forward": "tab:blue", "wait": "0.85", "delta": "tab:orange", "update": "tab:green"}
    for ax, rule in zip(axes.flat, rules):
        s = locking_schedule(rule, n_layers)
        for i in range(n_layers):
            f, d, u = s["forward"][i], s["delta"][i], s["update"][i]
            y = i + 1
            ax.barh(y, 1, left=f - 1, color=colors["forward"], edgecolor="white")
            if d > f:
                ax.barh(y, d - f, left=f, color=colors["wait"], edgecolor="white", hatch="//")
            ax.barh(y, 1, left=u - 1, color=colors["update"], edgecolor="white")
            ax.text(u - 0.5, y, str(u), ha="center", va="center", fontsize=8, color="white")
        ax.set_title(f"{RULE_LABELS[rule]}\nlayer 1 updates in step {s['update'][0]}", fontsize=10)
        ax.set_xlabel("time step (one matrix product each)")
        ax.set_ylabel("layer")
        ax.set_xlim(0, last)
        ax.set_ylim(0.4, n_layers + 0.6)
        ax.yaxis.set_major_locator(MaxNLocator(integer=True))
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        ax.grid(axis="x", alpha=0.3)
    handles = [
        Patch(color=colors["forward"], label="forward product"),
        Patch(facecolor=colors["wait"], hatch="//", label="waiting for its error signal (locked)"),
        Patch(color=colors["update"], label="weight update (step number inside)"),
    ]
    fig.legend(handles=handles, loc="lower center", ncol=3, frameon=False, bbox_to_anchor=(0.5, -0.02))
    fig.suptitle(f"When can each of {n_layers} layers update its weights?", y=1.0)
    fig.tight_layout(rect=(0, 0.07, 1, 0.97))
    return fig


def locking_explorer(max_layers: int = 10):
    """A slider for the number of layers of :func:`plot_locking`."""
    import ipywidgets as w

    return _explorer(
        plot_locking,
        n_layers=w.IntSlider(
            value=4,
            min=1,
            max=max_layers,
            description="layers",
            continuous_update=False,
            style=_STYLE,
        ),
    )


# --------------------------------------------------------------------------- rules and depths


def _check_runs(runs: Mapping) -> tuple[list[str], list[int]]:
    if not runs:
        raise ValueError("no runs to draw")
    rules = sorted({r for r, _ in runs}, key=lambda r: RULES.index(r) if r in RULES else len(RULES))
    depths = sorted({int(d) for _, d in runs})
    for key, run in runs.items():
        if "val accuracy" not in run or "angles" not in run:
            raise ValueError(f"run {key} needs 'val accuracy' and 'angles'")
        angles = np.asarray(run["angles"], dtype=float)
        if angles.ndim != 2 or angles.shape[1] != int(key[1]):
            raise ValueError(f"run {key}: angles must be (epochs, depth), got shape {angles.shape}")
    return rules, depths


def plot_rule_runs(runs: Mapping, rule: str = "fa", depth: int = 2):
    """A rule at a depth: accuracy curves (left) and the alignment angle of each hidden layer (right).

    ``runs`` maps ``(rule, depth)`` to ``{"val accuracy": [...], "angles": (epochs, depth)}``:
    the held-out accuracy and, for each hidden layer ``l = 1 .. depth``, the angle in degrees
    between the rule's update of ``W_l`` and the true gradient, both recorded before training
    (epoch 0) and after every epoch. The left panel draws the accuracy of every rule recorded at
    that depth after each epoch (the chosen rule thicker); the right panel the chosen rule's
    angles from epoch 0 on, with 90 degrees (an update orthogonal to the gradient) dashed.
    """
    rules, depths = _check_runs(runs)
    if (rule, depth) not in runs:
        raise ValueError(f"no run of rule {rule!r} at depth {depth}; recorded: {sorted(runs)}")
    fig, (ax_acc, ax_ang) = plt.subplots(1, 2, figsize=(11.5, 4.0))
    for r in rules:
        if (r, depth) not in runs:
            continue
        acc = np.asarray(runs[(r, depth)]["val accuracy"], dtype=float)
        chosen = r == rule
        ax_acc.plot(
            np.arange(1, len(acc)),
            acc[1:],
            color=_RULE_COLORS.get(r),
            lw=3.0 if chosen else 1.3,
            alpha=1.0 if chosen else 0.75,
            marker="o" if chosen else None,
            ms=3,
            label=f"{RULE_LABELS.get(r, r)}: {acc[-1]:.3f}",
        )
    ax_acc.set_title(f"Held-out accuracy, {depth} hidden layer{'s' if depth > 1 else ''}")
    ax_acc.set_xlabel("epoch")
    ax_acc.set_ylabel("accuracy on held-out digits")
    finals = [np.asarray(runs[(r, depth)]["val accuracy"], float)[1:] for r in rules if (r, depth) in runs]
    low = min((float(np.nanmin(a)) for a in finals if len(a)), default=0.0)
    ax_acc.set_ylim(max(0.0, low - 0.03), 1.0)
    ax_acc.set_xlim(0, max(len(a) for a in finals) + 0.5)
    ax_acc.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax_acc.grid(alpha=0.3)
    ax_acc.legend(loc="lower right", fontsize=8)

    angles = np.asarray(runs[(rule, depth)]["angles"], dtype=float)
    epochs = np.arange(len(angles))
    cmap = plt.get_cmap("viridis")
    for layer in range(depth):
        ax_ang.plot(
            epochs,
            angles[:, layer],
            color=cmap(layer / max(depth - 1, 1) * 0.85),
            lw=2,
            marker="o",
            ms=3,
            label=f"hidden layer {layer + 1}: {angles[-1, layer]:.0f}°",
        )
    ax_ang.axhline(90, color="0.4", ls="--", lw=1, label="90°: orthogonal to the gradient")
    ax_ang.set_ylim(-3, 100)
    ax_ang.set_title(f"{rule.upper()}: angle between each layer's update and the gradient")
    ax_ang.set_xlabel("epoch")
    ax_ang.set_ylabel("angle (degrees)")
    ax_ang.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax_ang.grid(alpha=0.3)
    ax_ang.legend(loc="lower left", fontsize=8)
    fig.tight_layout()
    return fig


def rule_depth_explorer(runs: Mapping):
    """Buttons for the rule and a slider for the depth around :func:`plot_rule_runs`."""
    import ipywidgets as w

    rules, depths = _check_runs(runs)
    return _explorer(
        plot_rule_runs,
        runs=runs,
        rule=w.ToggleButtons(
            options=[(r.upper(), r) for r in rules],
            value="fa" if "fa" in rules else rules[0],
            description="learning rule",
            style=_STYLE,
        ),
        depth=w.SelectionSlider(
            options=depths,
            value=depths[min(1, len(depths) - 1)],
            description="hidden layers",
            continuous_update=False,
            style=_STYLE,
        ),
    )


# --------------------------------------------------------------------------- generic figures


def plot_curves(
    curves: Mapping[str, Sequence[float]],
    title: str,
    ylabel: str,
    xlabel: str = "epoch",
    hline: float | None = None,
    hline_label: str = "",
    first_x: int = 0,
):
    """Named curves against the epoch (the first value at ``first_x``), optionally a dashed line."""
    if not curves:
        raise ValueError("no curves to draw")
    fig, ax = plt.subplots(figsize=(6.6, 4.0))
    for i, (name, values) in enumerate(curves.items()):
        v = np.asarray(values, dtype=float)
        ax.plot(
            np.arange(first_x, first_x + len(v)),
            v,
            lw=max(2.6 - 0.4 * i, 1.2),
            marker="os^Dv<>"[i % 7],
            ms=3,
            markevery=max(1, len(v) // 15),
            label=name,
        )
    if hline is not None:
        ax.axhline(hline, color="0.4", ls="--", lw=1, label=hline_label or None)
    ax.set_title(title)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8, loc="best")
    fig.tight_layout()
    return fig


def plot_angle_histogram(angles: Mapping[str, Sequence[float]], title: str, bins: int = 36):
    """Histograms of angles in degrees (one per name), on [0, 180] with 90 degrees marked."""
    if not angles:
        raise ValueError("no angles to draw")
    fig, ax = plt.subplots(figsize=(6.6, 3.8))
    edges = np.linspace(0, 180, bins + 1)
    for name, values in angles.items():
        v = np.asarray(values, dtype=float)
        ax.hist(v, bins=edges, alpha=0.55, label=f"{name} (mean {v.mean():.1f}°)")
    ax.axvline(90, color="0.3", ls="--", lw=1)
    ax.set_xlim(0, 180)
    ax.set_title(title)
    ax.set_xlabel("angle (degrees)")
    ax.set_ylabel("count")
    ax.legend(fontsize=8)
    fig.tight_layout()
    return fig


def format_table(header: Sequence[str], rows: Sequence[Sequence[object]]) -> str:
    """A plain-text table: columns padded to their widest entry, a rule under the header."""
    cells = [[str(h) for h in header]] + [[str(c) for c in row] for row in rows]
    if any(len(r) != len(header) for r in cells):
        raise ValueError("every row needs one entry per column")
    widths = [max(len(r[j]) for r in cells) for j in range(len(header))]
    lines = ["  ".join(c.ljust(w) for c, w in zip(r, widths)).rstrip() for r in cells]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)

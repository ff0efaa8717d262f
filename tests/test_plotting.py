"""``course.plotting``: the shared training-curve style."""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

from course import plotting  # noqa: E402


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


def test_plot_history_losses_left_accuracies_right():
    fig = plotting.plot_history(
        {"train loss": [3, 2, 1], "train accuracy": [0.5, 0.8, 0.9], "val accuracy": [0.2, 0.5, 0.7]},
        title="t",
    )
    assert isinstance(fig, Figure)
    loss_ax, acc_ax = fig.axes
    assert [line.get_label() for line in loss_ax.get_lines()] == ["train loss"]
    assert [line.get_label() for line in acc_ax.get_lines()] == ["train accuracy", "val accuracy"]
    assert loss_ax.get_xlabel() == "epoch" and loss_ax.get_ylabel() == "loss"
    assert acc_ax.get_ylabel() == "accuracy"
    # train solid, validation dashed
    assert [line.get_linestyle() for line in acc_ax.get_lines()] == ["-", "--"]


def test_plot_history_only_losses_is_one_axes():
    fig = plotting.plot_history({"train loss": [1.0, 0.5]})
    assert len(fig.axes) == 1


def test_plot_history_epoch_ticks_are_integers():
    fig = plotting.plot_history(
        {"train loss": np.linspace(2, 1, 7), "val accuracy": np.linspace(0.5, 0.9, 7)}
    )
    fig.canvas.draw()
    for ax in fig.axes:
        ticks = [t for t in ax.get_xticks() if ax.get_xlim()[0] <= t <= ax.get_xlim()[1]]
        assert ticks and all(float(t).is_integer() for t in ticks)


def test_plot_history_zooms_accuracy_axis():
    fig = plotting.plot_history({"train loss": [1, 0.5, 0.3], "val accuracy": [0.90, 0.95, 0.97]})
    lo, hi = fig.axes[1].get_ylim()
    assert 0.8 < lo < 0.9 and 0.97 < hi <= 1.01


def test_plot_history_legends_sit_outside_the_axes():
    fig = plotting.plot_history({"train loss": [1, 0.5], "val accuracy": [0.5, 0.6]})
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    for ax in fig.axes:
        leg = ax.get_legend().get_window_extent(renderer)
        box = ax.get_window_extent(renderer)
        assert leg.y1 <= box.y0, "the legend must not overlap the curves"


def test_plot_history_runs_that_coincide_stay_visible():
    same = [2.0, 1.0, 0.5]
    fig = plotting.plot_history({"NumPy train loss": same, "PyTorch train loss": same})
    first, second = fig.axes[0].get_lines()
    assert first.get_color() != second.get_color()
    assert first.get_linewidth() > second.get_linewidth(), "the later run is drawn thinner, on top"
    assert second.get_marker() not in (None, "None", "")


def test_plot_history_needs_a_curve():
    with pytest.raises(ValueError):
        plotting.plot_history({})

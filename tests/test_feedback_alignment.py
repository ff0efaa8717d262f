"""``course.feedback_alignment``: chapter 10's update-locking schedule, figures and explorers."""

import matplotlib

matplotlib.use("Agg")

import numpy as np  # noqa: E402
import pytest  # noqa: E402

from course import feedback_alignment as fa  # noqa: E402
from tests.figures import titled  # noqa: E402


def _labelled(fig):
    """The shared check, and more: every axes has an axis label."""
    titled(fig)
    for ax in fig.axes:
        assert ax.get_xlabel() or ax.get_ylabel(), "every plot needs axis labels"
    return fig


def _runs(depths=(1, 2), epochs=4, seed=0):
    """Fake recorded runs: accuracies rising, angles falling from 90 degrees (0 for backprop)."""
    rng = np.random.default_rng(seed)
    runs = {}
    for depth in depths:
        for rule in fa.RULES:
            acc = np.linspace(0.5, 0.95, epochs + 1) - 0.01 * rng.random(epochs + 1)
            angles = np.zeros((epochs + 1, depth))
            if rule != "bp":
                angles = np.linspace(90, 50, epochs + 1)[:, None] + rng.random((epochs + 1, depth))
            runs[(rule, depth)] = {"val accuracy": list(acc), "angles": angles}
    return runs


# --------------------------------------------------------------------------- locking schedule


def test_schedule_by_hand_for_three_layers():
    s = fa.locking_schedule("bp", 3)
    assert s["forward"].tolist() == [1, 2, 3]
    assert s["delta"].tolist() == [5, 4, 3]  # the deltas come down one layer per step after e (step 3)
    assert s["update"].tolist() == [6, 5, 4]
    assert fa.locking_schedule("fa", 3)["update"].tolist() == [6, 5, 4]  # FA keeps the chain
    assert fa.locking_schedule("dfa", 3)["update"].tolist() == [5, 5, 4]  # one product e B_l, all at once
    assert fa.locking_schedule("sg", 3)["update"].tolist() == [3, 4, 4]  # each layer after its own forward


@pytest.mark.parametrize("n_layers", [1, 2, 5, 16])
def test_schedule_formulas(n_layers):
    bp, dfa, sg = (fa.locking_schedule(r, n_layers)["update"] for r in ("bp", "dfa", "sg"))
    assert bp[0] == 2 * n_layers
    assert dfa[0] == (n_layers + 2 if n_layers > 1 else 2)
    assert sg[0] == (3 if n_layers > 1 else 2)
    for rule in fa.SCHEDULE_RULES:
        s = fa.locking_schedule(rule, n_layers)
        assert np.all(s["update"] == s["delta"] + 1) and np.all(s["delta"] >= s["forward"])
        assert s["update"][-1] == n_layers + 1  # the output layer's delta is e under every rule


def test_schedule_refuses_unknown_input():
    with pytest.raises(ValueError, match="unknown rule"):
        fa.locking_schedule("hebb", 3)
    with pytest.raises(ValueError):
        fa.locking_schedule("bp", 0)


def test_plot_locking_is_titled():
    fig = _labelled(fa.plot_locking(4))
    assert len(fig.axes) == 3
    assert "layer 1 updates in step 8" in fig.axes[0].get_title()  # backprop, L = 4
    with pytest.raises(ValueError):
        fa.plot_locking(3, rules=())


# --------------------------------------------------------------------------- rules and depths


def test_plot_rule_runs_draws_every_rule_and_every_layer():
    runs = _runs()
    fig = _labelled(fa.plot_rule_runs(runs, rule="dfa", depth=2))
    ax_acc, ax_ang = fig.axes
    assert len(ax_acc.get_lines()) == 3  # the three rules' accuracy curves
    assert len(ax_ang.get_lines()) == 2 + 1  # two hidden layers and the 90-degree line
    assert ax_ang.get_legend() is not None and ax_acc.get_legend() is not None


def test_plot_rule_runs_refuses_missing_or_malformed_runs():
    runs = _runs(depths=(1,))
    with pytest.raises(ValueError, match="no run"):
        fa.plot_rule_runs(runs, rule="fa", depth=3)
    bad = {("fa", 2): {"val accuracy": [0.5, 0.6], "angles": np.zeros((2, 3))}}
    with pytest.raises(ValueError, match="angles"):
        fa.plot_rule_runs(bad, rule="fa", depth=2)
    with pytest.raises(ValueError):
        fa.plot_rule_runs({}, rule="fa", depth=1)


def test_rule_depth_explorer_builds_and_draws_nothing_in_batch_runs(monkeypatch):
    import ipywidgets as w

    monkeypatch.setenv("CI", "1")
    box = fa.rule_depth_explorer(_runs(depths=(1, 2, 3)))
    assert set(box.controls) == {"rule", "depth"}
    assert box.controls["depth"].options == (1, 2, 3)
    assert not any(isinstance(c, w.Output) for c in box.children)  # no Output widget in a batch run
    assert "live notebook" in box.children[-1].value
    box.controls["rule"].value = "bp"
    box.controls["depth"].value = 3


def test_explorers_draw_with_a_viewer(monkeypatch):
    monkeypatch.delenv("CI", raising=False)
    monkeypatch.delenv("COURSE_PLAIN_PROGRESS", raising=False)
    box = fa.rule_depth_explorer(_runs(depths=(1, 2)))
    assert hasattr(box, "output") and set(box.controls) == {"rule", "depth"}
    box.controls["depth"].value = 1  # redraws
    box = fa.locking_explorer(max_layers=6)
    assert hasattr(box, "output") and box.controls["n_layers"].max == 6


def test_locking_explorer_builds(monkeypatch):
    monkeypatch.setenv("CI", "1")
    box = fa.locking_explorer(max_layers=6)
    assert box.controls["n_layers"].max == 6


# --------------------------------------------------------------------------- generic figures


def test_plot_curves_and_histogram():
    fig = _labelled(fa.plot_curves({"a": [90, 70, 50], "b": [80, 60]}, "Angles", "degrees", hline=90))
    assert len(fig.axes[0].get_lines()) == 3
    assert fig.axes[0].get_lines()[0].get_xdata().tolist() == [0, 1, 2]
    fig = fa.plot_curves({"a": [1.0, 2.0]}, "From one", "value", first_x=1)
    assert fig.axes[0].get_lines()[0].get_xdata().tolist() == [1, 2]
    rng = np.random.default_rng(0)
    _labelled(fa.plot_angle_histogram({"H = 8": 90 + 5 * rng.standard_normal(50)}, "Angles at init"))
    with pytest.raises(ValueError):
        fa.plot_curves({}, "t", "y")
    with pytest.raises(ValueError):
        fa.plot_angle_histogram({}, "t")


def test_format_table():
    text = fa.format_table(["rule", "acc"], [["BP", 0.97], ["DFA", "0.960"]])
    lines = text.splitlines()
    assert lines[0].split() == ["rule", "acc"] and set(lines[1].replace(" ", "")) == {"-"}
    assert lines[2].split() == ["BP", "0.97"] and len(lines) == 4
    with pytest.raises(ValueError):
        fa.format_table(["a", "b"], [["only one"]])

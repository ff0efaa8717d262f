"""``course.widgets``: controls around figure functions redraw on change and close their figures."""

import matplotlib

matplotlib.use("Agg")

import ipywidgets as w  # noqa: E402
import matplotlib.pyplot as plt  # noqa: E402
import pytest  # noqa: E402

from course import plotting, widgets  # noqa: E402


class Recorder:
    """A figure function that remembers its keyword arguments and returns a tiny real figure."""

    def __init__(self):
        self.calls = []

    def __call__(self, **kwargs):
        self.calls.append(kwargs)
        fig, ax = plt.subplots(figsize=(1, 1))
        ax.plot([0, 1], [0, 1])
        return fig


@pytest.fixture(autouse=True)
def _close_figures():
    plt.close("all")
    yield
    plt.close("all")


def test_interactive_draws_once_then_on_every_change():
    rec = Recorder()
    depth = w.IntSlider(value=3, min=2, max=10, description="depth")
    box = widgets.interactive(rec, depth=depth, width=8)
    assert rec.calls == [{"depth": 3, "width": 8}]
    depth.value = 7
    assert rec.calls[-1] == {"depth": 7, "width": 8}
    assert len(rec.calls) == 2
    assert plt.get_fignums() == [], "figures must be closed after display"
    assert box.controls == {"depth": depth}


def test_interactive_layout_controls_then_output():
    rec = Recorder()
    act = w.Dropdown(options=["sigmoid", "relu"], value="sigmoid", description="activation")
    box = widgets.interactive(rec, activation=act)
    assert isinstance(box, w.VBox)
    controls, out = box.children
    assert isinstance(out, w.Output) and out is box.output
    assert list(controls.children) == [act]
    act.value = "relu"
    assert rec.calls[-1] == {"activation": "relu"}


def test_interactive_needs_a_widget():
    with pytest.raises(ValueError):
        widgets.interactive(Recorder(), depth=3)


def test_interactive_reports_value_errors_instead_of_raising(capsys):
    def picky(names):
        if not names:
            raise ValueError("need at least one activation name")
        return Recorder()()

    sel = w.SelectMultiple(options=["a", "b"], value=("a",), description="pick")
    widgets.interactive(picky, names=sel)
    sel.value = ()
    assert "nothing to draw" in capsys.readouterr().out


def test_show_closes_the_figure():
    fig = Recorder()()
    widgets.show(fig)
    assert plt.get_fignums() == []


@pytest.mark.parametrize(
    ("builder", "fn_name", "control", "new_value"),
    [
        (widgets.activation_explorer, "plot_activations", "names", "relu"),
        (widgets.activation_explorer, "plot_activations", "alpha", 0.3),
        (widgets.gradient_norm_explorer, "plot_gradient_norms", "depth", 4),
        (widgets.gradient_norm_explorer, "plot_gradient_norms", "activations", ("tanh",)),
        (widgets.gradient_norm_explorer, "plot_gradient_norms", "init", "small"),
        (widgets.init_explorer, "plot_activation_scale", "activation", "tanh"),
        (widgets.init_explorer, "plot_activation_scale", "depth", 5),
    ],
)
def test_explorers_redraw_with_new_value(monkeypatch, builder, fn_name, control, new_value):
    rec = Recorder()
    monkeypatch.setattr(plotting, fn_name, rec)
    box = builder()
    assert len(rec.calls) == 1
    ctrl = box.controls[control]
    assert ctrl.description, "every control needs a label"
    assert ctrl.value != new_value
    ctrl.value = new_value
    assert len(rec.calls) == 2
    assert rec.calls[-1][control] == new_value


def test_gradient_norm_explorer_passes_fixed_sizes(monkeypatch):
    rec = Recorder()
    monkeypatch.setattr(plotting, "plot_gradient_norms", rec)
    box = widgets.gradient_norm_explorer(max_depth=6, width=8, n_samples=16, seed=3)
    assert rec.calls[0] == {
        "depth": 6,
        "activations": ("sigmoid", "tanh", "relu"),
        "init": "auto",
        "width": 8,
        "n_samples": 16,
        "seed": 3,
    }
    assert box.controls["depth"].max >= 6


def test_real_explorers_render_without_leaving_figures():
    box = widgets.gradient_norm_explorer(max_depth=3, width=8, n_samples=16)
    box.controls["depth"].value = 5
    widgets.activation_explorer().controls["names"].value = "leaky_relu"
    widgets.init_explorer(max_depth=3, width=8, n_samples=16)
    assert plt.get_fignums() == []

"""``course.backprop``: chapter 01's numeric helpers, data, figures and explorers."""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

from course import backprop  # noqa: E402
from course.gradcheck import numerical_gradient, rel_error  # noqa: E402

SMALL = {"width": 16, "n_samples": 32, "seed": 0}


# --- numeric helpers -----------------------------------------------------------------------------


@pytest.mark.parametrize("name", backprop.ACTIVATION_NAMES)
def test_activation_derivative_matches_central_differences(name):
    z = np.array([-3.0, -0.7, 0.4, 2.5])  # away from the kink at 0
    num = numerical_gradient(lambda v: np.sum(backprop.activation_value(name, v, 0.05)), z.copy())
    assert rel_error(num, backprop.activation_derivative(name, z, 0.05)) < 1e-7


def test_sigmoid_is_stable_for_large_inputs():
    z = np.array([-1000.0, 0.0, 1000.0])
    with np.errstate(over="raise", invalid="raise"):  # underflow to 0 is fine
        np.testing.assert_allclose(backprop.activation_value("sigmoid", z), [0.0, 0.5, 1.0])


def test_unknown_names_are_refused():
    with pytest.raises(ValueError, match="unknown activation"):
        backprop.activation_value("swish", 1.0)
    with pytest.raises(ValueError):
        backprop.init_std("orthogonal", 3, 3)


def test_init_std_formulas():
    assert backprop.init_std("he", 50, 10) == pytest.approx(np.sqrt(2 / 50))
    assert backprop.init_std("xavier", 50, 10) == pytest.approx(np.sqrt(2 / 60))
    assert backprop.default_init("relu") == "he" and backprop.default_init("tanh") == "xavier"


def test_layer_gradient_norms_agree_with_numeric_gradient():
    depth, width, n = 3, 4, 5
    weights, hs, _ = backprop.random_mlp(depth, width, "tanh", "xavier", n, seed=3)
    g = np.random.default_rng(4).standard_normal((n, width))  # the helper's read-out uses seed + 1

    def loss(w_first):
        h = backprop.activation_value("tanh", hs[0] @ w_first)
        for wl in weights[1:]:
            h = backprop.activation_value("tanh", h @ wl)
        return np.sum(h * g) / n

    num = numerical_gradient(loss, weights[0].copy())
    norms = backprop.layer_gradient_norms(depth, width, "tanh", "xavier", n, seed=3)
    assert norms.shape == (depth,)
    assert norms[0] == pytest.approx(np.linalg.norm(num), rel=1e-6)


def test_sigmoid_gradients_vanish_layer_to_layer_relu_he_keeps_them():
    sig = backprop.layer_gradient_norms(10, 64, "sigmoid", "xavier", 256, seed=0)
    relu = backprop.layer_gradient_norms(10, 64, "relu", "he", 256, seed=0)
    assert sig[0] / sig[-1] < 1e-4
    assert 0.2 < relu[0] / relu[-1] < 5
    assert np.all(np.diff(sig) > 0), "with sigmoid the gradient norm shrinks towards the input"


def test_relu_weight_scale_moves_every_layer_alike():
    """The lecture's claim: for ReLU (no biases, linear read-out) scaling the weights by c scales
    every layer's gradient by c**(L-1), so the first/last ratio is the same for every scale."""
    norms = {s: backprop.layer_gradient_norms(6, 16, "relu", s, 32, seed=1) for s in backprop.INIT_SCHEMES}
    ratios = [n[0] / n[-1] for n in norms.values()]
    np.testing.assert_allclose(ratios, ratios[0], rtol=1e-9)
    c = backprop.init_std("unit", 16, 16) / backprop.init_std("he", 16, 16)
    np.testing.assert_allclose(norms["unit"] / norms["he"], c**5, rtol=1e-9)


def test_gradient_ratio_by_depth_shrinks_with_depth_for_sigmoid():
    ratios = backprop.gradient_ratio_by_depth(range(2, 8), activation="sigmoid", **SMALL)
    assert ratios.shape == (6,)
    assert ratios[-1] < ratios[0] / 100


def test_he_keeps_relu_signal_while_small_init_collapses():
    he = backprop.preactivation_rms(10, 64, "relu", "he", 256, seed=0)
    small = backprop.preactivation_rms(10, 64, "relu", "small", 256, seed=0)
    assert he.shape == small.shape == (10,)
    assert 0.3 < he[-1] / he[0] < 3
    assert small[-1] / small[0] < 1e-6


def test_gradient_descent_path_converges_below_two_over_curvature():
    ok = backprop.gradient_descent_path(0.19, curvatures=(1.0, 10.0), steps=200)
    bad = backprop.gradient_descent_path(0.21, curvatures=(1.0, 10.0), steps=200)
    assert ok.shape == (201, 2)
    assert np.abs(ok[-1]).max() < 1e-3
    assert np.abs(bad[-1, 1]) > 1e3


# --- data ----------------------------------------------------------------------------------------


def test_make_xor_is_seeded_balanced_and_not_linearly_separable():
    d = backprop.make_xor(n_per_corner=20, seed=3)
    assert d.X.shape == (80, 2) and d.y.shape == (80,) and d.y.dtype == np.int64
    assert np.bincount(d.y).tolist() == [40, 40]
    assert np.array_equal(d.X, backprop.make_xor(n_per_corner=20, seed=3).X)
    assert not np.array_equal(d.X, backprop.make_xor(n_per_corner=20, seed=4).X)
    clean = backprop.make_xor(n_per_corner=1, noise=0.0)
    np.testing.assert_array_equal(clean.y, (np.sign(clean.X[:, 0]) != np.sign(clean.X[:, 1])).astype(int))


def test_digits_splits_are_disjoint_and_the_test_split_is_load_digits_validation():
    from course.data import load_digits

    train, val, test = backprop.digits_splits()
    assert (len(train.y), len(val.y), len(test.y)) == (1078, 360, 359)
    assert np.array_equal(test.X, load_digits(seed=0)[1].X)
    rows = lambda s: {r.tobytes() for r in s.X}  # noqa: E731
    assert len(rows(train) & rows(test)) < 5 and len(rows(val) & rows(test)) < 5  # a few duplicate images
    t2, v2, _ = backprop.digits_splits()
    assert np.array_equal(train.y, t2.y) and np.array_equal(val.X, v2.X)


# --- figures -------------------------------------------------------------------------------------


def test_plot_activations_all_four_axes_with_f_and_derivative():
    fig = backprop.plot_activations()
    assert isinstance(fig, Figure)
    assert len(fig.axes) == 4
    for ax in fig.axes:
        assert len(ax.get_lines()) == 3  # f, f' and the zero line
        assert [t.get_text() for t in ax.get_legend().get_texts()] == ["f(z)", "f'(z)"]
        assert ax.get_xlabel() == "z"
    assert [ax.get_title() for ax in fig.axes][:3] == ["sigmoid", "tanh", "ReLU"]


def test_plot_activations_single_name_and_range():
    fig = backprop.plot_activations("tanh", z_max=2.0)
    assert len(fig.axes) == 1
    f_line, df_line = fig.axes[0].get_lines()[:2]
    z = f_line.get_xdata()
    assert z.min() == pytest.approx(-2.0) and z.max() == pytest.approx(2.0)
    np.testing.assert_allclose(f_line.get_ydata(), np.tanh(z))
    np.testing.assert_allclose(df_line.get_ydata(), 1 - np.tanh(z) ** 2)


def test_plot_activations_uses_leaky_slope():
    fig = backprop.plot_activations("leaky_relu", alpha=0.2)
    f_line, df_line = fig.axes[0].get_lines()[:2]
    z, y = f_line.get_xdata(), f_line.get_ydata()
    np.testing.assert_allclose(y[z < 0], 0.2 * z[z < 0])
    d = df_line.get_ydata()
    assert set(np.round(d[~np.isnan(d)], 12)) == {0.2, 1.0}
    assert np.isnan(d).sum() == 1, "the derivative line should break once, at the kink"


def test_plot_activations_rejects_empty_and_unknown():
    with pytest.raises(ValueError):
        backprop.plot_activations(())
    with pytest.raises(ValueError, match="unknown activation"):
        backprop.plot_activations("swish")


def test_plot_perceptron_draws_boundary_and_two_classes():
    X = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=float)
    y = np.array([0, 0, 0, 1])
    fig = backprop.plot_perceptron(X, y, w=np.array([1.0, 1.0]), b=-1.5)
    (ax,) = fig.axes
    (line,) = ax.get_lines()
    xs, ys = line.get_data()
    np.testing.assert_allclose(xs + ys, 1.5)  # the line x1 + x2 - 1.5 = 0
    assert len(ax.collections) == 2
    assert ax.get_title() and ax.get_xlabel() and ax.get_ylabel()


def test_plot_gradient_descent_two_axes_with_labels():
    fig = backprop.plot_gradient_descent(learning_rate=0.1, steps=10)
    ax, ax2 = fig.axes
    assert "η = 0.1" in ax.get_title()
    assert ax2.get_yscale() == "log" and len(ax2.get_lines()[0].get_xdata()) == 11
    assert ax.get_xlabel() and ax2.get_ylabel()


def test_plot_activation_scale_one_line_per_init_on_log_axis():
    fig = backprop.plot_activation_scale(depth=5, activation="relu", **SMALL)
    (ax,) = fig.axes
    assert len(ax.get_lines()) == len(backprop.INIT_SCHEMES)
    assert ax.get_yscale() == "log"
    for line in ax.get_lines():
        assert list(line.get_xdata()) == [1, 2, 3, 4, 5]


def test_plot_gradient_norms_size_and_shape_panels():
    fig = backprop.plot_gradient_norms(
        depth=6, activations=("sigmoid", "relu"), inits=("xavier", "he"), **SMALL
    )
    ax, ax2 = fig.axes
    assert len(ax.get_lines()) == 4 and ax.get_yscale() == ax2.get_yscale() == "log"
    labels = [line.get_label() for line in ax.get_lines()]
    assert labels == ["sigmoid, Xavier", "sigmoid, He", "ReLU, Xavier", "ReLU, He"]
    np.testing.assert_allclose(
        ax.get_lines()[0].get_ydata(),
        backprop.layer_gradient_norms(6, activation="sigmoid", init="xavier", **SMALL),
    )
    rel = ax2.get_lines()[0].get_ydata()
    assert rel[-1] == pytest.approx(1.0)
    assert fig.legends, "the legend sits outside both axes"


def test_plot_gradient_norm_profiles_takes_measured_norms():
    fig = backprop.plot_gradient_norm_profiles({"a": [1e-4, 1e-2, 1.0], "b": [1.0, 1.0, 1.0]}, title="mine")
    ax, ax2 = fig.axes
    np.testing.assert_allclose(ax2.get_lines()[0].get_ydata(), [1e-4, 1e-2, 1.0])
    with pytest.raises(ValueError):
        backprop.plot_gradient_norm_profiles({})


def test_plot_gradient_ratio_vs_depth_spans_depths():
    fig = backprop.plot_gradient_ratio_vs_depth(max_depth=5, activations=("sigmoid", "tanh", "relu"), **SMALL)
    (ax,) = fig.axes
    assert len(ax.get_lines()) == 3
    assert list(ax.get_lines()[0].get_xdata()) == [2, 3, 4, 5]
    assert ax.get_yscale() == "log"
    with pytest.raises(ValueError):
        backprop.plot_gradient_ratio_vs_depth(max_depth=1)


def test_plot_step_size_errors_loglog():
    h = np.logspace(-10, -1, 4)
    fig = backprop.plot_step_size_errors(h, {"forward": [1e-3, 1e-5, 1e-6, 1e-2], "central": [1e-4] * 4})
    (ax,) = fig.axes
    assert len(ax.get_lines()) == 2
    assert ax.get_xscale() == ax.get_yscale() == "log"
    with pytest.raises(ValueError):
        backprop.plot_step_size_errors(h, {"short": [1.0, 2.0]})


def test_plot_decision_boundaries_one_axes_per_model_with_accuracy():
    d = backprop.make_xor(n_per_corner=10, seed=0)
    models = {
        "sign of x1": lambda X: (X[:, 0] > 0).astype(int),
        "xor rule": lambda X: (np.sign(X[:, 0]) != np.sign(X[:, 1])).astype(int),
    }
    fig = backprop.plot_decision_boundaries(models, d.X, d.y, title="xor")
    axes = [a for a in fig.axes if a.get_title()]
    assert len(axes) == 2
    assert axes[1].get_title().endswith("accuracy 1.00")
    with pytest.raises(ValueError):
        backprop.plot_decision_boundaries({}, d.X, d.y)


def test_plot_first_layer_weights_images():
    W1 = np.random.default_rng(0).standard_normal((64, 20))
    fig = backprop.plot_first_layer_weights(W1, n_show=10)
    images = [a for a in fig.axes if a.get_images()]
    assert len(images) == 10
    assert images[0].get_images()[0].get_array().shape == (8, 8)
    with pytest.raises(ValueError):
        backprop.plot_first_layer_weights(np.zeros((10, 3)))


# --- explorers -----------------------------------------------------------------------------------


class Recorder:
    def __init__(self):
        self.calls = []

    def __call__(self, **kwargs):
        self.calls.append(kwargs)
        fig, ax = plt.subplots(figsize=(1, 1))
        ax.plot([0, 1], [0, 1])
        return fig


@pytest.mark.usefixtures("live_notebook")
@pytest.mark.parametrize(
    ("builder", "fn_name", "control", "new_value"),
    [
        (backprop.activation_explorer, "plot_activations", "names", "relu"),
        (backprop.activation_explorer, "plot_activations", "alpha", 0.3),
        (backprop.gradient_descent_explorer, "plot_gradient_descent", "learning_rate", 0.21),
        (backprop.gradient_norm_explorer, "plot_gradient_norms", "depth", 4),
        (backprop.gradient_norm_explorer, "plot_gradient_norms", "activations", ("tanh",)),
        (backprop.gradient_norm_explorer, "plot_gradient_norms", "inits", ("small", "unit")),
        (backprop.init_explorer, "plot_activation_scale", "activation", "tanh"),
        (backprop.init_explorer, "plot_activation_scale", "depth", 5),
    ],
)
def test_explorers_redraw_with_new_value(monkeypatch, builder, fn_name, control, new_value):
    rec = Recorder()
    monkeypatch.setattr(backprop, fn_name, rec)
    box = builder()
    assert len(rec.calls) == 1
    ctrl = box.controls[control]
    assert ctrl.description, "every control needs a label"
    assert ctrl.value != new_value
    ctrl.value = new_value
    assert len(rec.calls) == 2
    assert rec.calls[-1][control] == new_value


def test_explorer_defaults_are_the_static_figures():
    """Each explorer opens on the figure the lecture shows just above it."""
    import inspect

    act = backprop.activation_explorer()
    assert (
        act.controls["names"].value
        == inspect.signature(backprop.plot_activations).parameters["names"].default
    )
    grad = backprop.gradient_norm_explorer()
    params = inspect.signature(backprop.plot_gradient_norms).parameters
    assert grad.controls["activations"].value == params["activations"].default
    assert grad.controls["inits"].value == params["inits"].default


@pytest.mark.usefixtures("live_notebook")
def test_gradient_norm_explorer_passes_fixed_sizes(monkeypatch):
    rec = Recorder()
    monkeypatch.setattr(backprop, "plot_gradient_norms", rec)
    box = backprop.gradient_norm_explorer(max_depth=6, width=8, n_samples=16, seed=3)
    assert rec.calls[0] == {
        "depth": 6,
        "activations": ("sigmoid", "relu"),
        "inits": ("xavier", "he"),
        "width": 8,
        "n_samples": 16,
        "seed": 3,
    }
    assert box.controls["depth"].max >= 6


def test_real_explorers_render_without_leaving_figures():
    box = backprop.gradient_norm_explorer(max_depth=3, width=8, n_samples=16)
    box.controls["depth"].value = 5
    backprop.activation_explorer().controls["names"].value = "leaky_relu"
    backprop.init_explorer(max_depth=3, width=8, n_samples=16)
    backprop.gradient_descent_explorer().controls["learning_rate"].value = 0.22
    assert plt.get_fignums() == []

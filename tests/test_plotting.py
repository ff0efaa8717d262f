"""Figure functions of ``course.plotting`` and the numeric helpers behind them (``course.activations``)."""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

from course import activations, plotting  # noqa: E402
from course.gradcheck import numerical_gradient, rel_error  # noqa: E402

SMALL = {"width": 16, "n_samples": 32, "seed": 0}


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


# --- figures -------------------------------------------------------------------------------------


def test_plot_history_still_there():
    fig = plotting.plot_history({"train loss": [3, 2, 1], "val accuracy": [0.2, 0.5, 0.7]})
    assert isinstance(fig, Figure)


def test_plot_activations_all_four_axes_with_f_and_derivative():
    fig = plotting.plot_activations()
    assert isinstance(fig, Figure)
    assert len(fig.axes) == 4
    for ax in fig.axes:
        assert len(ax.get_lines()) == 2
        assert [t.get_text() for t in ax.get_legend().get_texts()] == ["f(z)", "f'(z)"]
    assert [ax.get_title() for ax in fig.axes][:3] == ["sigmoid", "tanh", "ReLU"]


def test_plot_activations_single_name_and_range():
    fig = plotting.plot_activations("tanh", z_max=2.0)
    assert len(fig.axes) == 1
    f_line, df_line = fig.axes[0].get_lines()
    z = f_line.get_xdata()
    assert z.min() == pytest.approx(-2.0) and z.max() == pytest.approx(2.0)
    np.testing.assert_allclose(f_line.get_ydata(), np.tanh(z))
    np.testing.assert_allclose(df_line.get_ydata(), 1 - np.tanh(z) ** 2)


def test_plot_activations_uses_leaky_slope():
    fig = plotting.plot_activations("leaky_relu", alpha=0.2)
    f_line, df_line = fig.axes[0].get_lines()
    z, y = f_line.get_xdata(), f_line.get_ydata()
    np.testing.assert_allclose(y[z < 0], 0.2 * z[z < 0])
    d = df_line.get_ydata()
    assert set(np.round(d[~np.isnan(d)], 12)) == {0.2, 1.0}
    assert np.isnan(d).sum() == 1, "the derivative line should break once, at the kink"


def test_plot_activations_rejects_empty_and_unknown():
    with pytest.raises(ValueError):
        plotting.plot_activations(())
    with pytest.raises(ValueError, match="unknown activation"):
        plotting.plot_activations("swish")


def test_plot_perceptron_draws_boundary_and_two_classes():
    X = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=float)
    y = np.array([0, 0, 0, 1])
    fig = plotting.plot_perceptron(X, y, w=np.array([1.0, 1.0]), b=-1.5)
    (ax,) = fig.axes
    (line,) = ax.get_lines()
    xs, ys = line.get_data()
    np.testing.assert_allclose(xs + ys, 1.5)  # the line x1 + x2 - 1.5 = 0
    assert len(ax.collections) == 2


def test_plot_activation_scale_one_line_per_init_on_log_axis():
    fig = plotting.plot_activation_scale(depth=5, activation="relu", **SMALL)
    (ax,) = fig.axes
    assert len(ax.get_lines()) == len(activations.INIT_SCHEMES)
    assert ax.get_yscale() == "log"
    for line in ax.get_lines():
        assert list(line.get_xdata()) == [1, 2, 3, 4, 5]


def test_plot_gradient_norms_lines_per_activation():
    fig = plotting.plot_gradient_norms(depth=6, activations=("sigmoid", "relu"), **SMALL)
    (ax,) = fig.axes
    lines = ax.get_lines()
    assert len(lines) == 2
    assert ax.get_yscale() == "log"
    assert all(len(line.get_ydata()) == 6 for line in lines)
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert labels == ["sigmoid (Xavier init)", "ReLU (He init)"]
    np.testing.assert_allclose(
        lines[0].get_ydata(), activations.layer_gradient_norms(6, activation="sigmoid", **SMALL)
    )


def test_plot_gradient_ratio_vs_depth_spans_depths():
    fig = plotting.plot_gradient_ratio_vs_depth(max_depth=5, activations=("sigmoid", "tanh", "relu"), **SMALL)
    (ax,) = fig.axes
    assert len(ax.get_lines()) == 3
    assert list(ax.get_lines()[0].get_xdata()) == [2, 3, 4, 5]
    assert ax.get_yscale() == "log"
    with pytest.raises(ValueError):
        plotting.plot_gradient_ratio_vs_depth(max_depth=1)


def test_plot_step_size_errors_loglog():
    h = np.logspace(-10, -1, 4)
    fig = plotting.plot_step_size_errors(h, {"forward": [1e-3, 1e-5, 1e-6, 1e-2], "central": [1e-4] * 4})
    (ax,) = fig.axes
    assert len(ax.get_lines()) == 2
    assert ax.get_xscale() == ax.get_yscale() == "log"
    with pytest.raises(ValueError):
        plotting.plot_step_size_errors(h, {"short": [1.0, 2.0]})


# --- numeric helpers -----------------------------------------------------------------------------


@pytest.mark.parametrize("name", activations.ACTIVATION_NAMES)
def test_activation_derivative_matches_central_differences(name):
    z = np.array([-3.0, -0.7, 0.4, 2.5])  # away from the kink at 0
    num = numerical_gradient(lambda v: np.sum(activations.activation_value(name, v, 0.05)), z.copy())
    assert rel_error(num, activations.activation_derivative(name, z, 0.05)) < 1e-7


def test_sigmoid_is_stable_for_large_inputs():
    z = np.array([-1000.0, 0.0, 1000.0])
    with np.errstate(over="raise", invalid="raise"):  # underflow to 0 is fine
        np.testing.assert_allclose(activations.activation_value("sigmoid", z), [0.0, 0.5, 1.0])


def test_init_std_formulas():
    assert activations.init_std("he", 50, 10) == pytest.approx(np.sqrt(2 / 50))
    assert activations.init_std("xavier", 50, 10) == pytest.approx(np.sqrt(2 / 60))
    with pytest.raises(ValueError):
        activations.init_std("orthogonal", 3, 3)


def test_layer_gradient_norms_agree_with_numeric_gradient():
    depth, width, n = 3, 4, 5
    weights, hs, _ = activations._forward(depth, width, "tanh", "xavier", n, seed=3)
    g = np.random.default_rng(4).standard_normal((n, width))  # the helper's read-out uses seed + 1

    def loss(w_first):
        h = activations.activation_value("tanh", hs[0] @ w_first)
        for wl in weights[1:]:
            h = activations.activation_value("tanh", h @ wl)
        return np.sum(h * g) / n

    num = numerical_gradient(loss, weights[0].copy())
    norms = activations.layer_gradient_norms(depth, width, "tanh", "xavier", n, seed=3)
    assert norms.shape == (depth,)
    assert norms[0] == pytest.approx(np.linalg.norm(num), rel=1e-6)


def test_sigmoid_gradients_vanish_in_early_layers_but_relu_he_does_not():
    sig = activations.layer_gradient_norms(10, 64, "sigmoid", "xavier", 256, seed=0)
    relu = activations.layer_gradient_norms(10, 64, "relu", "he", 256, seed=0)
    sig_ratio, relu_ratio = sig[0] / sig[-1], relu[0] / relu[-1]
    assert sig_ratio < 1e-3, f"sigmoid first/last gradient ratio {sig_ratio:.2e} should be tiny"
    assert relu_ratio > 0.2, f"ReLU+He first/last gradient ratio {relu_ratio:.2e} should be of order 1"
    assert np.all(sig[:3] / sig[-1] < relu[:3] / relu[-1])
    assert np.all(np.diff(sig) > 0), "with sigmoid the gradient norm should shrink towards the input"


def test_gradient_ratio_by_depth_shrinks_with_depth_for_sigmoid():
    ratios = activations.gradient_ratio_by_depth(range(2, 8), activation="sigmoid", **SMALL)
    assert ratios.shape == (6,)
    assert ratios[-1] < ratios[0] / 100


def test_he_keeps_relu_signal_while_small_init_collapses():
    he = activations.preactivation_rms(10, 64, "relu", "he", 256, seed=0)
    small = activations.preactivation_rms(10, 64, "relu", "small", 256, seed=0)
    assert he.shape == small.shape == (10,)
    assert 0.3 < he[-1] / he[0] < 3
    assert small[-1] / small[0] < 1e-6

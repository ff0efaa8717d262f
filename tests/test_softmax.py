"""``course.softmax``: the chapter 02 figures, the explorer and the calibration helpers."""

import matplotlib

matplotlib.use("Agg")

import numpy as np  # noqa: E402
import pytest  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402
from scipy.special import softmax as scipy_softmax  # noqa: E402

from course import softmax as S  # noqa: E402


def _titled(fig):
    assert isinstance(fig, Figure)
    for ax in fig.axes:
        if ax.get_label() == "<colorbar>":
            continue
        if ax.axison:
            assert ax.get_title() or fig._suptitle is not None, "every axes needs a title"


# --------------------------------------------------------------------------- explorer figure


def test_softmax_logit_figure_shows_probabilities_loss_and_gradient():
    fig = S.plot_softmax_logit((2.0, 1.0, 0.1), label=0)
    _titled(fig)
    probs_ax, loss_ax, grad_ax = fig.axes
    p = np.array([b.get_height() for b in probs_ax.patches])
    np.testing.assert_allclose(p, scipy_softmax([2.0, 1.0, 0.1]))
    g = np.array([b.get_height() for b in grad_ax.patches])
    np.testing.assert_allclose(g, p - [1.0, 0.0, 0.0])
    assert "label = 0" in loss_ax.get_title()
    assert loss_ax.get_xlabel() and loss_ax.get_ylabel() and grad_ax.get_ylabel()
    curve, marker = loss_ax.get_lines()
    assert marker.get_ydata()[0] == pytest.approx(-np.log(p[0]))
    assert loss_ax.get_legend() is not None


def test_softmax_logit_moves_one_logit_and_divides_by_temperature():
    fig = S.plot_softmax_logit((2.0, 1.0, 0.1), moved=2, value=5.0, temperature=2.0, label=1)
    probs_ax, loss_ax, grad_ax = fig.axes
    p = np.array([b.get_height() for b in probs_ax.patches])
    expected = scipy_softmax(np.array([2.0, 1.0, 5.0]) / 2.0)
    np.testing.assert_allclose(p, expected)
    g = np.array([b.get_height() for b in grad_ax.patches])
    np.testing.assert_allclose(g, (expected - [0.0, 1.0, 0.0]) / 2.0)
    curve, marker = loss_ax.get_lines()
    assert marker.get_xdata()[0] == 5.0
    assert "T = 2" in probs_ax.get_title()


@pytest.mark.parametrize("kwargs", [{"temperature": 0.0}, {"moved": 3}, {"label": -1}, {"logits": (1.0,)}])
def test_softmax_logit_rejects_bad_arguments(kwargs):
    with pytest.raises(ValueError):
        S.plot_softmax_logit(**kwargs)


def test_softmax_logit_is_stable_for_huge_logits():
    fig = S.plot_softmax_logit((1e4, 0.0, -1e4), value=1e4, label=2)
    p = np.array([b.get_height() for b in fig.axes[0].patches])
    assert np.all(np.isfinite(p)) and p[0] == pytest.approx(1.0)


def test_explorer_builds_labelled_controls_and_redraws():
    box = S.softmax_explorer()
    assert set(box.controls) == {"moved", "value", "temperature", "label"}
    for ctl in box.controls.values():
        assert ctl.description
    box.controls["temperature"].value = 3.0  # redraws without error
    box.controls["moved"].value = 2


def test_temperature_figure_goes_from_argmax_to_uniform():
    fig = S.plot_temperature((2.0, 1.0, 0.1), t_min=0.01, t_max=100.0)
    _titled(fig)
    ax = fig.axes[0]
    lines = ax.get_lines()[:3]
    first = [ln.get_ydata()[0] for ln in lines]
    last = [ln.get_ydata()[-1] for ln in lines]
    np.testing.assert_allclose(first, [1.0, 0.0, 0.0], atol=1e-6)
    np.testing.assert_allclose(last, [1 / 3] * 3, atol=0.01)
    assert ax.get_xscale() == "log" and ax.get_xlabel() and ax.get_legend() is not None


# --------------------------------------------------------------------------- CE vs MSE


def test_ce_and_mse_gradients_match_finite_differences():
    zt = np.array([-8.0, -1.0, 0.5, 3.0])
    d = S.ce_and_mse_gradients(zt, n_classes=4)
    h = 1e-6
    up, down = S.ce_and_mse_gradients(zt + h, 4), S.ce_and_mse_gradients(zt - h, 4)
    for loss, grad in (("ce_loss", "ce_grad"), ("mse_loss", "mse_grad")):
        np.testing.assert_allclose(d[grad], (up[loss] - down[loss]) / (2 * h), rtol=1e-5, atol=1e-10)


def test_mse_gradient_saturates_where_cross_entropy_does_not():
    d = S.ce_and_mse_gradients(np.array([-10.0]), n_classes=10)
    assert abs(d["ce_grad"][0]) > 0.99
    assert abs(d["mse_grad"][0]) < 1e-4


def test_ce_vs_mse_figure():
    fig = S.plot_ce_vs_mse(n_classes=5, z_range=6.0)
    _titled(fig)
    loss_ax, grad_ax = fig.axes
    assert len(loss_ax.get_lines()) == 2 and len(grad_ax.get_lines()) == 2
    assert grad_ax.get_yscale() == "log"
    assert all(ax.get_xlabel() and ax.get_ylabel() and ax.get_legend() for ax in fig.axes)


# --------------------------------------------------------------------------- calibration


def test_calibration_bins_of_a_perfectly_calibrated_classifier():
    # Confidence 0.75 on every row; 3 of 4 correct: accuracy equals confidence, ECE = 0.
    probs = np.array([[0.75, 0.25]] * 4)
    y = np.array([0, 0, 0, 1])
    stats = S.calibration_bins(probs, y, n_bins=4)
    assert stats["count"].tolist() == [0, 0, 4, 0]
    assert stats["accuracy"][2] == pytest.approx(0.75)
    assert stats["confidence"][2] == pytest.approx(0.75)
    assert stats["ece"] == pytest.approx(0.0)
    assert np.isnan(stats["accuracy"][0])


def test_calibration_bins_of_an_overconfident_classifier():
    probs = np.array([[0.95, 0.05]] * 10)
    y = np.array([0] * 5 + [1] * 5)  # 50% right at 95% confidence
    stats = S.calibration_bins(probs, y, n_bins=10)
    assert stats["ece"] == pytest.approx(0.45)
    assert stats["count"][-1] == 10  # 0.95 falls in the last bin, (0.9, 1.0]


def test_calibration_bins_rejects_bad_shapes():
    with pytest.raises(ValueError):
        S.calibration_bins(np.ones((3, 2)) / 2, np.array([0, 1]))


def test_reliability_figure():
    rng = np.random.default_rng(0)
    probs = scipy_softmax(2 * rng.standard_normal((200, 10)), axis=1)
    y = rng.integers(0, 10, 200)
    fig = S.plot_reliability(probs, y, n_bins=10, title="test")
    _titled(fig)
    ax, axh = fig.axes
    assert "ECE" in ax.get_title() and ax.get_ylabel() and axh.get_xlabel()
    assert ax.get_legend() is not None


def test_confusion_matrix_counts():
    y_true = np.array([0, 0, 1, 2, 2, 2])
    y_pred = np.array([0, 1, 1, 2, 2, 0])
    fig = S.plot_confusion_matrix(y_true, y_pred, n_classes=3)
    _titled(fig)
    ax = fig.axes[0]
    img = ax.get_images()[0].get_array()
    np.testing.assert_array_equal(img, [[1, 1, 0], [0, 1, 0], [1, 0, 2]])
    assert "0.667" in ax.get_title()
    assert ax.get_xlabel() == "predicted class" and ax.get_ylabel() == "true class"


def test_misclassified_figure_orders_by_confidence_and_handles_none():
    rng = np.random.default_rng(1)
    X = rng.random((6, 64))
    y = np.array([0, 1, 2, 3, 4, 5])
    pred = np.array([0, 2, 2, 1, 4, 0])
    probs = np.full((6, 6), 0.1)
    probs[1, 2], probs[3, 1], probs[5, 0] = 0.5, 0.9, 0.7
    fig = S.plot_misclassified(X, y, pred, probs, n=10)
    titles = [ax.get_title() for ax in fig.axes if ax.get_images()]
    assert titles == ["true 3, pred 1\np = 0.90", "true 5, pred 0\np = 0.70", "true 1, pred 2\np = 0.50"]
    assert "3 of 6" in fig._suptitle.get_text()
    fig = S.plot_misclassified(X, y, y)
    assert "0 of 6" in fig._suptitle.get_text()


def test_weight_templates_one_image_per_class():
    W = np.random.default_rng(2).standard_normal((64, 10))
    fig = S.plot_weight_templates(W)
    images = [ax for ax in fig.axes if ax.get_images()]
    assert len(images) == 10
    assert [ax.get_title() for ax in images][:2] == ["class 0", "class 1"]
    np.testing.assert_allclose(images[3].get_images()[0].get_array(), W[:, 3].reshape(8, 8))
    with pytest.raises(ValueError):
        S.plot_weight_templates(np.zeros((10, 64)))

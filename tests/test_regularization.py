"""``course.regularization``: seeded data and experiments, augmentation, figures and explorers."""

import matplotlib

matplotlib.use("Agg")

import ipywidgets as w  # noqa: E402
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
import torch  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

from course import regularization as R  # noqa: E402

TINY = {"n_train": 60, "epochs": 2}


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


def _titled(fig):
    assert isinstance(fig, Figure)
    axes = [ax for ax in fig.axes if ax.get_visible()]
    assert axes and all(ax.get_title() for ax in axes), "every panel has a title"
    return axes


# --------------------------------------------------------------------------- augmentation


def test_shift_moves_pixels_and_fills_zeros_in_every_layout():
    img = np.arange(64.0).reshape(1, 8, 8)
    right = R.shift_digits(img, 1, 0)
    assert right.shape == (1, 8, 8)
    assert np.array_equal(right[0, :, 1:], img[0, :, :-1]) and np.all(right[0, :, 0] == 0)
    down = R.shift_digits(img, 0, 1)
    assert np.array_equal(down[0, 1:], img[0, :-1]) and np.all(down[0, 0] == 0)
    flat = R.shift_digits(img.reshape(1, 64), -1, 0)
    assert flat.shape == (1, 64) and np.array_equal(flat.reshape(8, 8)[:, :-1], img[0, :, 1:])
    chan = R.shift_digits(img.reshape(1, 1, 8, 8), 0, -2)
    assert chan.shape == (1, 1, 8, 8)
    both = R.shift_digits(np.concatenate([img, img]), np.array([1, 0]), np.array([0, 1]))
    assert np.array_equal(both[0], right[0]) and np.array_equal(both[1], down[0])
    with pytest.raises(ValueError):
        R.shift_digits(np.zeros((2, 5)), 1, 1)


def test_rotation_is_counter_clockwise_and_exact_on_quarter_turns():
    img = np.zeros((1, 8, 8))
    img[0, 3, 7] = 1.0  # right edge
    turned = R.rotate_digits(img, 90.0)
    assert np.unravel_index(np.argmax(turned[0]), (8, 8)) == (0, 3)  # now at the top
    x = np.random.default_rng(0).random((3, 64))
    assert np.allclose(R.rotate_digits(x, 0.0), x)
    four = x
    for _ in range(4):
        four = R.rotate_digits(four, 90.0)
    assert np.allclose(four, x, atol=1e-12)
    small = R.rotate_digits(x, np.array([5.0, -5.0, 10.0]))
    assert small.shape == x.shape and np.all(small >= -1e-12) and np.all(small <= 1 + 1e-12)


def test_augment_is_seeded_and_keeps_shapes():
    x = np.random.default_rng(1).random((5, 64))
    a = R.augment_digits(x, np.random.default_rng(3))
    b = R.augment_digits(x, np.random.default_rng(3))
    c = R.augment_digits(x, np.random.default_rng(4))
    assert a.shape == x.shape and np.array_equal(a, b) and not np.array_equal(a, c)
    assert R.augment_digits(x.reshape(5, 1, 8, 8), np.random.default_rng(3)).shape == (5, 1, 8, 8)
    same = R.augment_digits(x, np.random.default_rng(3), max_shift=0, max_degrees=0.0)
    assert np.allclose(same, x)


# --------------------------------------------------------------------------- capacity and data


def test_polynomial_errors_nested_models_and_a_best_middle_degree():
    res = R.polynomial_errors(range(13), n_train=15, seed=0)
    assert res["train"].shape == res["val"].shape == (13,)
    assert np.all(np.diff(res["train"]) <= 1e-9), "a larger degree never fits the training set worse"
    best = int(np.argmin(res["val"]))
    assert 0 < best < 12, "validation error is U-shaped"
    x, y = R.make_curve_data(10, seed=2)
    assert x.shape == y.shape == (10,) and np.array_equal(x, R.make_curve_data(10, seed=2)[0])


def test_noisy_labels_is_seeded_and_leaves_its_input():
    y = np.arange(1000) % 10
    before = y.copy()
    z = R.noisy_labels(y, 0.3, seed=1)
    assert np.array_equal(y, before)
    assert np.array_equal(z, R.noisy_labels(y, 0.3, seed=1))
    assert 0.2 < np.mean(z != y) < 0.3  # 30% redrawn, a tenth of those land on the true class
    assert np.array_equal(R.noisy_labels(y, 0.0), y)


def test_train_mlp_is_seeded_keeps_global_rng_and_reports_every_epoch():
    state = torch.random.get_rng_state()
    threads = torch.get_num_threads()
    h1 = R.train_mlp(hidden=(16,), dropout=0.3, weight_decay=1e-3, seed=5, **TINY)
    h2 = R.train_mlp(hidden=(16,), dropout=0.3, weight_decay=1e-3, seed=5, **TINY)
    assert torch.equal(state, torch.random.get_rng_state()) and torch.get_num_threads() == threads
    assert set(h1) == {"train loss", "val loss", "train error", "val error"}
    assert all(len(v) == 2 for v in h1.values()) and h1 == h2
    h3 = R.train_mlp(
        hidden=(16,),
        label_noise=0.5,
        augment=R.augment_digits,
        seed=5,
        eval_sets={"copy": (np.zeros((3, 64)), np.zeros(3, dtype=np.int64))},
        **TINY,
    )
    assert len(h3["copy error"]) == 2 and all(0 <= e <= 1 for e in h3["val error"])


def test_error_curves_shapes():
    c = R.error_curves(widths=(4, 8), sizes=(40, 80), n_train=40, width=8, epochs=1)
    assert set(c) == {"width", "size"}
    assert c["width"]["x"].tolist() == [4, 8] and c["size"]["val"].shape == (2,)


def test_batch_noise_shrinks_with_batch_size():
    values = R.digit_feature(0)
    assert values.ndim == 1 and len(values) > 1000
    small = R.batch_noise(values, 4, n_batches=300)
    large = R.batch_noise(values, 256, n_batches=300)
    assert small["mean"].shape == small["xhat"].shape == (300,)
    assert large["mean"].std() < small["mean"].std() / 4
    assert large["xhat"].std() < small["xhat"].std()
    with pytest.raises(ValueError):
        R.batch_noise(values, 1)


# --------------------------------------------------------------------------- figures and explorers


def test_figures_have_titles_and_labels():
    for fig in (R.plot_polynomial_capacity(), R.plot_batch_noise(batch_size=8, n_batches=100)):
        for ax in _titled(fig):
            assert ax.get_xlabel() and ax.get_ylabel() and ax.get_legend() is not None
    digits = R.plot_augmented_digits(np.random.default_rng(0).random((6, 64)), n_images=4)
    assert digits.get_suptitle() and len(digits.axes) == 6 * 4
    assert digits.axes[0].get_ylabel() == "original"
    norm = R.plot_norm_axes()
    assert [ax.get_title().split(":")[0] for ax in norm.axes] == ["batch norm", "layer norm", "instance norm"]


def test_training_figures():
    hist = {"train loss": [2.0, 1.0, 0.5], "val loss": [2.1, 1.5, 1.7], "val accuracy": [0.3, 0.6, 0.7]}
    fig = R.plot_training_comparison({"a": hist, "b": hist})
    axes = _titled(fig)
    assert len(axes) == 2 and len(axes[0].get_lines()) == 2 and axes[0].get_yscale() == "log"
    fig = R.plot_early_stopping(hist, patience=1)
    (ax,) = _titled(fig)
    assert "epoch 2" in " ".join(t.get_text() for t in ax.get_legend().get_texts())
    curves = {
        k: {"x": np.array([1, 10]), "train": np.array([0.5, 0.0]), "val": np.array([0.6, 0.1])}
        for k in ("width", "size")
    }
    assert len(_titled(R.plot_error_curves(curves))) == 2
    with pytest.raises(ValueError):
        R.plot_training_comparison({})


def test_regularization_gap_figure_and_explorer():
    fig = R.plot_regularization_gap(dropout=0.5, weight_decay=1e-3, **TINY)
    axes = _titled(fig)
    assert len(axes) == 2 and all(ax.get_xlabel() == "epoch" for ax in axes)
    plt.close(fig)
    box = R.regularization_explorer(**TINY)
    assert set(box.controls) == {"dropout", "weight_decay"}
    assert isinstance(box.controls["weight_decay"], w.SelectionSlider)
    box.controls["dropout"].value = 0.2  # redraws without error
    assert plt.get_fignums() == []


def test_batch_noise_explorer():
    box = R.batch_noise_explorer(n_batches=50)
    assert set(box.controls) == {"batch_size"}
    box.controls["batch_size"].value = 64
    assert plt.get_fignums() == []


def test_augmentation_experiment_curves():
    res = R.augmentation_experiment(n_train=60, epochs=1)
    assert set(res) == {"plain", "augmented"}
    assert len(res["augmented"]["shifted val error"]) == 1

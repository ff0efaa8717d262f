"""``course.lstm``: the seeded sequence tasks, the figures and the explorers of chapter 06."""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from course import lstm  # noqa: E402


def _labelled(fig):
    """Every axes has an x label and a y label (or image ticks), and the figure a title somewhere."""
    titles = [ax.get_title() for ax in fig.axes] + [fig._suptitle.get_text() if fig._suptitle else ""]
    assert any(titles), "no title"
    for ax in fig.axes:
        assert ax.get_ylabel() or ax.get_yticklabels(), "an axes without a y label"
    assert any(ax.get_xlabel() for ax in fig.axes), "no x label"


# --------------------------------------------------------------------------- the memory task


def test_copy_first_task_shapes_labels_and_seed():
    X, y = lstm.copy_first_task(50, 7, n_symbols=4, seed=3)
    assert X.shape == (50, 7, 5) and y.shape == (50,) and y.dtype == np.int64
    assert set(np.unique(y)) <= {0, 1, 2, 3}
    X2, y2 = lstm.copy_first_task(50, 7, n_symbols=4, seed=3)
    np.testing.assert_array_equal(X, X2)
    np.testing.assert_array_equal(y, y2)
    X3, _ = lstm.copy_first_task(50, 7, n_symbols=4, seed=4)
    assert not np.allclose(X, X3)


def test_copy_first_task_without_noise_is_exact():
    X, y = lstm.copy_first_task(30, 6, n_symbols=3, noise=0.0, seed=1)
    np.testing.assert_array_equal(X[:, 0, :3].argmax(axis=1), y)  # the label is the first symbol
    np.testing.assert_array_equal(X[:, 0, 3], 1.0)  # the marker at step 1
    np.testing.assert_array_equal(X[:, 1:, 3], 0.0)  # and nowhere else
    np.testing.assert_array_equal(X[:, 1:, :3].sum(axis=2), 1.0)  # one distractor symbol per later step


def test_copy_first_task_t1_and_bad_arguments():
    X, y = lstm.copy_first_task(4, 1, seed=0)
    assert X.shape == (4, 1, 5)
    with pytest.raises(ValueError):
        lstm.copy_first_task(4, 0)
    with pytest.raises(ValueError):
        lstm.copy_first_task(4, 3, n_symbols=1)


# --------------------------------------------------------------------------- the series


def test_seasonal_series_is_seeded_and_seasonal():
    s = lstm.seasonal_series(n_steps=240, period=24, seed=0)
    assert s.shape == (240,)
    np.testing.assert_array_equal(s, lstm.seasonal_series(n_steps=240, period=24, seed=0))
    assert not np.allclose(s, lstm.seasonal_series(n_steps=240, period=24, seed=1))
    clean = lstm.seasonal_series(n_steps=24 * 14, period=24, noise=0.0, trend=0.0)
    # without noise and trend, values one week apart coincide (the weekly modulation repeats too)
    np.testing.assert_allclose(clean[24 * 7 :], clean[: 24 * 7], atol=1e-12)
    with pytest.raises(ValueError):
        lstm.seasonal_series(n_steps=1)


def test_forecast_windows():
    X, y = lstm.forecast_windows(np.arange(10.0), 3)
    assert X.shape == (7, 3, 1) and y.shape == (7,)
    np.testing.assert_array_equal(X[2, :, 0], [2.0, 3.0, 4.0])
    assert y[2] == 5.0
    with pytest.raises(ValueError):
        lstm.forecast_windows(np.arange(3.0), 3)


# --------------------------------------------------------------------------- figures


def test_data_figures_have_titles_and_labels():
    X, y = lstm.copy_first_task(3, 10, seed=0)
    _labelled(lstm.plot_copy_task(X, y))
    s = lstm.seasonal_series(n_steps=120)
    fig = lstm.plot_series(s, period=24, marks=[10, 50])
    _labelled(fig)
    assert fig.axes[0].get_legend() is not None
    fig = lstm.plot_forecast(s[:50], {"a": s[:50] + 0.1, "b": s[:50]}, start=10)
    _labelled(fig)
    assert "MSE" in fig.axes[0].get_legend().get_texts()[1].get_text()  # after "actual"
    with pytest.raises(ValueError):
        lstm.plot_forecast(s[:50], {"a": s[:40]})


def test_gradient_norms_and_accuracy_figures():
    fig = lstm.plot_gradient_norms([1, 2, 3], {"RNN": [1.0, 0.1, 0.0], "tanh, s = 1": [1.0, 0.5, 0.2]})
    _labelled(fig)
    assert fig.axes[0].get_yscale() == "log"
    fig = lstm.plot_accuracy_vs_length([5, 20], {"RNN": [1.0, 0.3], "LSTM": [1.0, 0.99]}, chance=0.25)
    _labelled(fig)
    assert len(fig.axes[0].get_legend().get_texts()) == 3  # two models and chance
    with pytest.raises(ValueError):
        lstm.plot_accuracy_vs_length([5, 20], {"RNN": [1.0]})
    with pytest.raises(ValueError):
        lstm.plot_gradient_norms([1], {})


# --------------------------------------------------------------------------- the gate explorer


def test_toy_memory_cell_holds_a_written_value():
    keep = lstm.toy_memory_cell(forget_bias=4.0, write_gain=4.0)
    w1, w2 = lstm.TOY_WRITES
    assert keep["c"][w1 - 1] > 0.6  # written at the first write...
    assert keep["c"][w2 - 2] > 0.5  # ...and still there just before the second
    assert keep["c"][w2 - 1] < -0.4  # the second write replaces it
    forget = lstm.toy_memory_cell(forget_bias=0.0, write_gain=4.0)
    assert abs(forget["c"][w2 - 2]) < 0.01  # f = sigmoid(0): halves every step
    r = keep
    np.testing.assert_allclose(r["c"], r["f"] * r["c_prev"] + r["i"] * r["g"], atol=1e-12)
    np.testing.assert_allclose(r["h"], r["o"] * np.tanh(r["c"]), atol=1e-12)


def test_gate_trace_figure_and_explorer():
    fig = lstm.plot_gate_trace(step=5)
    _labelled(fig)
    assert len(fig.axes) == 3
    assert "step 5" in fig._suptitle.get_text()
    with pytest.raises(ValueError):
        lstm.plot_gate_trace(step=0)
    plt.close("all")
    box = lstm.gate_explorer()
    assert set(box.controls) == {"forget_bias", "write_gain", "step"}
    assert all(c.description for c in box.controls.values())
    box.controls["step"].value = 20  # redraws without error
    assert plt.get_fignums() == []


# --------------------------------------------------------------------------- gradients against T


def test_gradient_vs_length_rnn_vanishes_first():
    import torch

    n_threads = torch.get_num_threads()
    lengths, norms = lstm.gradient_vs_length(T_max=30, hidden=8, keep_bias=3.0, batch=4, seed=0)
    assert lengths[0] == 1 and lengths[-1] == 30 and np.all(np.diff(lengths) > 0)
    assert set(norms) == {"RNN", "LSTM", "GRU"}
    assert all(v.shape == lengths.shape for v in norms.values())
    assert norms["RNN"][-1] < 1e-3 * norms["RNN"][0]
    assert norms["LSTM"][-1] > 100 * norms["RNN"][-1]
    assert torch.get_num_threads() == n_threads  # one_thread restored the setting
    with pytest.raises(ValueError):
        lstm.gradient_vs_length(cells=("LSTM", "transformer"))


def test_gradient_figure_and_explorer():
    _labelled(lstm.plot_gradient_vs_length(T_max=10, hidden=4))
    plt.close("all")
    box = lstm.gradient_explorer(T_max=10, hidden=4)
    assert set(box.controls) == {"T_max", "recurrent_scale", "keep_bias"}
    assert all(c.description for c in box.controls.values())
    assert plt.get_fignums() == []


def test_one_thread_restores_torch_threads():
    import torch

    before = torch.get_num_threads()
    with lstm.one_thread():
        assert torch.get_num_threads() == 1
    assert torch.get_num_threads() == before

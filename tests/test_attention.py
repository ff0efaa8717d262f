"""``course.attention``: the reversal task, positional encodings, the lecture's figures and explorer."""

import matplotlib

matplotlib.use("Agg")

import ipywidgets as w  # noqa: E402
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from course import attention  # noqa: E402
from tests.figures import titled as _titled  # noqa: E402

# --- the task ------------------------------------------------------------------------------------


def test_reversal_task_is_seeded_shaped_and_reversed():
    X, y = attention.reversal_task(50, seed=3)
    assert X.shape == y.shape == (50, attention.REVERSAL_LENGTH)
    assert X.dtype == y.dtype == np.int64
    assert X.min() >= 0 and X.max() < attention.REVERSAL_VOCAB
    np.testing.assert_array_equal(y, X[:, ::-1])
    X2, _ = attention.reversal_task(50, seed=3)
    X3, _ = attention.reversal_task(50, seed=4)
    np.testing.assert_array_equal(X, X2)
    assert not np.array_equal(X, X3)
    X4, y4 = attention.reversal_task(5, length=3, vocab=4, seed=0)
    assert X4.shape == (5, 3) and X4.max() < 4
    assert y4.flags["C_CONTIGUOUS"]


def test_reversal_task_rejects_bad_sizes():
    with pytest.raises(ValueError):
        attention.reversal_task(0)
    with pytest.raises(ValueError):
        attention.reversal_task(3, vocab=1)


# --- positional encodings -------------------------------------------------------------------------


def test_sinusoidal_positions_formula_and_relative_structure():
    P = attention.sinusoidal_positions(20, 8)
    assert P.shape == (20, 8)
    t = 5
    for i in range(4):
        angle = t / 10000 ** (2 * i / 8)
        assert P[t, 2 * i] == pytest.approx(np.sin(angle))
        assert P[t, 2 * i + 1] == pytest.approx(np.cos(angle))
    # every position has norm sqrt(dim / 2); dot products depend on the offset only
    np.testing.assert_allclose(np.linalg.norm(P, axis=1), np.sqrt(4.0))
    G = P @ P.T
    np.testing.assert_allclose(G[3, 7], G[10, 14])
    np.testing.assert_allclose(G[0, 0], G[12, 12])
    with pytest.raises(ValueError):
        attention.sinusoidal_positions(4, 5)


def test_plot_positional_encodings():
    fig = _titled(attention.plot_positional_encodings(length=16, dim=8))
    images = [ax for ax in fig.axes if ax.get_images()]
    assert len(images) == 2
    assert all(ax.get_xlabel() and ax.get_ylabel() for ax in images)


# --- the bottleneck ------------------------------------------------------------------------------


def test_bottleneck_errors_follow_the_rank_bound():
    res = attention.bottleneck_errors([4, 8, 16, 32], item_dim=4, state_dim=32, n_seqs=100, seed=1)
    fixed, attn = res["fixed state"], res["attention"]
    assert fixed.shape == attn.shape == (4,)
    assert fixed[0] < 1e-12 and fixed[1] < 1e-12  # T * d <= m: nothing lost
    bound = 1 - 32 / (np.array([16, 32]) * 4)
    np.testing.assert_allclose(fixed[2:], bound, atol=0.05)
    assert np.all(attn < 1e-3)
    again = attention.bottleneck_errors([4, 8, 16, 32], item_dim=4, state_dim=32, n_seqs=100, seed=1)
    np.testing.assert_array_equal(again["fixed state"], fixed)


def test_plot_bottleneck():
    fig = _titled(attention.plot_bottleneck(lengths=(2, 4, 8, 16), item_dim=4, state_dim=16))
    ax = fig.axes[0]
    assert len(ax.get_lines()) >= 3
    assert ax.get_legend() is not None and ax.get_xlabel() and ax.get_ylabel()


# --- why 1 / sqrt(d) -----------------------------------------------------------------------------


def test_score_scaling_stats_measure_the_variance_argument():
    st = attention.score_scaling_stats(dims=(4, 64, 256), n_keys=16, n_queries=300, seed=0)
    np.testing.assert_allclose(st["var raw"] / st["dims"], 1.0, rtol=0.2)
    np.testing.assert_allclose(st["var scaled"], 1.0, rtol=0.2)
    assert st["max weight raw"][-1] > 0.8 > st["max weight scaled"][-1]
    assert st["jacobian raw"][-1] < 0.5 * st["jacobian scaled"][-1]


def test_plot_score_scaling():
    fig = _titled(attention.plot_score_scaling(dims=(2, 8, 32), n_keys=8, n_queries=50))
    assert len(fig.axes) == 3
    for ax in fig.axes:
        assert ax.get_xlabel() and ax.get_ylabel() and ax.get_legend() is not None


# --- cost ------------------------------------------------------------------------------------------


def test_plot_cost_scaling_one_or_two_panels():
    T = [64, 128, 256, 512]
    secs = [1e-4, 4e-4, 1.6e-3, 6.4e-3]
    fig = _titled(attention.plot_cost_scaling(T, secs))
    assert len(fig.axes) == 1
    assert "slope 2.00" in fig.axes[0].get_legend().get_texts()[0].get_text()
    fig = _titled(attention.plot_cost_scaling(T, secs, memory_bytes=[4 * t * t for t in T]))
    assert len(fig.axes) == 2
    with pytest.raises(ValueError):
        attention.plot_cost_scaling([64], [1.0])


# --- the sentence heat map and its explorer --------------------------------------------------------


def test_sentence_attention_rows_temperature_and_causal_mask():
    tokens, W = attention.sentence_attention()
    assert W.shape == (len(tokens), len(tokens))
    np.testing.assert_allclose(W.sum(axis=1), 1.0)
    assert tokens[int(np.argmax(W[tokens.index("it")]))] == "cat"  # the pronoun finds the cat
    _, cold = attention.sentence_attention(temperature=0.05)
    _, hot = attention.sentence_attention(temperature=50.0)
    assert np.median(cold.max(axis=1)) > 0.95  # low temperature: nearly a hard look-up (or a tie)
    assert np.all(cold.max(axis=1) >= W.max(axis=1))
    np.testing.assert_allclose(hot, 1.0 / len(tokens), atol=0.05)  # high: nearly uniform
    _, causal = attention.sentence_attention(causal=True)
    assert np.all(np.triu(causal, 1) == 0)
    np.testing.assert_allclose(causal.sum(axis=1), 1.0)
    with pytest.raises(ValueError):
        attention.sentence_attention(temperature=0.0)
    with pytest.raises(ValueError):
        attention.sentence_queries_keys("an unknown word")


def test_plot_attention_heatmap_labels_every_word():
    fig = _titled(attention.plot_attention_heatmap(temperature=0.5, causal=True, sentence="i am a student"))
    ax = fig.axes[0]
    assert [t.get_text() for t in ax.get_xticklabels()] == ["i", "am", "a", "student"]
    assert "causal" in ax.get_title()
    assert ax.get_xlabel() and ax.get_ylabel()


def test_attention_explorer_builds_and_redraws():
    box = attention.attention_explorer()
    assert isinstance(box, w.VBox)
    assert set(box.controls) == {"temperature", "causal", "sentence"}
    box.controls["causal"].value = True
    box.controls["temperature"].value = 0.2
    assert plt.get_fignums() == []  # figures are closed after display


# --- several heads -----------------------------------------------------------------------------------


def test_plot_attention_maps_one_axes_per_head():
    maps = np.full((3, 4, 4), 0.25)
    fig = _titled(attention.plot_attention_maps(maps, list("abcd"), titles=["x", "y", "z"]))
    heads = [ax for ax in fig.axes if ax.get_images()]
    assert [ax.get_title() for ax in heads] == ["x", "y", "z"]
    fig = _titled(attention.plot_attention_maps(np.eye(3), ["p", "q", "r"]))
    with pytest.raises(ValueError):
        attention.plot_attention_maps(maps, ["a", "b"])

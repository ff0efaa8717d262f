"""``course.word2vec``: corpus plumbing, pairs, negatives, evaluations, the lecture's figures and explorers."""

import matplotlib

matplotlib.use("Agg")

import ipywidgets as w  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

from course import word2vec as w2v  # noqa: E402


def _titled(fig):
    assert isinstance(fig, Figure)
    assert fig.axes
    assert any(ax.get_title() for ax in fig.axes) or (fig._suptitle and fig._suptitle.get_text())
    for ax in fig.axes:
        if ax.get_title():
            assert ax.get_xlabel() or ax.get_xticklabels(), "an axes without an x label"
    return fig


@pytest.fixture(scope="module")
def lee():
    return w2v.lee_vocab(), w2v.lee_ids()


# --- corpus ---------------------------------------------------------------------------------------


def test_build_vocab_orders_like_gensim_and_drops_rare_words():
    sents = [["b", "a", "c", "a"], ["c", "b", "d"], ["a", "e"]]
    vocab = w2v.build_vocab(sents, min_count=2)
    # a: 3; b and c: 2 each (b seen first, so c comes first, as in gensim); d and e dropped
    assert vocab.words == ("a", "c", "b")
    assert vocab.counts.tolist() == [3, 2, 2] and vocab.total == 7
    assert "d" not in vocab and vocab.index["b"] == 2
    np.testing.assert_array_equal(vocab.ids(["d", "b", "a", "zz"]), [2, 0])
    assert [e.tolist() for e in w2v.encode(sents, vocab)] == [[2, 0, 1, 0], [1, 2], [0]]
    with pytest.raises(ValueError):
        w2v.build_vocab(sents, min_count=10)


def test_lee_vocab_matches_gensim(lee):
    from gensim.models import Word2Vec

    from course.data import load_corpus

    vocab, ids = lee
    assert len(vocab) == 1750 and vocab.total == 49335
    model = Word2Vec(vector_size=4, min_count=5)
    model.build_vocab(load_corpus())
    assert list(model.wv.index_to_key) == list(vocab.words)
    assert len(ids) == 300 and sum(map(len, ids)) == vocab.total and ids[0].dtype == np.int64


# --- pairs ----------------------------------------------------------------------------------------


def test_skipgram_pairs_of_the_quick_brown_fox():
    fox = "the quick brown fox jumps over the lazy dog".split()
    pairs = w2v.skipgram_pairs(fox, 2)
    assert pairs[:5] == [
        ("the", "quick"),
        ("the", "brown"),
        ("quick", "the"),
        ("quick", "brown"),
        ("quick", "fox"),
    ]
    assert len(pairs) == 2 * (8 + 7)
    with pytest.raises(ValueError):
        w2v.skipgram_pairs(fox, 0)


def test_pair_arrays_are_the_same_pairs_as_skipgram_pairs():
    rng = np.random.default_rng(0)
    sents = [rng.integers(0, 20, n) for n in (0, 1, 2, 7, 12)]
    c, o = w2v.pair_arrays(sents, 3)
    expected = sorted(p for s in sents for p in w2v.skipgram_pairs(list(s), 3))
    assert sorted(zip(c.tolist(), o.tolist())) == sorted((int(a), int(b)) for a, b in expected)
    c0, o0 = w2v.pair_arrays([np.array([5])], 2)
    assert c0.shape == o0.shape == (0,)


def test_cbow_windows_have_full_contexts():
    s = np.arange(10, 17)  # 7 words
    ctx, ctr = w2v.cbow_windows([s, np.array([1, 2])], 2)
    assert ctx.shape == (3, 4) and ctr.tolist() == [12, 13, 14]
    assert ctx[0].tolist() == [10, 11, 13, 14]
    ctx0, ctr0 = w2v.cbow_windows([np.array([1, 2, 3])], 2)
    assert ctx0.shape == (0, 4) and ctr0.shape == (0,)


def test_keep_probabilities_and_subsample():
    counts = np.array([1000, 100, 10, 1])
    keep = w2v.keep_probabilities(counts, sample=1e-2)
    f = counts / counts.sum()
    np.testing.assert_allclose(keep[0], (np.sqrt(f[0] / 1e-2) + 1) * 1e-2 / f[0])
    assert keep[-1] == 1.0 and np.all(np.diff(keep) >= 0)
    np.testing.assert_array_equal(w2v.keep_probabilities(counts, 0), 1.0)
    sents = [np.array([0, 0, 0, 3, 3, 2] * 50)]
    a = w2v.subsample(sents, keep, np.random.default_rng(1))
    b = w2v.subsample(sents, keep, np.random.default_rng(1))
    np.testing.assert_array_equal(a[0], b[0])
    assert np.sum(a[0] == 3) == 100 and np.sum(a[0] == 0) < 150


def test_epoch_pairs_shuffle_and_are_seeded(lee):
    _, ids = lee
    c1, o1 = w2v.epoch_pairs(ids[:20], 2, np.random.default_rng(3))
    c2, o2 = w2v.epoch_pairs(ids[:20], 2, np.random.default_rng(3))
    np.testing.assert_array_equal(c1, c2)
    c, o = w2v.pair_arrays(ids[:20], 2)
    assert sorted(zip(c1, o1)) == sorted(zip(c, o)) and not np.array_equal(c1, c)


# --- negatives ------------------------------------------------------------------------------------


def test_noise_table_samples_the_given_distribution():
    p = np.array([0.5, 0.25, 0.125, 0.125])
    table = w2v.noise_table(p, size=1000)
    assert table.shape == (1000,) and np.bincount(table).tolist() == [500, 250, 125, 125]
    draws = w2v.draw_negatives(table, (200, 5), np.random.default_rng(0))
    assert draws.shape == (200, 5) and draws.max() < 4
    np.testing.assert_allclose(np.bincount(draws.ravel(), minlength=4) / 1000, p, atol=0.05)
    with pytest.raises(ValueError):
        w2v.noise_table(np.array([0.5, 0.6]))
    with pytest.raises(ValueError):
        w2v.noise_table(np.array([1.5, -0.5]))


# --- evaluation -----------------------------------------------------------------------------------


def test_wordsim_spearman_agrees_with_gensim(lee):
    from gensim.models import KeyedVectors
    from gensim.test.utils import datapath

    vocab, _ = lee
    vecs = np.random.default_rng(0).standard_normal((len(vocab), 8)).astype(np.float32)
    rho, n = w2v.wordsim_spearman(vecs, vocab)
    kv = KeyedVectors(8)
    kv.add_vectors(list(vocab.words), vecs)
    _, (g_rho, _), oov = kv.evaluate_word_pairs(datapath("wordsim353.tsv"))
    assert n == len(w2v.wordsim_pairs(vocab)) == 60
    assert rho == pytest.approx(g_rho, abs=1e-9) and round(353 * (1 - oov / 100)) == n


def test_nearest_neighbours_by_cosine():
    vocab = w2v.build_vocab([["a", "b", "c", "d"]], min_count=1)
    vecs = np.array([[1.0, 0.0], [10.0, 1.0], [0.0, 1.0], [-1.0, 0.0]])
    nbs = w2v.nearest_neighbours(vecs, vocab, vocab.words[0], k=3)
    assert [n for n, _ in nbs] == [vocab.words[1], vocab.words[2], vocab.words[3]]
    assert nbs[0][1] == pytest.approx(10 / np.sqrt(101)) and nbs[-1][1] == pytest.approx(-1.0)
    with pytest.raises(KeyError):
        w2v.nearest_neighbours(vecs, vocab, "zzz")


def test_pair_choice_task_is_seeded_balanced_and_answered_by_the_scores(lee):
    vocab, ids = lee
    X, y = w2v.pair_choice_task(ids, vocab.counts, n=500, seed=4)
    X2, y2 = w2v.pair_choice_task(ids, vocab.counts, n=500, seed=4)
    np.testing.assert_array_equal(X, X2)
    assert X.shape == (500, 3) and X.dtype == y.dtype == np.int64 and X.min() >= 50
    assert 0.4 < y.mean() < 0.6
    real = X[np.arange(500), 1 + y]
    c, o = w2v.pair_arrays(ids, 5)
    seen = set(zip(c.tolist(), o.tolist()))
    assert all((a, b) in seen for a, b in zip(X[:, 0].tolist(), real.tolist()))
    # an oracle that scores the real neighbour higher is always right, the opposite always wrong
    V = len(vocab)
    w_in = np.eye(V)
    w_out = np.zeros((V, V))
    w_out[real, X[:, 0]] = 1.0
    assert np.mean(w2v.choose_context(w_in, w_out, X) == y) > 0.9
    assert np.mean(w2v.choose_context(w_in, -w_out, X) == y) < 0.1
    assert w2v.pair_choice_task(ids, vocab.counts, n=5, seed=1)[0].shape == (5, 3)


def test_cooccurrence_counts_by_inverse_distance():
    rows, cols, vals = w2v.cooccurrence([np.array([0, 1, 2]), np.array([1, 1])], 3, 2)
    X = np.zeros((3, 3))
    X[rows, cols] = vals
    expected = np.array([[0.0, 1.0, 0.5], [1.0, 2.0, 1.0], [0.5, 1.0, 0.0]])
    np.testing.assert_allclose(X, expected)


# --- document embeddings --------------------------------------------------------------------------


def test_average_vectors():
    vecs = np.array([[1.0, 0.0], [0.0, 2.0], [4.0, 4.0]])
    out = w2v.average_vectors([np.array([0, 1]), np.array([], dtype=np.int64), np.array([2, 2, 0])], vecs)
    np.testing.assert_allclose(out, [[0.5, 1.0], [0.0, 0.0], [3.0, 8 / 3]])


def test_synthetic_reviews_are_seeded_and_split_the_sentiment_words():
    r = w2v.synthetic_reviews(n_corpus=300, n_train=40, n_test=30, seed=2)
    r2 = w2v.synthetic_reviews(n_corpus=300, n_train=40, n_test=30, seed=2)
    assert r.corpus == r2.corpus and r.test_docs == r2.test_docs
    assert len(r.corpus) == 300 and len(r.train_docs) == 40 and r.test_labels.shape == (30,)
    train_words = {t for d in r.train_docs for t in d}
    test_words = {t for d in r.test_docs for t in d}
    assert not train_words & set(r.unseen_words) and not test_words & set(r.seen_words)
    assert set(r.unseen_words) <= {t for s in r.corpus for t in s}
    for doc, label in zip(r.train_docs, r.train_labels):
        polar = w2v.POSITIVE_WORDS if label == 1 else w2v.NEGATIVE_WORDS
        assert doc[3] in polar
    assert w2v.synthetic_reviews(n_corpus=300, seed=3).corpus != r.corpus


def test_load_polarity():
    docs, labels = w2v.load_polarity()
    assert len(docs) == labels.shape[0] == 200 and labels.sum() == 100
    assert all(isinstance(t, str) for t in docs[0])


# --- figures and explorers ------------------------------------------------------------------------


@pytest.fixture(scope="module")
def snapshots(lee):
    vocab, _ = lee
    rng = np.random.default_rng(0)
    return [(f"epoch {i}", rng.standard_normal((len(vocab), 6))) for i in (1, 2, 3)]


def test_figures_have_titles_and_labels(lee, snapshots):
    vocab, _ = lee
    words = ["police", "officers", "monday", "tuesday"]
    vecs = snapshots[-1][1]
    _titled(w2v.plot_similarity_matrix({"a": (words, vecs[vocab.ids(words)]), "b": (words, np.eye(4))}))
    fig = _titled(w2v.plot_softmax_cost([1e3, 1e4, 1e5], [1e-4, 1e-3, 1e-2], [1e-5] * 3))
    assert len(fig.axes[0].lines) == 2 and fig.axes[0].get_legend() is not None
    fig = _titled(w2v.plot_noise_distribution(vocab.counts, vocab.words, power=0.5, top=8))
    assert len(fig.axes) == 2 and len(fig.axes[0].patches) == 16
    _titled(w2v.plot_keep_probability(vocab.counts, vocab.words, sample=1e-3))
    fig = _titled(w2v.plot_neighbours(snapshots, vocab, "police", k=5, snapshot=0))
    assert len(fig.axes[1].get_legend().get_texts()) == 5
    fig = _titled(w2v.plot_projection(vecs, vocab, words + ["not-a-word"]))
    assert len(fig.axes[0].texts) == 4
    fig = _titled(w2v.plot_accuracy_bars({"x": 0.7, "y": 0.5}))
    assert len(fig.axes[0].patches) == 2


def test_figures_reject_bad_input(lee, snapshots):
    vocab, _ = lee
    with pytest.raises(ValueError):
        w2v.plot_projection(snapshots[0][1], vocab, ["police"])
    with pytest.raises(ValueError):
        w2v.plot_neighbours(snapshots, vocab, "not-a-word")
    with pytest.raises(ValueError):
        w2v.plot_neighbours([], vocab, "police")
    with pytest.raises(ValueError):
        w2v.plot_accuracy_bars({})


@pytest.mark.usefixtures("live_notebook")
def test_explorers_build_and_redraw(lee, snapshots, monkeypatch):
    vocab, _ = lee
    drawn = []
    monkeypatch.setattr("course.widgets.show", lambda fig, dpi=100: drawn.append(fig))
    box = w2v.noise_explorer(vocab.counts, vocab.words)
    assert isinstance(box, w.VBox) and set(box.controls) == {"power", "top"}
    box.controls["power"].value = 0.0
    box = w2v.neighbours_explorer(snapshots, vocab, ["police", "not-a-word", "monday"])
    assert box.controls["word"].options == ("police", "monday")
    box.controls["snapshot"].value = 0
    box.controls["word"].value = "monday"
    box = w2v.projection_explorer(snapshots[-1][1], vocab, ["police", "officers", "monday"])
    box.controls["words"].value = ("police", "monday")
    assert len(drawn) >= 4 and all(isinstance(f, Figure) for f in drawn)
    with pytest.raises(ValueError):
        w2v.neighbours_explorer(snapshots, vocab, ["zzz"])

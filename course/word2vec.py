"""Chapter 07 (word2vec): the corpus plumbing, the evaluations, the lecture's figures and explorers.

Everything here serves ``lectures/07_word2vec.ipynb`` and the assignment's training and
evaluation cells; none of it is a graded function. The functions a student writes (``sigmoid``,
``neg_sampling_loss_and_grad``, ``noise_distribution``, ``sgns_loss_and_grads``,
``cbow_loss_and_grads``, ``SGNSLossFunction``, ``SkipGramNS``) are deliberately absent, and the
assignment's answer cells may not import this module. The noise *table* below turns a given
distribution into a fast sampler; which distribution to use is the student's business.

Conventions, as in the assignment: a vocabulary of ``V`` words has ids ``0..V-1``, the most
frequent word first (gensim's order, so ids agree with ``gensim.models.Word2Vec``); a sentence is
an int64 array of ids; ``w_in`` (V, d) holds the centre-word vectors v and ``w_out`` (V, d) the
outside-word vectors u, one row per word.

Sections:

* **corpus**: ``Vocab``, ``build_vocab``, ``encode``, ``lee_vocab``, ``lee_ids``;
* **training pairs**: ``skipgram_pairs`` (tokens, for reading), ``pair_arrays`` (ids, vectorised),
  ``cbow_windows``, ``keep_probabilities``, ``subsample``, ``epoch_pairs``;
* **negatives**: ``noise_table``, ``draw_negatives``;
* **evaluation**: ``wordsim_pairs``, ``wordsim_spearman``, ``nearest_neighbours``,
  ``pair_choice_task``, ``choose_context``, ``cooccurrence``;
* **document embeddings**: ``average_vectors``, ``synthetic_reviews``, ``load_polarity``;
* **figures**: ``plot_similarity_matrix``, ``plot_softmax_cost``, ``plot_noise_distribution``,
  ``plot_keep_probability``, ``plot_neighbours``, ``plot_projection``, ``plot_accuracy_bars``;
* **explorers**: ``noise_explorer``, ``neighbours_explorer``, ``projection_explorer``.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache

import ipywidgets as w
import matplotlib.pyplot as plt
import numpy as np

from course.widgets import interactive

_STYLE = {"description_width": "initial"}


# ============================================================================ corpus


@dataclass(frozen=True)
class Vocab:
    """Words, their ids and their corpus counts.

    ``words`` (V,) in id order, the most frequent first; ``counts`` (V,) int64 corpus counts;
    ``index`` maps a word to its id.
    """

    words: tuple[str, ...]
    counts: np.ndarray
    index: dict = field(repr=False)

    def __len__(self) -> int:
        return len(self.words)

    def __contains__(self, word: object) -> bool:
        return word in self.index

    @property
    def total(self) -> int:
        """The number of in-vocabulary tokens of the corpus."""
        return int(self.counts.sum())

    def ids(self, tokens: Iterable[str]) -> np.ndarray:
        """The ids of the in-vocabulary ``tokens``, in order (out-of-vocabulary words are dropped)."""
        return np.array([self.index[t] for t in tokens if t in self.index], dtype=np.int64)


def build_vocab(sentences: Sequence[Sequence[str]], min_count: int = 5) -> Vocab:
    """The words seen at least ``min_count`` times, most frequent first.

    Ties are ordered as gensim orders them (the word seen first comes last), so the ids equal
    those of ``gensim.models.Word2Vec(min_count=min_count).build_vocab(sentences)``.
    """
    if min_count < 1:
        raise ValueError(f"min_count must be at least 1, got {min_count}")
    counter = Counter(t for s in sentences for t in s)  # insertion order = first appearance
    kept = [(word, n) for word, n in counter.items() if n >= min_count]
    if not kept:
        raise ValueError(f"no word occurs {min_count} times")
    counts = np.array([n for _, n in kept], dtype=np.int64)
    order = np.lexsort((-np.arange(len(kept)), -counts))
    words = tuple(kept[i][0] for i in order)
    return Vocab(words=words, counts=counts[order], index={word: i for i, word in enumerate(words)})


def encode(sentences: Sequence[Sequence[str]], vocab: Vocab) -> list[np.ndarray]:
    """Each sentence as an int64 array of ids, out-of-vocabulary words dropped (as gensim does)."""
    return [vocab.ids(s) for s in sentences]


@lru_cache(maxsize=4)
def lee_vocab(min_count: int = 5) -> Vocab:
    """The vocabulary of gensim's bundled ``lee_background.cor`` (300 news texts, 58,152 tokens).

    With ``min_count=5``: 1,750 words covering 49,335 of the 58,152 tokens. The assignment and its trusted
    evaluation both use this one, so word ids mean the same thing everywhere.
    """
    from course.data import load_corpus

    return build_vocab(load_corpus(), min_count)


def lee_ids(min_count: int = 5, name: str = "lee_background.cor") -> list[np.ndarray]:
    """A gensim corpus (``lee_background.cor`` by default) as id arrays over ``lee_vocab(min_count)``."""
    from course.data import load_corpus

    return encode(load_corpus(name), lee_vocab(min_count))


# ============================================================================ training pairs


def skipgram_pairs(tokens: Sequence, window: int) -> list[tuple]:
    """(centre, outside) pairs of one sentence, centre by centre, outside words left to right.

    Every word is a centre once; its outside words are those at most ``window`` positions away.
    ``skipgram_pairs("the quick brown".split(), 2)`` gives ``[("the", "quick"), ("the", "brown"),
    ("quick", "the"), ("quick", "brown"), ("brown", "the"), ("brown", "quick")]``.
    """
    if window < 1:
        raise ValueError(f"window must be at least 1, got {window}")
    out = []
    for i, centre in enumerate(tokens):
        for j in range(max(0, i - window), min(len(tokens), i + window + 1)):
            if j != i:
                out.append((centre, tokens[j]))
    return out


def pair_arrays(sentences: Sequence[np.ndarray], window: int) -> tuple[np.ndarray, np.ndarray]:
    """All (centre, outside) id pairs of all sentences, vectorised: ``(centres, outsides)``, each (P,).

    The same pairs as ``skipgram_pairs`` (a fixed window, no shrinking), grouped by offset within
    each sentence rather than centre by centre. A sentence of n >= 2 words gives
    ``sum over offsets 1..window of 2 * max(n - offset, 0)`` pairs.
    """
    if window < 1:
        raise ValueError(f"window must be at least 1, got {window}")
    centres, outsides = [], []
    for s in sentences:
        n = len(s)
        for off in range(1, min(window, n - 1) + 1):
            centres += [s[:-off], s[off:]]
            outsides += [s[off:], s[:-off]]
    if not centres:
        empty = np.zeros(0, dtype=np.int64)
        return empty, empty.copy()
    return np.concatenate(centres).astype(np.int64), np.concatenate(outsides).astype(np.int64)


def cbow_windows(sentences: Sequence[np.ndarray], window: int) -> tuple[np.ndarray, np.ndarray]:
    """CBOW examples: ``(contexts, centres)`` with contexts (N, 2 * window) and centres (N,).

    One example per position that has ``window`` words on both sides (positions nearer an end
    are skipped, so every example has the same number of context words).
    """
    if window < 1:
        raise ValueError(f"window must be at least 1, got {window}")
    contexts, centres = [], []
    offsets = np.r_[np.arange(-window, 0), np.arange(1, window + 1)]
    for s in sentences:
        if len(s) < 2 * window + 1:
            continue
        pos = np.arange(window, len(s) - window)
        contexts.append(s[pos[:, None] + offsets])
        centres.append(s[pos])
    if not centres:
        return np.zeros((0, 2 * window), dtype=np.int64), np.zeros(0, dtype=np.int64)
    return np.concatenate(contexts).astype(np.int64), np.concatenate(centres).astype(np.int64)


def keep_probabilities(counts: np.ndarray, sample: float = 1e-3) -> np.ndarray:
    """Subsampling of frequent words: the probability of keeping each occurrence of each word, (V,).

    word2vec's (and gensim's) rule: with ``f = count / total`` the word's frequency,
    ``keep = min(1, (sqrt(f / sample) + 1) * sample / f)``. Words rarer than about
    ``2.6 * sample`` are always kept; ``sample = 0`` keeps everything.
    """
    counts = np.asarray(counts, dtype=np.float64)
    if sample <= 0:
        return np.ones_like(counts)
    f = counts / counts.sum()
    return np.minimum(1.0, (np.sqrt(f / sample) + 1.0) * sample / f)


def subsample(
    sentences: Sequence[np.ndarray], keep: np.ndarray, rng: np.random.Generator
) -> list[np.ndarray]:
    """Drop each occurrence of word ``i`` with probability ``1 - keep[i]`` (a fresh draw per call)."""
    return [s[rng.random(len(s)) < keep[s]] for s in sentences]


def epoch_pairs(
    sentences: Sequence[np.ndarray], window: int, rng: np.random.Generator, keep: np.ndarray | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """One epoch of skip-gram pairs in a random order: ``(centres, outsides)``, each (P,) int64.

    Subsamples the sentences first when ``keep`` (from ``keep_probabilities``) is given.
    """
    if keep is not None:
        sentences = subsample(sentences, keep, rng)
    centres, outsides = pair_arrays(sentences, window)
    perm = rng.permutation(len(centres))
    return centres[perm], outsides[perm]


# ============================================================================ negatives


def noise_table(probs: np.ndarray, size: int = 1_000_000) -> np.ndarray:
    """word2vec's sampling table for a noise distribution ``probs`` (V,): an int64 array (size,).

    Word ``i`` fills about ``probs[i] * size`` consecutive slots, so a slot drawn uniformly at
    random is word ``i`` with probability ``probs[i]`` (to within ``1 / size``). Drawing then costs
    one random integer per negative, whatever the vocabulary size.
    """
    probs = np.asarray(probs, dtype=np.float64)
    if probs.ndim != 1 or len(probs) == 0 or np.any(probs < 0) or not np.isfinite(probs).all():
        raise ValueError("probs must be a non-empty 1-D array of non-negative numbers")
    total = probs.sum()
    if not np.isclose(total, 1.0, atol=1e-6):
        raise ValueError(f"probs must sum to 1, got {total:.6g}")
    slots = (np.arange(size) + 0.5) / size
    return np.minimum(np.searchsorted(np.cumsum(probs), slots), len(probs) - 1).astype(np.int64)


def draw_negatives(table: np.ndarray, shape, rng: np.random.Generator) -> np.ndarray:
    """Negative word ids of the given ``shape``, drawn independently from a ``noise_table``."""
    return table[rng.integers(0, len(table), size=shape)]


# ============================================================================ evaluation


def wordsim_pairs(vocab: Vocab) -> list[tuple[str, str, float]]:
    """The pairs of gensim's bundled ``wordsim353.tsv`` whose two words are in ``vocab``.

    Each is ``(word1, word2, human score 0..10)``; words are lower-cased, as the corpus is.
    With ``lee_vocab()`` 60 of the 353 pairs remain.
    """
    from gensim.test.utils import datapath

    out = []
    with open(datapath("wordsim353.tsv"), encoding="utf-8") as fh:
        for line in fh:
            if line.startswith("#") or not line.strip():
                continue
            a, b, score = line.rstrip("\n").split("\t")[:3]
            a, b = a.lower(), b.lower()
            if a in vocab and b in vocab:
                out.append((a, b, float(score)))
    return out


def _unit_rows(vectors: np.ndarray) -> np.ndarray:
    v = np.asarray(vectors, dtype=np.float64)
    norms = np.linalg.norm(v, axis=1, keepdims=True)
    return v / np.where(norms > 0, norms, 1.0)


def wordsim_spearman(vectors: np.ndarray, vocab: Vocab) -> tuple[float, int]:
    """Spearman correlation between cosine similarity and the human scores of wordsim353.

    Only the pairs with both words in ``vocab`` count; returns ``(rho, number of pairs)``, the
    same rho as gensim's ``KeyedVectors.evaluate_word_pairs`` on these vectors. ``vectors`` (V, d).
    """
    from scipy.stats import spearmanr

    pairs = wordsim_pairs(vocab)
    if len(pairs) < 3:
        raise ValueError("fewer than three wordsim353 pairs in the vocabulary")
    unit = _unit_rows(vectors)
    model = [float(unit[vocab.index[a]] @ unit[vocab.index[b]]) for a, b, _ in pairs]
    human = [s for _, _, s in pairs]
    return float(spearmanr(human, model).statistic), len(pairs)


def nearest_neighbours(vectors: np.ndarray, vocab: Vocab, word: str, k: int = 8) -> list[tuple[str, float]]:
    """The ``k`` words whose vectors have the largest cosine similarity with ``word``'s (itself excluded).

    Returns ``[(neighbour, cosine), ...]``, most similar first. ``vectors`` (V, d).
    """
    if word not in vocab:
        raise KeyError(f"{word!r} is not in the vocabulary")
    unit = _unit_rows(vectors)
    i = vocab.index[word]
    sims = unit @ unit[i]
    sims[i] = -np.inf
    top = np.argsort(-sims, kind="stable")[:k]
    return [(vocab.words[j], float(sims[j])) for j in top]


def pair_choice_task(
    sentences: Sequence[np.ndarray],
    counts: np.ndarray,
    n: int = 2000,
    seed: int = 0,
    window: int = 5,
    skip_top: int = 50,
) -> tuple[np.ndarray, np.ndarray]:
    """A two-way choice: which of two words really appeared near the centre word?

    From the pairs of ``sentences`` (id arrays) within ``window`` whose two words are both
    outside the ``skip_top`` most frequent ones (content words, not "the", "of", "said"), draw
    ``n`` pairs; for each, draw a decoy word from the unigram distribution of the content words
    (so decoys are as frequent as real neighbours on average) and put the real neighbour first
    or second at random. Returns ``X`` (n, 3) int64 rows ``(centre, candidate 0, candidate 1)``
    and ``y`` (n,) int64, the position (0 or 1) of the real neighbour. All draws come from
    ``np.random.default_rng(seed)``. A model without any knowledge scores 0.5 on average.
    """
    centres, outsides = pair_arrays(sentences, window)
    ok = (centres >= skip_top) & (outsides >= skip_top)
    centres, outsides = centres[ok], outsides[ok]
    if len(centres) < n:
        raise ValueError(f"only {len(centres)} content-word pairs, fewer than n={n}")
    rng = np.random.default_rng(seed)
    pick = rng.choice(len(centres), size=n, replace=False)
    p = np.asarray(counts, dtype=np.float64).copy()
    p[:skip_top] = 0.0
    decoys = rng.choice(len(p), size=n, p=p / p.sum())
    y = rng.integers(0, 2, size=n).astype(np.int64)
    real = outsides[pick]
    X = np.stack([centres[pick], np.where(y == 0, real, decoys), np.where(y == 0, decoys, real)], axis=1)
    return X.astype(np.int64), y


def choose_context(w_in: np.ndarray, w_out: np.ndarray, X: np.ndarray) -> np.ndarray:
    """The skip-gram model's answer to ``pair_choice_task``: the candidate with the larger score.

    The score of outside word o for centre c is ``w_in[c] . w_out[o]`` (the logit of sigma in
    the negative-sampling objective). ``X`` (n, 3) -> (n,) int64 in {0, 1}.
    """
    w_in, w_out, X = np.asarray(w_in), np.asarray(w_out), np.asarray(X)
    v = w_in[X[:, 0]]
    s0 = np.sum(v * w_out[X[:, 1]], axis=1)
    s1 = np.sum(v * w_out[X[:, 2]], axis=1)
    return (s1 > s0).astype(np.int64)


def cooccurrence(
    sentences: Sequence[np.ndarray], vocab_size: int, window: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """GloVe's weighted co-occurrence counts, as COO arrays ``(rows, cols, values)`` of the non-zeros.

    A pair ``offset`` positions apart adds ``1 / offset`` (both orders, so the matrix is symmetric).
    """
    keys, weights = [], []
    for s in sentences:
        for off in range(1, min(window, len(s) - 1) + 1):
            a, b = s[:-off], s[off:]
            keys += [a * vocab_size + b, b * vocab_size + a]
            weights += [np.full(2 * len(a), 1.0 / off)]
    if not keys:
        empty = np.zeros(0, dtype=np.int64)
        return empty, empty.copy(), np.zeros(0)
    keys, weights = np.concatenate(keys), np.concatenate(weights)
    if vocab_size * vocab_size <= 50_000_000:  # a dense bincount over all V * V cells is fastest
        dense = np.bincount(keys, weights=weights, minlength=vocab_size * vocab_size)
        uniq = np.flatnonzero(dense)
        values = dense[uniq]
    else:
        uniq, inverse = np.unique(keys, return_inverse=True)
        values = np.bincount(inverse, weights=weights)
    return uniq // vocab_size, uniq % vocab_size, values


# ============================================================================ document embeddings


def average_vectors(documents: Sequence[np.ndarray], vectors: np.ndarray) -> np.ndarray:
    """Document embeddings: the mean of the word vectors of each document, (N, d).

    ``documents`` are id arrays; a document without any in-vocabulary word gets the zero vector.
    """
    vectors = np.asarray(vectors, dtype=np.float64)
    out = np.zeros((len(documents), vectors.shape[1]))
    for i, doc in enumerate(documents):
        if len(doc):
            out[i] = vectors[doc].mean(axis=0)
    return out


POSITIVE_WORDS = (
    "great", "excellent", "wonderful", "superb", "brilliant",
    "delightful", "charming", "moving", "gripping", "stunning",
)  # fmt: skip
NEGATIVE_WORDS = (
    "awful", "terrible", "boring", "dull", "tedious",
    "clumsy", "bland", "painful", "lifeless", "dreadful",
)  # fmt: skip
_NOUNS = ("film", "movie", "plot", "acting", "script", "story", "cast", "ending", "soundtrack", "dialogue")
_POS_CONTEXT = ("loved", "enjoyed", "recommend", "smiled", "masterpiece", "fun", "again", "favourite")
_NEG_CONTEXT = ("hated", "regret", "waste", "yawned", "mess", "walked", "out", "refund")
_FILLER = ("the", "a", "this", "it", "was", "is", "and", "very", "really", "quite", "i", "we")


@dataclass(frozen=True)
class Reviews:
    """A seeded toy sentiment set (see ``synthetic_reviews``); documents are token lists."""

    corpus: list  # unlabelled sentences, to learn the word vectors from
    train_docs: list
    train_labels: np.ndarray  # 1 positive, 0 negative
    test_docs: list
    test_labels: np.ndarray
    seen_words: tuple  # sentiment words of the labelled training reviews
    unseen_words: tuple  # sentiment words that only the test reviews (and the corpus) use


def synthetic_reviews(n_corpus: int = 3000, n_train: int = 200, n_test: int = 200, seed: int = 0) -> Reviews:
    """A toy sentiment task where the sentiment words of the test reviews never occur in training.

    Ten positive and ten negative adjectives; the labelled training reviews use the first half of
    each list, the test reviews only the second half. The unlabelled ``corpus`` uses all of them,
    each in the company of words of its own polarity ("loved", "recommend" / "hated", "waste").
    A bag-of-words classifier has never seen a test review's sentiment word; averaged word
    vectors learnt from the corpus can carry the polarity over. Everything is drawn from
    ``np.random.default_rng(seed)``.
    """
    rng = np.random.default_rng(seed)
    half = len(POSITIVE_WORDS) // 2
    polar = {1: POSITIVE_WORDS, 0: NEGATIVE_WORDS}
    context = {1: _POS_CONTEXT, 0: _NEG_CONTEXT}

    def pick(seq):
        return seq[rng.integers(len(seq))]

    corpus = []
    for _ in range(n_corpus):
        label = int(rng.integers(2))
        kind = rng.integers(3)
        if kind == 0:
            s = ["i", pick(context[label]), "this", pick(_NOUNS), "it", "was", pick(polar[label])]
        elif kind == 1:
            s = ["the", pick(_NOUNS), "was", pick(polar[label]), "and", pick(polar[label])]
        else:
            s = ["a", pick(polar[label]), pick(_NOUNS), pick(context[label]), pick(context[label])]
        corpus.append(s)

    def reviews(n, part):
        docs, labels = [], []
        for _ in range(n):
            label = int(rng.integers(2))
            words = polar[label][:half] if part == "train" else polar[label][half:]
            doc = [pick(_FILLER), pick(_NOUNS), "was", pick(words)]
            for _ in range(int(rng.integers(2, 5))):
                doc.append(pick(_FILLER) if rng.random() < 0.6 else pick(_NOUNS))
            docs.append(doc)
            labels.append(label)
        return docs, np.array(labels, dtype=np.int64)

    train_docs, train_labels = reviews(n_train, "train")
    test_docs, test_labels = reviews(n_test, "test")
    return Reviews(
        corpus=corpus,
        train_docs=train_docs,
        train_labels=train_labels,
        test_docs=test_docs,
        test_labels=test_labels,
        seen_words=POSITIVE_WORDS[:half] + NEGATIVE_WORDS[:half],
        unseen_words=POSITIVE_WORDS[half:] + NEGATIVE_WORDS[half:],
    )


def load_polarity() -> tuple[list[list[str]], np.ndarray]:
    """gensim's bundled ``pang_lee_polarity.cor``: 200 real movie-review sentences, half positive.

    Returns ``(token lists, labels)`` with labels 1 (positive) and 0 (negative).
    """
    from gensim.test.utils import datapath
    from gensim.utils import simple_preprocess

    docs, labels = [], []
    with open(datapath("pang_lee_polarity.cor"), encoding="utf-8", errors="replace") as fh:
        for line in fh:
            tag, _, text = line.partition(" ")
            if tag in ("__label__pos", "__label__neg"):
                docs.append(simple_preprocess(text))
                labels.append(1 if tag == "__label__pos" else 0)
    return docs, np.array(labels, dtype=np.int64)


# ============================================================================ figures


def plot_similarity_matrix(panels: Mapping[str, tuple[Sequence[str], np.ndarray]], title: str = ""):
    """Cosine similarities between words, one heat map per panel.

    ``panels`` maps a panel title to ``(words, vectors)`` with vectors (n, d), one row per word.
    """
    if not panels:
        raise ValueError("need at least one panel")
    fig, axes = plt.subplots(1, len(panels), figsize=(4.6 * len(panels), 4.2), squeeze=False)
    im = None
    for ax, (name, (words, vecs)) in zip(axes[0], panels.items()):
        unit = _unit_rows(vecs)
        sims = unit @ unit.T
        im = ax.imshow(sims, cmap="RdBu_r", vmin=-1, vmax=1)
        ax.set_xticks(range(len(words)), words, rotation=60, ha="right", fontsize=8)
        ax.set_yticks(range(len(words)), words, fontsize=8)
        ax.set_title(name)
    fig.colorbar(im, ax=axes[0].tolist(), label="cosine similarity", shrink=0.8)
    if title:
        fig.suptitle(title)
    return fig


def plot_softmax_cost(vocab_sizes, softmax_seconds, ns_seconds, negatives: int = 5, title: str = ""):
    """Measured time of one gradient of the full softmax and of negative sampling against V (log-log)."""
    vocab_sizes = np.asarray(vocab_sizes, dtype=float)
    fig, ax = plt.subplots(figsize=(6.4, 3.8))
    ax.loglog(vocab_sizes, np.asarray(softmax_seconds) * 1e6, "o-", label="full softmax: all V scores")
    ax.loglog(
        vocab_sizes, np.asarray(ns_seconds) * 1e6, "s-", label=f"negative sampling: 1 + {negatives} scores"
    )
    ax.set_xlabel("vocabulary size V")
    ax.set_ylabel("time per (centre, outside) pair [µs]")
    ax.set_title(title or "Cost of one loss-and-gradient evaluation")
    ax.grid(alpha=0.3, which="both")
    ax.legend(fontsize=9, loc="upper left")
    fig.tight_layout()
    return fig


def plot_noise_distribution(counts, words: Sequence[str], power: float = 0.75, top: int = 12):
    """The noise distribution P_n(w) proportional to count(w)**power, next to the unigram (power 1).

    Left: the probabilities of the ``top`` most frequent words under both. Right: the ratio
    P_n(w) / unigram(w) against the frequency rank of every word (log-log): above 1 a word is
    drawn as a negative more often than it occurs, below 1 less often.
    """
    counts = np.asarray(counts, dtype=np.float64)
    unigram = counts / counts.sum()
    noise = counts**power / np.sum(counts**power)
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(11.0, 3.9))
    x = np.arange(top)
    ax1.bar(x - 0.2, unigram[:top], width=0.4, label="unigram (power 1)")
    ax1.bar(x + 0.2, noise[:top], width=0.4, label=f"power {power:g}")
    ax1.set_xticks(x, words[:top], rotation=60, ha="right", fontsize=8)
    ax1.set_ylabel("probability")
    ax1.set_title(
        f"Top {top} words: {unigram[:top].sum():.0%} of the corpus, {noise[:top].sum():.0%} of the negatives"
    )
    ax1.legend(fontsize=9)
    ranks = np.arange(1, len(counts) + 1)
    ax2.loglog(ranks, noise / unigram, color="tab:orange")
    ax2.axhline(1.0, color="black", lw=0.8, ls="--")
    ax2.set_xlabel("frequency rank of the word")
    ax2.set_ylabel("noise probability / unigram probability")
    ax2.set_title(f"power {power:g}: rare words up, frequent words down")
    ax2.grid(alpha=0.3, which="both")
    fig.tight_layout()
    return fig


def plot_keep_probability(counts, words: Sequence[str], sample: float = 1e-3, label_top: int = 6):
    """Subsampling: the probability of keeping an occurrence against the word's frequency (log x)."""
    counts = np.asarray(counts, dtype=np.float64)
    f = counts / counts.sum()
    keep = keep_probabilities(counts, sample)
    fig, ax = plt.subplots(figsize=(6.4, 3.8))
    ax.semilogx(f, keep, ".", ms=4, label="one word of the vocabulary")
    for i in range(min(label_top, len(words))):
        ax.annotate(words[i], (f[i], keep[i]), textcoords="offset points", xytext=(4, 4), fontsize=8)
    ax.axvline(sample, color="gray", ls=":", label=f"sample t = {sample:g}")
    kept = float(np.sum(counts * keep) / counts.sum())
    ax.set_xlabel("frequency f(w) = count / total")
    ax.set_ylabel("probability of keeping an occurrence")
    ax.set_title(f"Subsampling with t = {sample:g}: {kept:.0%} of the tokens kept on average")
    ax.set_ylim(0, 1.05)
    ax.grid(alpha=0.3, which="both")
    ax.legend(fontsize=9, loc="lower left")
    fig.tight_layout()
    return fig


def plot_neighbours(
    snapshots: Sequence[tuple[str, np.ndarray]], vocab: Vocab, word: str, k: int = 8, snapshot: int = -1
):
    """Nearest neighbours of ``word`` as training goes on.

    ``snapshots`` is a list of ``(label, vectors (V, d))`` in training order. Left: the ``k``
    nearest neighbours at the chosen ``snapshot`` and their cosine similarities. Right: the cosine
    similarity of ``word`` with each of the final snapshot's ``k`` neighbours at every snapshot.
    """
    if not snapshots:
        raise ValueError("need at least one snapshot")
    if word not in vocab:
        raise ValueError(f"{word!r} is not in the vocabulary")
    labels = [lab for lab, _ in snapshots]
    snapshot = range(len(snapshots))[snapshot]
    chosen = nearest_neighbours(snapshots[snapshot][1], vocab, word, k)
    final = [nb for nb, _ in nearest_neighbours(snapshots[-1][1], vocab, word, k)]
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(11.0, 3.9))
    names = [nb for nb, _ in chosen][::-1]
    ax1.barh(range(len(names)), [s for _, s in chosen][::-1], color="tab:blue")
    ax1.set_yticks(range(len(names)), names)
    ax1.set_xlabel("cosine similarity")
    ax1.set_xlim(min(0.0, min(s for _, s in chosen)), 1.0)
    ax1.set_title(f"Neighbours of '{word}' after {labels[snapshot]}")
    ax1.grid(alpha=0.3, axis="x")
    x = np.arange(len(snapshots))
    i = vocab.index[word]
    for nb in final:
        j = vocab.index[nb]
        sims = [float(_unit_rows(v[[i, j]])[0] @ _unit_rows(v[[i, j]])[1]) for _, v in snapshots]
        ax2.plot(x, sims, marker="o", ms=3, label=nb)
    ax2.axvline(snapshot, color="gray", ls=":")
    ax2.set_xticks(x, labels, rotation=45, ha="right", fontsize=8)
    ax2.set_ylabel(f"cosine with '{word}'")
    ax2.set_title(f"The final {k} neighbours along training")
    ax2.grid(alpha=0.3)
    ax2.legend(fontsize=7, loc="center left", bbox_to_anchor=(1.01, 0.5))
    fig.tight_layout()
    return fig


def plot_projection(vectors: np.ndarray, vocab: Vocab, words: Sequence[str], title: str = ""):
    """The chosen words' vectors projected on their first two principal components.

    The vectors are scaled to unit length first (cosine similarity is what the model learnt) and
    centred over the chosen words; out-of-vocabulary words are left out.
    """
    words = [wd for wd in words if wd in vocab]
    if len(words) < 2:
        raise ValueError("choose at least two words from the vocabulary")
    X = _unit_rows(np.asarray(vectors)[[vocab.index[wd] for wd in words]])
    X = X - X.mean(axis=0)
    _, s, vt = np.linalg.svd(X, full_matrices=False)
    P = X @ vt[:2].T
    if P.shape[1] < 2:
        P = np.c_[P, np.zeros(len(P))]
    explained = (s[:2] ** 2).sum() / max((s**2).sum(), 1e-300)
    fig, ax = plt.subplots(figsize=(6.4, 4.8))
    ax.scatter(P[:, 0], P[:, 1], s=30, color="tab:blue")
    for (x, y), wd in zip(P, words):
        ax.annotate(wd, (x, y), textcoords="offset points", xytext=(4, 3), fontsize=9)
    ax.set_xlabel("principal component 1")
    ax.set_ylabel("principal component 2")
    ax.set_title(title or f"{len(words)} words in 2-D ({explained:.0%} of their variance)")
    ax.grid(alpha=0.3)
    fig.tight_layout()
    return fig


def plot_accuracy_bars(results: Mapping[str, float], chance: float = 0.5, title: str = "Accuracy"):
    """One bar per method (``results`` maps a name to an accuracy), with the chance level."""
    if not results:
        raise ValueError("need at least one result")
    fig, ax = plt.subplots(figsize=(6.4, 3.6))
    names = list(results)
    vals = [float(results[n]) for n in names]
    bars = ax.bar(range(len(names)), vals, color="tab:blue")
    for b, v in zip(bars, vals):
        ax.text(b.get_x() + b.get_width() / 2, v + 0.01, f"{v:.2f}", ha="center", fontsize=9)
    ax.axhline(chance, color="black", ls="--", lw=1, label=f"chance ({chance:g})")
    ax.set_xticks(range(len(names)), names, fontsize=9)
    ax.set_ylim(0, 1.08)
    ax.set_ylabel("accuracy")
    ax.set_title(title)
    ax.legend(fontsize=9, loc="upper right")
    fig.tight_layout()
    return fig


# ============================================================================ explorers


def noise_explorer(counts, words: Sequence[str], power: float = 0.75) -> w.VBox:
    """A power slider (0 = uniform, 1 = unigram) and a word count around ``plot_noise_distribution``."""
    return interactive(
        lambda **kw: plot_noise_distribution(counts, words, **kw),
        power=w.FloatSlider(
            value=power,
            min=0.0,
            max=1.0,
            step=0.05,
            description="power α",
            continuous_update=False,
            style=_STYLE,
        ),
        top=w.IntSlider(
            value=12, min=5, max=30, description="words shown", continuous_update=False, style=_STYLE
        ),
    )


def neighbours_explorer(
    snapshots: Sequence[tuple[str, np.ndarray]], vocab: Vocab, words: Sequence[str], k: int = 8
) -> w.VBox:
    """A word, a training snapshot and k around ``plot_neighbours``."""
    words = [wd for wd in words if wd in vocab]
    if not words:
        raise ValueError("none of the words is in the vocabulary")
    return interactive(
        lambda **kw: plot_neighbours(snapshots, vocab, **kw),
        word=w.Dropdown(options=words, value=words[0], description="word", style=_STYLE),
        snapshot=w.SelectionSlider(
            options=[(lab, i) for i, (lab, _) in enumerate(snapshots)],
            value=len(snapshots) - 1,
            description="after",
            continuous_update=False,
            style=_STYLE,
        ),
        k=w.IntSlider(
            value=k, min=3, max=15, description="neighbours k", continuous_update=False, style=_STYLE
        ),
    )


def projection_explorer(
    vectors: np.ndarray, vocab: Vocab, words: Sequence[str], chosen: Sequence[str] | None = None
) -> w.VBox:
    """Pick words (ctrl-click) for ``plot_projection`` of ``vectors``."""
    words = [wd for wd in words if wd in vocab]
    chosen = tuple(wd for wd in (chosen or words) if wd in words)
    return interactive(
        lambda **kw: plot_projection(vectors, vocab, **kw),
        words=w.SelectMultiple(
            options=words, value=chosen, rows=10, description="words (ctrl-click)", style=_STYLE
        ),
    )

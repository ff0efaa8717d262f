"""Chapter 08 (attention): the sequence-reversal task, positional encodings, and the lecture's figures.

Everything is NumPy, float64 (the timings excepted) and seeded. The graded functions of the
assignment (``attention_forward``/``attention_backward``, ``multihead_attention_forward``,
``AttentionFunction``, ``MultiHeadSelfAttention``) are deliberately not here; the answer cells
of the assignment may not import this module.

Conventions, as in the assignment: a sequence of ``T`` vectors is a (T, d) array, one position
per row; attention weights form a (T_q, T_k) matrix whose row ``i`` says how much query ``i``
takes from each key; a boolean mask is ``True`` where a query may attend to a key.

Contents:

* ``reversal_task``: the seeded synthetic task of the assignment (reverse a digit sequence);
* ``sinusoidal_positions`` and ``plot_positional_encodings``;
* ``bottleneck_errors`` / ``plot_bottleneck``: a fixed-size state against an attention read-out;
* ``score_scaling_stats`` / ``plot_score_scaling``: why scores are divided by sqrt(d);
* ``plot_cost_scaling``: measured time and memory of attention against the sequence length;
* ``sentence_attention`` / ``plot_attention_heatmap`` / ``attention_explorer``: attention over a
  short sentence with hand-built queries and keys, a temperature and a causal mask;
* ``plot_attention_maps``: the heat maps of several heads (the trained model of the assignment).
"""

from __future__ import annotations

from collections.abc import Sequence

import matplotlib.pyplot as plt
import numpy as np

REVERSAL_VOCAB = 10  # tokens are the digits 0..9
REVERSAL_LENGTH = 8  # every sequence has 8 tokens


# --------------------------------------------------------------------------- the synthetic task


def reversal_task(n: int, length: int = REVERSAL_LENGTH, vocab: int = REVERSAL_VOCAB, seed: int = 0):
    """``n`` random token sequences and their reversals: ``(X, y)``, both (n, length) int64.

    Tokens are drawn uniformly from ``0..vocab-1`` with ``np.random.default_rng(seed)``;
    ``y[:, t] = X[:, length - 1 - t]``. A model that outputs one token per position is scored by
    the fraction of positions it gets right (chance: ``1 / vocab``).
    """
    if n < 1 or length < 1 or vocab < 2:
        raise ValueError(f"need n >= 1, length >= 1 and vocab >= 2, got {n}, {length}, {vocab}")
    rng = np.random.default_rng(seed)
    X = rng.integers(0, vocab, size=(n, length), dtype=np.int64)
    return X, np.ascontiguousarray(X[:, ::-1])


# --------------------------------------------------------------------------- positional encodings


def sinusoidal_positions(length: int, dim: int, base: float = 10000.0) -> np.ndarray:
    """The sinusoidal position encodings of Vaswani et al. (2017): a (length, dim) array.

    ``P[t, 2i] = sin(t / base**(2i / dim))`` and ``P[t, 2i + 1] = cos(t / base**(2i / dim))``
    for positions ``t = 0..length-1``; ``dim`` must be even.
    """
    if dim < 2 or dim % 2:
        raise ValueError(f"dim must be a positive even number, got {dim}")
    t = np.arange(length, dtype=np.float64)[:, None]  # (length, 1)
    freq = base ** (-np.arange(0, dim, 2, dtype=np.float64) / dim)  # (dim / 2,)
    angles = t * freq  # (length, dim / 2)
    P = np.empty((length, dim))
    P[:, 0::2] = np.sin(angles)
    P[:, 1::2] = np.cos(angles)
    return P


def plot_positional_encodings(length: int = 64, dim: int = 32, base: float = 10000.0):
    """Left: the encoding matrix P (positions down, dimensions across). Right: the dot products
    ``P @ P.T`` between all pairs of positions, which depend on the offset between them only."""
    P = sinusoidal_positions(length, dim, base)
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(10.5, 4.0))
    im = ax1.imshow(P, aspect="auto", cmap="RdBu_r", vmin=-1, vmax=1, interpolation="nearest")
    ax1.set_xlabel("dimension")
    ax1.set_ylabel("position t")
    ax1.set_title(f"Sinusoidal encodings P ({length} x {dim})")
    fig.colorbar(im, ax=ax1, fraction=0.046)
    G = P @ P.T
    im2 = ax2.imshow(G, cmap="viridis", interpolation="nearest")
    ax2.set_xlabel("position s")
    ax2.set_ylabel("position t")
    ax2.set_title(r"Similarity $P_t \cdot P_s$ (a function of $t - s$)")
    fig.colorbar(im2, ax=ax2, fraction=0.046)
    fig.tight_layout()
    return fig


# --------------------------------------------------------------------------- the bottleneck


def bottleneck_errors(
    lengths: Sequence[int],
    item_dim: int = 8,
    state_dim: int = 64,
    key_dim: int = 64,
    sharpness: float = 16.0,
    n_seqs: int = 200,
    seed: int = 0,
) -> dict[str, np.ndarray]:
    """Relative error of recalling every item of a sequence, by two read-outs, for each length T.

    Items: ``T`` standard-normal vectors of ``item_dim`` numbers (``n_seqs`` sequences).

    * ``"fixed state"``: the sequence is squeezed into ``state_dim`` numbers by a random linear
      map A (state_dim, T * item_dim) and decoded by the best linear decoder, A's pseudo-inverse.
      For isotropic items no rank-``state_dim`` linear code does better: the expected relative
      error is ``max(0, 1 - state_dim / (T * item_dim))``.
    * ``"attention"``: all T items are kept; item t is read by a softmax look-up whose keys are
      random unit vectors of ``key_dim`` numbers (one per position) and whose query is
      ``sharpness`` times the key of position t.

    Returns ``{"lengths": (L,), "fixed state": (L,), "attention": (L,)}``: the sum of squared
    errors over the sum of squared items, over all sequences.
    """
    rng = np.random.default_rng(seed)
    lengths = np.asarray(lengths, dtype=int)
    fixed, attn = [], []
    for T in lengths:
        X = rng.standard_normal((n_seqs, T * item_dim))  # one flattened sequence per row
        A = rng.standard_normal((state_dim, T * item_dim))
        states = X @ A.T  # (n_seqs, state_dim)
        X_hat = states @ np.linalg.pinv(A).T  # (n_seqs, T * item_dim)
        fixed.append(np.sum((X - X_hat) ** 2) / np.sum(X**2))

        K = rng.standard_normal((T, key_dim))
        K /= np.linalg.norm(K, axis=1, keepdims=True)  # (T, key_dim) unit keys
        scores = sharpness * K @ K.T  # (T, T): query t against every key
        W = np.exp(scores - scores.max(axis=1, keepdims=True))
        W /= W.sum(axis=1, keepdims=True)
        items = X.reshape(n_seqs, T, item_dim)
        read = W @ items  # (n_seqs, T, item_dim): row t reads item t
        attn.append(np.sum((items - read) ** 2) / np.sum(items**2))
    return {"lengths": lengths, "fixed state": np.array(fixed), "attention": np.array(attn)}


def plot_bottleneck(
    lengths: Sequence[int] = (2, 4, 6, 8, 12, 16, 24, 32, 48, 64),
    item_dim: int = 8,
    state_dim: int = 64,
    seed: int = 0,
):
    """Recall error against the sequence length: a fixed state of ``state_dim`` numbers (measured,
    and the bound ``1 - state_dim / (T item_dim)``) against an attention read-out over all T items."""
    res = bottleneck_errors(lengths, item_dim=item_dim, state_dim=state_dim, seed=seed)
    T = res["lengths"]
    fig, ax = plt.subplots(figsize=(6.6, 3.8))
    ax.plot(T, res["fixed state"], "o-", label=f"fixed state of {state_dim} numbers (measured)")
    grid = np.linspace(T.min(), T.max(), 200)
    ax.plot(
        grid,
        np.maximum(0.0, 1.0 - state_dim / (grid * item_dim)),
        "k:",
        label=r"$\max(0,\ 1 - m / (T d))$",
    )
    ax.plot(T, res["attention"], "s-", label="attention over all T items (measured)")
    ax.axvline(state_dim / item_dim, color="gray", lw=0.8, ls="--")
    ax.set_xlabel("sequence length T")
    ax.set_ylabel("relative recall error")
    ax.set_ylim(-0.03, 1.0)
    ax.set_title(f"Recalling T items of {item_dim} numbers each")
    ax.grid(alpha=0.3)
    ax.legend(fontsize=9, loc="center right")
    fig.tight_layout()
    return fig


# --------------------------------------------------------------------------- why 1 / sqrt(d)


def _softmax_rows(s: np.ndarray) -> np.ndarray:
    e = np.exp(s - s.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


def score_scaling_stats(
    dims: Sequence[int] = (2, 4, 8, 16, 32, 64, 128, 256, 512),
    n_keys: int = 32,
    n_queries: int = 200,
    seed: int = 0,
) -> dict[str, np.ndarray]:
    """Statistics of dot-product scores for standard-normal queries and keys of dimension d.

    For each d: ``n_queries`` queries, each against its own ``n_keys`` keys, entries i.i.d. N(0, 1). Returns
    ``{"dims": (L,), "var raw": (L,), "var scaled": (L,), "max weight raw": (L,),
    "max weight scaled": (L,), "jacobian raw": (L,), "jacobian scaled": (L,)}``: the variance of
    the scores ``q . k`` (raw) and ``q . k / sqrt(d)`` (scaled), the mean largest softmax weight of
    a query's row, and the mean Frobenius norm of the softmax Jacobian ``diag(p) - p p^T`` (how
    much gradient the softmax passes back).
    """
    rng = np.random.default_rng(seed)
    out: dict[str, list[float]] = {
        k: []
        for k in (
            "var raw",
            "var scaled",
            "max weight raw",
            "max weight scaled",
            "jacobian raw",
            "jacobian scaled",
        )
    }
    for d in dims:
        q = rng.standard_normal((n_queries, 1, d))
        k = rng.standard_normal((n_queries, n_keys, d))  # fresh keys for every query
        raw = np.sum(q * k, axis=-1)  # (n_queries, n_keys)
        for tag, s in (("raw", raw), ("scaled", raw / np.sqrt(d))):
            p = _softmax_rows(s)
            # ||diag(p) - p p^T||_F^2 = sum p^2 - 2 sum p^3 + (sum p^2)^2, row by row
            s2, s3 = (p**2).sum(axis=1), (p**3).sum(axis=1)
            jac = np.sqrt(np.maximum(s2 - 2 * s3 + s2**2, 0.0))
            out[f"var {tag}"].append(float(s.var()))
            out[f"max weight {tag}"].append(float(p.max(axis=1).mean()))
            out[f"jacobian {tag}"].append(float(jac.mean()))
    res = {k: np.array(v) for k, v in out.items()}
    res["dims"] = np.asarray(dims)
    return res


def plot_score_scaling(
    dims: Sequence[int] = (2, 4, 8, 16, 32, 64, 128, 256, 512),
    n_keys: int = 32,
    n_queries: int = 200,
    seed: int = 0,
):
    """Three panels against d (log x): the score variance, the largest softmax weight and the
    size of the softmax Jacobian, for raw scores ``q . k`` and scaled ones ``q . k / sqrt(d)``."""
    st = score_scaling_stats(dims, n_keys, n_queries, seed)
    d = st["dims"]
    fig, axes = plt.subplots(1, 3, figsize=(12.5, 3.6))
    panels = (
        ("var", "variance of the scores", True),
        ("max weight", "mean largest softmax weight", False),
        ("jacobian", r"mean $\|\mathrm{diag}(p) - p p^\top\|_F$", True),
    )
    for ax, (key, ylabel, logy) in zip(axes, panels):
        ax.plot(d, st[f"{key} raw"], "o-", color="tab:red", label=r"raw $q \cdot k$")
        ax.plot(d, st[f"{key} scaled"], "s-", color="tab:blue", label=r"scaled $q \cdot k / \sqrt{d}$")
        ax.set_xscale("log", base=2)
        if logy:
            ax.set_yscale("log")
        ax.set_xlabel("dimension d of queries and keys")
        ax.set_ylabel(ylabel)
        ax.grid(alpha=0.3, which="both")
        ax.legend(fontsize=8)
    axes[0].plot(d, d, "k:", lw=1, label="d")
    axes[0].legend(fontsize=8)
    axes[1].axhline(1.0 / n_keys, color="gray", lw=0.8, ls="--")
    axes[0].set_title("Scores grow like d ...")
    axes[1].set_title(f"... so the softmax over {n_keys} keys saturates ...")
    axes[2].set_title("... and passes back little gradient")
    fig.tight_layout()
    return fig


# --------------------------------------------------------------------------- the T^2 cost


def plot_cost_scaling(lengths, seconds, memory_bytes=None, title: str = "Cost of attention"):
    """Measured time per call (left) and, when given, the memory of the weight matrices (right)
    against the sequence length T, log-log, each with a dashed T^2 line through its last point."""
    T = np.asarray(lengths, dtype=float)
    secs = np.asarray(seconds, dtype=float)
    if T.shape != secs.shape or T.size < 2:
        raise ValueError("need at least two lengths and one time per length")
    panels = [(secs, "seconds per call", "time")]
    if memory_bytes is not None:
        mem = np.asarray(memory_bytes, dtype=float)
        if mem.shape != T.shape:
            raise ValueError("need one memory size per length")
        panels.append((mem / 2**20, "MiB", "memory of the weights P"))
    fig, axes = plt.subplots(1, len(panels), figsize=(5.4 * len(panels), 3.8), squeeze=False)
    for ax, (vals, ylabel, name) in zip(axes[0], panels):
        slope = np.polyfit(np.log(T[len(T) // 2 :]), np.log(vals[len(T) // 2 :]), 1)[0]
        ax.loglog(T, vals, "o-", label=f"measured (slope {slope:.2f} over the longer half)")
        ax.loglog(T, vals[-1] * (T / T[-1]) ** 2, "k--", lw=1, label=r"$\propto T^2$")
        ax.set_xlabel("sequence length T")
        ax.set_ylabel(ylabel)
        ax.set_title(f"{title}: {name}")
        ax.grid(alpha=0.3, which="both")
        ax.legend(fontsize=8)
    fig.tight_layout()
    return fig


# --------------------------------------------------------------------------- a sentence, by hand

# Hand-made word features: a word's role, and whether it names something alive.
_FEATURES = ("det", "noun", "verb", "prep", "pron", "conj", "adj", "alive")
_LEXICON = {
    "the": {"det"},
    "a": {"det"},
    "cat": {"noun", "alive"},
    "student": {"noun", "alive"},
    "mat": {"noun"},
    "book": {"noun"},
    "sat": {"verb"},
    "am": {"verb"},
    "read": {"verb"},
    "was": {"verb"},
    "on": {"prep"},
    "because": {"conj"},
    "it": {"pron"},
    "i": {"pron", "alive"},
    "tired": {"adj"},
}
# Who looks for whom: _LOOKS_FOR[a][b] is added to the score of a query with feature a
# against a key with feature b.
_LOOKS_FOR = {
    "det": {"noun": 12.0},
    "noun": {"det": 4.0, "verb": 6.0},
    "verb": {"noun": 6.0, "pron": 10.0, "alive": 8.0},
    "prep": {"noun": 12.0},
    "pron": {"noun": 6.0, "alive": 10.0},
    "conj": {"verb": 10.0},
    "adj": {"pron": 12.0, "alive": 4.0},
}
SENTENCES = ("the cat sat on the mat because it was tired", "i am a student")


def sentence_queries_keys(sentence: str, pos_dim: int = 16, pos_weight: float = 0.8):
    """Hand-built queries and keys for the words of ``sentence``: ``(tokens, Q, K)``.

    Each word gets a feature vector f (its role and whether it names something alive, see
    ``_LEXICON``) and the sinusoidal encoding p of its position. Keys are ``[f, w p]`` and queries
    ``[f M, w p]``, where M encodes who looks for whom (a determiner for its noun, a pronoun for
    something alive, ...) and ``w = pos_weight`` makes nearby words a little more similar.
    Q and K are (T, len(features) + pos_dim), so ``Q @ K.T`` is the (T, T) matrix of raw scores.
    """
    tokens = sentence.lower().split()
    unknown = [t for t in tokens if t not in _LEXICON]
    if unknown:
        raise ValueError(f"words without features: {unknown}; known: {sorted(_LEXICON)}")
    idx = {f: i for i, f in enumerate(_FEATURES)}
    F = np.zeros((len(tokens), len(_FEATURES)))
    for t, word in enumerate(tokens):
        for f in _LEXICON[word]:
            F[t, idx[f]] = 1.0
    M = np.zeros((len(_FEATURES), len(_FEATURES)))
    for a, row in _LOOKS_FOR.items():
        for b, value in row.items():
            M[idx[a], idx[b]] = value
    P = pos_weight * sinusoidal_positions(len(tokens), pos_dim, base=100.0)
    Q = np.concatenate([F @ M, P], axis=1)
    K = np.concatenate([F, P], axis=1)
    return tokens, Q, K


def sentence_attention(
    sentence: str = "the cat sat on the mat because it was tired",
    temperature: float = 1.0,
    causal: bool = False,
):
    """Attention weights over a sentence: ``(tokens, W)`` with W (T, T), rows summing to 1.

    ``W = softmax(Q K^T / (sqrt(d) * temperature))`` row by row, with the hand-built Q and K of
    :func:`sentence_queries_keys`; with ``causal=True`` word i sees only words 0..i.
    """
    if temperature <= 0:
        raise ValueError(f"temperature must be positive, got {temperature}")
    tokens, Q, K = sentence_queries_keys(sentence)
    S = Q @ K.T / (np.sqrt(Q.shape[1]) * temperature)
    if causal:
        S = np.where(np.tril(np.ones_like(S, dtype=bool)), S, -np.inf)
    return tokens, _softmax_rows(S)


def _heatmap(ax, W, row_labels, col_labels, annotate: bool = True):
    im = ax.imshow(W, cmap="Blues", vmin=0.0, vmax=1.0, interpolation="nearest")
    ax.set_xticks(range(len(col_labels)), labels=col_labels, rotation=60, ha="right")
    ax.set_yticks(range(len(row_labels)), labels=row_labels)
    if annotate and W.shape[0] * W.shape[1] <= 144:
        for i in range(W.shape[0]):
            for j in range(W.shape[1]):
                if W[i, j] >= 0.005:
                    ax.text(
                        j,
                        i,
                        f"{W[i, j]:.2f}",
                        ha="center",
                        va="center",
                        fontsize=7,
                        color="white" if W[i, j] > 0.6 else "black",
                    )
    return im


def plot_attention_heatmap(
    temperature: float = 1.0,
    causal: bool = False,
    sentence: str = "the cat sat on the mat because it was tired",
):
    """The attention weights of :func:`sentence_attention` as a heat map (queries down, keys across);
    each query's label carries the entropy of its row in bits (0: one key only; log2 T: uniform)."""
    tokens, W = sentence_attention(sentence, temperature, causal)
    with np.errstate(divide="ignore", invalid="ignore"):
        ent = np.abs(np.sum(np.where(W > 0, W * np.log2(W), 0.0), axis=1))  # (T,) bits per row
    fig, ax = plt.subplots(figsize=(7.4, 5.8))
    im = _heatmap(ax, W, [f"{t}  ({e:.1f} bits)" for t, e in zip(tokens, ent)], tokens)
    ax.set_xlabel("key (the word attended to)")
    ax.set_ylabel("query (the word looking), row entropy")
    mask = "causal mask" if causal else "no mask"
    ax.set_title(f"Attention weights, temperature {temperature:g}, {mask}")
    fig.colorbar(im, ax=ax, fraction=0.04, label="weight")
    fig.tight_layout()
    return fig


def attention_explorer(temperature: float = 1.0, causal: bool = False):
    """A temperature slider (log scale), a causal-mask toggle and a sentence picker around
    :func:`plot_attention_heatmap`."""
    import ipywidgets as w

    from course.widgets import interactive

    style = {"description_width": "initial"}
    return interactive(
        lambda **kw: plot_attention_heatmap(**kw),
        temperature=w.FloatLogSlider(
            value=temperature,
            base=10,
            min=-1.5,
            max=1.5,
            step=0.05,
            description="temperature τ",
            continuous_update=False,
            style=style,
        ),
        causal=w.Checkbox(value=causal, description="causal mask (no looking ahead)", style=style),
        sentence=w.Dropdown(options=list(SENTENCES), value=SENTENCES[0], description="sentence", style=style),
    )


# --------------------------------------------------------------------------- several heads


def plot_attention_maps(
    maps,
    row_labels: Sequence[str],
    col_labels: Sequence[str] | None = None,
    titles: Sequence[str] | None = None,
    suptitle: str = "Attention maps",
):
    """One heat map per map: ``maps`` is (H, T_q, T_k) (or (T_q, T_k) for one), rows are queries."""
    maps = np.asarray(maps, dtype=float)
    if maps.ndim == 2:
        maps = maps[None]
    if maps.ndim != 3:
        raise ValueError(f"maps must be (H, T_q, T_k) or (T_q, T_k), got shape {maps.shape}")
    H, Tq, Tk = maps.shape
    col_labels = list(row_labels) if col_labels is None else list(col_labels)
    if len(row_labels) != Tq or len(col_labels) != Tk:
        raise ValueError(f"{len(row_labels)} row and {len(col_labels)} column labels for maps of {Tq} x {Tk}")
    titles = [f"head {h}" for h in range(H)] if titles is None else list(titles)
    fig, axes = plt.subplots(1, H, figsize=(3.6 * H + 0.8, 3.8), squeeze=False)
    for h, ax in enumerate(axes[0]):
        im = _heatmap(ax, maps[h], list(row_labels), col_labels, annotate=Tq * Tk <= 64)
        ax.set_title(titles[h])
        ax.set_xlabel("key position")
        if h == 0:
            ax.set_ylabel("query position")
    fig.colorbar(im, ax=list(axes[0]), fraction=0.03, label="weight")
    fig.suptitle(suptitle)
    return fig

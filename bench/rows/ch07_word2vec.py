"""Skip-gram with negative sampling: chapter 07's code against gensim's Word2Vec.

Same corpus (gensim's bundled ``lee_background.cor``), same vocabulary (gensim's, min_count 5),
same dimensions, window (fixed: gensim's ``shrink_windows=False``), negatives, epochs and
learning-rate schedule (0.025 falling linearly to 0.0001); no subsampling on either side.
Throughput is in corpus words per second (the in-vocabulary words of every epoch over the
training time; ours includes making the pairs and drawing the negatives). Quality is the
Spearman correlation on the in-vocabulary pairs of wordsim353, both through gensim's
``evaluate_word_pairs``.

Ours is a plain loop around the chapter's batched ``sgns_loss_and_grads(center_ids,
context_ids, negative_ids, w_in, w_out)``: its loss is averaged over the batch, so the step is
``lr * batch * grad`` (the sum of the per-pair steps gensim takes). Gradients may come back dense
(shaped like ``w_in``/``w_out``) or per row (``(B, d)`` and ``(B, 1 + K, d)``).
"""

from __future__ import annotations

import time

import numpy as np

from bench.common import Row, interleaved, log, median, now

ALPHA, MIN_ALPHA = 0.025, 0.0001


def _corpus():
    from gensim.test.utils import datapath
    from gensim.utils import simple_preprocess

    with open(datapath("lee_background.cor"), encoding="utf-8") as fh:
        return [simple_preprocess(line) for line in fh if line.strip()]


def _pairs(sentences: list[np.ndarray], window: int) -> tuple[np.ndarray, np.ndarray]:
    centers, contexts = [], []
    for s in sentences:
        n = len(s)
        for off in range(-window, window + 1):
            if off == 0 or abs(off) >= n:
                continue
            lo, hi = max(0, -off), min(n, n - off)
            centers.append(s[lo:hi])
            contexts.append(s[lo + off : hi + off])
    return np.concatenate(centers), np.concatenate(contexts)


def _apply(w: np.ndarray, grad: np.ndarray, ids: np.ndarray, step: float, what: str) -> None:
    if grad.shape == w.shape:
        w -= step * grad
    elif grad.shape == (*ids.shape, w.shape[1]):
        np.add.at(w, ids.reshape(-1), -step * grad.reshape(-1, w.shape[1]))
    else:
        raise ValueError(
            f"sgns_loss_and_grads returned {what} of shape {grad.shape}: expected {w.shape} or {(*ids.shape, w.shape[1])}"
        )


def _batches(sentences, window, neg, epochs, batch, noise_cdf, rng):
    """Yield ``(centers, contexts, negatives, lr)`` per mini-batch, with gensim's linear lr decay."""
    total = None
    for epoch in range(epochs):
        centers, contexts = _pairs(sentences, window)
        total = total or len(centers) * epochs
        for start in range(0, len(centers), batch):
            c, o = centers[start : start + batch], contexts[start : start + batch]
            negs = np.searchsorted(noise_cdf, rng.random((len(c), neg))).astype(np.int64)
            yield c, o, negs, ALPHA - (ALPHA - MIN_ALPHA) * (epoch * len(centers) + start) / total


def train_numpy(fn, sentences, V, dim, window, neg, epochs, batch, noise_cdf, seed=1):
    rng = np.random.default_rng(seed)
    w_in = ((rng.random((V, dim)) - 0.5) / dim).astype(np.float32)
    w_out = np.zeros((V, dim), dtype=np.float32)
    for c, o, negs, lr in _batches(sentences, window, neg, epochs, batch, noise_cdf, rng):
        _, g_in, g_out = fn(c, o, negs, w_in, w_out)
        step = lr * len(c)
        _apply(w_in, np.asarray(g_in), c, step, "grad_w_in")
        _apply(w_out, np.asarray(g_out), np.concatenate([o[:, None], negs], axis=1), step, "grad_w_out")
    return w_in


def train_torch(cls, sentences, V, dim, window, neg, epochs, batch, noise_cdf, device, seed=1):
    import torch

    torch.manual_seed(seed)
    rng = np.random.default_rng(seed)
    model = cls(V, dim).to(device)
    opt = torch.optim.SGD(model.parameters(), lr=ALPHA)
    for c, o, negs, lr in _batches(sentences, window, neg, epochs, batch, noise_cdf, rng):
        for g in opt.param_groups:
            g["lr"] = lr * len(c)
        loss = model(*(torch.from_numpy(a).to(device) for a in (c, o, negs)))
        opt.zero_grad()
        loss.backward()
        opt.step()
    if device.startswith("cuda"):
        torch.cuda.synchronize()
    emb = next(model.parameters())
    return emb.detach().cpu().numpy()


def _spearman(words, vectors) -> tuple[float, int]:
    from gensim.models import KeyedVectors
    from gensim.test.utils import datapath

    kv = KeyedVectors(vectors.shape[1])
    kv.add_vectors(words, vectors)
    _, spearman, oov = kv.evaluate_word_pairs(datapath("wordsim353.tsv"))
    return float(spearman[0]), round(353 * (1 - oov / 100))


def _label(name: str) -> str:
    return "NumPy sgns_loss_and_grads" if name == "numpy" else f"SkipGramNS ({name.split('-', 1)[1]})"


def skipgram_rows(ns: dict, ctx) -> list[Row]:
    from gensim.models import Word2Vec

    dim, window, neg = (50, 5, 5) if ctx.quick else (100, 5, 5)
    epochs, batch = (1, 1024) if ctx.quick else (5, 1024)
    workers = int(ctx.threads.split()[0]) if ctx.threads else 1
    raw = _corpus()
    params = dict(
        vector_size=dim,
        window=window,
        negative=neg,
        sg=1,
        hs=0,
        min_count=5,
        sample=0,
        alpha=ALPHA,
        min_alpha=MIN_ALPHA,
        workers=workers,
        seed=1,
        shrink_windows=False,
    )
    base = Word2Vec(**params)
    base.build_vocab(raw)
    words = list(base.wv.index_to_key)
    index = base.wv.key_to_index
    V = len(words)
    sentences = [np.array([index[w] for w in s if w in index], dtype=np.int64) for s in raw]
    corpus_words = sum(len(s) for s in sentences) * epochs
    counts = np.array([base.wv.get_vecattr(w, "count") for w in words], dtype=np.float64) ** 0.75
    noise_cdf = np.cumsum(counts / counts.sum())
    size = f"lee_background: {corpus_words // epochs} words, V={V}, d={dim}, window {window}, {neg} negatives, {epochs} epoch(s), batch {batch}"
    result: dict[str, np.ndarray] = {}

    def gensim_sample() -> float:
        model = Word2Vec(**params)
        model.build_vocab(raw)
        t0 = time.perf_counter()
        model.train(raw, total_examples=model.corpus_count, epochs=epochs)
        secs = time.perf_counter() - t0
        result["gensim"] = model.wv.vectors
        return secs

    def runner(name, train):
        def sample() -> float:
            t0 = time.perf_counter()
            result[name] = train()
            return time.perf_counter() - t0

        return sample

    trainers = {
        "numpy": lambda sents, ep: train_numpy(
            ns["sgns_loss_and_grads"], sents, V, dim, window, neg, ep, batch, noise_cdf
        )
    }
    if "SkipGramNS" in ns:
        for dev in ["cpu"] + (["cuda"] if ctx.cuda else []):
            trainers[f"torch-{dev}"] = lambda sents, ep, dev=dev: train_torch(
                ns["SkipGramNS"], sents, V, dim, window, neg, ep, batch, noise_cdf, dev
            )
    rows: list[Row] = []
    sides = {"gensim": gensim_sample}
    for name, train in trainers.items():
        try:  # a short trial first: a side that does not run gets an error row, the others go on
            train(sentences[:20], 1)
        except Exception as exc:  # noqa: BLE001
            rows.append(
                Row(
                    group="layers",
                    what=f"07 skip-gram training: {_label(name)} vs gensim Word2Vec",
                    size=size,
                    threads=ctx.threads,
                    machine=ctx.machine,
                    date=now(),
                    status=f"error: {type(exc).__name__}: {exc}"[:300],
                )
            )
            log(f"  {_label(name)}: {type(exc).__name__}: {exc}")
            continue
        sides[name] = runner(name, lambda train=train: train(sentences, epochs))
    if len(sides) == 1:
        return rows
    log(f"07 skip-gram: {', '.join(sides)} on {size}")
    reps = 1 if ctx.quick else 3
    samples = interleaved(sides, reps=reps, warmup=0 if ctx.quick else 1)
    g_secs = median(samples["gensim"])
    g_rate = corpus_words / g_secs
    g_rho, n_pairs = _spearman(words, result["gensim"])
    for name in sides:
        if name == "gensim":
            continue
        secs = median(samples[name])
        rate = corpus_words / secs
        rho, _ = _spearman(words, result[name])
        label = _label(name)
        rows.append(
            Row(
                group="layers",
                what=f"07 skip-gram training: {label} vs gensim Word2Vec (CPU, {workers} worker(s))",
                size=size,
                ours=f"{rate:,.0f} words/s",
                theirs=f"{g_rate:,.0f} words/s",
                ratio=rate / g_rate,
                threads=ctx.threads,
                machine=ctx.machine,
                date=now(),
                unit="words/s",
                ours_value=rate,
                theirs_value=g_rate,
                samples={"ours": samples[name], "theirs": samples["gensim"]},
                notes=(
                    f"Spearman on wordsim353 ({n_pairs} in-vocabulary pairs): ours {rho:.3f}, gensim {g_rho:.3f}; "
                    f"median of {reps} interleaved runs"
                ),
            )
        )
        log(
            f"  {label}: {rate:,.0f} words/s, gensim {g_rate:,.0f} words/s; Spearman {rho:.3f} vs {g_rho:.3f}"
        )
    return rows


from bench.layers import custom  # noqa: E402

custom("07_word2vec", "skip-gram training", needs=("sgns_loss_and_grads",))(skipgram_rows)

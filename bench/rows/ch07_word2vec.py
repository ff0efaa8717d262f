"""Skip-gram with negative sampling: chapter 07's code against gensim's Word2Vec (1 and 2 workers).

Same corpus (gensim's bundled ``lee_background.cor``), same vocabulary (gensim's, min_count 5:
``course.word2vec.lee_vocab``), same dimension, window (fixed: gensim's
``shrink_windows=False``), negatives (drawn from count^0.75), epochs, learning-rate schedule
(0.025 per pair falling linearly to 0.0001) and subsampling of frequent words (gensim's default
threshold 1e-3, gensim's formula: ``course.word2vec.keep_probabilities``). Throughput is in
corpus words per second: the in-vocabulary tokens of every epoch (before subsampling) over the
training time, on both sides; ours includes subsampling, making and shuffling the pairs and
drawing the negatives. Quality is
the Spearman correlation on the 60 in-vocabulary pairs of wordsim353, the same number as
gensim's ``evaluate_word_pairs``; each repetition trains from another seed and the row reports
the mean over the repetitions (one run's value moves by several hundredths from seed to seed).
The NumPy side, minutes per run in the full mode, runs once (next to one more gensim run).

Ours is a plain mini-batch loop around the chapter's batched ``sgns_loss_and_grads(center_ids,
context_ids, negative_ids, w_in, w_out)`` (NumPy) and its ``SkipGramNS`` module
(PyTorch, sparse gradients, each step ``p -= lr * batch * p.grad`` as ``torch.optim.SGD`` would do
without momentum; calling the optimizer itself costs about 50 µs more per step). The loss is averaged over the batch, so a step
is ``lr * batch * grad``: the sum of the per-pair steps gensim takes, computed from the vectors as
they were at the start of the batch. ``sgns_loss_and_grads`` may return its gradients dense
(shaped like ``w_in``/``w_out``, the chapter's choice) or per row (``(B, d)`` and ``(B, 1 + K, d)``);
``SkipGramNS(V, d)(center, context, negatives)`` returns the batch-mean loss and has ``w_in``'s
table as its first parameter.

The training loops run with glibc's malloc told to keep freed memory (``mallopt``), as PyTorch's
CPU tuning guide recommends (there with jemalloc/tcmalloc): a step allocates a few MB of
temporaries, and returning them to the OS after every step costs a page fault per 4 KiB on the
next one. The setting is restored afterwards.
"""

from __future__ import annotations

import contextlib
import ctypes
import time

import numpy as np

from bench.common import Row, interleaved, log, median

ALPHA, MIN_ALPHA = 0.025, 0.0001
SAMPLE = 1e-3


@contextlib.contextmanager
def _keep_freed_memory():
    """glibc only: no mmap/munmap per large allocation while the block runs (restored after)."""
    try:
        libc = ctypes.CDLL("libc.so.6")
        M_TRIM_THRESHOLD, M_MMAP_THRESHOLD = -1, -3
        ok = libc.mallopt(M_MMAP_THRESHOLD, 1 << 30) and libc.mallopt(M_TRIM_THRESHOLD, 1 << 30)
    except (OSError, AttributeError):
        libc, ok = None, False
    try:
        yield bool(ok)
    finally:
        if libc is not None and ok:
            libc.mallopt(-3, 128 * 1024)  # glibc's defaults
            libc.mallopt(-1, 128 * 1024)


def _apply(w: np.ndarray, grad: np.ndarray, ids: np.ndarray, step: float, what: str) -> None:
    if grad.shape == w.shape:
        w -= step * grad
    elif grad.shape == (*ids.shape, w.shape[1]):
        np.add.at(w, ids.reshape(-1), -step * grad.reshape(-1, w.shape[1]))
    else:
        raise ValueError(
            f"sgns_loss_and_grads returned {what} of shape {grad.shape}: expected {w.shape} or {(*ids.shape, w.shape[1])}"
        )


def _batches(sentences, window, neg, epochs, batch, table, rng, keep=None):
    """Yield ``(centres, outsides, negatives, lr)`` per mini-batch: frequent words subsampled with
    the probabilities ``keep`` and the pairs shuffled every epoch, negatives from the count^0.75
    table, gensim's linear learning-rate decay."""
    from course.word2vec import draw_negatives, epoch_pairs

    for epoch in range(epochs):
        centres, outsides = epoch_pairs(sentences, window, rng, keep)
        negs = draw_negatives(table, (len(centres), neg), rng)
        n = len(centres)
        for start in range(0, n, batch):
            lr = ALPHA - (ALPHA - MIN_ALPHA) * (epoch + start / n) / epochs
            end = start + batch
            yield centres[start:end], outsides[start:end], negs[start:end], lr


def train_numpy(fn, sentences, V, dim, window, neg, epochs, batch, table, seed=1, keep=None):
    rng = np.random.default_rng(seed)
    w_in = ((rng.random((V, dim)) - 0.5) / dim).astype(np.float32)
    w_out = np.zeros((V, dim), dtype=np.float32)
    for c, o, negs, lr in _batches(sentences, window, neg, epochs, batch, table, rng, keep):
        _, g_in, g_out = fn(c, o, negs, w_in, w_out)
        step = lr * len(c)
        _apply(w_in, np.asarray(g_in), c, step, "grad_w_in")
        _apply(w_out, np.asarray(g_out), np.concatenate([o[:, None], negs], axis=1), step, "grad_w_out")
    return w_in


def train_torch(cls, sentences, V, dim, window, neg, epochs, batch, table, device, seed=1, keep=None):
    import torch

    torch.manual_seed(seed)
    rng = np.random.default_rng(seed)
    model = cls(V, dim).to(device)
    params = list(model.parameters())
    on_cpu = str(device) == "cpu"
    for c, o, negs, lr in _batches(sentences, window, neg, epochs, batch, table, rng, keep):
        ids = [torch.from_numpy(a) for a in (c, o, negs)]
        loss = model(*(ids if on_cpu else [t.to(device, non_blocking=True) for t in ids]))
        for p in params:
            p.grad = None
        loss.backward()
        with (
            torch.no_grad()
        ):  # plain SGD on the sparse gradients: what torch.optim.SGD does, minus its bookkeeping
            for p in params:
                p.add_(p.grad, alpha=-lr * len(c))
    if str(device).startswith("cuda"):
        torch.cuda.synchronize()
    emb = next(model.parameters())
    return emb.detach().cpu().numpy()


def _label(name: str) -> str:
    return "NumPy sgns_loss_and_grads" if name == "numpy" else f"SkipGramNS ({name.split('-', 1)[1]})"


def skipgram_rows(ns: dict, ctx) -> list[Row]:
    from gensim.models import Word2Vec

    from course.data import load_corpus
    from course.word2vec import (
        encode,
        keep_probabilities,
        lee_vocab,
        noise_table,
        wordsim_pairs,
        wordsim_spearman,
    )

    dim, window, neg = (50, 5, 5) if ctx.quick else (100, 5, 5)
    epochs, batch = (1, 1024) if ctx.quick else (20, 1024)
    reps = 1 if ctx.quick else 3
    raw = load_corpus()
    vocab = lee_vocab()
    V = len(vocab)
    sentences = encode(raw, vocab)
    corpus_words = vocab.total * epochs
    p = vocab.counts.astype(np.float64) ** 0.75
    table = noise_table(p / p.sum())
    keep = keep_probabilities(vocab.counts, SAMPLE)
    size = (
        f"lee_background: {vocab.total} words, V={V}, d={dim}, window {window}, {neg} negatives, "
        f"subsampling {SAMPLE:g}, {epochs} epoch(s), batch {batch}"
    )
    params = dict(
        vector_size=dim,
        window=window,
        negative=neg,
        sg=1,
        hs=0,
        min_count=5,
        sample=SAMPLE,
        alpha=ALPHA,
        min_alpha=MIN_ALPHA,
        shrink_windows=False,
    )
    rhos: dict[str, list[float]] = {}
    cpu: dict[str, list[float]] = {}  # CPU seconds of the process (all threads) per run

    def record(name: str, vectors: np.ndarray, cpu_secs: float) -> None:
        rhos.setdefault(name, []).append(wordsim_spearman(vectors, vocab)[0])
        cpu.setdefault(name, []).append(cpu_secs)

    def gensim_side(workers: int):
        seeds = iter(range(1, 1000))

        def sample() -> float:
            model = Word2Vec(**params, workers=workers, seed=next(seeds))
            model.build_vocab(raw)
            t0, c0 = time.perf_counter(), time.process_time()
            model.train(raw, total_examples=model.corpus_count, epochs=epochs)
            secs = time.perf_counter() - t0
            record(f"gensim-{workers}", model.wv.vectors, time.process_time() - c0)
            return secs

        return sample

    def our_side(name, train):
        seeds = iter(range(1, 1000))

        def sample() -> float:
            t0, c0 = time.perf_counter(), time.process_time()
            vectors = train(sentences, epochs, next(seeds))
            secs = time.perf_counter() - t0
            record(name, vectors, time.process_time() - c0)
            return secs

        return sample

    trainers = {
        "numpy": lambda sents, ep, seed: train_numpy(
            ns["sgns_loss_and_grads"], sents, V, dim, window, neg, ep, batch, table, seed, keep
        )
    }
    if "SkipGramNS" in ns:
        for dev in ["cpu"] + (["cuda"] if ctx.cuda else []):
            trainers[f"torch-{dev}"] = lambda sents, ep, seed, dev=dev: train_torch(
                ns["SkipGramNS"], sents, V, dim, window, neg, ep, batch, table, dev, seed, keep
            )
    rows: list[Row] = []

    def error_row(name: str, exc: BaseException) -> Row:
        return _error_row(
            ctx.row(f"07 skip-gram training: {_label(name)} vs gensim Word2Vec", size=size), exc
        )

    sides = {"gensim-1": gensim_side(1), "gensim-2": gensim_side(2)}
    for name, train in trainers.items():
        try:  # a short trial first: a side that does not run gets an error row, the others go on
            train(sentences[:20], 1, 0)
        except Exception as exc:  # noqa: BLE001
            log(f"  {_label(name)}:")
            rows.append(error_row(name, exc))
            continue
        sides[name] = our_side(name, train)
    if len(sides) == 2:
        return rows
    # The NumPy side is slow (minutes per run in the full mode): it runs once, interleaved with
    # one more gensim run; the others run `reps` times, interleaved with each other.
    numpy_side = sides.pop("numpy", None)
    log(f"07 skip-gram: {', '.join(sides)} on {size}; {reps} interleaved run(s) each")
    with _keep_freed_memory() as kept:
        samples = interleaved(sides, reps=reps, warmup=0)
        if numpy_side is not None:
            log("07 skip-gram: numpy, interleaved with gensim-1, one run")
            extra = interleaved({"numpy": numpy_side, "gensim-1": sides["gensim-1"]}, reps=1, warmup=0)
            samples["numpy"] = extra["numpy"]
            samples["gensim-1"] += extra["gensim-1"]
            sides = {"numpy": numpy_side, **sides}
    rates = {name: corpus_words / median(s) for name, s in samples.items()}
    rho = {name: float(np.mean(v)) for name, v in rhos.items()}
    n_pairs = len(wordsim_pairs(vocab))
    for name in sides:
        if name.startswith("gensim"):
            continue
        label = _label(name)
        for workers in (1, 2):
            g = f"gensim-{workers}"
            ratio = rates[name] / rates[g]
            notes = (
                f"Spearman on wordsim353 ({n_pairs} in-vocabulary pairs, mean over seeds): "
                f"ours {rho[name]:.3f} ({len(rhos[name])} run(s)), gensim {rho[g]:.3f} ({len(rhos[g])} run(s)); "
                f"median time of the interleaved runs; in CPU seconds (all threads) the ratio is "
                f"{median(cpu[g]) / median(cpu[name]):.3f}"
            )
            if name == "torch-cpu" and workers == 1:
                met = ratio >= 0.5 and rho[name] >= rho[g] - 0.02
                notes += f"; goal (at least 0.5 at an equal score, within 0.02): {'met' if met else 'missed'}"
            if kept:
                notes += "; malloc keeps freed memory during the runs"
            rows.append(
                ctx.row(
                    f"07 skip-gram training: {label} vs gensim Word2Vec ({workers} worker{'s' if workers > 1 else ''}, CPU)",
                    size=size,
                    ours=f"{rates[name]:,.0f} words/s",
                    theirs=f"{rates[g]:,.0f} words/s",
                    ratio=ratio,
                    unit="words/s",
                    ours_value=rates[name],
                    theirs_value=rates[g],
                    samples={"ours": samples[name], "theirs": samples[g]},
                    notes=notes,
                )
            )
        log(
            f"  {label}: {rates[name]:,.0f} words/s (Spearman {rho[name]:.3f}); gensim 1 worker "
            f"{rates['gensim-1']:,.0f} ({rho['gensim-1']:.3f}), 2 workers {rates['gensim-2']:,.0f} ({rho['gensim-2']:.3f})"
        )
    return rows


from bench.layers import _error_row, custom  # noqa: E402

custom("07_word2vec", "skip-gram training", needs=("sgns_loss_and_grads",))(skipgram_rows)

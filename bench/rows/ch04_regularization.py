"""Benchmark rows of chapter 04_regularization (found by ``bench.rows`` from the chapter's name)."""

from __future__ import annotations

from bench.layers import Case, _rng, _torch, fwd_bwd, layer, randn, tensor


@layer(
    "04_regularization",
    "batch norm forward+backward (train)",
    ("batchnorm_forward", "batchnorm_backward"),
    "BatchNormFunction",
)
def _batchnorm(ns, quick):
    N, D = (128, 256) if quick else (1024, 1024)
    r = _rng(41)
    x, g, b, d = randn(r, N, D), randn(r, D), randn(r, D), randn(r, N, D)

    def ours():
        _, cache = ns["batchnorm_forward"](x, g, b, {"mode": "train", "eps": 1e-5, "momentum": 0.9})
        return ns["batchnorm_backward"](d, cache)

    def theirs(dev):
        F = _torch().nn.functional
        return fwd_bwd(
            lambda x_, g_, b_: F.batch_norm(x_, None, None, g_, b_, training=True, eps=1e-5),
            (tensor(x, dev, True), tensor(g, dev, True), tensor(b, dev, True)),
            tensor(d, dev),
        )

    return Case(f"N={N} D={D} float32", ours, theirs, "F.batch_norm + autograd")
